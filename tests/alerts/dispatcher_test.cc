// Pending time, flap guard, reconcile and saved state of the dispatcher
// (event time only; no hooks, so nothing leaves the process).

#include "alerts/dispatcher.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <asio/io_context.hpp>

namespace ninesd::alerts {
namespace {

using slo::AlertKind;
using slo::kMinute;
using slo::kSecond;

constexpr Millis kT0 = 1'795'766'400'000;  // 2026-11-27T08:00:00Z

AlertEvent Event(bool firing, Millis at, AlertKind kind = AlertKind::kBurnPage,
                 const std::string& slo = "checkout-month") {
  AlertEvent e;
  e.slo = slo;
  e.service = "checkout";
  e.agreement = "sla";
  e.customer = "acme";
  e.kind = kind;
  e.firing = firing;
  e.at = at;
  e.objective = 0.9999;
  e.window = "month";
  e.unit = "seconds";
  e.attainment = 0.9995;
  e.budget_total = 267.84;
  e.budget_consumed = 300;
  e.budget_remaining_ratio = 1 - 300 / 267.84;
  e.burn_rates = {{5 * kMinute, 20.5}, {60 * kMinute, 15.25}};
  return e;
}

class DispatcherTest : public ::testing::Test {
 protected:
  std::unique_ptr<Dispatcher> Make(Millis pending_for, Millis keep_firing_for) {
    DispatcherOptions o;
    o.alerting.pending_for = pending_for;
    o.alerting.keep_firing_for = keep_firing_for;
    o.wall_clock = [this] { return wall_; };
    auto d = Dispatcher::Create(io_, registry_, o);
    EXPECT_TRUE(d.ok());
    return std::move(*d);
  }
  const Alert* Find(const Dispatcher& d, AlertKind kind = AlertKind::kBurnPage) {
    auto it = d.alerts().find(AlertKey("checkout-month", kind));
    return it == d.alerts().end() ? nullptr : &it->second;
  }

  asio::io_context io_;
  prometheus::Registry registry_;
  int64_t wall_ = kT0;
};

TEST_F(DispatcherTest, FiresAtOnceWithoutPendingTime) {
  auto d = Make(0, 0);
  d->OnAlert(Event(true, kT0));
  const Alert* a = Find(*d);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->phase, Phase::kFiring);
  EXPECT_EQ(a->active_since, kT0);
  EXPECT_EQ(a->transition, 1u);
}

TEST_F(DispatcherTest, PendingFiresExactlyWhenForElapsed) {
  auto d = Make(2 * kMinute, 0);
  d->OnAlert(Event(true, kT0));
  d->AdvanceTo(kT0 + 2 * kMinute - 1);
  EXPECT_EQ(Find(*d)->phase, Phase::kPending);
  EXPECT_EQ(Find(*d)->transition, 0u);  // nothing sent
  d->AdvanceTo(kT0 + 2 * kMinute);
  EXPECT_EQ(Find(*d)->phase, Phase::kFiring);
  EXPECT_EQ(Find(*d)->active_since, kT0);  // startsAt is when the condition began
  d->AdvanceTo(kT0 + 2 * kMinute + 1);
  EXPECT_EQ(Find(*d)->transition, 1u);
}

TEST_F(DispatcherTest, PendingThatClearsIsNeverSent) {
  auto d = Make(2 * kMinute, 0);
  d->OnAlert(Event(true, kT0));
  d->OnAlert(Event(false, kT0 + 2 * kMinute - 1));
  EXPECT_EQ(Find(*d), nullptr);
  d->AdvanceTo(kT0 + 10 * kMinute);
  EXPECT_EQ(Find(*d), nullptr);
}

TEST_F(DispatcherTest, TransitionAfterTheDeadlineFiresFirst) {
  // The core reports the resolve after `for` passed: the alert fired in between.
  auto d = Make(2 * kMinute, 0);
  d->OnAlert(Event(true, kT0));
  d->OnAlert(Event(false, kT0 + 3 * kMinute));
  const Alert* a = Find(*d);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->phase, Phase::kResolved);
  EXPECT_EQ(a->transition, 2u);  // fired, then resolved
  EXPECT_EQ(a->resolved_at, kT0 + 3 * kMinute);
}

TEST_F(DispatcherTest, FlapGuardHoldsFiringUntilClearLongEnough) {
  auto d = Make(0, 5 * kMinute);
  d->OnAlert(Event(true, kT0));
  d->OnAlert(Event(false, kT0 + kMinute));
  d->AdvanceTo(kT0 + 6 * kMinute - 1);
  EXPECT_EQ(Find(*d)->phase, Phase::kFiring);
  d->AdvanceTo(kT0 + 6 * kMinute);
  EXPECT_EQ(Find(*d)->phase, Phase::kResolved);
  EXPECT_EQ(Find(*d)->resolved_at, kT0 + kMinute);  // endsAt: when it really cleared
  EXPECT_EQ(Find(*d)->transition, 2u);
}

TEST_F(DispatcherTest, FlapWithinGuardIsOneAlert) {
  auto d = Make(0, 5 * kMinute);
  d->OnAlert(Event(true, kT0));
  for (int i = 1; i <= 10; ++i) {
    d->OnAlert(Event(false, kT0 + i * kMinute));
    d->OnAlert(Event(true, kT0 + i * kMinute + 30 * kSecond));
  }
  const Alert* a = Find(*d);
  EXPECT_EQ(a->phase, Phase::kFiring);
  EXPECT_EQ(a->transition, 1u);  // one page, no resolve/re-page in between
  EXPECT_EQ(a->active_since, kT0);
}

TEST_F(DispatcherTest, RefireAfterResolveIsANewAlert) {
  auto d = Make(0, 0);
  d->OnAlert(Event(true, kT0));
  d->OnAlert(Event(false, kT0 + kMinute));
  d->OnAlert(Event(true, kT0 + 2 * kMinute));
  EXPECT_EQ(Find(*d)->phase, Phase::kFiring);
  EXPECT_EQ(Find(*d)->active_since, kT0 + 2 * kMinute);
  EXPECT_EQ(Find(*d)->transition, 3u);
}

TEST_F(DispatcherTest, KindsAreSeparateAlerts) {
  auto d = Make(0, 0);
  d->OnAlert(Event(true, kT0, AlertKind::kBurnPage));
  d->OnAlert(Event(true, kT0, AlertKind::kBurnTicket));
  d->OnAlert(Event(false, kT0 + kMinute, AlertKind::kBurnPage));
  EXPECT_EQ(Find(*d, AlertKind::kBurnPage)->phase, Phase::kResolved);
  EXPECT_EQ(Find(*d, AlertKind::kBurnTicket)->phase, Phase::kFiring);
}

TEST_F(DispatcherTest, ResolvedAlertsAreForgottenAfterRetention) {
  auto d = Make(0, 0);
  d->OnAlert(Event(true, kT0));
  d->OnAlert(Event(false, kT0 + kMinute));
  wall_ += 15 * kMinute - 1;
  d->AdvanceTo(kT0 + kMinute);
  EXPECT_NE(Find(*d), nullptr);
  wall_ += 1;
  d->AdvanceTo(kT0 + kMinute);
  EXPECT_EQ(Find(*d), nullptr);
}

TEST_F(DispatcherTest, ReconcileClearsWhatTheCoreNoLongerFiresAndStartsTheRest) {
  auto d = Make(0, 0);
  d->OnAlert(Event(true, kT0, AlertKind::kBurnPage));
  d->Reconcile({Event(true, kT0 + kMinute, AlertKind::kExhausted)}, kT0 + 2 * kMinute);
  EXPECT_EQ(Find(*d, AlertKind::kBurnPage)->phase, Phase::kResolved);
  EXPECT_EQ(Find(*d, AlertKind::kBurnPage)->resolved_at, kT0 + 2 * kMinute);
  EXPECT_EQ(Find(*d, AlertKind::kExhausted)->phase, Phase::kFiring);
  EXPECT_EQ(Find(*d, AlertKind::kExhausted)->active_since, kT0 + kMinute);
}

// Deadlines are kept in order, so a step of event time visits only what is
// due: each of many alerts fires at its own deadline, not before.
TEST_F(DispatcherTest, ManyPendingAlertsFireEachAtItsDeadline) {
  auto d = Make(60 * kMinute, 0);  // all arrive before the first deadline
  constexpr int kAlerts = 500;
  auto key = [](int i) { return AlertKey("slo-" + std::to_string(i), AlertKind::kBurnPage); };
  for (int i = 0; i < kAlerts; ++i) {
    d->OnAlert(Event(true, kT0 + i * kSecond, AlertKind::kBurnPage, "slo-" + std::to_string(i)));
  }
  for (int i = 0; i < kAlerts; ++i) {
    d->AdvanceTo(kT0 + 60 * kMinute + i * kSecond - 1);
    ASSERT_EQ(d->alerts().at(key(i)).phase, Phase::kPending) << i;
    d->AdvanceTo(kT0 + 60 * kMinute + i * kSecond);
    ASSERT_EQ(d->alerts().at(key(i)).phase, Phase::kFiring) << i;
    EXPECT_EQ(d->alerts().at(key(i)).transition, static_cast<uint64_t>(i + 1));
    if (i + 1 < kAlerts) {
      ASSERT_EQ(d->alerts().at(key(i + 1)).phase, Phase::kPending) << i;
    }
  }
}

TEST_F(DispatcherTest, NewSettingsMoveTheDeadlines) {
  auto d = Make(10 * kMinute, 10 * kMinute);
  d->OnAlert(Event(true, kT0, AlertKind::kBurnPage));
  d->OnAlert(Event(true, kT0, AlertKind::kBurnTicket));
  d->AdvanceTo(kT0 + 10 * kMinute);
  d->OnAlert(Event(false, kT0 + 10 * kMinute, AlertKind::kBurnTicket));  // guard running
  d->OnAlert(Event(true, kT0 + 10 * kMinute, AlertKind::kExhausted));    // pending
  DispatcherOptions o;
  o.alerting.pending_for = kMinute;
  o.alerting.keep_firing_for = kMinute;
  o.wall_clock = [this] { return wall_; };
  ASSERT_TRUE(d->Reconfigure(o).ok());
  d->AdvanceTo(kT0 + 11 * kMinute - 1);
  EXPECT_EQ(Find(*d, AlertKind::kExhausted)->phase, Phase::kPending);
  EXPECT_EQ(Find(*d, AlertKind::kBurnTicket)->phase, Phase::kFiring);
  d->AdvanceTo(kT0 + 11 * kMinute);
  EXPECT_EQ(Find(*d, AlertKind::kExhausted)->phase, Phase::kFiring);
  EXPECT_EQ(Find(*d, AlertKind::kBurnTicket)->phase, Phase::kResolved);
  // Retention follows the new settings too (default 15 minutes, wall clock).
  wall_ += 15 * kMinute;
  d->AdvanceTo(kT0 + 11 * kMinute);
  EXPECT_EQ(Find(*d, AlertKind::kBurnTicket), nullptr);
  EXPECT_NE(Find(*d, AlertKind::kBurnPage), nullptr);
}

TEST_F(DispatcherTest, SavedStateRoundTrips) {
  auto d = Make(2 * kMinute, 5 * kMinute);
  d->OnAlert(Event(true, kT0, AlertKind::kBurnPage));
  d->AdvanceTo(kT0 + 3 * kMinute);
  d->OnAlert(Event(false, kT0 + 4 * kMinute, AlertKind::kBurnPage));  // flap guard running
  d->OnAlert(Event(true, kT0 + 4 * kMinute, AlertKind::kExhausted));  // pending
  std::string saved = d->SaveState();

  prometheus::Registry other_registry;
  DispatcherOptions o;
  o.alerting.pending_for = 2 * kMinute;
  o.alerting.keep_firing_for = 5 * kMinute;
  auto r = Dispatcher::Create(io_, other_registry, o);
  ASSERT_TRUE(r.ok());
  Dispatcher& e = **r;
  ASSERT_TRUE(e.LoadState(saved).ok());
  EXPECT_EQ(e.SaveState(), saved);
  const Alert& page = e.alerts().at(AlertKey("checkout-month", AlertKind::kBurnPage));
  EXPECT_EQ(page.phase, Phase::kFiring);
  EXPECT_EQ(page.active_since, kT0);
  EXPECT_EQ(page.cleared_at, kT0 + 4 * kMinute);
  EXPECT_EQ(page.transition, 1u);
  EXPECT_EQ(page.info.customer, "acme");
  EXPECT_EQ(page.info.burn_rates.size(), 2u);
  // Both timers continue from where they were: no re-fire, no lost pending.
  e.AdvanceTo(kT0 + 6 * kMinute);
  EXPECT_EQ(e.alerts().at(AlertKey("checkout-month", AlertKind::kExhausted)).phase, Phase::kFiring);
  e.AdvanceTo(kT0 + 9 * kMinute);
  EXPECT_EQ(e.alerts().at(AlertKey("checkout-month", AlertKind::kBurnPage)).phase,
            Phase::kResolved);
}

TEST_F(DispatcherTest, BadStateIsAClearErrorAndChangesNothing) {
  auto d = Make(0, 0);
  d->OnAlert(Event(true, kT0));
  struct Case {
    std::string blob;
    std::string error;
  };
  const Case cases[] = {
      {"", "alert state: invalid JSON: "},
      {"[]", "alert state: expected an object"},
      {R"({"version":2,"next_transition":1,"now":0,"alerts":[]})",
       "alert state: version 2 is not supported (this is 1)"},
      {R"({"version":1,"next_transition":1,"now":0,"alerts":[{"slo":"x"}]})",
       "alert state: alerts[0].kind: expected a string"},
      {R"({"version":1,"next_transition":1,"now":0,"alerts":[{"slo":"x","kind":"nope",)"
       R"("phase":"firing","active_since":0,"cleared_at":null,"resolved_at":0,)"
       R"("resolved_wall_ms":0,"transition":1,"owed":[],"info":{}}]})",
       "alert state: alerts[0].kind: unknown alert kind \"nope\""},
  };
  for (const Case& c : cases) {
    Status s = d->LoadState(c.blob);
    ASSERT_FALSE(s.ok()) << c.blob;
    EXPECT_EQ(s.error().message.substr(0, c.error.size()), c.error) << s.error().message;
  }
  EXPECT_EQ(Find(*d)->phase, Phase::kFiring);
}

}  // namespace
}  // namespace ninesd::alerts
