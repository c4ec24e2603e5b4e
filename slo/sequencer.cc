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

namespace {
// std heap is a max-heap: invert for the earliest signal on top.
bool HeapLess(const Signal& a, const Signal& b) { return CanonicalLess(b, a); }
}  // namespace

Sequencer::Sequencer(Engine& engine, Millis allowed_lateness)
    : engine_(engine), lateness_(allowed_lateness) {}

Millis Sequencer::watermark() const {
  if (max_ts_ == kNone) return kNone;
  return std::max(max_ts_ - lateness_, released_);
}

Verdict Sequencer::Push(const Signal& s) {
  if (max_ts_ != kNone && s.ts < watermark()) return Verdict::kLate;
  if (s.id_hash != 0) {
    auto [it, inserted] = ids_.emplace(s.id_hash, s.ts);
    if (!inserted) return Verdict::kDuplicate;
  }
  heap_.push_back(s);
  std::push_heap(heap_.begin(), heap_.end(), HeapLess);
  if (s.ts > max_ts_) {
    max_ts_ = s.ts;
    Millis w = std::min(max_ts_ - lateness_, release_limit_);
    if (released_ == kNone || w > released_) ReleaseUpTo(w);
  }
  return Verdict::kAccepted;
}

void Sequencer::ReleaseUpTo(Millis t) {
  batch_.clear();
  while (!heap_.empty() && heap_.front().ts < t) {
    std::pop_heap(heap_.begin(), heap_.end(), HeapLess);
    batch_.push_back(heap_.back());
    heap_.pop_back();
  }
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
