// Saving and restoring the core's state (slo/engine_state.h): a restored
// engine continues exactly like the one that never stopped, also from
// incremental checkpoints; config changes keep what still matches; corrupt
// rows are errors; probe time across a restart gap is unknown.

#include "slo/engine_state.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <random>

#include "slo/sequencer.h"
#include "tests/slo/helpers.h"
#include "tests/slo/stream_gen.h"

namespace ninesd::slo {
namespace {

using namespace testing;

// What a state store holds: rows by name, replaced by later checkpoints.
struct FakeStore {
  std::string engine, sequencer;
  std::map<std::string, std::string> services, slos;
  size_t bytes_written = 0;

  void Write(const EngineState& st) {
    if (st.full) {
      services.clear();
      slos.clear();
    }
    engine = st.engine;
    sequencer = st.sequencer;
    for (const std::string& k : st.deleted_services) services.erase(k);
    for (const std::string& k : st.deleted_slos) slos.erase(k);
    for (const StateRow& r : st.services) services[r.key] = r.blob;
    for (const StateRow& r : st.slos) slos[r.key] = r.blob;
    bytes_written += st.bytes();
  }
  EngineState Read() const {
    EngineState st;
    st.engine = engine;
    st.sequencer = sequencer;
    for (const auto& [k, v] : services) st.services.push_back({k, v});
    for (const auto& [k, v] : slos) st.slos.push_back({k, v});
    return st;
  }
};

struct Instance {
  std::unique_ptr<Engine> engine;
  std::unique_ptr<Sequencer> seq;
};

Instance Fresh(const ModelSpec& spec) {
  Instance in;
  in.engine = MakeEngine(spec);
  in.seq = std::make_unique<Sequencer>(*in.engine, spec.allowed_lateness);
  return in;
}

Instance Restored(const ModelSpec& spec, const FakeStore& store, RestoreReport* report = nullptr) {
  Instance in = Fresh(spec);
  auto r = RestoreState(*in.engine, in.seq.get(), store.Read());
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  if (r.ok() && report) *report = *r;
  return in;
}

void ExpectSameStatus(const SloStatus& a, const SloStatus& b, const std::string& ctx) {
  EXPECT_EQ(a.window_start, b.window_start) << ctx;
  EXPECT_EQ(a.good, b.good) << ctx;
  EXPECT_EQ(a.bad, b.bad) << ctx;
  EXPECT_EQ(a.excluded, b.excluded) << ctx;
  EXPECT_EQ(a.unknown, b.unknown) << ctx;
  EXPECT_EQ(a.attainment, b.attainment) << ctx;
  EXPECT_EQ(a.budget_total, b.budget_total) << ctx;
  EXPECT_EQ(a.budget_remaining_ratio, b.budget_remaining_ratio) << ctx;
  EXPECT_EQ(a.breached, b.breached) << ctx;
  ASSERT_EQ(a.burn_rates.size(), b.burn_rates.size()) << ctx;
  for (size_t k = 0; k < a.burn_rates.size(); ++k) {
    EXPECT_EQ(a.burn_rates[k].rate, b.burn_rates[k].rate) << ctx;
    EXPECT_EQ(a.burn_rates[k].valid, b.burn_rates[k].valid) << ctx;
  }
  ASSERT_EQ(a.alerts.size(), b.alerts.size()) << ctx;
  for (size_t k = 0; k < a.alerts.size(); ++k) {
    EXPECT_EQ(a.alerts[k].kind, b.alerts[k].kind) << ctx;
    EXPECT_EQ(a.alerts[k].since, b.alerts[k].since) << ctx;
  }
}

// Runs `actions` on an engine that never stops (the reference) and on one
// that checkpoints at random points (full after each start, incremental
// otherwise) and, at other random points, "crashes": it is rebuilt from the
// last checkpoint and the actions after that checkpoint are delivered again
// (as Kafka redelivers from the stored offsets). Every observation of the
// restarted engine must equal the reference's at the same action.
void RunWithRestarts(uint64_t seed, int checkpoint_every, int crash_every, int* restarts) {
  std::mt19937_64 rng(seed);
  ModelSpec spec = RandomModel(rng);
  std::vector<Action> actions =
      RandomActions(spec, rng, 400 + static_cast<int>(rng() % 800), 3 * kHour);
  const std::string ctx0 = "seed " + std::to_string(seed);

  // Reference run, with every observation recorded.
  Instance ref = Fresh(spec);
  AlertLog ref_alerts;
  ref.engine->SetObserver(&ref_alerts);
  std::vector<std::vector<SloStatus>> want(actions.size());
  std::vector<Verdict> verdicts(actions.size());
  for (size_t i = 0; i < actions.size(); ++i) {
    const Action& a = actions[i];
    if (a.observe) {
      Millis at = std::max(a.at, ref.engine->now());
      ref.seq->ReleaseUpTo(at);
      want[i] = ref.engine->Snapshot(at);
    } else {
      verdicts[i] = ref.seq->Push(a.signal);
    }
  }

  FakeStore store;
  Instance s = Fresh(spec);
  AlertLog alerts;
  s.engine->SetObserver(&alerts);
  bool full = true;
  size_t checkpoint_at = 0;  // actions before this index are in the store
  size_t i = 0;
  int crashes = 0;
  std::set<size_t> crashed_at;
  while (i < actions.size()) {
    if (rng() % static_cast<uint64_t>(checkpoint_every) == 0) {
      store.Write(CollectState(*s.engine, s.seq.get(), full));
      full = false;
      checkpoint_at = i;
    }
    if (checkpoint_at > 0 && rng() % static_cast<uint64_t>(crash_every) == 0 &&
        crashed_at.insert(i).second) {
      s = Restored(spec, store);
      s.engine->SetObserver(&alerts);
      // Restored rows are what the store holds: incremental from here on,
      // except now and then, to cover both.
      full = rng() % 4 == 0;
      i = checkpoint_at;
      ++crashes;
      continue;
    }
    const Action& a = actions[i];
    const std::string ctx = ctx0 + " action " + std::to_string(i);
    if (a.observe) {
      Millis at = std::max(a.at, s.engine->now());
      s.seq->ReleaseUpTo(at);
      std::vector<SloStatus> got = s.engine->Snapshot(at);
      ASSERT_EQ(got.size(), want[i].size()) << ctx;
      for (size_t k = 0; k < got.size(); ++k) {
        ExpectSameStatus(want[i][k], got[k], ctx + " slo " + spec.slos[k].name);
        if (::testing::Test::HasFailure()) return;
      }
    } else {
      ASSERT_EQ(s.seq->Push(a.signal), verdicts[i]) << ctx;
    }
    ++i;
  }
  // Transitions after the last restart agree; each restart replays some.
  if (crashes == 0) {
    EXPECT_EQ(alerts.log, ref_alerts.log) << ctx0;
  }
  for (const auto& t : ref_alerts.log) {
    EXPECT_NE(std::find(alerts.log.begin(), alerts.log.end(), t), alerts.log.end()) << ctx0;
  }
  *restarts += crashes;
}

TEST(EngineStateTest, RestoredEngineContinuesLikeTheUninterruptedOne) {
  int restarts = 0;
  for (uint64_t seed = 1; seed <= 120; ++seed) {
    RunWithRestarts(seed, 25, 200, &restarts);
    if (HasFailure()) return;
  }
  EXPECT_GT(restarts, 100);
}

TEST(EngineStateTest, RarelyCheckpointedEngineRestoresFromOldRows) {
  // Long stretches between checkpoints: rows of quiet services are old,
  // observations in between have moved their materialization on.
  int restarts = 0;
  for (uint64_t seed = 1000; seed < 1060; ++seed) {
    RunWithRestarts(seed, 300, 150, &restarts);
    if (HasFailure()) return;
  }
  EXPECT_GT(restarts, 20);
}

TEST(EngineStateTest, NoCheckpointMeansAFreshStart) {
  ModelSpec spec;
  spec.services.push_back(Leaf("a"));
  spec.slos.push_back(Availability("a", 0, 99, kHour));
  Instance s = Fresh(spec);
  auto r = RestoreState(*s.engine, s.seq.get(), EngineState{});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(s.engine->started());
}

// ---------------------------------------------------------------------------
// Incremental checkpoints

TEST(EngineStateTest, IncrementalCheckpointWritesOnlyChangedRows) {
  ModelSpec spec;
  for (int i = 0; i < 100; ++i) {
    spec.services.push_back(Leaf("s" + std::to_string(i)));
    spec.slos.push_back(Availability("a" + std::to_string(i), static_cast<uint32_t>(i), 99, kHour));
    spec.slos.push_back(Ratio("r" + std::to_string(i), static_cast<uint32_t>(i), 99, kHour));
  }
  auto e = MakeEngine(spec);
  for (uint32_t i = 0; i < 100; ++i) ASSERT_TRUE(e->Apply(StateAt(i, kT0, State::kUp)).ok());
  EngineState full = CollectState(*e, nullptr, true);
  EXPECT_TRUE(full.full);
  EXPECT_EQ(full.services.size(), 100u);
  EXPECT_EQ(full.slos.size(), 200u);
  // Time passing and reads alone change nothing worth writing.
  e->Snapshot(kT0 + kMinute);
  EngineState none = CollectState(*e, nullptr, false);
  EXPECT_EQ(none.services.size(), 0u);
  EXPECT_EQ(none.slos.size(), 0u);
  // Two signals: one service row, one SLO row.
  ASSERT_TRUE(e->Apply(StateAt(7, kT0 + 2 * kMinute, State::kDegraded)).ok());
  ASSERT_TRUE(e->Apply(Outcome(9, kT0 + 2 * kMinute, true)).ok());
  EngineState some = CollectState(*e, nullptr, false);
  ASSERT_EQ(some.services.size(), 1u);
  EXPECT_EQ(some.services[0].key, "s7");
  // s7's SLOs became active (a decision to save), r9 counted an event.
  std::set<std::string> keys;
  for (const StateRow& r : some.slos) keys.insert(r.key);
  EXPECT_EQ(keys, (std::set<std::string>{"a7", "r7", "r9"}));
  EXPECT_LT(some.bytes() * 20, full.bytes());
}

TEST(EngineStateTest, CompositeRowsAreWrittenWithTheirMembers) {
  ModelSpec spec;
  spec.services = {Leaf("a"), Leaf("b"), Leaf("both")};
  spec.services[2].composite = CompositeMode::kAll;
  spec.services[2].members = {0, 1};
  auto e = MakeEngine(spec);
  ASSERT_TRUE(e->Apply(StateAt(0, kT0, State::kUp)).ok());
  (void)CollectState(*e, nullptr, true);
  ASSERT_TRUE(e->Apply(StateAt(1, kT0 + 1, State::kDown)).ok());
  std::set<std::string> keys;
  for (const StateRow& r : CollectState(*e, nullptr, false).services) keys.insert(r.key);
  EXPECT_EQ(keys, (std::set<std::string>{"b", "both"}));
}

// ---------------------------------------------------------------------------
// Config changes

ModelSpec ChangeBase() {
  ModelSpec spec;
  ServiceSpec web = Leaf("web");
  web.probes = {{"http", 30 * kSecond, 1, 1}, {"tcp", 60 * kSecond, 1, 1}};
  spec.services = {web, Leaf("api"), Leaf("old")};
  spec.slos = {Availability("web-avail", 0, 99.9, kHour), Ratio("api-ratio", 1, 99, kHour),
               Availability("old-avail", 2, 99, kHour), Availability("web-day", 0, 99, kHour),
               Ratio("api-fast", 1, 99, kHour)};
  return spec;
}

FakeStore RunBase(const ModelSpec& spec, Millis until) {
  Instance s = Fresh(spec);
  for (Millis t = kT0; t < until; t += 10 * kSecond) {
    bool bad = (t / kSecond) % 300 < 20;
    EXPECT_EQ(s.seq->Push(Probe(0, t, !bad, 0)), Verdict::kAccepted);
    EXPECT_EQ(s.seq->Push(Probe(0, t, true, 1)), Verdict::kAccepted);
    EXPECT_EQ(s.seq->Push(Outcome(1, t, !bad)), Verdict::kAccepted);
    EXPECT_EQ(s.seq->Push(StateAt(2, t, bad ? State::kDown : State::kUp)), Verdict::kAccepted);
  }
  FakeStore store;
  store.Write(CollectState(*s.engine, s.seq.get(), true));
  return store;
}

SloStatus Find(Engine& e, const std::string& name, Millis at) {
  for (uint32_t i = 0; i < e.spec().slos.size(); ++i) {
    if (e.spec().slos[i].name == name) return e.Evaluate(i, at);
  }
  ADD_FAILURE() << "no slo " << name;
  return {};
}

TEST(EngineStateTest, ChangedConfigKeepsWhatStillMatchesByName) {
  const Millis end = kT0 + 2 * kHour;
  ModelSpec base = ChangeBase();
  FakeStore store = RunBase(base, end);
  Instance same = Restored(base, store);

  ModelSpec next;
  ServiceSpec web = Leaf("web");
  // Probes reordered and one added: sources follow their names.
  web.probes = {
      {"icmp", 5 * kSecond, 1, 1}, {"tcp", 60 * kSecond, 1, 1}, {"http", 30 * kSecond, 1, 1}};
  next.services = {Leaf("new"), Leaf("api"), web};                 // "old" removed, "new" added
  SloSpec web_avail = Availability("web-avail", 2, 99.99, kHour);  // objective changed: kept
  web_avail.lookbacks = {5 * kMinute, kHour};                      // lookbacks changed: kept
  SloSpec web_day = Availability("web-day", 2, 99, 2 * kHour);     // window changed: fresh
  next.slos = {Availability("new-avail", 0, 99, kHour), web_avail, web_day,
               Ratio("api-ratio", 1, 99, kHour), Ratio("api-fast", 1, 99, 2 * kHour)};
  RestoreReport rep;
  Instance changed = Restored(next, store, &rep);
  EXPECT_EQ(rep.services_restored, 2u);
  EXPECT_EQ(rep.services_removed, std::vector<std::string>{"old"});
  EXPECT_EQ(rep.slos_restored, 2u);
  EXPECT_EQ(rep.slos_removed, std::vector<std::string>{"old-avail"});
  EXPECT_EQ(rep.services_fresh, std::vector<std::string>{"new: new"});
  EXPECT_EQ(rep.slos_fresh,
            (std::vector<std::string>{"api-fast: service, kind, window or threshold changed",
                                      "web-day: service, kind, window or threshold changed",
                                      "new-avail: new"}));

  const Millis at = end + 5 * kSecond;
  same.seq->ReleaseUpTo(at);
  changed.seq->ReleaseUpTo(at);
  SloStatus a = Find(*same.engine, "web-avail", at), b = Find(*changed.engine, "web-avail", at);
  EXPECT_GT(a.bad, 0);
  EXPECT_EQ(a.good, b.good);
  EXPECT_EQ(a.bad, b.bad);
  EXPECT_EQ(a.unknown, b.unknown);            // probe sources kept their own stale_after (by name)
  EXPECT_NE(a.budget_total, b.budget_total);  // the new objective applies
  SloStatus ra = Find(*same.engine, "api-ratio", at), rb = Find(*changed.engine, "api-ratio", at);
  EXPECT_GT(ra.good, 0);
  EXPECT_EQ(ra.good, rb.good);
  EXPECT_EQ(ra.bad, rb.bad);
  // A fresh ratio SLO counts only what came after the saved time.
  SloStatus fast_before = Find(*same.engine, "api-fast", at);
  SloStatus fast_after = Find(*changed.engine, "api-fast", at);
  EXPECT_GT(fast_before.good + fast_before.bad, 300);
  EXPECT_LT(fast_after.good + fast_after.bad, 5);
  // The renamed-index probe keeps reporting into the same source: a
  // failure of "http" (now index 2) still turns the service down.
  ASSERT_EQ(changed.seq->Push(Probe(2, at + kSecond, false, 2)), Verdict::kAccepted);
  ASSERT_EQ(same.seq->Push(Probe(0, at + kSecond, false, 0)), Verdict::kAccepted);
  const Millis later = at + kMinute;
  same.seq->ReleaseUpTo(later);
  changed.seq->ReleaseUpTo(later);
  SloStatus la = Find(*same.engine, "web-avail", later);
  SloStatus lb = Find(*changed.engine, "web-avail", later);
  EXPECT_EQ(la.bad, lb.bad);
  EXPECT_EQ(la.unknown, lb.unknown);
}

TEST(EngineStateTest, ChangedCompositionStartsTheCompositeFresh) {
  ModelSpec spec;
  spec.services = {Leaf("a"), Leaf("b"), Leaf("c"), Leaf("ab")};
  spec.services[3].composite = CompositeMode::kAll;
  spec.services[3].members = {0, 1};
  Instance s = Fresh(spec);
  ASSERT_EQ(s.seq->Push(StateAt(0, kT0, State::kUp)), Verdict::kAccepted);
  s.seq->ReleaseUpTo(kT0 + kMinute);
  FakeStore store;
  store.Write(CollectState(*s.engine, s.seq.get(), true));
  spec.services[3].members = {0, 2};
  RestoreReport rep;
  Instance r = Restored(spec, store, &rep);
  EXPECT_EQ(rep.services_fresh, std::vector<std::string>{"ab: composition changed"});
}

// ---------------------------------------------------------------------------
// Bad rows

TEST(EngineStateTest, CorruptOrUnknownVersionRowsAreErrors) {
  ModelSpec spec = ChangeBase();
  FakeStore good = RunBase(spec, kT0 + kHour);
  auto restore = [&](const FakeStore& st) {
    Instance in = Fresh(spec);
    return RestoreState(*in.engine, in.seq.get(), st.Read());
  };
  ASSERT_TRUE(restore(good).ok());
  {
    FakeStore bad = good;
    bad.services["web"][10] ^= 0x40;  // one flipped bit
    auto r = restore(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "state row of service web is corrupt or of an unknown format");
  }
  {
    FakeStore bad = good;
    bad.slos["api-ratio"].resize(bad.slos["api-ratio"].size() / 2);  // truncated
    auto r = restore(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "state row of SLO api-ratio is corrupt or of an unknown format");
  }
  {
    FakeStore bad = good;
    bad.engine[0] = 9;  // a future format version
    auto r = restore(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "state row of the engine is corrupt or of an unknown format");
  }
  {
    FakeStore bad = good;
    bad.sequencer = "garbage";
    EXPECT_FALSE(restore(bad).ok());
  }
}

TEST(EngineStateTest, RandomDamageIsAnErrorNeverACrash) {
  ModelSpec spec = ChangeBase();
  FakeStore good = RunBase(spec, kT0 + kHour);
  std::mt19937_64 rng(7);
  for (int c = 0; c < 2000; ++c) {
    FakeStore bad = good;
    std::string* row = c % 3 == 0   ? &bad.services["web"]
                       : c % 3 == 1 ? &bad.slos["api-ratio"]
                                    : &bad.sequencer;
    (*row)[rng() % row->size()] = static_cast<char>(rng());
    Instance in = Fresh(spec);
    (void)RestoreState(*in.engine, in.seq.get(), bad.Read());  // must not crash
  }
}

// ---------------------------------------------------------------------------
// Restart gaps

TEST(EngineStateTest, ProbeTimeWhileDownIsUnknown) {
  ModelSpec spec;
  ServiceSpec web = Leaf("web");
  web.probes = {{"http", 90 * kSecond, 3, 1}};
  spec.services = {web};
  spec.slos = {Availability("web", 0, 99, kHour)};
  Instance s = Fresh(spec);
  for (Millis t = kT0; t <= kT0 + 10 * kMinute; t += 10 * kSecond) {
    ASSERT_EQ(s.seq->Push(Probe(0, t, true)), Verdict::kAccepted);
  }
  // Two failures of a threshold-3 streak are pending when the daemon stops.
  ASSERT_EQ(s.seq->Push(Probe(0, kT0 + 10 * kMinute + 10 * kSecond, false)), Verdict::kAccepted);
  ASSERT_EQ(s.seq->Push(Probe(0, kT0 + 10 * kMinute + 20 * kSecond, false)), Verdict::kAccepted);
  const Millis stop = kT0 + 10 * kMinute + 30 * kSecond;
  s.seq->ReleaseUpTo(stop);
  FakeStore store;
  store.Write(CollectState(*s.engine, s.seq.get(), true));

  // Restart 60 s later (less than stale_after): the 60 s are unknown, not up.
  const Millis restart = stop + 60 * kSecond;
  Instance r = Restored(spec, store);
  EXPECT_EQ(MarkProbeGap(*r.engine, *r.seq, stop), 1u);
  // The next failure does not complete the old streak: it was broken.
  ASSERT_EQ(r.seq->Push(Probe(0, restart, false)), Verdict::kAccepted);
  const Millis at = restart + 10 * kSecond;
  r.seq->ReleaseUpTo(at);
  SloStatus st = r.engine->Evaluate(0, at);
  // Before the first result (2900 s of the hour) and from the stop on.
  EXPECT_EQ(st.unknown, 2900.0 + 70.0);
  EXPECT_EQ(st.bad, 0.0);
  EXPECT_EQ(st.good, 630.0);  // results up to the stop, with the streak still pending
  // Without the gap the third failure would complete the streak across the
  // restart and back-date 90 s of downtime into time nobody probed.
  Instance u = Restored(spec, store);
  ASSERT_EQ(u.seq->Push(Probe(0, restart, false)), Verdict::kAccepted);
  u.seq->ReleaseUpTo(at);
  SloStatus no_gap = u.engine->Evaluate(0, at);
  EXPECT_EQ(no_gap.unknown, 2900.0);
  EXPECT_EQ(no_gap.bad, 90.0);
}

TEST(EngineStateTest, GapsCoverEveryConfiguredProbeOfLeafServices) {
  ModelSpec spec;
  ServiceSpec web = Leaf("web");
  web.probes = {{"http", 30 * kSecond, 1, 1}, {"tcp", 30 * kSecond, 1, 1}};
  spec.services = {web, Leaf("plain"), Leaf("comp")};
  spec.services[2].composite = CompositeMode::kAny;
  spec.services[2].members = {0, 1};
  auto e = MakeEngine(spec);
  std::vector<Signal> gaps = e->ProbeGaps(kT0);
  ASSERT_EQ(gaps.size(), 2u);
  EXPECT_EQ(gaps[0].kind, SignalKind::kGap);
  EXPECT_EQ(gaps[1].probe, 1);
  EXPECT_EQ(gaps[1].location, kAllLocations);
}

}  // namespace
}  // namespace ninesd::slo

namespace ninesd::slo {
namespace {

using namespace testing;

std::string Hex(const std::string& b) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : b) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

// The row encoding of docs/state-format.md, byte for byte: a change here is
// a format change and needs a new kStateFormatVersion (and a reader of the
// old one).
// While holding (a backlog read), a signal may be held for a second before
// the ring's first one (the ring was placed by a restore). Saved and
// restored, it is released in its own second, not lost to a later one.
TEST(EngineStateTest, HeldSignalsBeforeTheRingRestoreInTimeOrder) {
  ModelSpec spec;
  spec.services = {Leaf("web")};
  spec.slos = {Availability("web-avail", 0, 99, kHour)};
  const Signal early = StateAt(0, kT0 + 50 * kSecond, State::kDown);
  const Signal later = StateAt(0, kT0 + 100 * kSecond, State::kUp);
  auto finish = [](Instance& in) {
    in.seq->Hold(false);
    in.seq->ReleaseUpTo(kT0 + 95 * kSecond);  // step by step, as the daemon does
    in.seq->ReleaseUpTo(kT0 + 200 * kSecond);
    return in.engine->Snapshot(kT0 + 200 * kSecond);
  };
  Instance ref = Fresh(spec);
  ref.seq->Hold(true);
  ASSERT_EQ(ref.seq->Push(later), Verdict::kAccepted);
  ASSERT_EQ(ref.seq->Push(early), Verdict::kAccepted);
  std::vector<SloStatus> want = finish(ref);
  EXPECT_EQ(want[0].bad, 50);  // down from 50 s to 100 s

  FakeStore store;
  Instance a = Fresh(spec);
  a.seq->Hold(true);
  ASSERT_EQ(a.seq->Push(later), Verdict::kAccepted);
  store.Write(CollectState(*a.engine, a.seq.get(), true));
  Instance b = Fresh(spec);
  b.seq->Hold(true);  // as the daemon's runtime, before the restore
  ASSERT_TRUE(RestoreState(*b.engine, b.seq.get(), store.Read()).ok());
  ASSERT_EQ(b.seq->Push(early), Verdict::kAccepted);  // before the restored ring
  store.Write(CollectState(*b.engine, b.seq.get(), false));
  Instance c = Fresh(spec);
  c.seq->Hold(true);
  ASSERT_TRUE(RestoreState(*c.engine, c.seq.get(), store.Read()).ok());
  EXPECT_EQ(c.seq->held(), 2u);
  std::vector<SloStatus> got = finish(c);
  ExpectSameStatus(want[0], got[0], "restored twice");
}

TEST(EngineStateTest, RowEncodingIsTheDocumentedFormat) {
  ModelSpec spec;
  ServiceSpec web = Leaf("web");
  web.probes = {{"http", 30 * kSecond, 2, 1}};
  spec.services = {web};
  spec.slos = {Availability("web-avail", 0, 99, kHour), Ratio("web-ratio", 0, 99, kHour)};
  spec.slos[1].lookbacks = {5 * kMinute};
  spec.slos[1].burn_alerts = {};
  auto e = MakeEngine(spec);
  Sequencer q(*e, 10 * kSecond);
  ASSERT_EQ(q.Push(Probe(0, kT0, true)), Verdict::kAccepted);
  ASSERT_EQ(q.Push(Outcome(0, kT0 + 1, false)), Verdict::kAccepted);
  ASSERT_EQ(q.Push(Probe(0, kT0 + 90 * kSecond, false)), Verdict::kAccepted);
  Signal late = Outcome(0, kT0 + 95 * kSecond, true);
  late.id_hash = 0x1122334455667788;
  ASSERT_EQ(q.Push(late), Verdict::kAccepted);
  EngineState st = CollectState(*e, &q, true);
  ASSERT_EQ(st.services.size(), 1u);
  ASSERT_EQ(st.slos.size(), 2u);
  EXPECT_EQ(Hex(st.engine), "0101e0f3f098b36890c0fc98b368a08efd98b368a09c01c37d9505");
  EXPECT_EQ(Hex(st.services[0].blob),
            "010001046874747000feffffffffffffffff01feffffffffffffffff01feffff"
            "ffffffffffff01e0f3f098b3688081f798b368030003a09c0100e0d403038081"
            "f798b368feffffffffffffffff018081f798b36803ffffffffffffffffff0101"
            "0000008090f298b36803028090f298b36800e62f7951");
  EXPECT_EQ(Hex(st.slos[0].blob),
            "01037765620080bab7030000000000000000000000ffffffffffffffffff0100"
            "00000000000000008ad559d6");
  EXPECT_EQ(Hex(st.slos[1].blob),
            "01037765620180bab70300000000000000000000018290f298b3680000040000"
            "a0acf398b368000001c085c11c010100000000be85c11cbe85c11c0001feffff"
            "ffffffffffff0100000001000000000100f1593084");
  EXPECT_EQ(Hex(st.sequencer),
            "01b0dcfd98b36890c0fc98b368feffffffffffffffff01010377656201046874"
            "747002a08efd98b36801000004000000b0dcfd98b36801000002058877665544"
            "332211018877665544332211a09c015d649c0a");
}

}  // namespace
}  // namespace ninesd::slo
