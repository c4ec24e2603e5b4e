#pragma once
// CheckpointPacer: keeps the periodic checkpoint's share of the loop thread
// bounded. Collecting a checkpoint (encoding the engine's dirty state and the
// signals the sequencer holds) runs on the loop; the part saved of a long
// Kafka backlog being read, and a long catch-up with the clock, make it cost
// far more than usual.
// After a collection that took d, the next may start no sooner than
// kFactor * d later: checkpoints then take at most 1 / kFactor of the loop,
// whatever the interval. Pure; the caller passes the clock.

#include <chrono>

namespace ninesd::daemon {

class CheckpointPacer {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int kFactor = 10;

  // Whether a checkpoint due at `now` may run.
  bool MayRun(Clock::time_point now) const { return now >= not_before_; }
  // A collection started at `start` took `took`.
  void Collected(Clock::time_point start, Clock::duration took) {
    not_before_ = start + kFactor * took;
  }

 private:
  Clock::time_point not_before_{};
};

}  // namespace ninesd::daemon
