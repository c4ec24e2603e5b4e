#include "slo/minute_series.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace ninesd::slo {
namespace {

// Random traffic checked against a brute-force count of the bucket rule.
TEST(MinuteSeriesTest, WindowsMatchBruteForceBucketRule) {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 50; ++round) {
    const Millis origin = 1'700'000'000'000 + static_cast<Millis>(rng() % kMinute);
    std::vector<Millis> windows = {5 * kMinute, 30 * kMinute, kHour};
    MinuteSeries series(origin, kHour);
    struct Ev {
      Millis t;
      Counts c;
    };
    std::vector<Ev> events;
    Millis t = origin;
    for (int i = 0; i < 400; ++i) {
      t += static_cast<Millis>(rng() % (3 * kMinute));
      Counts c;
      c.total = rng() % 300;
      c.bad = c.total ? rng() % (c.total + 1) : 0;
      c.excluded = rng() % 4 == 0 ? rng() % 5 : 0;
      series.Add(t, c);
      events.push_back({t, c});
      if (rng() % 8 != 0) continue;
      Millis at = t + 1 + static_cast<Millis>(rng() % kMinute);
      series.AdvanceTo(at);
      for (size_t w = 0; w < windows.size(); ++w) {
        Counts want;
        Millis edge = CeilTo(at - windows[w], kMinute);
        for (const Ev& e : events) {
          Millis bucket = FloorTo(e.t, kMinute);
          if (e.t < at && (bucket >= edge || bucket == FloorTo(at, kMinute))) want += e.c;
        }
        Counts got = series.Window(windows[w], at);
        ASSERT_EQ(got.total, want.total) << "round " << round << " window " << w;
        ASSERT_EQ(got.bad, want.bad);
        ASSERT_EQ(got.excluded, want.excluded);
      }
      t = at;
    }
  }
}

// Between() over ranges far behind the retention, with the history floor
// holding them (KeepFrom(INT64_MIN): everything), across a silence long
// enough to reset a series that holds nothing, checked against a brute-force
// count; and released once the floor moves on.
TEST(MinuteSeriesTest, BetweenIsExactWhileTheFloorHoldsTheMinutes) {
  const Millis origin = 1'700'000'000'000;
  MinuteSeries series(origin, kHour);
  series.KeepFrom(INT64_MIN);
  std::map<Millis, Counts> by_minute;
  std::mt19937_64 rng(5);
  Millis t = origin;
  for (int i = 0; i < 3000; ++i) {
    // Mostly dense, with a two-day silence in the middle.
    t += i == 1500 ? 2 * kDay : static_cast<Millis>(rng() % (2 * kMinute));
    Counts c{1 + rng() % 9, rng() % 2, 0};
    series.Add(t, c);
    by_minute[FloorTo(t, kMinute)] += c;
  }
  series.AdvanceTo(t + kMinute);
  auto brute = [&](Millis a, Millis b) {
    Counts c;
    for (const auto& [m, v] : by_minute) {
      if (m >= a && m < b) c += v;
    }
    return c;
  };
  for (int k = 0; k < 200; ++k) {
    Millis a =
        FloorTo(origin + static_cast<Millis>(rng() % static_cast<uint64_t>(t - origin)), kMinute);
    Millis b = std::min(FloorTo(t, kMinute) + kMinute,
                        a + kMinute * static_cast<Millis>(1 + rng() % 3000));
    Counts got = series.Between(a, b), want = brute(a, b);
    ASSERT_EQ(got.total, want.total) << a << " " << b;
    ASSERT_EQ(got.bad, want.bad) << a << " " << b;
  }
  EXPECT_EQ(series.kept_from(), FloorTo(origin, kMinute));
  // The floor moves on: old minutes go, the kept ones still count exactly.
  const Millis floor = FloorTo(t, kMinute) - 2 * kHour;
  series.KeepFrom(floor);
  series.AdvanceTo(t + 3 * kHour);
  EXPECT_GT(series.kept_from(), origin);
  EXPECT_LE(series.kept_from(), floor);
  EXPECT_EQ(series.Between(floor, t + kMinute).total, brute(floor, t + kMinute).total);
}

TEST(MinuteSeriesTest, PeriodSumRestartsAtThePeriodStart) {
  const Millis origin = 1'700'000'040'000;  // 40 s past a minute
  MinuteSeries series(origin, 5 * kMinute);
  series.SetPeriodStart(FloorTo(origin, kMinute));
  series.Add(origin, {10, 1, 0});
  series.Add(origin + 2 * kMinute, {5, 0, 0});
  EXPECT_EQ(series.PeriodSum().total, 15u);
  Millis next = FloorTo(origin, kMinute) + 10 * kMinute;
  series.AdvanceTo(next);
  series.SetPeriodStart(next);
  series.Add(next + 1, {3, 3, 0});
  EXPECT_EQ(series.PeriodSum().total, 3u);
  EXPECT_EQ(series.PeriodSum().bad, 3u);
}

TEST(MinuteSeriesTest, ThirtyDaysOfBusyMinutesStayCompact) {
  MinuteSeries series(0, 30 * kDay);
  for (Millis m = 0; m < 30 * kDay; m += kMinute) series.Add(m, {40, m % 97 == 0 ? 1u : 0u, 0});
  EXPECT_LE(series.MemoryBytes(), 128u * 1024);
}

}  // namespace
}  // namespace ninesd::slo
