#include "slo/timeline.h"

#include <gtest/gtest.h>

#include <random>

namespace ninesd::slo {
namespace {

Millis Ms(const StateDurations& d, State s) { return d[static_cast<size_t>(s)]; }

TEST(TimelineTest, DurationsPerStateOverARange) {
  Timeline t(1000);
  t.Set(1000, State::kUp);
  t.Set(1500, State::kDown);
  t.Set(1700, State::kUp);
  t.ExtendTo(2000);
  StateDurations d = t.Durations(1000, 2000);
  EXPECT_EQ(Ms(d, State::kUp), 800);
  EXPECT_EQ(Ms(d, State::kDown), 200);
  d = t.Durations(1600, 1800);
  EXPECT_EQ(Ms(d, State::kDown), 100);
  EXPECT_EQ(Ms(d, State::kUp), 100);
}

TEST(TimelineTest, OutsideTheHistoryIsUnknown) {
  Timeline t(1000);
  t.Set(1000, State::kUp);
  t.ExtendTo(2000);
  StateDurations d = t.Durations(500, 2500);
  EXPECT_EQ(Ms(d, State::kUp), 1000);
  EXPECT_EQ(Ms(d, State::kUnknown), 1000);
}

TEST(TimelineTest, TruncateRewritesTheTail) {
  Timeline t(0);
  t.Set(0, State::kUp);
  t.Set(100, State::kDown);
  t.ExtendTo(300);
  t.Truncate(50);
  EXPECT_EQ(t.end(), 50);
  t.Set(50, State::kDegraded);
  t.ExtendTo(300);
  StateDurations d = t.Durations(0, 300);
  EXPECT_EQ(Ms(d, State::kUp), 50);
  EXPECT_EQ(Ms(d, State::kDegraded), 250);
  EXPECT_EQ(Ms(d, State::kDown), 0);
}

TEST(TimelineTest, SameStateTwiceIsOneSegment) {
  Timeline t(0);
  t.Set(0, State::kUp);
  t.Set(10, State::kUp);
  EXPECT_EQ(t.segment_count(), 1u);
  t.Set(20, State::kDown);
  t.Set(20, State::kUp);  // zero-length segment replaced, merged back
  EXPECT_EQ(t.segment_count(), 1u);
}

// Random histories checked against a per-millisecond array, across pruning
// and block boundaries.
TEST(TimelineTest, MatchesAPerMillisecondReference) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 200; ++round) {
    Timeline t(0);
    std::vector<State> ref;
    Millis now = 0;
    int changes = static_cast<int>(rng() % 120) + 1;
    for (int i = 0; i < changes; ++i) {
      State s = static_cast<State>(rng() % kNumStates);
      t.Set(now, s);
      Millis len = static_cast<Millis>(rng() % 20);
      ref.resize(static_cast<size_t>(now));
      ref.insert(ref.end(), static_cast<size_t>(len), s);
      now += len;
      t.ExtendTo(now);
      if (rng() % 10 == 0 && now > 0) {
        Millis cut = static_cast<Millis>(rng() % static_cast<uint64_t>(now));
        t.Truncate(cut);
        ref.resize(static_cast<size_t>(cut));
        now = cut;
      }
    }
    ref.resize(static_cast<size_t>(now));
    Millis prune = now > 0 ? static_cast<Millis>(rng() % static_cast<uint64_t>(now)) : 0;
    t.PruneBefore(prune);
    for (int q = 0; q < 50 && now > 0; ++q) {
      Millis a = prune + static_cast<Millis>(rng() % static_cast<uint64_t>(now - prune + 1));
      Millis b = a + static_cast<Millis>(rng() % static_cast<uint64_t>(now - a + 1));
      StateDurations got = t.Durations(a, b);
      StateDurations want{};
      for (Millis x = a; x < b; ++x) ++want[static_cast<size_t>(ref[static_cast<size_t>(x)])];
      ASSERT_EQ(got, want) << "round " << round << " [" << a << "," << b << ")";
    }
  }
}

TEST(TimelineTest, FiftyOutagesFitInTwoKilobytes) {
  Timeline t(0);
  for (int i = 0; i < 50; ++i) {
    t.Set(i * 1000, State::kUp);
    t.Set(i * 1000 + 10, State::kDown);
  }
  t.ExtendTo(50'000);
  EXPECT_LE(t.MemoryBytes(), 2048u);
}

}  // namespace
}  // namespace ninesd::slo
