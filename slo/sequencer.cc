#include "slo/sequencer.h"

#include <algorithm>
#include <bit>
#include <tuple>

namespace ninesd::slo {
namespace {

// Ring buckets: the lateness plus a little slack, rounded up to a power of
// two; longer lateness spills into the ordered map.
size_t RingSize(Millis lateness) {
  constexpr Millis kMaxRing = 4096;
  Millis want = std::min<Millis>(std::max<Millis>(lateness, 0) / 1000 + 3, kMaxRing);
  return std::bit_ceil(static_cast<size_t>(std::max<Millis>(want, 8)));
}

}  // namespace

bool CanonicalLess(const Signal& a, const Signal& b) {
  auto key = [](const Signal& s) {
    return std::make_tuple(s.ts, s.service, s.kind, s.state, s.good, s.probe, s.location,
                           s.has_latency, s.latency_ms, s.good_count, s.total_count, s.id_hash);
  };
  return key(a) < key(b);
}

bool Sequencer::IdSet::Insert(uint64_t id, Millis ts, Millis watermark) {
  if ((size_ + 1) * 2 > slots_.size()) {
    // Full to half: drop the ids no signal can repeat any more (older than
    // the watermark, they would be late), and grow when most are still live.
    size_t live = 0;
    for (const Slot& s : slots_) live += s.id != 0 && s.ts >= watermark;
    size_t cap = std::max<size_t>(slots_.size(), 1024);
    while ((live + 1) * 4 > cap) cap *= 2;
    Rebuild(cap, watermark);
  }
  const size_t mask = slots_.size() - 1;
  size_t i = Home(id, mask);
  while (slots_[i].id != 0) {
    if (slots_[i].id == id) return false;
    i = (i + 1) & mask;
  }
  slots_[i] = Slot{id, ts};
  ++size_;
  return true;
}

void Sequencer::IdSet::Rebuild(size_t capacity, Millis watermark) {
  std::vector<Slot> old(capacity);
  old.swap(slots_);
  size_ = 0;
  const size_t mask = capacity - 1;
  for (const Slot& s : old) {
    if (s.id == 0 || s.ts < watermark) continue;
    size_t i = Home(s.id, mask);
    while (slots_[i].id != 0) i = (i + 1) & mask;
    slots_[i] = s;
    ++size_;
  }
}

Sequencer::Sequencer(Engine& engine, Millis allowed_lateness)
    : engine_(engine), lateness_(allowed_lateness), ring_(RingSize(allowed_lateness)) {}

Millis Sequencer::watermark() const {
  // Before any signal, time released by ReleaseUpTo (the live daemon's
  // clock) already bounds what may come.
  if (max_ts_ == kNone) return released_;
  return std::max(max_ts_ - lateness_, released_);
}

std::vector<Signal>& Sequencer::BucketFor(Millis start) {
  const Millis span = static_cast<Millis>(ring_.size()) * kBucket;
  if (start - base_ < span) {
    ++ring_held_;
    return ring_[static_cast<size_t>(start / kBucket) & (ring_.size() - 1)];
  }
  return far_[start];
}

Millis Sequencer::first_held() const {
  // While holding, far_ takes signals of any time, also before the ring's.
  const Millis far = far_.empty() ? kNone : far_.begin()->first;
  const Millis span = static_cast<Millis>(ring_.size()) * kBucket;
  for (Millis sec = base_; ring_held_ > 0 && sec - base_ < span && (far == kNone || sec < far);
       sec += kBucket) {
    if (!ring_[static_cast<size_t>(sec / kBucket) & (ring_.size() - 1)].empty()) return sec;
  }
  return far;
}

void Sequencer::MakeDurable() {
  if (replayable_ == 0) return;
  for (auto& v : ring_) {
    for (Signal& s : v) s.replayable = false;
  }
  for (auto& [start, v] : far_) {
    for (Signal& s : v) s.replayable = false;
  }
  replayable_ = 0;
}

size_t Sequencer::memory_bytes() const {
  return held_ * sizeof(Signal) + ids_.capacity() * sizeof(IdSet::Slot);
}

void Sequencer::ClearHeld() {
  for (auto& v : ring_) v.clear();
  far_.clear();
  replayable_ = 0;
  ring_held_ = held_ = 0;
  base_ = kNone;
  ids_.Clear();
}

void Sequencer::RestoreBucket(Millis start, std::vector<Signal>&& signals) {
  if (signals.empty()) return;
  if (held_ == 0) {
    Millis w = watermark();
    base_ = w == kNone ? start : std::min(start, FloorTo(w, kBucket));
  }
  const size_t n = signals.size();
  const Millis span = static_cast<Millis>(ring_.size()) * kBucket;
  std::vector<Signal>* v;
  if (start - base_ < span) {
    v = &ring_[static_cast<size_t>(start / kBucket) & (ring_.size() - 1)];
    ring_held_ += n;
  } else {
    v = &far_[start];
  }
  v->insert(v->end(), signals.begin(), signals.end());
  held_ += n;
}

void Sequencer::Hold(bool on) {
  hold_ = on;
  if (!on && held_ > 0 && base_ == kNone) {
    // Held signals sit in far_ only: start the ring at or before all of them.
    Millis w = watermark();
    Millis first = far_.empty() ? w : far_.begin()->first;
    base_ = FloorTo(w == kNone ? first : std::min(w, first), kBucket);
  }
}

Verdict Sequencer::Push(const Signal& s) {
  if (hold_) {
    if (released_ != kNone && s.ts < released_) return Verdict::kLate;
    if (s.id_hash != 0 && !ids_.Insert(s.id_hash, s.ts, released_)) return Verdict::kDuplicate;
    // Any order: the ordered map, released in order by ReleaseUpTo.
    far_[FloorTo(s.ts, kBucket)].push_back(s);
    ++held_;
    replayable_ += s.replayable;
    if (s.ts > max_ts_) max_ts_ = s.ts;
    return Verdict::kAccepted;
  }
  const Millis w = watermark();
  if (s.ts < w) return Verdict::kLate;
  // Ids are swept only before the last release, not the watermark: the
  // held signals' ids must stay, for a hold (draining) lowers the late bound
  // to the last release.
  if (s.id_hash != 0 && !ids_.Insert(s.id_hash, s.ts, released_)) return Verdict::kDuplicate;
  if (held_ == 0) {
    // Nothing held: start the ring at the earliest time a signal may still
    // come (after this one, the first signal's time minus the lateness).
    base_ = FloorTo(w == kNone ? s.ts - lateness_ : w, kBucket);
  }
  BucketFor(FloorTo(s.ts, kBucket)).push_back(s);
  ++held_;
  replayable_ += s.replayable;
  if (s.ts > max_ts_) {
    max_ts_ = s.ts;
    // Release whole seconds: the order of application does not depend on
    // when releases happen, only on the watermark.
    Millis r = FloorTo(std::min(max_ts_ - lateness_, release_limit_), kBucket);
    if (released_ == kNone || r > released_) ReleaseUpTo(r);
  }
  return Verdict::kAccepted;
}

void Sequencer::ReleaseUpTo(Millis t) {
  batch_.clear();
  auto take = [&](std::vector<Signal>& v, Millis start) -> size_t {
    if (start + kBucket <= t) {
      batch_.insert(batch_.end(), v.begin(), v.end());
      size_t n = v.size();
      v.clear();
      return n;
    }
    // The bucket holding t: release the part before t.
    auto mid = std::partition(v.begin(), v.end(), [t](const Signal& s) { return s.ts < t; });
    batch_.insert(batch_.end(), v.begin(), mid);
    size_t n = static_cast<size_t>(mid - v.begin());
    v.erase(v.begin(), mid);
    return n;
  };
  if (held_ > 0) {
    const size_t mask = ring_.size() - 1;
    const Millis span = static_cast<Millis>(ring_.size()) * kBucket;
    for (Millis sec = base_; ring_held_ > 0 && sec < t && sec - base_ < span; sec += kBucket) {
      std::vector<Signal>& v = ring_[static_cast<size_t>(sec / kBucket) & mask];
      if (v.empty()) continue;
      size_t n = take(v, sec);
      ring_held_ -= n;
      held_ -= n;
    }
    while (!far_.empty() && far_.begin()->first < t) {
      auto it = far_.begin();
      held_ -= take(it->second, it->first);
      if (!it->second.empty()) break;
      far_.erase(it);
    }
    // Nothing before t is held any more, and nothing before it may come.
    Millis b = FloorTo(t, kBucket);
    if (b > base_) {
      base_ = b;
      while (!far_.empty() && far_.begin()->first - base_ < span) {
        auto it = far_.begin();
        std::vector<Signal>& slot = ring_[static_cast<size_t>(it->first / kBucket) & mask];
        ring_held_ += it->second.size();
        if (slot.empty()) {
          slot.swap(it->second);
        } else {
          // Held signals of this second also went to far_ (Hold).
          slot.insert(slot.end(), it->second.begin(), it->second.end());
        }
        far_.erase(it);
      }
    }
  }
  if (replayable_ > 0) {
    for (const Signal& s : batch_) replayable_ -= s.replayable;
  }
  // Buckets are disjoint: sorting the batch orders it fully.
  // A lambda, not the function pointer, so the comparison is inlined.
  std::sort(batch_.begin(), batch_.end(),
            [](const Signal& a, const Signal& b) { return CanonicalLess(a, b); });
  // Ordered by construction: Apply cannot fail on time here.
  engine_.ApplyBatch(batch_.data(), batch_.size());
  if (released_ == kNone || t > released_) released_ = t;
  engine_.AdvanceTo(t);
}

}  // namespace ninesd::slo
