#include "slo/timeline.h"

#include <algorithm>
#include <cassert>

namespace ninesd::slo {

Timeline::Timeline(Millis origin) : origin_(origin), end_(origin) {}

size_t Timeline::FindSegment(Millis t) const {
  // Last segment with start <= t, relative to head_.
  auto first = segments_.begin() + static_cast<std::ptrdiff_t>(head_);
  auto it = std::upper_bound(first, segments_.end(), t,
                             [](Millis v, uint64_t w) { return v < StartOf(w); });
  if (it == first) return 0;
  return static_cast<size_t>(it - first) - 1;
}

State Timeline::StateAt(Millis t) const {
  if (segments_.size() == head_ || t < SegmentStart(0) || t >= end_) return State::kUnknown;
  return SegmentState(FindSegment(t));
}

void Timeline::Set(Millis t, State s) {
  assert(t >= end_ || segments_.empty() || t >= StartOf(segments_.back()));
  if (t < origin_) t = origin_;
  ExtendTo(t);
  if (!segments_.empty()) {
    uint64_t& last = segments_.back();
    if (StateOf(last) == s) return;
    if (StartOf(last) == t) {
      // Zero-length segment: replace it, and merge with the one before if equal.
      segments_.pop_back();
      if (segments_.size() % kBlock == 0 && blocks_.size() > segments_.size() / kBlock) {
        blocks_.pop_back();
      }
      if (segments_.size() > head_ && StateOf(segments_.back()) == s) return;
    }
  }
  if (segments_.size() % kBlock == 0) {
    // New block: cumulative before this segment.
    StateDurations cum{};
    if (!segments_.empty()) {
      size_t b = (segments_.size() - 1) / kBlock;
      cum = blocks_[b];
      for (size_t j = b * kBlock; j < segments_.size(); ++j) {
        Millis next = j + 1 < segments_.size() ? StartOf(segments_[j + 1]) : t;
        cum[static_cast<size_t>(StateOf(segments_[j]))] += next - StartOf(segments_[j]);
      }
    }
    blocks_.push_back(cum);
  }
  segments_.push_back(Pack(t, s));
}

void Timeline::ExtendTo(Millis t) {
  if (t > end_) end_ = t;
}

void Timeline::Truncate(Millis t) {
  if (t >= end_) return;
  if (t < origin_) t = origin_;
  while (segments_.size() > head_ && StartOf(segments_.back()) >= t) {
    segments_.pop_back();
    if (segments_.size() % kBlock == 0 && !blocks_.empty() &&
        blocks_.size() > segments_.size() / kBlock) {
      blocks_.pop_back();
    }
  }
  end_ = t;
}

void Timeline::PruneBefore(Millis t) {
  // Keep the segment containing t; drop whole blocks before it.
  if (segments_.size() == head_) return;
  size_t i = head_ + FindSegment(t);
  size_t new_head = i / kBlock * kBlock;
  if (new_head <= head_) return;
  head_ = new_head;
  if (head_ >= 4 * kBlock && head_ * 2 >= segments_.size()) {
    // Compact: move the kept tail to the front.
    size_t drop_blocks = head_ / kBlock;
    segments_.erase(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(head_));
    blocks_.erase(blocks_.begin(), blocks_.begin() + static_cast<std::ptrdiff_t>(drop_blocks));
    head_ = 0;
  }
}

StateDurations Timeline::Cumulative(Millis t) const {
  StateDurations cum{};
  if (segments_.size() == head_) return cum;
  if (t > end_) t = end_;
  Millis first = SegmentStart(0);
  if (t <= first) return cum;
  size_t i = head_ + FindSegment(t);
  size_t b = i / kBlock;
  // blocks_ is indexed relative to the compaction point, as are segments_.
  StateDurations base = blocks_[b];
  StateDurations head_base = blocks_[head_ / kBlock];
  for (int k = 0; k < kNumStates; ++k) cum[k] = base[k] - head_base[k];
  for (size_t j = b * kBlock; j < i; ++j) {
    cum[static_cast<size_t>(StateOf(segments_[j]))] +=
        StartOf(segments_[j + 1]) - StartOf(segments_[j]);
  }
  cum[static_cast<size_t>(StateOf(segments_[i]))] += t - StartOf(segments_[i]);
  return cum;
}

StateDurations Timeline::Durations(Millis a, Millis b) const {
  StateDurations out{};
  if (b <= a) return out;
  Millis known_from = segments_.size() == head_ ? end_ : SegmentStart(0);
  Millis lo = std::clamp(a, known_from, std::max(known_from, end_));
  Millis hi = std::clamp(b, known_from, std::max(known_from, end_));
  if (hi > lo) {
    StateDurations ca = Cumulative(lo), cb = Cumulative(hi);
    for (int k = 0; k < kNumStates; ++k) out[k] = cb[k] - ca[k];
  }
  // Outside the kept history: unknown.
  out[static_cast<size_t>(State::kUnknown)] += (b - a) - (hi - lo);
  return out;
}

void Timeline::DurationsUntil(Millis b, const Millis* starts, size_t n, StateDurations* out) const {
  Millis known_from = segments_.size() == head_ ? end_ : SegmentStart(0);
  Millis hi = std::clamp(b, known_from, std::max(known_from, end_));
  StateDurations cb{};
  bool have_cb = false;
  for (size_t i = 0; i < n; ++i) {
    StateDurations& o = out[i];
    o = StateDurations{};
    Millis a = starts[i];
    if (b <= a) continue;
    Millis lo = std::clamp(a, known_from, std::max(known_from, end_));
    if (hi > lo) {
      if (!have_cb) {
        cb = Cumulative(hi);
        have_cb = true;
      }
      StateDurations ca = Cumulative(lo);
      for (int k = 0; k < kNumStates; ++k) o[k] = cb[k] - ca[k];
    }
    o[static_cast<size_t>(State::kUnknown)] += (b - a) - (hi - lo);
  }
}

Millis Timeline::LastTimeIn(unsigned mask) const {
  for (size_t j = segments_.size(); j > head_; --j) {
    if (mask & (1u << static_cast<unsigned>(StateOf(segments_[j - 1])))) {
      return j == segments_.size() ? end_ : StartOf(segments_[j]);
    }
  }
  return -1;
}

size_t Timeline::MemoryBytes() const {
  return sizeof(*this) + segments_.capacity() * sizeof(uint64_t) +
         blocks_.capacity() * sizeof(StateDurations);
}

}  // namespace ninesd::slo
