// HistoryRecorder: final local days with the raw figures of each, and the
// non-up runs of each service, checked against figures worked out directly
// from the signals.

#include "slo/history.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "tests/slo/helpers.h"

namespace ninesd::slo {
namespace {

using namespace ninesd::slo::testing;

constexpr Millis S = kSecond;

struct Recorded {
  std::vector<DayRecord> days;
  std::vector<RunRecord> runs;
  void Collect(HistoryRecorder& r, Engine& e) { r.Collect(e, &days, &runs); }
  // The runs as a reader sees them: a rewritten run (same start) replaces
  // the earlier row; touching pieces of one state are joined.
  std::vector<StateInterval> Runs(uint32_t service) const {
    std::map<Millis, RunRecord> rows;
    for (const RunRecord& r : runs) {
      if (r.service == service) rows[r.start] = r;
    }
    std::vector<StateInterval> out;
    for (const auto& [start, r] : rows) {
      if (!out.empty() && out.back().end == r.start && out.back().state == r.state) {
        out.back().end = r.end;
      } else {
        out.push_back({r.start, r.end, r.state});
      }
    }
    return out;
  }
};

HistoryRecorder MakeRecorder(const ModelSpec& spec) {
  auto r = HistoryRecorder::Create(spec);
  EXPECT_TRUE(r.ok());
  return std::move(*r);
}

// Six days over the end of summer time in Berlin (25 October 2026): a state
// service with an SLO in Berlin time and a counts service with one in UTC,
// both with one-hour windows (so the engine alone would keep three days),
// read by the recorder once, after the engine jumped to the end.
TEST(HistoryTest, FinalDaysEqualTheSignalsDayByDayAfterAJumpPastTheRetention) {
  ModelSpec spec;
  spec.services.push_back(Leaf("shop"));
  spec.services.push_back(Leaf("api"));
  SloSpec shop = Availability("shop-avail", 0, 99.9, kHour);
  shop.time_zone = "Europe/Berlin";
  shop.degraded_weight = 0.5;
  spec.slos.push_back(shop);
  spec.slos.push_back(Ratio("api-ratio", 1, 99, kHour));
  auto e = MakeEngine(spec);
  HistoryRecorder rec = MakeRecorder(e->spec());
  e->KeepHistoryFrom(INT64_MIN);

  const Millis t0 = At("2026-10-21T09:17:00Z");
  const Millis end = At("2026-10-27T15:00:00Z");
  std::vector<std::pair<Millis, State>> changes;
  std::vector<Signal> signals;
  const State cycle[] = {State::kUp, State::kDown, State::kUp, State::kDegraded};
  int k = 0;
  for (Millis t = t0; t < end - kHour; t += 5 * kHour + 13 * kMinute + 7 * S, ++k) {
    changes.emplace_back(t, cycle[k % 4]);
    signals.push_back(StateAt(0, t, cycle[k % 4]));
  }
  std::vector<std::pair<Millis, Counts>> counts;
  for (Millis t = t0 + 30 * S; t < end; t += 7 * kMinute) {
    const uint64_t total = 10 + static_cast<uint64_t>(t / kMinute % 17);
    const uint64_t bad = static_cast<uint64_t>(t / kMinute % 3);
    counts.push_back({t, Counts{total, bad, 0}});
    signals.push_back(CountsAt(1, t, total - bad, total));
  }
  std::stable_sort(signals.begin(), signals.end(),
                   [](const Signal& a, const Signal& b) { return a.ts < b.ts; });
  e->ApplyBatch(signals.data(), signals.size());
  e->AdvanceTo(end);
  Recorded got;
  got.Collect(rec, *e);

  // Berlin days from the one holding the origin (the first signal) to the
  // last one over before `end`; UTC days likewise.
  std::vector<DayRecord> shop_days, api_days;
  for (const DayRecord& d : got.days) (d.slo == 0 ? shop_days : api_days).push_back(d);
  ASSERT_EQ(shop_days.size(), 6u);
  EXPECT_EQ(shop_days.front().start, At("2026-10-20T22:00:00Z"));
  EXPECT_EQ(shop_days.back().end, At("2026-10-26T23:00:00Z"));
  ASSERT_EQ(api_days.size(), 6u);
  EXPECT_EQ(api_days.front().start, At("2026-10-21T00:00:00Z"));
  EXPECT_EQ(api_days.back().end, At("2026-10-27T00:00:00Z"));
  for (size_t i = 1; i < shop_days.size(); ++i) {
    EXPECT_EQ(shop_days[i].start, shop_days[i - 1].end);
    EXPECT_EQ(api_days[i].start, api_days[i - 1].end);
  }
  EXPECT_EQ(shop_days[4].end - shop_days[4].start, 25 * kHour);  // 25 October

  for (const DayRecord& d : shop_days) {
    // Each state holds until the next change; unknown before the first.
    StateDurations want{};
    for (size_t i = 0; i <= changes.size(); ++i) {
      const Millis a = i == 0 ? d.start : changes[i - 1].first;
      const Millis b = i == changes.size() ? d.end : changes[i].first;
      const State s = i == 0 ? State::kUnknown : changes[i - 1].second;
      const Millis ms = std::min(b, d.end) - std::max(a, d.start);
      if (ms > 0) want[static_cast<size_t>(s)] += ms;
    }
    EXPECT_EQ(d.raw.durations, want) << FormatRfc3339(d.start);
  }
  for (const DayRecord& d : api_days) {
    Counts want;
    for (const auto& [t, c] : counts) {
      if (t >= d.start && t < d.end) want += c;
    }
    EXPECT_EQ(d.raw.counts.total, want.total) << FormatRfc3339(d.start);
    EXPECT_EQ(d.raw.counts.bad, want.bad) << FormatRfc3339(d.start);
  }

  // A day's figures are the core's: the same as a rolling window of that
  // day evaluated at its end (here: the last whole day, still in the window
  // of an SLO one day long).
  SloStatus day = FiguresOf(shop, shop_days.back().raw);
  EXPECT_DOUBLE_EQ(day.good + day.bad + day.unknown, 24 * 3600.0);

  // Nothing more is final until the next day ends.
  Recorded again;
  again.Collect(rec, *e);
  EXPECT_TRUE(again.days.empty());
}

// A failure streak that started before midnight is back-dated into the
// day: the day is written only once the streak is resolved, with the
// back-dated down time in it.
TEST(HistoryTest, ADayWaitsForABackDatedFailureStreak) {
  ModelSpec spec;
  ServiceSpec svc = Leaf("web");
  ProbeSourceSpec p;
  p.name = "http";
  p.failure_threshold = 3;
  svc.probes.push_back(p);
  spec.services.push_back(svc);
  spec.slos.push_back(Availability("web-avail", 0, 99.9, kHour));
  auto e = MakeEngine(spec);
  HistoryRecorder rec = MakeRecorder(e->spec());
  e->KeepHistoryFrom(INT64_MIN);
  const Millis midnight = At("2026-11-03T00:00:00Z");
  for (Millis t = midnight - 10 * kMinute; t < midnight - 30 * S; t += 30 * S) {
    ASSERT_TRUE(e->Apply(Probe(0, t, true)).ok());
  }
  ASSERT_TRUE(e->Apply(Probe(0, midnight - 30 * S, false)).ok());
  ASSERT_TRUE(e->Apply(Probe(0, midnight, false)).ok());
  e->AdvanceTo(midnight + 10 * S);
  Recorded got;
  got.Collect(rec, *e);
  EXPECT_TRUE(got.days.empty());  // two failures of three: not final yet
  ASSERT_TRUE(e->Apply(Probe(0, midnight + 30 * S, false)).ok());
  e->AdvanceTo(midnight + 40 * S);
  got.Collect(rec, *e);
  ASSERT_EQ(got.days.size(), 1u);
  EXPECT_EQ(got.days[0].end, midnight);
  EXPECT_EQ(got.days[0].raw.durations[static_cast<size_t>(State::kDown)], 30 * S);
  EXPECT_EQ(got.days[0].raw.durations[static_cast<size_t>(State::kUp)], 570 * S);
  EXPECT_EQ(got.days[0].raw.durations[static_cast<size_t>(State::kUnknown)],
            kDay - 600 * S);  // before the first result
}

// Runs: every stretch that is not up, as the timeline has it; an outage
// still going on is rewritten until it ends, one longer than a day comes in
// touching pieces.
TEST(HistoryTest, RunsAreTheTimelineStretchesThatAreNotUp) {
  ModelSpec spec;
  spec.services.push_back(Leaf("db"));
  spec.slos.push_back(Availability("db-avail", 0, 99.9, kHour));
  auto e = MakeEngine(spec);
  HistoryRecorder rec = MakeRecorder(e->spec());
  e->KeepHistoryFrom(INT64_MIN);
  Recorded got;
  auto apply = [&](Millis t, State s) {
    ASSERT_TRUE(e->Apply(StateAt(0, t, s)).ok());
    got.Collect(rec, *e);
  };
  apply(kT0, State::kUp);
  apply(kT0 + kHour, State::kDown);
  e->AdvanceTo(kT0 + kHour + 20 * kMinute);
  got.Collect(rec, *e);
  // The outage going on is written once, open; not again while it lasts.
  ASSERT_FALSE(got.runs.empty());
  EXPECT_EQ(got.runs.back().start, kT0 + kHour);
  EXPECT_EQ(got.runs.back().end, RunRecord::kOpen);
  const size_t rows = got.runs.size();
  e->AdvanceTo(kT0 + kHour + 40 * kMinute);
  got.Collect(rec, *e);
  EXPECT_EQ(got.runs.size(), rows);
  apply(kT0 + 2 * kHour, State::kDegraded);
  apply(kT0 + 3 * kHour, State::kUp);
  apply(kT0 + 4 * kHour, State::kDown);  // lasts 30 hours, read every 5 hours
  for (Millis t = kT0 + 9 * kHour; t <= kT0 + 34 * kHour; t += 5 * kHour) {
    e->AdvanceTo(t);
    got.Collect(rec, *e);
  }
  apply(kT0 + 34 * kHour, State::kUp);
  e->AdvanceTo(kT0 + 40 * kHour);
  got.Collect(rec, *e);

  const std::vector<StateInterval> want = {
      {FloorTo(kT0, kDay) - kDay, kT0, State::kUnknown},  // before the origin
      {kT0 + kHour, kT0 + 2 * kHour, State::kDown},
      {kT0 + 2 * kHour, kT0 + 3 * kHour, State::kDegraded},
      {kT0 + 4 * kHour, kT0 + 34 * kHour, State::kDown},
  };
  EXPECT_EQ(got.Runs(0), want);
  for (const RunRecord& r : got.runs) {
    if (r.end == RunRecord::kOpen) {
      EXPECT_GE(r.start, kT0 + kHour);
    }
  }
  // The long outage was cut once it was a day old, into touching pieces.
  size_t pieces = 0;
  std::map<Millis, Millis> ends;
  for (const RunRecord& r : got.runs) ends[r.start] = r.end;
  for (const auto& [start, end] : ends) pieces += start >= kT0 + 4 * kHour ? 1 : 0;
  EXPECT_GE(pieces, 2u);
}

// The cursors saved with a checkpoint carry a new recorder on exactly where
// the old one stopped: no day twice, none missing.
TEST(HistoryTest, SavedCursorsContinueWithoutGapOrRepeat) {
  ModelSpec spec;
  spec.services.push_back(Leaf("svc"));
  spec.slos.push_back(Availability("a", 0, 99.9, kHour));
  spec.slos.push_back(Ratio("r", 0, 99, kHour));
  auto e = MakeEngine(spec);
  e->KeepHistoryFrom(INT64_MIN);
  HistoryRecorder first = MakeRecorder(e->spec());
  ASSERT_TRUE(e->Apply(StateAt(0, kT0, State::kUp)).ok());
  e->AdvanceTo(kT0 + 2 * kDay + kHour);
  Recorded got;
  got.Collect(first, *e);
  std::vector<HistoryRecorder::Cursor> saved = first.TakeChanged();
  EXPECT_EQ(saved.size(), 3u);  // two SLOs, one service
  EXPECT_TRUE(first.TakeChanged().empty());

  HistoryRecorder second = MakeRecorder(e->spec());
  saved.push_back({true, "gone", 0});  // a name no longer configured: dropped
  second.Load(saved);
  e->AdvanceTo(kT0 + 4 * kDay + kHour);
  got.Collect(second, *e);
  for (uint32_t slo = 0; slo < 2; ++slo) {
    std::vector<Millis> starts;
    for (const DayRecord& d : got.days) {
      if (d.slo == slo) starts.push_back(d.start);
    }
    ASSERT_EQ(starts.size(), 4u) << slo;
    for (size_t i = 0; i < starts.size(); ++i)
      EXPECT_EQ(starts[i], kT0 + kDay * static_cast<Millis>(i));
  }
}

// A restored cursor that is no local midnight of the SLO's zone (its
// time_zone changed) or points before what the engine holds: the history
// goes on from the next whole day, never writes a day of the wrong shape.
TEST(HistoryTest, ACursorThatNoLongerFitsGoesOnFromTheNextWholeDay) {
  ModelSpec spec;
  spec.services.push_back(Leaf("svc"));
  SloSpec sp = Availability("a", 0, 99.9, kHour);
  sp.time_zone = "America/New_York";
  spec.slos.push_back(sp);
  auto e = MakeEngine(spec);
  e->KeepHistoryFrom(INT64_MIN);
  ASSERT_TRUE(e->Apply(StateAt(0, kT0, State::kUp)).ok());
  e->AdvanceTo(kT0 + 3 * kDay);
  HistoryRecorder rec = MakeRecorder(e->spec());
  rec.Load({{true, "a", kT0 + kDay}});  // a UTC midnight: 19:00 in New York
  Recorded got;
  got.Collect(rec, *e);
  ASSERT_FALSE(got.days.empty());
  auto zone = ZoneCalendar::Create("America/New_York");
  for (const DayRecord& d : got.days) {
    EXPECT_EQ(zone->Period(CalendarUnit::kDay, d.start).first, d.start);
    EXPECT_EQ(zone->Period(CalendarUnit::kDay, d.start).second, d.end);
    EXPECT_GE(d.start, kT0 + kDay);
  }
}

}  // namespace
}  // namespace ninesd::slo
