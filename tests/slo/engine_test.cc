// Table-driven tests of SPEC section 3, one rule per test, with figures
// worked out by hand in the comments.

#include "slo/engine.h"

#include <gtest/gtest.h>

#include "slo/sequencer.h"
#include "tests/slo/helpers.h"

namespace ninesd::slo {
namespace {

using namespace ninesd::slo::testing;

constexpr Millis S = kSecond;

// One leaf service "svc" with one rolling availability SLO.
struct OneService {
  explicit OneService(ServiceSpec svc = Leaf("svc"), Millis window = kHour,
                      double objective = 99.9) {
    spec.services.push_back(std::move(svc));
    spec.slos.push_back(Availability("slo", 0, objective, window));
  }
  Engine& engine() {
    if (!e) e = MakeEngine(spec);
    return *e;
  }
  SloStatus At(Millis at) { return engine().Evaluate(0, at); }
  void Apply(const Signal& s) { ASSERT_TRUE(engine().Apply(s).ok()); }
  ModelSpec spec;
  std::unique_ptr<Engine> e;
};

TEST(AvailabilityTest, StateEventHoldsUntilTheNextSignal) {
  OneService t;
  t.Apply(StateAt(0, kT0, State::kUp));
  t.Apply(StateAt(0, kT0 + 10 * S, State::kDown));
  t.Apply(StateAt(0, kT0 + 25 * S, State::kUp));
  SloStatus st = t.At(kT0 + 60 * S);
  EXPECT_DOUBLE_EQ(st.good, 45);
  EXPECT_DOUBLE_EQ(st.bad, 15);
  // The window reaches 59 minutes before the first signal: unknown.
  EXPECT_DOUBLE_EQ(st.unknown, 3540);
  EXPECT_DOUBLE_EQ(st.excluded, 0);
  EXPECT_DOUBLE_EQ(*st.attainment, 45.0 / 60);
  EXPECT_DOUBLE_EQ(st.budget_total, 0.06);
  EXPECT_DOUBLE_EQ(st.budget_consumed, 15);
  EXPECT_TRUE(st.breached);
}

TEST(AvailabilityTest, FourStatesAddUpToTheWindow) {
  OneService t;
  t.Apply(StateAt(0, kT0, State::kDegraded));
  t.Apply(StateAt(0, kT0 + 7 * S, State::kDown));
  SloStatus st = t.At(kT0 + 2 * kHour + 3);
  EXPECT_DOUBLE_EQ(st.good + st.bad + st.excluded + st.unknown, 3600);
}

TEST(AvailabilityTest, SignalAtExactlyAtIsNotYetCounted) {
  ModelSpec spec;
  spec.services.push_back(Leaf("svc"));
  spec.slos.push_back(Availability("slo", 0, 99.9, kHour));
  auto e = MakeEngine(spec);
  Sequencer seq(*e, 0);
  seq.Push(StateAt(0, kT0, State::kUp));
  seq.Push(StateAt(0, kT0 + 10 * S, State::kDown));
  seq.ReleaseUpTo(kT0 + 10 * S);
  EXPECT_DOUBLE_EQ(e->Evaluate(0, kT0 + 10 * S).bad, 0);
  seq.ReleaseUpTo(kT0 + 10 * S + 1);
  EXPECT_DOUBLE_EQ(e->Evaluate(0, kT0 + 10 * S + 1).bad, 0.001);
}

TEST(HeartbeatTest, GapLongerThanTimeoutIsDown) {
  ServiceSpec svc = Leaf("etl");
  svc.heartbeat_timeout = 60 * S;
  OneService t(svc);
  t.Apply(Heartbeat(0, kT0));
  t.Apply(Heartbeat(0, kT0 + 30 * S));
  t.Apply(Heartbeat(0, kT0 + 150 * S));
  // up [0, 90) + down [90, 150) + up [150, 200)
  SloStatus st = t.At(kT0 + 200 * S);
  EXPECT_DOUBLE_EQ(st.good, 140);
  EXPECT_DOUBLE_EQ(st.bad, 60);
}

TEST(HeartbeatTest, NextHeartbeatExactlyAtTimeoutIsNoGap) {
  ServiceSpec svc = Leaf("etl");
  svc.heartbeat_timeout = 60 * S;
  OneService t(svc);
  t.Apply(Heartbeat(0, kT0));
  t.Apply(Heartbeat(0, kT0 + 60 * S));
  SloStatus st = t.At(kT0 + 100 * S);
  EXPECT_DOUBLE_EQ(st.good, 100);
  EXPECT_DOUBLE_EQ(st.bad, 0);
}

TEST(HeartbeatTest, SilenceTurnsDownAtTimeoutWithoutAnotherSignal) {
  ServiceSpec svc = Leaf("etl");
  svc.heartbeat_timeout = 60 * S;
  OneService t(svc);
  t.Apply(Heartbeat(0, kT0));
  EXPECT_DOUBLE_EQ(t.At(kT0 + 60 * S).bad, 0);
  EXPECT_DOUBLE_EQ(t.At(kT0 + 60 * S + 1).bad, 0.001);
  EXPECT_DOUBLE_EQ(t.At(kT0 + 100 * S).bad, 40);
}

ServiceSpec WithProbe(int failure_threshold = 1, int success_threshold = 1,
                      Millis stale_after = 30 * S, int locations_quorum = 1) {
  ServiceSpec svc = Leaf("web");
  svc.probes.push_back({"http", stale_after, failure_threshold, success_threshold});
  svc.quorum = locations_quorum;
  return svc;
}

TEST(ProbeTest, StaleResultsBecomeUnknown) {
  OneService t(WithProbe());
  t.Apply(Probe(0, kT0, true));
  t.Apply(Probe(0, kT0 + 10 * S, true));
  // up [0, 40), unknown [40, 100)
  SloStatus st = t.At(kT0 + 100 * S);
  EXPECT_DOUBLE_EQ(st.good, 40);
  EXPECT_DOUBLE_EQ(st.unknown, 3600 - 40);
  EXPECT_FALSE(st.breached);
}

TEST(ProbeTest, FailureThresholdBackDatesDowntimeToTheFirstFailure) {
  OneService t(WithProbe(3));
  t.Apply(Probe(0, kT0, true));
  t.Apply(Probe(0, kT0 + 10 * S, false));
  t.Apply(Probe(0, kT0 + 20 * S, false));
  // Two failures of three: not down yet.
  EXPECT_DOUBLE_EQ(t.At(kT0 + 25 * S).bad, 0);
  EXPECT_DOUBLE_EQ(t.At(kT0 + 25 * S).good, 25);
  t.Apply(Probe(0, kT0 + 30 * S, false));
  // The third failure makes it down since the first one at 10 s.
  SloStatus st = t.At(kT0 + 31 * S);
  EXPECT_DOUBLE_EQ(st.bad, 21);
  EXPECT_DOUBLE_EQ(st.good, 10);
  t.Apply(Probe(0, kT0 + 40 * S, true));
  st = t.At(kT0 + 50 * S);
  EXPECT_DOUBLE_EQ(st.bad, 30);
  EXPECT_DOUBLE_EQ(st.good, 20);
}

TEST(ProbeTest, ABlipBelowTheThresholdIsNoDowntime) {
  OneService t(WithProbe(3));
  t.Apply(Probe(0, kT0, true));
  t.Apply(Probe(0, kT0 + 10 * S, false));
  t.Apply(Probe(0, kT0 + 20 * S, false));
  t.Apply(Probe(0, kT0 + 30 * S, true));
  SloStatus st = t.At(kT0 + 40 * S);
  EXPECT_DOUBLE_EQ(st.bad, 0);
  EXPECT_DOUBLE_EQ(st.good, 40);
}

TEST(ProbeTest, SuccessThresholdBackDatesRecovery) {
  OneService t(WithProbe(1, 2));
  t.Apply(Probe(0, kT0, true));
  t.Apply(Probe(0, kT0 + 10 * S, false));
  t.Apply(Probe(0, kT0 + 20 * S, true));
  EXPECT_DOUBLE_EQ(t.At(kT0 + 25 * S).bad, 15);  // one success of two: still down
  t.Apply(Probe(0, kT0 + 30 * S, true));
  SloStatus st = t.At(kT0 + 35 * S);
  EXPECT_DOUBLE_EQ(st.bad, 10);  // up again since 20 s
  // The first success alone could not leave unknown either: [0, 10) is unknown.
  EXPECT_DOUBLE_EQ(st.good, 15);
}

TEST(ProbeTest, QuorumOfLocations) {
  OneService t(WithProbe(1, 1, 30 * S, 2));
  for (uint16_t loc = 0; loc < 3; ++loc) t.Apply(Probe(0, kT0, true, 0, loc));
  t.Apply(Probe(0, kT0 + 10 * S, false, 0, 0));  // 1 of 3 down: not enough
  t.Apply(Probe(0, kT0 + 10 * S, true, 0, 1));
  t.Apply(Probe(0, kT0 + 10 * S, true, 0, 2));
  EXPECT_DOUBLE_EQ(t.At(kT0 + 20 * S).bad, 0);
  t.Apply(Probe(0, kT0 + 20 * S, false, 0, 0));
  t.Apply(Probe(0, kT0 + 20 * S, false, 0, 1));  // 2 of 3 down: quorum
  t.Apply(Probe(0, kT0 + 20 * S, true, 0, 2));
  EXPECT_DOUBLE_EQ(t.At(kT0 + 25 * S).bad, 5);
}

TEST(MergeTest, WorstOfSourcesWinsAndUnknownIsIgnored) {
  ServiceSpec svc = WithProbe();
  svc.heartbeat_timeout = kHour;
  OneService t(svc);
  t.Apply(StateAt(0, kT0, State::kUp));
  t.Apply(Heartbeat(0, kT0));
  t.Apply(Probe(0, kT0, false));  // probe down: worst wins
  // [0, 30) down (probe), then the probe is stale: unknown, ignored -> up.
  SloStatus st = t.At(kT0 + 100 * S);
  EXPECT_DOUBLE_EQ(st.bad, 30);
  EXPECT_DOUBLE_EQ(st.good, 70);
  t.Apply(StateAt(0, kT0 + 100 * S, State::kDegraded));
  t.engine().AdvanceTo(kT0 + 101 * S);
  EXPECT_EQ(t.engine().ServiceState(0), State::kDegraded);
}

TEST(DegradedTest, WeightSplitsDegradedTime) {
  OneService t;
  t.spec.slos[0].degraded_weight = 0.3;
  t.Apply(StateAt(0, kT0, State::kDegraded));
  SloStatus st = t.At(kT0 + 100 * S);
  EXPECT_DOUBLE_EQ(st.bad, 30);
  EXPECT_DOUBLE_EQ(st.good, 70);
}

TEST(DegradedTest, DegradedCountsAsGoodByDefault) {
  OneService t;
  t.Apply(StateAt(0, kT0, State::kDegraded));
  SloStatus st = t.At(kT0 + 100 * S);
  EXPECT_DOUBLE_EQ(st.bad, 0);
  EXPECT_DOUBLE_EQ(st.good, 100);
}

class NoDataTest : public ::testing::TestWithParam<std::tuple<NoData, double, double>> {};

TEST_P(NoDataTest, PolicyDecidesHowUnknownTimeCounts) {
  auto [policy, good, bad] = GetParam();
  OneService t(WithProbe(), 200 * S);
  t.spec.slos[0].no_data = policy;
  t.Apply(Probe(0, kT0, true));
  // up [0, 30), unknown [30, 100); the 100 s before the first signal too.
  SloStatus st = t.At(kT0 + 100 * S);
  EXPECT_DOUBLE_EQ(st.good, good);
  EXPECT_DOUBLE_EQ(st.bad, bad);
  EXPECT_DOUBLE_EQ(st.unknown, 170);  // reported whatever the policy
}

INSTANTIATE_TEST_SUITE_P(Policies, NoDataTest,
                         ::testing::Values(std::make_tuple(NoData::kIgnore, 30.0, 0.0),
                                           std::make_tuple(NoData::kUp, 200.0, 0.0),
                                           std::make_tuple(NoData::kDown, 30.0, 170.0)));

// Three leaves and a composite over them.
struct Composite {
  explicit Composite(CompositeMode mode, int at_least = 0) {
    for (const char* n : {"a", "b", "c"}) spec.services.push_back(Leaf(n));
    ServiceSpec shop = Leaf("shop");
    shop.composite = mode;
    shop.at_least = at_least;
    shop.members = {0, 1, 2};
    spec.services.push_back(shop);
    spec.slos.push_back(Availability("shop", 3, 99.9, kHour));
    e = MakeEngine(spec);
  }
  // Sets a, b, c at kT0 and returns the composite's state after 10 s.
  State With(State a, State b, State c) {
    EXPECT_TRUE(e->Apply(StateAt(0, kT0, a)).ok());
    EXPECT_TRUE(e->Apply(StateAt(1, kT0, b)).ok());
    EXPECT_TRUE(e->Apply(StateAt(2, kT0, c)).ok());
    e->AdvanceTo(kT0 + 10 * S);
    return e->ServiceState(3);
  }
  ModelSpec spec;
  std::unique_ptr<Engine> e;
};

TEST(CompositeTest, AllIsDownWhenAnyMemberIsDown) {
  EXPECT_EQ(Composite(CompositeMode::kAll).With(State::kUp, State::kDown, State::kUp),
            State::kDown);
  EXPECT_EQ(Composite(CompositeMode::kAll).With(State::kUp, State::kUp, State::kUp), State::kUp);
  EXPECT_EQ(Composite(CompositeMode::kAll).With(State::kUp, State::kDegraded, State::kUp),
            State::kDegraded);
}

TEST(CompositeTest, AnyIsDownOnlyWhenAllAre) {
  EXPECT_EQ(Composite(CompositeMode::kAny).With(State::kDown, State::kDown, State::kUp),
            State::kUp);
  EXPECT_EQ(Composite(CompositeMode::kAny).With(State::kDown, State::kDown, State::kDown),
            State::kDown);
}

TEST(CompositeTest, AtLeastCountsAvailableMembers) {
  EXPECT_EQ(Composite(CompositeMode::kAtLeast, 2).With(State::kDown, State::kUp, State::kUp),
            State::kUp);
  EXPECT_EQ(Composite(CompositeMode::kAtLeast, 2).With(State::kDown, State::kDown, State::kUp),
            State::kDown);
  EXPECT_EQ(Composite(CompositeMode::kAtLeast, 2).With(State::kDegraded, State::kDown, State::kUp),
            State::kDegraded);
}

TEST(CompositeTest, UnknownMemberMakesTheOutcomeUnknownOnlyWhenItMatters) {
  Composite all(CompositeMode::kAll);
  ASSERT_TRUE(all.e->Apply(StateAt(0, kT0, State::kUp)).ok());
  ASSERT_TRUE(all.e->Apply(StateAt(1, kT0, State::kDown)).ok());
  all.e->AdvanceTo(kT0 + S);
  EXPECT_EQ(all.e->ServiceState(3), State::kDown);  // c unknown, b decides
  Composite any(CompositeMode::kAny);
  ASSERT_TRUE(any.e->Apply(StateAt(0, kT0, State::kDown)).ok());
  any.e->AdvanceTo(kT0 + S);
  EXPECT_EQ(any.e->ServiceState(3), State::kUnknown);  // b or c could be up
}

TEST(CompositeTest, AccountsDowntimeOfItsMembers) {
  Composite all(CompositeMode::kAll);
  ASSERT_TRUE(all.e->Apply(StateAt(0, kT0, State::kUp)).ok());
  ASSERT_TRUE(all.e->Apply(StateAt(1, kT0, State::kUp)).ok());
  ASSERT_TRUE(all.e->Apply(StateAt(2, kT0, State::kUp)).ok());
  ASSERT_TRUE(all.e->Apply(StateAt(1, kT0 + 10 * S, State::kDown)).ok());
  ASSERT_TRUE(all.e->Apply(StateAt(2, kT0 + 11 * S, State::kDown)).ok());
  ASSERT_TRUE(all.e->Apply(StateAt(1, kT0 + 12 * S, State::kUp)).ok());
  ASSERT_TRUE(all.e->Apply(StateAt(2, kT0 + 15 * S, State::kUp)).ok());
  SloStatus st = all.e->Evaluate(0, kT0 + 20 * S);
  EXPECT_DOUBLE_EQ(st.bad, 5);  // [10, 15)
  EXPECT_DOUBLE_EQ(st.good, 15);
}

TEST(MaintenanceTest, OneOffWindowIsExcludedNotCountedAsUp) {
  OneService t;
  MaintenanceSpec m;
  m.start = kT0 + 10 * S;
  m.end = kT0 + 40 * S;
  t.spec.maintenance.push_back(m);
  t.Apply(StateAt(0, kT0, State::kDown));
  SloStatus st = t.At(kT0 + 60 * S);
  EXPECT_DOUBLE_EQ(st.bad, 30);
  EXPECT_DOUBLE_EQ(st.excluded, 30);
  EXPECT_DOUBLE_EQ(st.good, 0);
}

TEST(MaintenanceTest, ApplyingOnlyToListedServices) {
  ModelSpec spec;
  spec.services = {Leaf("a"), Leaf("b")};
  spec.slos = {Availability("a", 0, 99, kHour), Availability("b", 1, 99, kHour)};
  MaintenanceSpec m;
  m.services = {1};
  m.start = kT0;
  m.end = kT0 + kHour;
  spec.maintenance.push_back(m);
  auto e = MakeEngine(spec);
  ASSERT_TRUE(e->Apply(StateAt(0, kT0, State::kDown)).ok());
  ASSERT_TRUE(e->Apply(StateAt(1, kT0, State::kDown)).ok());
  EXPECT_DOUBLE_EQ(e->Evaluate(0, kT0 + 10 * S).bad, 10);
  EXPECT_DOUBLE_EQ(e->Evaluate(1, kT0 + 10 * S).excluded, 10);
}

TEST(MaintenanceTest, EventsInMaintenanceAreExcludedFromRatios) {
  ModelSpec spec;
  spec.services.push_back(Leaf("api"));
  spec.slos.push_back(Ratio("api", 0, 99, kHour));
  MaintenanceSpec m;
  m.start = kT0 + kMinute;
  m.end = kT0 + 2 * kMinute;
  spec.maintenance.push_back(m);
  auto e = MakeEngine(spec);
  ASSERT_TRUE(e->Apply(Outcome(0, kT0, false)).ok());
  ASSERT_TRUE(e->Apply(Outcome(0, kT0 + 90 * S, false)).ok());  // in maintenance
  ASSERT_TRUE(e->Apply(Outcome(0, kT0 + 150 * S, true)).ok());
  SloStatus st = e->Evaluate(0, kT0 + 200 * S);
  EXPECT_DOUBLE_EQ(st.bad, 1);
  EXPECT_DOUBLE_EQ(st.good, 1);
  EXPECT_DOUBLE_EQ(st.excluded, 1);
}

TEST(RollingWindowTest, EdgesAtEndMinusOneEndAndEndPlusOne) {
  OneService t;
  t.Apply(StateAt(0, kT0, State::kDown));
  t.Apply(StateAt(0, kT0 + S, State::kUp));
  // Window [at - 1h, at): the 1 s outage leaves it millisecond by millisecond.
  EXPECT_DOUBLE_EQ(t.At(kT0 + kHour - 1).bad, 1);
  EXPECT_DOUBLE_EQ(t.At(kT0 + kHour).bad, 1);
  EXPECT_DOUBLE_EQ(t.At(kT0 + kHour + 1).bad, 0.999);
  EXPECT_DOUBLE_EQ(t.At(kT0 + kHour + S).bad, 0);
}

TEST(BurnRateTest, BadFractionOverLookbackDividedByAllowedFraction) {
  OneService t(Leaf("svc"), 30 * kDay, 99.9);
  t.Apply(StateAt(0, kT0, State::kUp));
  t.Apply(StateAt(0, kT0 + 2 * kHour, State::kDown));
  t.Apply(StateAt(0, kT0 + 2 * kHour + 6 * kMinute, State::kUp));
  SloStatus st = t.At(kT0 + 3 * kHour);
  auto rate = [&](Millis l) {
    for (const BurnRate& b : st.burn_rates) {
      if (b.lookback == l) return b.rate;
    }
    return -1.0;
  };
  EXPECT_NEAR(rate(kHour), (360.0 / 3600) / 0.001, 1e-9);  // 100x
  EXPECT_NEAR(rate(2 * kHour), (360.0 / 7200) / 0.001, 1e-9);
  EXPECT_DOUBLE_EQ(rate(5 * kMinute), 0);
  EXPECT_NEAR(rate(kDay), (360.0 / 10800) / 0.001, 1e-9);  // only 3 h of valid time
}

TEST(BurnRateTest, NoValidTimeMeansZero) {
  OneService t(WithProbe());
  t.Apply(Probe(0, kT0, true));
  SloStatus st = t.At(kT0 + 2 * kHour);
  for (const BurnRate& b : st.burn_rates) {
    if (b.lookback <= kHour) {
      EXPECT_DOUBLE_EQ(b.rate, 0) << b.lookback;
    }
  }
}

const FiringAlert* Find(const SloStatus& st, AlertKind k) {
  for (const FiringAlert& a : st.alerts) {
    if (a.kind == k) return &a;
  }
  return nullptr;
}

TEST(AlertTest, PageFiresWhenOneHourAndFiveMinuteRatesExceed14x) {
  OneService t(Leaf("svc"), 30 * kDay, 99.9);
  t.spec.slos[0].burn_alerts = {{"page", 14.4, kHour, 5 * kMinute}};
  t.Apply(StateAt(0, kT0, State::kUp));
  t.Apply(StateAt(0, kT0 + 2 * kHour, State::kDown));
  // 1h rate > 14.4 needs more than 51.84 s of downtime; the 10 s grid first
  // sees that at +60 s.
  SloStatus st = t.At(kT0 + 2 * kHour + 50 * S);
  EXPECT_EQ(Find(st, AlertKind::kBurnPage), nullptr);
  st = t.At(kT0 + 2 * kHour + 75 * S);
  const FiringAlert* page = Find(st, AlertKind::kBurnPage);
  ASSERT_NE(page, nullptr);
  EXPECT_EQ(page->since, kT0 + 2 * kHour + 60 * S);
  EXPECT_STREQ(AlertSeverity(page->kind), "page");
}

TEST(AlertTest, PageResolvesWhenTheShortWindowRecovers) {
  OneService t(Leaf("svc"), 30 * kDay, 99.9);
  t.spec.slos[0].burn_alerts = {{"page", 14.4, kHour, 5 * kMinute}};
  t.Apply(StateAt(0, kT0, State::kUp));
  t.Apply(StateAt(0, kT0 + 2 * kHour, State::kDown));
  t.Apply(StateAt(0, kT0 + 2 * kHour + 2 * kMinute, State::kUp));
  EXPECT_NE(Find(t.At(kT0 + 2 * kHour + 3 * kMinute), AlertKind::kBurnPage), nullptr);
  // 5 minutes after recovery the 5m rate is 0.
  EXPECT_EQ(Find(t.At(kT0 + 2 * kHour + 8 * kMinute), AlertKind::kBurnPage), nullptr);
}

TEST(AlertTest, MinValidKeepsThinEvidenceFromPaging) {
  OneService t(Leaf("svc"), 30 * kDay, 99.9);
  t.spec.slos[0].min_valid = 2 * kHour;
  t.Apply(StateAt(0, kT0, State::kDown));
  EXPECT_EQ(Find(t.At(kT0 + 30 * kMinute), AlertKind::kBurnPage), nullptr);
}

TEST(AlertTest, BudgetExhaustedAndCalendarBreach) {
  ModelSpec spec;
  spec.services.push_back(Leaf("svc"));
  spec.slos.push_back(Calendar("month", 0, 99.999, CalendarUnit::kMonth));
  auto e = MakeEngine(spec);
  Millis start = At("2026-11-01T00:00:00Z");
  ASSERT_TRUE(e->Apply(StateAt(0, start, State::kUp)).ok());
  ASSERT_TRUE(e->Apply(StateAt(0, start + kDay, State::kDown)).ok());
  ASSERT_TRUE(e->Apply(StateAt(0, start + kDay + 20 * S, State::kUp)).ok());
  SloStatus st = e->Evaluate(0, start + 2 * kDay);
  EXPECT_DOUBLE_EQ(st.budget_total, 25.92);  // 30-day November
  EXPECT_DOUBLE_EQ(st.bad, 20);
  EXPECT_FALSE(st.breached);
  EXPECT_EQ(Find(st, AlertKind::kExhausted), nullptr);
  EXPECT_NE(Find(st, AlertKind::kAtRisk), nullptr);  // 20 s in 2 days: on course to break
  ASSERT_TRUE(e->Apply(StateAt(0, start + 2 * kDay + S, State::kDown)).ok());
  st = e->Evaluate(0, start + 2 * kDay + 8 * S);
  EXPECT_DOUBLE_EQ(st.bad, 27);
  EXPECT_TRUE(st.breached);
  ASSERT_NE(Find(st, AlertKind::kExhausted), nullptr);
  ASSERT_NE(Find(st, AlertKind::kBreached), nullptr);
  EXPECT_EQ(Find(st, AlertKind::kAtRisk), nullptr);
}

TEST(AlertTest, MaintenanceNeverSuppressesAResolve) {
  OneService t(Leaf("svc"), 30 * kDay, 99.9);
  t.spec.slos[0].burn_alerts = {{"page", 14.4, kHour, 5 * kMinute}};
  MaintenanceSpec m;
  m.start = kT0 + kHour;
  m.end = kT0 + 2 * kHour;
  t.spec.maintenance.push_back(m);
  t.Apply(StateAt(0, kT0, State::kUp));
  t.Apply(StateAt(0, kT0 + 50 * kMinute, State::kDown));
  EXPECT_NE(Find(t.At(kT0 + 55 * kMinute), AlertKind::kBurnPage), nullptr);
  // In maintenance nothing new is counted: the 5m rate drops and it resolves.
  EXPECT_EQ(Find(t.At(kT0 + kHour + 6 * kMinute), AlertKind::kBurnPage), nullptr);
}

TEST(AlertTest, MaintenanceMutesAlertsThatWouldStartInIt) {
  // A calendar budget shrinks as maintenance time accrues, so a day with 80 s
  // of downtime becomes exhausted during a 2 h window: the alert waits for
  // the window's end.
  ModelSpec spec;
  spec.services.push_back(Leaf("svc"));
  spec.slos.push_back(Calendar("day", 0, 99.9, CalendarUnit::kDay));
  MaintenanceSpec m;
  m.start = kT0 + 3 * kHour;
  m.end = kT0 + 5 * kHour;
  spec.maintenance.push_back(m);
  auto e = MakeEngine(spec);
  ASSERT_TRUE(e->Apply(StateAt(0, kT0, State::kUp)).ok());
  ASSERT_TRUE(e->Apply(StateAt(0, kT0 + kHour, State::kDown)).ok());
  ASSERT_TRUE(e->Apply(StateAt(0, kT0 + kHour + 80 * S, State::kUp)).ok());
  SloStatus st = e->Evaluate(0, kT0 + 4 * kHour + 50 * kMinute);
  EXPECT_LT(st.budget_total, st.bad);  // 79.4 s of budget, 80 s bad
  EXPECT_EQ(Find(st, AlertKind::kExhausted), nullptr);
  st = e->Evaluate(0, kT0 + 5 * kHour + 5 * S);
  const FiringAlert* a = Find(st, AlertKind::kExhausted);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->since, kT0 + 5 * kHour);
}

TEST(AlertTest, DownDependencySuppressesNewAlertsOnItsDependents) {
  ModelSpec spec;
  spec.services = {Leaf("db")};
  ServiceSpec shop = Leaf("shop");
  shop.composite = CompositeMode::kAll;
  shop.members = {0};
  spec.services.push_back(shop);
  spec.slos = {Availability("db", 0, 99.9, 30 * kDay), Availability("shop", 1, 99.9, 30 * kDay)};
  auto e = MakeEngine(spec);
  ASSERT_TRUE(e->Apply(StateAt(0, kT0, State::kUp)).ok());
  ASSERT_TRUE(e->Apply(StateAt(0, kT0 + kHour, State::kDown)).ok());
  SloStatus db = e->Evaluate(0, kT0 + kHour + 5 * kMinute);
  SloStatus shop_st = e->Evaluate(1, kT0 + kHour + 5 * kMinute);
  EXPECT_NE(Find(db, AlertKind::kBurnPage), nullptr);
  EXPECT_EQ(Find(shop_st, AlertKind::kBurnPage), nullptr);
  EXPECT_DOUBLE_EQ(shop_st.bad, 300);  // accounting goes on
}

class CalendarBudgetTest
    : public ::testing::TestWithParam<std::tuple<const char*, CalendarUnit, double>> {};

TEST_P(CalendarBudgetTest, WholePeriodLengthSetsTheBudget) {
  auto [start, unit, budget] = GetParam();
  ModelSpec spec;
  spec.services.push_back(Leaf("svc"));
  spec.slos.push_back(Calendar("cal", 0, 99.999, unit));
  auto e = MakeEngine(spec);
  Millis t = At(start);
  ASSERT_TRUE(e->Apply(StateAt(0, t, State::kUp)).ok());
  SloStatus st = e->Evaluate(0, t + kHour);
  EXPECT_EQ(st.window_start, t);
  EXPECT_DOUBLE_EQ(st.budget_total, budget) << start;
}

INSTANTIATE_TEST_SUITE_P(
    PeriodLengths, CalendarBudgetTest,
    ::testing::Values(
        // 99.999 %: 0.864 s a day.
        std::make_tuple("2026-01-01T00:00:00Z", CalendarUnit::kMonth, 26.784),  // 31 days
        std::make_tuple("2026-11-01T00:00:00Z", CalendarUnit::kMonth, 25.92),   // 30 days
        std::make_tuple("2026-02-01T00:00:00Z", CalendarUnit::kMonth, 24.192),  // 28 days
        std::make_tuple("2028-02-01T00:00:00Z", CalendarUnit::kMonth, 25.056),  // 29 days
        std::make_tuple("2026-11-15T00:00:00Z", CalendarUnit::kDay, 0.864),
        std::make_tuple("2026-11-16T00:00:00Z", CalendarUnit::kWeek, 6.048),      // a Monday
        std::make_tuple("2026-10-01T00:00:00Z", CalendarUnit::kQuarter, 79.488),  // 92 days
        std::make_tuple("2026-01-01T00:00:00Z", CalendarUnit::kYear, 315.36)));

TEST(CalendarWindowTest, ShortDstDayInBerlinHas23Hours) {
  ModelSpec spec;
  spec.services.push_back(Leaf("svc"));
  spec.slos.push_back(Calendar("day", 0, 99.9, CalendarUnit::kDay, "Europe/Berlin"));
  auto e = MakeEngine(spec);
  // 2026-03-29 starts at 2026-03-28T23:00Z (CET) and ends at 2026-03-29T22:00Z (CEST).
  Millis start = At("2026-03-28T23:00:00Z");
  ASSERT_TRUE(e->Apply(StateAt(0, start, State::kUp)).ok());
  SloStatus st = e->Evaluate(0, start + kHour);
  EXPECT_EQ(st.window_start, start);
  EXPECT_DOUBLE_EQ(st.budget_total, 82.8);  // 0.1 % of 23 h
}

TEST(CalendarWindowTest, BerlinMonthStartsAtLocalMidnight) {
  ModelSpec spec;
  spec.services.push_back(Leaf("svc"));
  spec.slos.push_back(Calendar("cal", 0, 99.9, CalendarUnit::kMonth, "Europe/Berlin"));
  auto e = MakeEngine(spec);
  ASSERT_TRUE(e->Apply(StateAt(0, At("2026-10-31T22:00:00Z"), State::kDown)).ok());
  // November in Berlin starts 2026-10-31T23:00:00Z (CET, UTC+1).
  SloStatus st = e->Evaluate(0, At("2026-11-01T01:00:00Z"));
  EXPECT_EQ(st.window_start, At("2026-10-31T23:00:00Z"));
  EXPECT_DOUBLE_EQ(st.bad, 7200);
}

TEST(CalendarWindowTest, WindowStartsAfresheachPeriod) {
  ModelSpec spec;
  spec.services.push_back(Leaf("svc"));
  spec.slos.push_back(Calendar("day", 0, 99.9, CalendarUnit::kDay));
  auto e = MakeEngine(spec);
  ASSERT_TRUE(e->Apply(StateAt(0, At("2026-11-15T23:00:00Z"), State::kDown)).ok());
  EXPECT_DOUBLE_EQ(e->Evaluate(0, At("2026-11-15T23:59:59.999Z")).bad, 3599.999);
  EXPECT_DOUBLE_EQ(e->Evaluate(0, At("2026-11-16T00:00:00Z")).bad, 0);
  EXPECT_DOUBLE_EQ(e->Evaluate(0, At("2026-11-16T00:00:00.001Z")).bad, 0.001);
}

TEST(RatioTest, OutcomesAndCountsInMinuteBuckets) {
  ModelSpec spec;
  spec.services.push_back(Leaf("api"));
  spec.slos.push_back(Ratio("api", 0, 99, 10 * kMinute));
  auto e = MakeEngine(spec);
  ASSERT_TRUE(e->Apply(Outcome(0, kT0 + 30 * S, false)).ok());               // minute 0
  ASSERT_TRUE(e->Apply(CountsAt(0, kT0 + 90 * S, 95, 100)).ok());            // minute 1
  ASSERT_TRUE(e->Apply(Outcome(0, kT0 + 10 * kMinute + 5 * S, true)).ok());  // minute 10
  // at = 10m30s: window [0m30s, 10m30s) counts buckets starting at >= 0m30s
  // (minute 1 on; minute 0 starts before the edge) plus minute 10 before at.
  SloStatus st = e->Evaluate(0, kT0 + 10 * kMinute + 30 * S);
  EXPECT_DOUBLE_EQ(st.good, 96);
  EXPECT_DOUBLE_EQ(st.bad, 5);
  EXPECT_DOUBLE_EQ(st.budget_total, 1.01);
}

TEST(RatioTest, AlignedAtCountsTheFullWindow) {
  ModelSpec spec;
  spec.services.push_back(Leaf("api"));
  spec.slos.push_back(Ratio("api", 0, 99, 10 * kMinute));
  auto e = MakeEngine(spec);
  ASSERT_TRUE(e->Apply(Outcome(0, kT0 + 30 * S, false)).ok());
  EXPECT_DOUBLE_EQ(e->Evaluate(0, kT0 + 10 * kMinute).bad, 1);      // bucket 0 starts at edge
  EXPECT_DOUBLE_EQ(e->Evaluate(0, kT0 + 10 * kMinute + 1).bad, 0);  // edge moved past it
}

TEST(LatencyTest, GoodWhenAtOrUnderTheThreshold) {
  ModelSpec spec;
  spec.services.push_back(Leaf("api"));
  SloSpec lat = Ratio("fast", 0, 80, kHour);
  lat.kind = SloKind::kLatency;
  lat.latency_threshold_ms = 20000;
  spec.slos.push_back(lat);
  auto e = MakeEngine(spec);
  ASSERT_TRUE(e->Apply(Outcome(0, kT0, true, 20000)).ok());
  ASSERT_TRUE(e->Apply(Outcome(0, kT0 + 1, false, 100)).ok());  // latency only matters
  ASSERT_TRUE(e->Apply(Outcome(0, kT0 + 2, true, 20000.5)).ok());
  ASSERT_TRUE(e->Apply(Outcome(0, kT0 + 3, true)).ok());  // no latency: not counted
  SloStatus st = e->Evaluate(0, kT0 + kMinute);
  EXPECT_DOUBLE_EQ(st.good, 2);
  EXPECT_DOUBLE_EQ(st.bad, 1);
}

TEST(EngineContractTest, RejectsSignalsBeforeItsTime) {
  OneService t;
  t.Apply(StateAt(0, kT0 + 10 * S, State::kUp));
  EXPECT_FALSE(t.engine().Apply(StateAt(0, kT0, State::kDown)).ok());
}

}  // namespace
}  // namespace ninesd::slo

namespace ninesd::slo {
namespace {

using namespace ninesd::slo::testing;

// A job that stops sending heartbeats must page even when its deadline
// falls exactly on the alert grid (whole-second heartbeats, whole-minute
// timeouts): the grid's own alert state, not just the re-check at `at`.
TEST(AlertTest, SilentHeartbeatPagesWhenTheDeadlineIsOnTheGrid) {
  ModelSpec spec;
  ServiceSpec etl = Leaf("etl");
  etl.heartbeat_timeout = 30 * kMinute;
  spec.services.push_back(etl);
  SloSpec slo = Availability("etl", 0, 99, 7 * kDay);
  slo.burn_alerts = {{"page", 14.4, kHour, 5 * kMinute}};
  spec.slos.push_back(slo);
  FiringRecorder rec;
  auto e = MakeEngine(spec);
  e->SetObserver(&rec);
  ASSERT_TRUE(e->Apply(Heartbeat(0, kT0)).ok());
  ASSERT_TRUE(e->Apply(Heartbeat(0, kT0 + 20 * kMinute)).ok());
  e->AdvanceTo(kT0 + 2 * kHour);  // silent since 20 min: down from 50 min
  bool paged = false;
  for (auto [kind, at] : rec.fired) {
    if (kind == AlertKind::kBurnPage) {
      paged = true;
      // 1h rate > 14.4 x 1 %: more than 518.4 s down of the hour's valid time.
      EXPECT_GT(at, kT0 + 50 * kMinute);
      EXPECT_LT(at, kT0 + 60 * kMinute);
    }
  }
  EXPECT_TRUE(paged);
}

}  // namespace
}  // namespace ninesd::slo

namespace ninesd::slo {
namespace {

using namespace ninesd::slo::testing;

// "Strictly greater than its factor": a burn rate of exactly 1 does not fire,
// whatever the binary fraction of 1 - 0.999.
TEST(AlertTest, RateExactlyAtTheFactorDoesNotFire) {
  ModelSpec spec;
  spec.services.push_back(Leaf("svc"));
  SloSpec slo = Availability("slo", 0, 99.9, kHour);
  slo.burn_alerts = {{"ticket", 1, kHour, kHour}};
  spec.slos.push_back(slo);
  auto e = MakeEngine(spec);
  ASSERT_TRUE(e->Apply(StateAt(0, kT0, State::kDown)).ok());
  ASSERT_TRUE(e->Apply(StateAt(0, kT0 + 3600, State::kUp)).ok());  // 3.6 s: exactly 0.1 %
  SloStatus st = e->Evaluate(0, kT0 + kHour);
  ASSERT_EQ(st.burn_rates[2].lookback, kHour);
  EXPECT_EQ(st.burn_rates[2].rate, 1.0);
  for (const FiringAlert& a : st.alerts) EXPECT_NE(a.kind, AlertKind::kBurnTicket);
}

}  // namespace
}  // namespace ninesd::slo

namespace ninesd::slo {
namespace {

using namespace ninesd::slo::testing;

// One service and a 99 % availability SLO over an hour that pages when the
// last hour and the last 5 minutes both burn more than 14.4 times the budget.
ModelSpec PagingModel(const ServiceSpec& svc, NoData no_data) {
  ModelSpec spec;
  spec.services.push_back(svc);
  SloSpec slo = Availability(svc.name, 0, 99, kHour);
  slo.no_data = no_data;
  slo.burn_alerts = {{"page", 14.4, kHour, 5 * kMinute}};
  spec.slos.push_back(slo);
  return spec;
}

// Two probes with different staleness: the quick one goes stale first (the
// other still says up), the slow one an hour later with no signal in
// between. With no_data: down that second silence is downtime and must page.
TEST(AlertTest, ASecondProbeGoingStaleLaterStillPages) {
  ServiceSpec svc = Leaf("api");
  svc.probes = {{"slow", kHour, 1, 1}, {"quick", 90 * kSecond, 1, 1}};
  ModelSpec spec = PagingModel(svc, NoData::kDown);
  FiringRecorder rec;
  auto e = MakeEngine(spec);
  e->SetObserver(&rec);
  // Two hours of both probes up: the unknown time before the first result
  // pages at once, then leaves the one-hour window, and the SLO goes quiet.
  const Millis t1 = kT0 + 2 * kHour;
  for (Millis t = kT0; t <= t1; t += 30 * kSecond) {
    ASSERT_TRUE(e->Apply(Probe(0, t, true, 0)).ok());
    ASSERT_TRUE(e->Apply(Probe(0, t + 10 * kSecond, true, 1)).ok());
  }
  e->AdvanceTo(t1 + 3 * kHour);  // quick stale from t1 + 100 s, slow from t1 + 1 h
  bool paged = false;
  for (auto [kind, at] : rec.fired) {
    if (kind != AlertKind::kBurnPage || at <= t1) continue;
    paged = true;
    // More than 518.4 s of the last hour down: soon after t1 + 1h 8m 38.4s.
    EXPECT_GT(at, t1 + kHour + 8 * kMinute);
    EXPECT_LE(at, t1 + kHour + 9 * kMinute);
  }
  EXPECT_TRUE(paged);
}

// A heartbeat arriving a little after its deadline ends a gap of down time
// before the alert grid sees the deadline pass (no grid point in the gap).
// The gap still wakes the SLO: 8 s down every minute exhausts a 36 s budget.
TEST(AlertTest, HeartbeatGapsBetweenGridPointsWakeTheSlo) {
  ModelSpec spec;
  ServiceSpec svc = Leaf("batch");
  svc.heartbeat_timeout = 30 * kSecond;
  spec.services.push_back(svc);
  spec.slos.push_back(Availability("batch", 0, 99, kHour));
  FiringRecorder rec;
  auto e = MakeEngine(spec);
  e->SetObserver(&rec);
  // Heartbeats at 1 s past a grid point: every 20 s for an hour, then a
  // minute's cycle of +38 s (down from +30 s to +38 s, between grid points)
  // and +22 s.
  Millis t = kT0 + kSecond;
  for (; t < kT0 + kHour; t += 20 * kSecond) ASSERT_TRUE(e->Apply(Heartbeat(0, t)).ok());
  const Millis gaps_from = t;
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(e->Apply(Heartbeat(0, t)).ok());
    ASSERT_TRUE(e->Apply(Heartbeat(0, t + 38 * kSecond)).ok());
    t += kMinute;
  }
  bool exhausted = false;
  for (auto [kind, at] : rec.fired) {
    if (kind != AlertKind::kExhausted) continue;
    exhausted = true;
    // 36 s of down time: the fifth gap, 4 minutes and 38 s into the pattern.
    EXPECT_GT(at, gaps_from + 4 * kMinute + 30 * kSecond);
    EXPECT_LE(at, gaps_from + 4 * kMinute + 40 * kSecond);
  }
  EXPECT_TRUE(exhausted);
}

// A service can turn down by itself: with a quorum of 2 of 3 locations,
// one location's down result is outvoted until the other two go stale, and
// then it is all the service has. The SLO, quiet after an old outage, must
// be woken by that staleness although a later result (the down one) keeps
// the service's latest staleness an hour further on.
TEST(AlertTest, QuorumTurningDownByStalenessPagesAQuietSlo) {
  ServiceSpec svc = Leaf("api");
  svc.probes = {{"http", kHour, 1, 1}};
  svc.quorum = 2;
  ModelSpec spec = PagingModel(svc, NoData::kIgnore);
  FiringRecorder rec;
  auto e = MakeEngine(spec);
  e->SetObserver(&rec);
  const Millis t1 = kT0 + 2 * kHour;
  for (Millis t = kT0; t <= t1; t += 30 * kSecond) {
    // 20 s of outage early on: bad time in the SLO's horizon, no alert.
    bool good = t < kT0 + 10 * kMinute || t >= kT0 + 10 * kMinute + 20 * kSecond;
    for (uint16_t loc = 0; loc < 3; ++loc) {
      ASSERT_TRUE(e->Apply(Probe(0, t + loc, good, 0, loc)).ok());
    }
  }
  ASSERT_TRUE(e->Apply(Probe(0, t1 + 30 * kMinute, false, 0, 0)).ok());  // outvoted
  e->AdvanceTo(t1 + 3 * kHour);
  // Locations 1 and 2 are stale from t1 + 1h: location 0's down result
  // decides until it goes stale too, at t1 + 1h 30m. 518.4 s of the last hour
  // down pages.
  bool paged = false;
  for (auto [kind, at] : rec.fired) {
    if (kind != AlertKind::kBurnPage) continue;
    paged = true;
    EXPECT_GT(at, t1 + kHour + 518 * kSecond);
    EXPECT_LE(at, t1 + kHour + 530 * kSecond);
  }
  EXPECT_TRUE(paged);
}

}  // namespace
}  // namespace ninesd::slo

namespace ninesd::slo {
namespace {

using namespace ninesd::slo::testing;

// The eighth buffered signal folds the buffer up to its own time; the signal
// itself is still to be folded, and a figure taken right after must see it.
TEST(EngineTest, TheSignalThatFillsTheBufferCountsAtOnce) {
  ModelSpec spec;
  spec.services.push_back(Leaf("svc"));
  spec.slos.push_back(Availability("slo", 0, 99.9, kHour));
  auto e = MakeEngine(spec);
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(e->Apply(StateAt(0, kT0 + i * kSecond, State::kUp)).ok());
  ASSERT_TRUE(e->Apply(StateAt(0, kT0 + 7 * kSecond, State::kDown)).ok());
  SloStatus st = e->Evaluate(0, kT0 + 8 * kSecond);
  EXPECT_DOUBLE_EQ(st.bad, 1.0);
  EXPECT_DOUBLE_EQ(st.good, 7.0);
}

}  // namespace
}  // namespace ninesd::slo
