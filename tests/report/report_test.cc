// Report periods, credit tiers, the build from the fixture's events, and the
// renderers' escaping.

#include <gtest/gtest.h>

#include <sstream>

#include "config/config.h"
#include "report/build.h"
#include "report/model.h"
#include "report/period.h"
#include "report/render.h"
#include "report/status_page.h"
#include "store/state_store.h"
#include "tests/common/temp_dir.h"

namespace ninesd::report {
namespace {

Millis At(const char* t) { return *slo::ParseRfc3339(t); }

TEST(PeriodTest, MonthInAZoneWithADstChange) {
  auto p = PeriodBounds("2026-10", "Europe/Berlin");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->first, At("2026-09-30T22:00:00Z"));
  EXPECT_EQ(p->second, At("2026-10-31T23:00:00Z"));
  EXPECT_EQ(p->second - p->first, 745 * slo::kHour);
}

TEST(PeriodTest, QuarterAndYearInUtc) {
  auto q = PeriodBounds("2026-Q4", "UTC");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->first, At("2026-10-01T00:00:00Z"));
  EXPECT_EQ(q->second, At("2027-01-01T00:00:00Z"));
  auto y = PeriodBounds("2028", "UTC");
  ASSERT_TRUE(y.ok());
  EXPECT_EQ(y->second - y->first, 366 * slo::kDay);
  auto feb = PeriodBounds("2028-02", "UTC");
  ASSERT_TRUE(feb.ok());
  EXPECT_EQ(feb->second - feb->first, 29 * slo::kDay);
}

TEST(PeriodTest, BadPeriods) {
  for (const char* bad : {"2026-13", "2026-00", "2026-Q5", "2026-Q0", "26-10", "2026-10-01", "",
                          "1999", "2026-1", "2026-Q4x"}) {
    EXPECT_FALSE(PeriodBounds(bad, "UTC").ok()) << bad;
  }
  EXPECT_FALSE(PeriodBounds("2026-10", "Mars/Olympus").ok());
}

TEST(CreditTest, TheMostSevereTierTheAttainmentIsUnder) {
  std::vector<slo::Credit> tiers = {{99.0, 25}, {99.9, 10}};  // ascending, as config/ sorts them
  EXPECT_EQ(CreditFor(tiers, 0.9995), std::nullopt);
  EXPECT_EQ(CreditFor(tiers, 0.999), std::nullopt);  // exactly at the tier: met
  EXPECT_EQ(CreditFor(tiers, 0.9989), 10);
  EXPECT_EQ(CreditFor(tiers, 0.99), 10);
  EXPECT_EQ(CreditFor(tiers, 0.985), 25);
  EXPECT_EQ(CreditFor(tiers, std::nullopt), std::nullopt);  // no data: nothing owed
  EXPECT_EQ(CreditFor({}, 0.5), std::nullopt);
}

class FixtureTest : public ::testing::Test {
 protected:
  Report Build(BuildOptions o) {
    const std::string dir = std::string(NINESD_SOURCE_DIR) + "/tests/report/data/";
    config::LoadResult cfg = config::LoadConfigFile(dir + "report.yaml");
    EXPECT_TRUE(cfg.ok());
    o.events_path = dir + "events.jsonl";
    std::ostringstream err;
    auto r = BuildFromEvents(*cfg.config, o, err, nullptr);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    EXPECT_EQ(err.str(), "");
    return r.ok() ? *r : Report{};
  }
};

TEST_F(FixtureTest, OctoberFiguresWorkedOutByHand) {
  BuildOptions o;
  o.period = "2026-10";
  Report r = Build(o);
  ASSERT_EQ(r.slos.size(), 2u);
  const SloReport& shop = r.slos[0];
  // 15m (began in September) + 5m (after maintenance) + 1h (DST night) + 30m.
  EXPECT_DOUBLE_EQ(shop.bad, 6600);
  EXPECT_DOUBLE_EQ(shop.excluded, 3600);
  EXPECT_DOUBLE_EQ(shop.good, 745 * 3600 - 6600 - 3600);
  EXPECT_DOUBLE_EQ(shop.allowed, 2678.4);  // 0.1 % of 744 h
  EXPECT_TRUE(shop.breached);
  EXPECT_EQ(shop.credit_percent, 10);
  ASSERT_EQ(shop.outages.size(), 4u);
  EXPECT_TRUE(shop.outages[0].started_before);
  EXPECT_TRUE(shop.outages[3].continues_after);
  // One chart point per local day: 31, the 25th being 25 hours long.
  ASSERT_EQ(shop.series.size(), 31u);
  EXPECT_EQ(shop.series[24].at - shop.series[23].at, 25 * slo::kHour);
  EXPECT_EQ(shop.series.back().at, shop.to);
  ASSERT_TRUE(shop.series.back().attainment);
  EXPECT_DOUBLE_EQ(*shop.series.back().attainment, *shop.attainment);
  EXPECT_DOUBLE_EQ(*shop.series.back().budget_remaining_ratio, *shop.budget_remaining_ratio);
  const SloReport& api = r.slos[1];
  EXPECT_DOUBLE_EQ(api.bad, 130);
  EXPECT_DOUBLE_EQ(api.good + api.bad, 31010);
  EXPECT_DOUBLE_EQ(api.excluded, 50);  // the counts event inside maintenance
  EXPECT_FALSE(api.breached);
  EXPECT_EQ(api.credit_percent, std::nullopt);
}

TEST_F(FixtureTest, UnknownSloIsAnError) {
  const std::string dir = std::string(NINESD_SOURCE_DIR) + "/tests/report/data/";
  config::LoadResult cfg = config::LoadConfigFile(dir + "report.yaml");
  ASSERT_TRUE(cfg.ok());
  BuildOptions o;
  o.period = "2026-10";
  o.slos = {"shop-mnth"};
  o.events_path = dir + "events.jsonl";
  std::ostringstream err;
  auto r = BuildFromEvents(*cfg.config, o, err, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "no SLO named \"shop-mnth\" (the config has: shop-month, api-errors)");
}

TEST(RenderTest, NamesAreEscaped) {
  Report r;
  r.period = "2026-10";
  r.source = "<x>";
  SloReport s;
  s.name = "a\"b<c>,d";
  s.service = "svc";
  s.customer = "acme, inc";
  s.agreement_type = "sla";
  r.slos.push_back(s);
  EXPECT_NE(RenderHtml(r).find("a&quot;b&lt;c&gt;,d"), std::string::npos);
  EXPECT_EQ(RenderHtml(r).find("<x>"), std::string::npos);
  EXPECT_NE(RenderJson(r).find("\"a\\\"b<c>,d\""), std::string::npos);
  EXPECT_NE(RenderCsv(r).find("\"a\"\"b<c>,d\""), std::string::npos);
  EXPECT_NE(RenderCsv(r).find("\"acme, inc\""), std::string::npos);
}

// The stored history (written as the daemon does, read back): a month in
// Berlin summed from its local days, the days before the first stored one
// as no data, an unfinished period up to its last final day (an open
// outage up to there), and what cannot be answered from daily rows refused.
class HistoryReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = config::LoadConfigText(
        "services: [{name: shop}]\n"
        "slos:\n"
        "  - {name: shop-month, service: shop, objective: 99.9, window: month,\n"
        "     time_zone: Europe/Berlin, degraded_weight: 0.5}\n",
        "h.yaml");
    ASSERT_TRUE(loaded.ok());
    cfg = *loaded.config;
    path = dir.path() + "/state.db";
    auto s = store::StateStore::Open(path);
    ASSERT_TRUE(s.ok()) << s.error().message;
    store::CheckpointData d;
    d.engine.full = true;
    // Local days from 10 October to 4 November (25 October has 25 hours):
    // each day 60 s down and 120 s degraded.
    auto zone = slo::ZoneCalendar::Create("Europe/Berlin");
    for (Millis t = At("2026-10-09T22:00:00Z"); t < At("2026-11-04T23:00:00Z");) {
      auto [a, b] = zone->Period(slo::CalendarUnit::kDay, t);
      t = b;
      if (a == At("2026-10-19T22:00:00Z")) continue;  // 20 October is missing
      store::HistoryDay day{"shop-month", a, b, {}};
      day.raw.durations[static_cast<size_t>(slo::State::kDown)] = 60'000;
      day.raw.durations[static_cast<size_t>(slo::State::kDegraded)] = 120'000;
      day.raw.durations[static_cast<size_t>(slo::State::kUp)] = b - a - 180'000;
      d.days.push_back(day);
    }
    d.runs = {
        {"shop", At("2026-10-01T00:00:00Z"), At("2026-10-09T22:00:00Z"), slo::State::kUnknown},
        {"shop", At("2026-10-31T22:59:00Z"), slo::RunRecord::kOpen, slo::State::kDown}};
    ASSERT_TRUE((*s)->Write(std::move(d)).ok());
  }
  Result<Report> Build(BuildOptions o, Millis* until) {
    auto reader = store::HistoryReader::Open(path);
    if (!reader.ok()) return reader.error();
    return BuildFromHistory(cfg, o, **reader, until);
  }
  test_support::TempDir dir;
  config::Config cfg;
  std::string path;
};

TEST_F(HistoryReportTest, AMonthIsTheSumOfItsStoredDays) {
  BuildOptions o;
  o.period = "2026-10";
  Millis until = 0;
  auto r = Build(o, &until);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(until, At("2026-10-31T23:00:00Z"));
  const SloReport& s = r->slos.at(0);
  // 21 stored days (10 to 31 October but the 20th); the 9 days before the
  // history and the missing one inside it: no data.
  EXPECT_DOUBLE_EQ(s.bad, 21 * (60 + 60));  // down + half the degraded time
  EXPECT_DOUBLE_EQ(s.unknown, 10 * 86400);
  EXPECT_DOUBLE_EQ(s.good + s.bad, (745 - 10 * 24) * 3600.0);
  EXPECT_DOUBLE_EQ(*s.attainment, s.good / (s.good + s.bad));
  ASSERT_EQ(s.series.size(), 31u);
  EXPECT_FALSE(s.series[0].attainment.has_value());  // no data yet on 1 October
  EXPECT_EQ(s.series.back().at, At("2026-10-31T23:00:00Z"));
  // The outage across the month's end, clipped and marked ongoing.
  ASSERT_EQ(s.outages.size(), 1u);
  EXPECT_EQ(s.outages[0].start, At("2026-10-31T22:59:00Z"));
  EXPECT_EQ(s.outages[0].end, At("2026-10-31T23:00:00Z"));
  EXPECT_TRUE(s.outages[0].continues_after);
}

TEST_F(HistoryReportTest, AnUnfinishedPeriodEndsAtItsLastFinalDay) {
  BuildOptions o;
  o.period = "2026-11";
  Millis until = 0;
  auto r = Build(o, &until);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(until, At("2026-11-04T23:00:00Z"));
  const SloReport& s = r->slos.at(0);
  EXPECT_EQ(s.series.size(), 4u);
  EXPECT_DOUBLE_EQ(s.bad, 4 * 120);
  // The month-end outage is still going on (open): up to the last final day.
  ASSERT_EQ(s.outages.size(), 1u);
  EXPECT_TRUE(s.outages[0].started_before);
  EXPECT_EQ(s.outages[0].start, At("2026-10-31T23:00:00Z"));
  EXPECT_EQ(s.outages[0].end, At("2026-11-04T23:00:00Z"));
  EXPECT_TRUE(s.outages[0].continues_after);
}

TEST_F(HistoryReportTest, WhatDailyRowsCannotAnswerIsRefused) {
  BuildOptions o;
  o.from = At("2026-10-10T12:00:00Z");
  o.to = At("2026-10-12T00:00:00Z");
  Millis until = 0;
  auto r = Build(o, &until);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("must be local midnights in Europe/Berlin"), std::string::npos);
  o.from = At("2026-10-09T22:00:00Z");
  o.to = At("2026-10-11T22:00:00Z");
  auto ok = Build(o, &until);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_DOUBLE_EQ(ok->slos.at(0).bad, 2 * 120);
  o.slos = {"nope"};
  auto unknown = Build(o, &until);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("no SLO named \"nope\""), std::string::npos);
  // A day of another zone's shape (the SLO's time_zone was changed).
  {
    auto s = store::StateStore::Open(path);
    ASSERT_TRUE(s.ok());
    store::CheckpointData d;
    d.days = {{"shop-month", At("2026-10-20T00:00:00Z"), At("2026-10-21T00:00:00Z"), {}}};
    ASSERT_TRUE((*s)->Write(std::move(d)).ok());
  }
  BuildOptions month;
  month.period = "2026-10";
  auto mixed = Build(month, &until);
  ASSERT_FALSE(mixed.ok());
  EXPECT_NE(mixed.error().message.find("was its time_zone changed?"), std::string::npos);
}

TEST(StatusPageTest, DayCellsAreLocalDaysAcrossTheDstChange) {
  slo::SloSpec sp;
  sp.time_zone = "Europe/Berlin";
  const Millis at = At("2026-10-26T12:00:00Z");  // 13:00 local on the 26th
  std::vector<DayCell> days = DayCells(sp, at, 3);
  ASSERT_EQ(days.size(), 3u);
  EXPECT_EQ(days[0].start, At("2026-10-23T22:00:00Z"));
  EXPECT_EQ(days[0].end, days[1].start);
  EXPECT_EQ(days[1].end - days[1].start, 25 * slo::kHour);  // the clocks go back
  EXPECT_EQ(days[2].start, At("2026-10-25T23:00:00Z"));
  EXPECT_EQ(days[2].end, at);  // today, up to now
  for (const DayCell& c : days) EXPECT_FALSE(c.attainment.has_value());
}

TEST(StatusPageTest, RendersEveryServiceAndSlo) {
  slo::ModelSpec spec;
  spec.services.push_back(slo::ServiceSpec{});
  spec.services[0].name = "web<1>";
  slo::SloSpec sp;
  sp.name = "web-avail";
  sp.objective = 0.9995;
  sp.window.text = "30d";
  spec.slos.push_back(sp);
  StatusInput in;
  in.spec = &spec;
  in.at = At("2026-11-27T08:00:00Z");
  slo::SloStatus st;
  st.attainment = 0.99991;
  st.budget_remaining_ratio = 0.82;
  st.alerts.push_back({slo::AlertKind::kBurnTicket, in.at});
  in.slos.push_back(st);
  in.services.push_back(slo::State::kDown);
  in.days.push_back({DayCell{0, 1, 0.9999}, DayCell{1, 2, 0.9}, DayCell{2, 3, std::nullopt}});
  const std::string html = RenderStatusPage(in);
  EXPECT_NE(html.find("<td>web&lt;1&gt;</td><td class=\"state down\">down</td>"),
            std::string::npos);
  EXPECT_NE(html.find("99.95 %"), std::string::npos);
  EXPECT_NE(html.find("99.9910 %"), std::string::npos);
  EXPECT_NE(html.find("82.0 %"), std::string::npos);
  EXPECT_NE(html.find("ErrorBudgetBurn (ticket)"), std::string::npos);
  EXPECT_NE(html.find("<span class=\"met\""), std::string::npos);
  EXPECT_NE(html.find("<span class=\"missed\""), std::string::npos);
  EXPECT_NE(html.find("<span class=\"none\""), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
}

}  // namespace
}  // namespace ninesd::report
