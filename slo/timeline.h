#pragma once
// Timeline: the exact state history of one service, as segments [start, next
// start) with millisecond bounds, plus prefix sums per state so the time spent
// in each state over any range costs O(log n) to read, n being the number of
// state changes kept (tens for a healthy service).
//
// Layout: one 8-byte word per segment (start << 3 | state) and one block of
// cumulative durations every kBlock segments, which keeps a service with 50
// outages in its window well under a kilobyte.
//
// The tail after a given time can be rewritten (Truncate): back-dated
// failures and late signals rewrite the provisional part of the history.

#include <array>
#include <cstdint>
#include <vector>

#include "slo/model.h"
#include "slo/time.h"

namespace ninesd::slo {

using StateDurations = std::array<Millis, kNumStates>;

class Timeline {
 public:
  // The history starts at `origin`; everything before it is unknown.
  explicit Timeline(Millis origin = 0);

  Millis origin() const { return origin_; }
  Millis end() const { return end_; }
  State current() const { return segments_.empty() ? State::kUnknown : StateOf(segments_.back()); }
  // State at t (origin <= t < end); unknown outside.
  State StateAt(Millis t) const;

  // Sets the state from t (>= end of the last change) on; extends end to t.
  void Set(Millis t, State s);
  // Extends the last state to t (no-op when t <= end).
  void ExtendTo(Millis t);
  // Forgets everything at or after t; end becomes min(end, t).
  void Truncate(Millis t);
  // Drops history before t where it is whole segments (keeps StateAt(t) exact).
  void PruneBefore(Millis t);

  // Time per state in [a, b); time before origin or after end counts as unknown.
  StateDurations Durations(Millis a, Millis b) const;
  // Durations(starts[i], b) for i < n, sharing the lookup at b (the window
  // and the burn-rate lookbacks of one evaluation all end at `at`).
  void DurationsUntil(Millis b, const Millis* starts, size_t n, StateDurations* out) const;

  // Index of the first segment whose span ends after t; use with SegmentStart/State.
  size_t FindSegment(Millis t) const;
  size_t segment_count() const { return segments_.size() - head_; }
  Millis SegmentStart(size_t i) const { return StartOf(segments_[head_ + i]); }
  State SegmentState(size_t i) const { return StateOf(segments_[head_ + i]); }

  // End of the last segment in one of the given states (bit i = State i), or
  // -1 when none is kept; end() when the current state is one of them.
  Millis LastTimeIn(unsigned state_mask) const;

  size_t MemoryBytes() const;
  // Brings the latest segment and block towards the cache (reads end there).
  void Prefetch() const {
    if (!segments_.empty()) __builtin_prefetch(&segments_.back());
    if (!blocks_.empty()) __builtin_prefetch(&blocks_.back());
  }

 private:
  static constexpr size_t kBlock = 16;
  static Millis StartOf(uint64_t w) { return static_cast<Millis>(w >> 3); }
  static State StateOf(uint64_t w) { return static_cast<State>(w & 7); }
  static uint64_t Pack(Millis t, State s) {
    return (static_cast<uint64_t>(t) << 3) | static_cast<uint64_t>(s);
  }
  // Cumulative time per state in [first kept segment, t), t clamped to [.., end].
  StateDurations Cumulative(Millis t) const;

  Millis origin_;
  Millis end_;
  std::vector<uint64_t> segments_;      // absolute index i; kept from head_
  std::vector<StateDurations> blocks_;  // blocks_[k]: cumulative before segment k*kBlock
  size_t head_ = 0;                     // pruned prefix (multiple of kBlock)
};

}  // namespace ninesd::slo
