// CoreRuntime: the core on an io_context with a controlled wall clock.

#include "daemon/core_runtime.h"

#include <gtest/gtest.h>

#include <asio/io_context.hpp>

#include "config/config.h"
#include "slo/engine_state.h"
#include "slo/time.h"

namespace ninesd::daemon {
namespace {

using slo::Millis;

// 2026-11-02T00:00:00Z
constexpr Millis kT0 = 1'793'577'600'000;

constexpr const char* kYaml = R"(
services:
  - name: web
  - name: batch
    heartbeat_timeout: 1m
slos:
  - {name: web-avail, service: web, kind: availability, objective: 99, window: 1h}
  - {name: batch-avail, service: batch, kind: availability, objective: 99, window: 1h}
)";

config::Config Load(const std::string& yaml) {
  config::LoadResult r = config::LoadConfigText(yaml, "test.yaml");
  EXPECT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].ToString());
  return *r.config;
}

slo::Signal State(uint32_t service, Millis ts, slo::State st, uint64_t id = 0) {
  slo::Signal s;
  s.ts = ts;
  s.service = service;
  s.kind = slo::SignalKind::kState;
  s.state = st;
  s.id_hash = id;
  return s;
}

class CoreRuntimeTest : public ::testing::Test {
 protected:
  std::unique_ptr<CoreRuntime> Make(bool backlog, size_t slice = 0, size_t max_held = 1'000'000,
                                    std::chrono::milliseconds advance_slice = {}) {
    CoreRuntime::Options o;
    o.advance_slice = advance_slice;
    o.max_held_while_catching_up = max_held;
    o.refresh_slice = slice;
    o.wall_clock = [this] { return wall; };
    o.has_backlog_input = backlog;
    o.min_backlog_save = min_backlog_save;
    o.tick = std::chrono::hours(1);  // ticks are driven by the test
    auto r = CoreRuntime::Create(io, Load(kYaml).model, o);
    EXPECT_TRUE(r) << r.error().message;
    return std::move(*r);
  }
  const slo::SloStatus& Slo(CoreRuntime& rt, const std::string& name) {
    for (const auto& st : rt.figures().slos) {
      if (rt.spec().slos[st.slo].name == name) return st;
    }
    ADD_FAILURE() << "no SLO " << name;
    static slo::SloStatus none;
    return none;
  }
  asio::io_context io;
  Millis wall = kT0;
  size_t min_backlog_save = 1'000'000;
};

TEST_F(CoreRuntimeTest, WallClockDrivesTimeAllowedLatenessBehind) {
  auto rt = Make(false);
  rt->Start();
  // The history starts at start - lateness (10 s by default).
  EXPECT_EQ(rt->engine().now(), kT0 - 10'000);
  EXPECT_EQ(rt->Push(State(0, kT0, slo::State::kUp)), events::Reject::kNone);
  EXPECT_EQ(rt->Push(State(0, kT0 + 60'000, slo::State::kDown)), events::Reject::kNone);
  EXPECT_EQ(rt->Push(State(0, kT0 + 90'000, slo::State::kUp)), events::Reject::kNone);
  wall = kT0 + 110'000;
  rt->Tick();
  EXPECT_EQ(rt->evaluated_at(), kT0 + 100'000);
  const slo::SloStatus& st = Slo(*rt, "web-avail");
  EXPECT_DOUBLE_EQ(st.bad, 30);
  EXPECT_DOUBLE_EQ(st.good, 70);
  EXPECT_DOUBLE_EQ(st.unknown, 3600 - 100 + 10 - 10);  // before start: unknown
  EXPECT_EQ(rt->figures().services[0], slo::State::kUp);
  EXPECT_DOUBLE_EQ(rt->figures().downtime_seconds[0], 30);
  // The heartbeat service never beat: unknown, never invented as up.
  EXPECT_EQ(rt->figures().services[1], slo::State::kUnknown);
}

TEST_F(CoreRuntimeTest, LateAndDuplicateSignalsAreCountedNotApplied) {
  auto rt = Make(false);
  std::vector<events::Reject> reported;
  rt->OnRejected([&](events::Reject r) { reported.push_back(r); });
  rt->Start();
  wall = kT0 + 60'000;
  rt->Tick();
  // Before the released time (wall - lateness): late.
  EXPECT_EQ(rt->Push(State(0, kT0 + 49'999, slo::State::kDown)), events::Reject::kLate);
  EXPECT_EQ(rt->Push(State(0, kT0 + 50'000, slo::State::kDown, 7)), events::Reject::kNone);
  EXPECT_EQ(rt->Push(State(0, kT0 + 50'000, slo::State::kDown, 7)), events::Reject::kDuplicate);
  EXPECT_EQ(rt->rejected(events::Reject::kLate), 1u);
  EXPECT_EQ(rt->rejected(events::Reject::kDuplicate), 1u);
  EXPECT_EQ(rt->accepted(), 1u);
  EXPECT_EQ(reported,
            (std::vector<events::Reject>{events::Reject::kLate, events::Reject::kDuplicate}));
  std::string text;
  rt->WriteMetrics(text);
  // /metrics shows what the last refresh published.
  EXPECT_NE(text.find("ninesd_events_accepted_total 0\n"), std::string::npos);
  rt->Tick();
  text.clear();
  rt->WriteMetrics(text);
  EXPECT_NE(text.find("ninesd_events_accepted_total 1\n"), std::string::npos);
}

TEST_F(CoreRuntimeTest, BacklogIsReplayedInEventTimeThenTheWallClockTakesOver) {
  auto rt = Make(true, 0, 5);
  wall = kT0 + 10 * slo::kDay;  // the backlog is ten days old
  rt->Start();
  EXPECT_FALSE(rt->engine().started());
  // Probe results while catching up are held with the backlog (they must
  // not make it late), and count once it is read: 10 s down before the
  // released time.
  EXPECT_EQ(rt->Push(State(0, wall - 20'000, slo::State::kDown)), events::Reject::kNone);
  EXPECT_EQ(rt->sequencer().held(), 1u);

  IngestBatch b;
  b.signals = {State(0, kT0, slo::State::kUp), State(0, kT0 + 600'000, slo::State::kDown),
               State(0, kT0 + 636'000, slo::State::kUp)};
  b.positions = {{"events", 3, 42}};
  b.rejected[static_cast<size_t>(events::Reject::kBadJson)] = 2;
  rt->PostBatch(std::move(b));
  io.poll();
  EXPECT_TRUE(rt->catching_up());
  // Held until caught up: partitions may be read at different speeds.
  EXPECT_FALSE(rt->engine().started());
  EXPECT_EQ(rt->sequencer().held(), 4u);
  // Up to a bound (here 5): past it, probe results are refused as late.
  EXPECT_EQ(rt->Push(State(0, wall - 15'000, slo::State::kDown)), events::Reject::kNone);
  EXPECT_EQ(rt->Push(State(0, wall - 12'000, slo::State::kUp)), events::Reject::kLate);
  EXPECT_EQ(rt->rejected(events::Reject::kLate), 1u);
  // A checkpoint meanwhile saves where the backlog started: it is read again.
  EXPECT_EQ(rt->positions().count({"events", 3}), 0u);
  EXPECT_EQ(rt->rejected(events::Reject::kBadJson), 2u);

  IngestBatch done;
  done.signals = {State(0, kT0 + 3'000'000, slo::State::kUp)};
  done.caught_up = true;
  rt->PostBatch(std::move(done));
  io.poll();
  EXPECT_FALSE(rt->catching_up());
  EXPECT_EQ((rt->positions().at({"events", 3})), 42);
  EXPECT_EQ(rt->evaluated_at(), wall - 10'000);
  // Down from wall - 20 s to the released time, wall - 10 s.
  EXPECT_EQ(rt->figures().services[0], slo::State::kDown);
  EXPECT_DOUBLE_EQ(rt->figures().downtime_seconds[0], 36 + 10);
  EXPECT_EQ(rt->Push(State(0, wall, slo::State::kUp)), events::Reject::kNone);
}

// A checkpoint taken while a backlog is read holds the restored state and
// the probe results taken since, with the positions the backlog started
// from — not the backlog, read again after a restart — until the backlog
// read is worth saving (PrepareCheckpoint); then it holds that too, with the
// positions read so far. A restart from either, reading on from its
// positions, ends with the figures of a run that never stopped, and an
// event id saved stays a duplicate however far behind the newest event.
TEST_F(CoreRuntimeTest, CheckpointWhileCatchingUpEndsLikeAnUninterruptedRun) {
  wall = kT0 + slo::kDay;
  auto backlog = [] {
    IngestBatch b;
    b.signals = {State(0, kT0, slo::State::kUp, 1), State(0, kT0 + 600'000, slo::State::kDown, 2),
                 State(0, kT0 + 636'000, slo::State::kUp, 3)};
    b.positions = {{"events", 3, 42}};
    return b;
  };
  auto done = [] {
    IngestBatch b;
    b.signals = {State(0, kT0 + 3'000'000, slo::State::kUp, 4)};
    b.positions = {{"events", 3, 43}};
    b.caught_up = true;
    return b;
  };
  for (bool save_backlog : {false, true}) {
    SCOPED_TRACE(save_backlog ? "backlog saved" : "backlog read again");
    min_backlog_save = save_backlog ? 2 : 1'000'000;
    auto first = Make(true);
    first->RestorePositions({{{"events", 3}, 10}});
    first->Start();
    EXPECT_EQ(first->Push(State(0, wall - 20'000, slo::State::kDown)), events::Reject::kNone);
    first->PostBatch(backlog());
    io.poll();
    EXPECT_EQ(first->sequencer().held(), 4u);
    EXPECT_EQ(first->sequencer().held_replayable(), 3u);
    first->PrepareCheckpoint();
    EXPECT_EQ(first->sequencer().held_replayable(), save_backlog ? 0u : 3u);
    slo::EngineState saved = slo::CollectState(first->engine(), &first->sequencer(), true);
    auto saved_positions = first->positions();
    EXPECT_EQ((saved_positions.at({"events", 3})), save_backlog ? 42 : 10);
    first->PostBatch(done());
    io.poll();
    EXPECT_FALSE(first->catching_up());
    EXPECT_EQ(first->sequencer().held_replayable(), 0u);
    EXPECT_EQ((first->positions().at({"events", 3})), 43);

    auto second = Make(true);
    ASSERT_TRUE(slo::RestoreState(second->engine(), &second->sequencer(), saved));
    second->RestorePositions(saved_positions);
    second->Start();
    EXPECT_EQ(second->sequencer().held(), save_backlog ? 4u : 1u);
    if (save_backlog) {
      // Its id came back with the state: 636 s behind the newest event, far
      // past the lateness, and still refused while the backlog is held.
      EXPECT_EQ(second->Push(State(0, kT0, slo::State::kUp, 1)), events::Reject::kDuplicate);
    } else {
      second->PostBatch(backlog());  // read again from offset 10
    }
    second->PostBatch(done());
    io.poll();
    EXPECT_FALSE(second->catching_up());
    EXPECT_EQ((second->positions().at({"events", 3})), 43);
    ASSERT_EQ(first->evaluated_at(), second->evaluated_at());
    EXPECT_EQ(first->figures().services, second->figures().services);
    EXPECT_EQ(first->figures().downtime_seconds, second->figures().downtime_seconds);
    EXPECT_DOUBLE_EQ(first->figures().downtime_seconds[0], 36 + 10);
    for (size_t i = 0; i < first->figures().slos.size(); ++i) {
      EXPECT_DOUBLE_EQ(first->figures().slos[i].good, second->figures().slos[i].good);
      EXPECT_DOUBLE_EQ(first->figures().slos[i].bad, second->figures().slos[i].bad);
      EXPECT_DOUBLE_EQ(first->figures().slos[i].unknown, second->figures().slos[i].unknown);
    }
  }
}

TEST_F(CoreRuntimeTest, AlertTransitionsReachTheHooksAndCountBreaches) {
  auto rt = Make(false);
  std::vector<AlertTransition> seen;
  rt->OnAlert([&](const AlertTransition& t) { seen.push_back(t); });
  int evaluated = 0;
  rt->OnEvaluated([&] { ++evaluated; });
  rt->Start();
  EXPECT_EQ(rt->Push(State(0, kT0, slo::State::kDown)), events::Reject::kNone);
  wall = kT0 + 20 * slo::kMinute;
  rt->Tick();
  EXPECT_GE(evaluated, 2);
  bool page = false;
  for (const auto& t : seen) {
    page |= t.kind == slo::AlertKind::kBurnPage && t.firing && t.slo == 0;
  }
  EXPECT_TRUE(page);
  const slo::SloStatus& st = Slo(*rt, "web-avail");
  EXPECT_TRUE(st.breached);
  std::string text;
  rt->WriteMetrics(text);
  EXPECT_NE(text.find("ninesd_slo_alert_firing{slo=\"web-avail\",service=\"web\",alert="
                      "\"ErrorBudgetBurn\",severity=\"page\"} 1"),
            std::string::npos);
}

TEST_F(CoreRuntimeTest, SlicedRefreshPublishesOnceCompleteWithTheSameFigures) {
  auto sliced = Make(false, 1);
  auto whole = Make(false, 0);
  for (CoreRuntime* rt : {sliced.get(), whole.get()}) {
    rt->Start();
    EXPECT_EQ(rt->Push(State(0, kT0, slo::State::kDown)), events::Reject::kNone);
    EXPECT_EQ(rt->Push(State(0, kT0 + 5'000, slo::State::kUp)), events::Reject::kNone);
  }
  io.poll();  // finish the sliced refresh Start() began
  wall = kT0 + 60'000;
  sliced->Tick();
  whole->Tick();
  EXPECT_EQ(whole->evaluated_at(), kT0 + 50'000);
  EXPECT_LT(sliced->evaluated_at(), kT0 + 50'000);  // 2 SLOs + 2 services: 4 slices
  int turns = 0;
  while (sliced->evaluated_at() != kT0 + 50'000 && turns < 10)
    turns += static_cast<int>(io.poll_one());
  EXPECT_EQ(turns, 3);
  ASSERT_EQ(sliced->figures().slos.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(sliced->figures().slos[i].bad, whole->figures().slos[i].bad);
    EXPECT_EQ(sliced->figures().slos[i].good, whole->figures().slos[i].good);
  }
  EXPECT_EQ(sliced->figures().downtime_seconds, whole->figures().downtime_seconds);
  EXPECT_DOUBLE_EQ(sliced->figures().downtime_seconds[0], 5);
}

TEST_F(CoreRuntimeTest, FarBehindTheClockTimeMovesInSlicesAndLiveSignalsWait) {
  // A restart after 30 days down: 259 200 grid points to evaluate. One loop
  // turn does 1 ms of them and leaves the rest to later turns.
  auto sliced = Make(false, 0, 1'000'000, std::chrono::milliseconds(1));
  auto whole = Make(false);
  int alerts[2] = {0, 0};
  sliced->OnAlert([&](const AlertTransition&) { ++alerts[0]; });
  whole->OnAlert([&](const AlertTransition&) { ++alerts[1]; });
  for (CoreRuntime* rt : {sliced.get(), whole.get()}) {
    rt->Start();
    EXPECT_EQ(rt->Push(State(0, kT0, slo::State::kDown)), events::Reject::kNone);
    EXPECT_EQ(rt->Push(State(0, kT0 + 5'000, slo::State::kUp)), events::Reject::kNone);
  }
  const Millis down = kT0 + 30 * slo::kDay;
  wall = down + 5'000;
  sliced->Tick();
  EXPECT_GT(sliced->engine().now(), kT0);
  EXPECT_LT(sliced->engine().now(), wall - 10'000);
  // A live signal waits for the core (it would otherwise release everything
  // at once), and is not late.
  EXPECT_EQ(sliced->Push(State(0, down, slo::State::kDown)), events::Reject::kNone);
  EXPECT_LT(sliced->engine().now(), wall - 10'000);
  EXPECT_EQ(sliced->sequencer().held(), 1u);
  whole->Tick();
  EXPECT_EQ(whole->engine().now(), wall - 10'000);
  EXPECT_EQ(whole->Push(State(0, down, slo::State::kDown)), events::Reject::kNone);
  int turns = 0;
  while (sliced->engine().now() < wall - 10'000 && turns < 1'000'000) {
    turns += static_cast<int>(io.poll_one());
  }
  EXPECT_GT(turns, 1);
  EXPECT_EQ(sliced->engine().now(), wall - 10'000);
  io.poll();  // the refresh
  // Then both the same: 5 s down at the start, 15 s now.
  wall = down + 25'000;
  sliced->Tick();
  whole->Tick();
  io.poll();
  EXPECT_EQ(sliced->evaluated_at(), down + 15'000);
  EXPECT_DOUBLE_EQ(sliced->figures().downtime_seconds[0], 5 + 15);
  EXPECT_EQ(sliced->figures().downtime_seconds, whole->figures().downtime_seconds);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(sliced->figures().slos[i].bad, whole->figures().slos[i].bad);
    EXPECT_EQ(sliced->figures().slos[i].good, whole->figures().slos[i].good);
  }
  EXPECT_EQ(alerts[0], alerts[1]);
  EXPECT_GT(alerts[0], 0);
}

TEST_F(CoreRuntimeTest, BatchesPostedAfterDestructionAreDropped) {
  auto rt = Make(true);
  IngestBatch b;
  b.signals = {State(0, kT0, slo::State::kUp)};
  rt->PostBatch(std::move(b));
  rt.reset();
  io.poll();  // must not touch the destroyed runtime (ASan would tell)
  SUCCEED();
}

}  // namespace
}  // namespace ninesd::daemon
