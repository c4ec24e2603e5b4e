#include "daemon/checkpoint_pacer.h"

#include <gtest/gtest.h>

namespace ninesd::daemon {
namespace {

using std::chrono::milliseconds;
using Clock = CheckpointPacer::Clock;

TEST(CheckpointPacerTest, FirstCheckpointMayRunAtOnce) {
  CheckpointPacer p;
  EXPECT_TRUE(p.MayRun(Clock::time_point{} + milliseconds(1)));
}

TEST(CheckpointPacerTest, CheapCollectionsDoNotDelayTheNext) {
  CheckpointPacer p;
  Clock::time_point t0{milliseconds(100'000)};
  p.Collected(t0, milliseconds(20));  // 20 ms at a 5 s interval
  EXPECT_TRUE(p.MayRun(t0 + milliseconds(5000)));
}

TEST(CheckpointPacerTest, ExpensiveCollectionWaitsTenTimesItsDuration) {
  CheckpointPacer p;
  Clock::time_point t0{milliseconds(100'000)};
  p.Collected(t0, milliseconds(800));  // a backlog held: 0.8 s to encode
  EXPECT_FALSE(p.MayRun(t0 + milliseconds(1000)));
  EXPECT_FALSE(p.MayRun(t0 + milliseconds(7999)));
  EXPECT_TRUE(p.MayRun(t0 + milliseconds(8000)));
  // Cheap again: back to the interval.
  p.Collected(t0 + milliseconds(8000), milliseconds(1));
  EXPECT_TRUE(p.MayRun(t0 + milliseconds(9000)));
}

}  // namespace
}  // namespace ninesd::daemon
