#include "slo/calendar.h"

#include <gtest/gtest.h>

#include "tests/slo/helpers.h"

namespace ninesd::slo {
namespace {

using testing::At;

TEST(ZoneCalendarTest, UnknownZoneIsAnError) {
  EXPECT_FALSE(ZoneCalendar::Create("Mars/Olympus").ok());
}

TEST(ZoneCalendarTest, PeriodsInUtc) {
  auto z = *ZoneCalendar::Create("UTC");
  Millis t = At("2026-11-27T08:00:00Z");
  EXPECT_EQ(z.Period(CalendarUnit::kDay, t),
            std::make_pair(At("2026-11-27T00:00:00Z"), At("2026-11-28T00:00:00Z")));
  EXPECT_EQ(z.Period(CalendarUnit::kWeek, t),  // ISO week: Monday 23rd
            std::make_pair(At("2026-11-23T00:00:00Z"), At("2026-11-30T00:00:00Z")));
  EXPECT_EQ(z.Period(CalendarUnit::kMonth, t),
            std::make_pair(At("2026-11-01T00:00:00Z"), At("2026-12-01T00:00:00Z")));
  EXPECT_EQ(z.Period(CalendarUnit::kQuarter, t),
            std::make_pair(At("2026-10-01T00:00:00Z"), At("2027-01-01T00:00:00Z")));
  EXPECT_EQ(z.Period(CalendarUnit::kYear, t),
            std::make_pair(At("2026-01-01T00:00:00Z"), At("2027-01-01T00:00:00Z")));
}

TEST(ZoneCalendarTest, PeriodBoundaryIsHalfOpen) {
  auto z = *ZoneCalendar::Create("UTC");
  Millis start = At("2026-12-01T00:00:00Z");
  EXPECT_EQ(z.Period(CalendarUnit::kMonth, start - 1).second, start);
  EXPECT_EQ(z.Period(CalendarUnit::kMonth, start).first, start);
}

TEST(ZoneCalendarTest, BerlinDaysAcrossDstChanges) {
  auto z = *ZoneCalendar::Create("Europe/Berlin");
  // Spring forward: 2026-03-29 is 23 hours long.
  auto spring = z.Period(CalendarUnit::kDay, At("2026-03-29T12:00:00Z"));
  EXPECT_EQ(spring.first, At("2026-03-28T23:00:00Z"));
  EXPECT_EQ(spring.second - spring.first, 23 * kHour);
  // Fall back: 2026-10-25 is 25 hours long.
  auto fall = z.Period(CalendarUnit::kDay, At("2026-10-25T12:00:00Z"));
  EXPECT_EQ(fall.first, At("2026-10-24T22:00:00Z"));
  EXPECT_EQ(fall.second - fall.first, 25 * kHour);
}

MaintenanceSpec Weekly(std::vector<int> days, int minute_of_day, Millis duration, std::string tz) {
  MaintenanceSpec m;
  m.kind = MaintenanceSpec::Kind::kWeekly;
  m.weekdays = std::move(days);
  m.minute_of_day = minute_of_day;
  m.duration = duration;
  m.time_zone = std::move(tz);
  return m;
}

TEST(MaintenanceScheduleTest, WeeklyBerlinAcrossSpringForward) {
  // Sundays 02:30 local for 1 h. On 2026-03-29 02:30 does not exist: the
  // window starts when the clock jumps (01:00Z), as 03:00 CEST.
  MaintenanceSpec m = Weekly({0}, 150, kHour, "Europe/Berlin");
  auto s = *MaintenanceSchedule::Create({&m});
  auto iv = s.Intervals(At("2026-03-20T00:00:00Z"), At("2026-04-07T00:00:00Z"));
  ASSERT_EQ(iv.size(), 3u);
  EXPECT_EQ(iv[0].first, At("2026-03-22T01:30:00Z"));  // CET
  EXPECT_EQ(iv[1].first, At("2026-03-29T01:00:00Z"));  // the jump
  EXPECT_EQ(iv[2].first, At("2026-04-05T00:30:00Z"));  // CEST
  EXPECT_EQ(iv[2].second - iv[2].first, kHour);
}

TEST(MaintenanceScheduleTest, WeeklyBerlinAcrossFallBackTakesTheEarlierInstant) {
  MaintenanceSpec m = Weekly({0}, 150, 30 * kMinute, "Europe/Berlin");
  auto s = *MaintenanceSchedule::Create({&m});
  auto iv = s.Intervals(At("2026-10-24T00:00:00Z"), At("2026-10-26T00:00:00Z"));
  ASSERT_EQ(iv.size(), 1u);
  EXPECT_EQ(iv[0].first, At("2026-10-25T00:30:00Z"));  // 02:30 CEST, the first of two
}

TEST(MaintenanceScheduleTest, MonthlyLastDay) {
  MaintenanceSpec m;
  m.kind = MaintenanceSpec::Kind::kMonthly;
  m.day_of_month = -1;
  m.minute_of_day = 23 * 60;
  m.duration = kHour;
  auto s = *MaintenanceSchedule::Create({&m});
  auto iv = s.Intervals(At("2026-02-01T00:00:00Z"), At("2026-05-01T00:00:00Z"));
  ASSERT_EQ(iv.size(), 3u);
  EXPECT_EQ(iv[0].first, At("2026-02-28T23:00:00Z"));
  EXPECT_EQ(iv[1].first, At("2026-03-31T23:00:00Z"));
  EXPECT_EQ(iv[2].first, At("2026-04-30T23:00:00Z"));
}

TEST(MaintenanceScheduleTest, OverlappingWindowsMerge) {
  MaintenanceSpec a, b;
  a.start = 0;
  a.end = 100;
  b.start = 50;
  b.end = 200;
  auto s = *MaintenanceSchedule::Create({&a, &b});
  auto iv = s.Intervals(0, 1000);
  ASSERT_EQ(iv.size(), 1u);
  EXPECT_EQ(iv[0], std::make_pair(Millis{0}, Millis{200}));
}

TEST(MaintenanceDstTest, RecurringWindowIsExcludedFromAvailability) {
  using namespace testing;
  ModelSpec spec;
  spec.services.push_back(Leaf("svc"));
  spec.slos.push_back(Calendar("day", 0, 99.9, CalendarUnit::kDay, "Europe/Berlin"));
  spec.maintenance.push_back(Weekly({0}, 150, kHour, "Europe/Berlin"));
  auto e = MakeEngine(spec);
  Millis day = At("2026-03-28T23:00:00Z");  // Sunday 29 March, Berlin
  ASSERT_TRUE(e->Apply(StateAt(0, day, State::kDown)).ok());
  SloStatus st = e->Evaluate(0, At("2026-03-29T03:00:00Z"));
  EXPECT_DOUBLE_EQ(st.excluded, 3600);        // 01:00Z..02:00Z
  EXPECT_DOUBLE_EQ(st.bad, 4 * 3600 - 3600);  // the rest of the 4 h
  EXPECT_DOUBLE_EQ(st.budget_total, 0.001 * (23 * 3600 - 3600));
}

}  // namespace
}  // namespace ninesd::slo
