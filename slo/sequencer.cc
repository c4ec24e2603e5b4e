#include "slo/sequencer.h"

#include <algorithm>
#include <tuple>

namespace ninesd::slo {

bool CanonicalLess(const Signal& a, const Signal& b) {
  auto key = [](const Signal& s) {
    return std::make_tuple(s.ts, s.service, s.kind, s.state, s.good, s.probe, s.location,
                           s.has_latency, s.latency_ms, s.good_count, s.total_count, s.id_hash);
  };
  return key(a) < key(b);
}

Sequencer::Sequencer(Engine& engine, Millis allowed_lateness)
    : engine_(engine), lateness_(allowed_lateness) {}

Millis Sequencer::watermark() const {
  // Before any signal, time released by ReleaseUpTo (the live daemon's
  // clock) already bounds what may come.
  if (max_ts_ == kNone) return released_;
  return std::max(max_ts_ - lateness_, released_);
}

Verdict Sequencer::Push(const Signal& s) {
  if (s.ts < watermark()) return Verdict::kLate;
  if (s.id_hash != 0) {
    auto [it, inserted] = ids_.emplace(s.id_hash, s.ts);
    if (!inserted) return Verdict::kDuplicate;
  }
  buckets_[FloorTo(s.ts, kBucket)].push_back(s);
  ++held_;
  if (s.ts > max_ts_) {
    max_ts_ = s.ts;
    // Release whole seconds: the order of application does not depend on
    // when releases happen, only on the watermark.
    Millis w = FloorTo(std::min(max_ts_ - lateness_, release_limit_), kBucket);
    if (released_ == kNone || w > released_) ReleaseUpTo(w);
  }
  return Verdict::kAccepted;
}

void Sequencer::ReleaseUpTo(Millis t) {
  batch_.clear();
  while (!buckets_.empty() && buckets_.begin()->first < t) {
    auto it = buckets_.begin();
    std::vector<Signal>& v = it->second;
    if (it->first + kBucket <= t) {
      batch_.insert(batch_.end(), v.begin(), v.end());
      held_ -= v.size();
      buckets_.erase(it);
      continue;
    }
    // The bucket holding t: release the part before t.
    auto mid = std::partition(v.begin(), v.end(), [t](const Signal& s) { return s.ts < t; });
    batch_.insert(batch_.end(), v.begin(), mid);
    held_ -= static_cast<size_t>(mid - v.begin());
    v.erase(v.begin(), mid);
    break;
  }
  // Buckets are disjoint and ascending: sorting the batch orders it fully.
  std::sort(batch_.begin(), batch_.end(), CanonicalLess);
  // Ordered by construction: Apply cannot fail on time here.
  engine_.ApplyBatch(batch_.data(), batch_.size());
  if (released_ == kNone || t > released_) released_ = t;
  engine_.AdvanceTo(t);
  // Ids older than the watermark can only come back late: forget them.
  if (ids_.size() >= ids_swept_at_) {
    Millis w = watermark();
    std::erase_if(ids_, [w](const auto& kv) { return kv.second < w; });
    ids_swept_at_ = std::max<size_t>(1024, ids_.size() * 2);
  }
}

}  // namespace ninesd::slo
