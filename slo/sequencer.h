#pragma once
// Sequencer: turns a stream whose signals may arrive out of order (within
// allowed_lateness) and more than once (same id) into the ordered stream the
// Engine needs. Signals wait in one-second buckets until the watermark passes
// them, and leave in a canonical order (time, then content), so any delivery
// order within the lateness gives the same result as sorted delivery.
// Buckets are released a second at a time: O(1) per signal plus a sort of
// each released batch, which is nearly sorted already.
//
// Memory: the signals of the last allowed_lateness, and the ids seen in it.
// Thread: the engine's owner thread.

#include <climits>
#include <cstdint>
#include <map>
#include <unordered_map>
#include <vector>

#include "slo/engine.h"
#include "slo/signal.h"

namespace ninesd::slo {

enum class Verdict : uint8_t { kAccepted, kLate, kDuplicate };

class Sequencer {
 public:
  Sequencer(Engine& engine, Millis allowed_lateness);

  // Takes a signal; releases what the new watermark allows.
  Verdict Push(const Signal& s);
  // Releases every held signal before t, in order, and moves the engine to t.
  void ReleaseUpTo(Millis t);

  // Automatic releases never go past t (replay --at: later signals are ignored).
  void LimitReleaseTo(Millis t) { release_limit_ = t; }

  // Signals before this time are late.
  Millis watermark() const;
  Millis max_ts() const { return max_ts_; }
  bool empty() const { return max_ts_ == kNone; }
  size_t held() const { return held_; }

 private:
  friend struct internal::StateAccess;
  static constexpr Millis kNone = INT64_MIN;
  Engine& engine_;
  Millis lateness_;
  Millis max_ts_ = kNone;
  Millis released_ = kNone;
  Millis release_limit_ = INT64_MAX;
  static constexpr Millis kBucket = 1000;
  std::map<Millis, std::vector<Signal>> buckets_;  // bucket start -> signals, unsorted
  size_t held_ = 0;
  std::vector<Signal> batch_;                 // released signals, reused
  std::unordered_map<uint64_t, Millis> ids_;  // id hash -> event time
  size_t ids_swept_at_ = 1024;
};

// Canonical order of signals: time first, then every field, so that ties are
// broken the same way whatever order they arrived in.
bool CanonicalLess(const Signal& a, const Signal& b);

}  // namespace ninesd::slo
