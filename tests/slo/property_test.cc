// Property tests: thousands of random signal streams, each checked against a
// brute-force reference written here from SPEC section 3 alone (a different
// formulation from the engine's: runs of results instead of streak
// counters, classification of every elementary interval instead of
// timelines), and against itself under shuffled delivery within the
// allowed lateness.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "slo/sequencer.h"
#include "tests/slo/helpers.h"
#include "tests/slo/stream_gen.h"

namespace ninesd::slo {
namespace {

using namespace testing;

constexpr Millis S = kSecond;

// ---------------------------------------------------------------------------
// Reference model of one leaf service.

struct RefLeaf {
  const ServiceSpec* spec;
  std::vector<Signal> signals;        // ts < at
  std::vector<Interval> maintenance;  // one-off windows
  Millis origin;

  // Confirmed flips of one probe source: (time, state), from runs of equal
  // results within chains of results no more than stale_after apart.
  std::vector<std::pair<Millis, State>> ProbeFlips(uint16_t probe, uint16_t loc,
                                                   std::vector<Interval>* chains) const {
    const ProbeSourceSpec& ps =
        probe < spec->probes.size() ? spec->probes[probe] : spec->event_probe;
    std::vector<const Signal*> rs;
    for (const Signal& s : signals) {
      if (s.kind == SignalKind::kProbe && s.probe == probe && s.location == loc) rs.push_back(&s);
    }
    std::vector<std::pair<Millis, State>> flips;
    size_t i = 0;
    while (i < rs.size()) {
      size_t j = i;  // chain [i, j]
      while (j + 1 < rs.size() && rs[j + 1]->ts - rs[j]->ts <= ps.stale_after) ++j;
      chains->push_back({rs[i]->ts, rs[j]->ts + ps.stale_after});
      State state = State::kUnknown;
      flips.push_back({rs[i]->ts, State::kUnknown});
      size_t k = i;
      while (k <= j) {
        size_t e = k;
        while (e + 1 <= j && rs[e + 1]->good == rs[k]->good) ++e;
        State v = rs[k]->good ? State::kUp : State::kDown;
        int len = static_cast<int>(e - k + 1);
        int thr = v == State::kUp ? ps.success_threshold : ps.failure_threshold;
        if (v != state && len >= thr) {
          state = v;
          flips.push_back({rs[k]->ts, v});
        }
        k = e + 1;
      }
      i = j + 1;
    }
    return flips;
  }

  struct ProbeSource {
    uint16_t probe;
    std::vector<std::pair<Millis, State>> flips;
    std::vector<Interval> chains;
  };
  std::vector<ProbeSource> probe_sources;

  void Prepare() {
    std::set<std::pair<uint16_t, uint16_t>> sources;
    for (const Signal& s : signals) {
      if (s.kind == SignalKind::kProbe) sources.insert({s.probe, s.location});
    }
    for (auto [probe, loc] : sources) {
      ProbeSource ps{probe, {}, {}};
      ps.flips = ProbeFlips(probe, loc, &ps.chains);
      probe_sources.push_back(std::move(ps));
    }
  }

  State At(Millis t) const {
    if (t < origin) return State::kUnknown;
    for (const Interval& m : maintenance) {
      if (m.first <= t && t < m.second) return State::kExcluded;
    }
    bool any = false;
    State worst = State::kUp;
    auto take = [&](State s) {
      if (s == State::kUnknown) return;
      any = true;
      worst = std::max(worst, s);
    };
    // State events: the last one at or before t.
    State st = State::kUnknown;
    for (const Signal& s : signals) {
      if (s.kind == SignalKind::kState && s.ts <= t) st = s.state;
    }
    take(st);
    if (spec->heartbeat_timeout) {
      Millis last = -1;
      for (const Signal& s : signals) {
        if (s.kind == SignalKind::kHeartbeat && s.ts <= t) last = s.ts;
      }
      if (last >= 0) take(t < last + *spec->heartbeat_timeout ? State::kUp : State::kDown);
    }
    std::map<uint16_t, std::pair<int, int>> votes;  // probe -> (known, down)
    for (const ProbeSource& src : probe_sources) {
      bool in_chain = false;
      for (const Interval& c : src.chains) in_chain |= c.first <= t && t < c.second;
      State s = State::kUnknown;
      if (in_chain) {
        for (auto [ft, fs] : src.flips) {
          if (ft <= t) s = fs;
        }
      }
      if (s != State::kUnknown) {
        ++votes[src.probe].first;
        if (s == State::kDown) ++votes[src.probe].second;
      }
    }
    for (auto [probe, kd] : votes) {
      take(kd.second >= std::min(std::max(1, spec->quorum), kd.first) ? State::kDown : State::kUp);
    }
    return any ? worst : State::kUnknown;
  }
};

// Time per state in [a, b), classifying every elementary interval between
// the instants where anything can change.
template <typename StateFn>
StateDurations Integrate(const StateFn& state_at, std::vector<Millis> points, Millis a, Millis b) {
  points.push_back(a);
  points.push_back(b);
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());
  StateDurations d{};
  for (size_t i = 0; i + 1 < points.size(); ++i) {
    Millis lo = std::max(points[i], a), hi = std::min(points[i + 1], b);
    if (hi <= lo) continue;
    d[static_cast<size_t>(state_at(lo))] += hi - lo;
  }
  return d;
}

struct Figures {
  double good, bad, excluded, unknown;
};

Figures Classify(const StateDurations& d, const SloSpec& sp) {
  auto ms = [&](State s) { return static_cast<double>(d[static_cast<size_t>(s)]); };
  double w = sp.degraded_weight;
  Figures f{ms(State::kUp) + (1 - w) * ms(State::kDegraded),
            ms(State::kDown) + w * ms(State::kDegraded), ms(State::kExcluded), ms(State::kUnknown)};
  if (sp.no_data == NoData::kUp) f.good += f.unknown;
  if (sp.no_data == NoData::kDown) f.bad += f.unknown;
  return {f.good / 1000, f.bad / 1000, f.excluded / 1000, f.unknown / 1000};
}

// Feeds signals through a Sequencer in the given order and snapshots at `at`.
std::vector<SloStatus> RunStream(const ModelSpec& spec, const std::vector<Signal>& order,
                                 Millis lateness, Millis at) {
  auto e = MakeEngine(spec);
  Sequencer seq(*e, lateness);
  seq.LimitReleaseTo(at);
  for (const Signal& s : order) {
    EXPECT_EQ(seq.Push(s), Verdict::kAccepted);
  }
  seq.ReleaseUpTo(at);
  return e->Snapshot(at);
}

// Delivery order where every signal is delayed by less than `lateness`.
std::vector<Signal> Shuffle(std::vector<Signal> v, Millis lateness, std::mt19937_64& rng) {
  std::vector<std::pair<Millis, Signal>> keyed;
  for (const Signal& s : v) {
    keyed.push_back({s.ts + static_cast<Millis>(rng() % static_cast<uint64_t>(lateness)), s});
  }
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  v.clear();
  for (auto& [k, s] : keyed) v.push_back(s);
  return v;
}

void ExpectSame(const std::vector<SloStatus>& a, const std::vector<SloStatus>& b,
                const std::string& ctx) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].good, b[i].good) << ctx;
    EXPECT_EQ(a[i].bad, b[i].bad) << ctx;
    EXPECT_EQ(a[i].excluded, b[i].excluded) << ctx;
    EXPECT_EQ(a[i].unknown, b[i].unknown) << ctx;
    EXPECT_EQ(a[i].budget_total, b[i].budget_total) << ctx;
    ASSERT_EQ(a[i].burn_rates.size(), b[i].burn_rates.size());
    for (size_t k = 0; k < a[i].burn_rates.size(); ++k) {
      EXPECT_EQ(a[i].burn_rates[k].rate, b[i].burn_rates[k].rate) << ctx;
    }
    ASSERT_EQ(a[i].alerts.size(), b[i].alerts.size()) << ctx;
    for (size_t k = 0; k < a[i].alerts.size(); ++k) {
      EXPECT_EQ(a[i].alerts[k].kind, b[i].alerts[k].kind) << ctx;
      EXPECT_EQ(a[i].alerts[k].since, b[i].alerts[k].since) << ctx;
    }
  }
}

// `single_probe`: the shape most services have (one probe, thresholds of 1,
// one location, nothing else), checked on its own so its cases are many.
void CheckLeafServices(uint64_t seed, int cases, bool single_probe) {
  std::mt19937_64 rng(seed);
  for (int c = 0; c < cases; ++c) {
    ModelSpec spec;
    ServiceSpec svc = Leaf("svc");
    if (!single_probe && rng() % 2)
      svc.heartbeat_timeout = static_cast<Millis>(10 + rng() % 60) * S;
    int probes = single_probe ? 1 : static_cast<int>(rng() % 3);
    for (int p = 0; p < probes; ++p) {
      int thr = single_probe ? 1 : 3;
      svc.probes.push_back({"p" + std::to_string(p), static_cast<Millis>(5 + rng() % 60) * S,
                            static_cast<int>(1 + rng() % thr), static_cast<int>(1 + rng() % thr)});
    }
    svc.quorum = static_cast<int>(1 + rng() % 3);
    spec.services.push_back(svc);
    SloSpec slo = Availability("slo", 0, 99.9, static_cast<Millis>(5 + rng() % 60) * kMinute);
    slo.no_data = static_cast<NoData>(rng() % 3);
    slo.degraded_weight = (rng() % 4) * 0.25;
    slo.lookbacks = {5 * kMinute, 30 * kMinute, kHour};
    spec.slos.push_back(slo);
    spec.evaluation_interval = 10 * S;
    std::vector<Interval> maint;
    if (rng() % (single_probe ? 10 : 3) == 0) {
      MaintenanceSpec m;
      m.start = kT0 + static_cast<Millis>(rng() % 3600) * S;
      m.end = m.start + static_cast<Millis>(1 + rng() % 900) * S;
      spec.maintenance.push_back(m);
      maint.push_back({m.start, m.end});
    }
    // Signals at distinct instants over two hours, the first at kT0.
    int n = static_cast<int>(20 + rng() % 200);
    std::set<Millis> used;
    std::vector<Signal> sig;
    for (int i = 0; i < n; ++i) {
      Millis ts = i == 0 ? kT0 : kT0 + static_cast<Millis>(rng() % (2 * kHour));
      if (!used.insert(ts).second) continue;
      int kind = single_probe ? (rng() % 50 == 0 ? 0 : 2) : static_cast<int>(rng() % 3);
      if (kind == 0 || (kind == 1 && !svc.heartbeat_timeout) || (kind == 2 && probes == 0)) {
        sig.push_back(StateAt(0, ts, static_cast<State>(rng() % 3)));
      } else if (kind == 1) {
        sig.push_back(Heartbeat(0, ts));
      } else {
        uint16_t location = static_cast<uint16_t>(single_probe ? (rng() % 20 == 0) : rng() % 3);
        sig.push_back(
            Probe(0, ts, rng() % 3 != 0, static_cast<uint16_t>(rng() % probes), location));
      }
    }
    std::sort(sig.begin(), sig.end(), CanonicalLess);
    Millis at =
        rng() % 4 == 0 ? sig.back().ts : kT0 + static_cast<Millis>(rng() % (2 * kHour + kHour));
    if (at <= kT0) at = kT0 + 1;
    const Millis lateness = static_cast<Millis>(1 + rng() % 60) * S;

    std::vector<Signal> before;
    for (const Signal& s : sig) {
      if (s.ts < at) before.push_back(s);
    }
    RefLeaf ref{&spec.services[0], before, maint, kT0, {}};
    ref.Prepare();
    std::vector<Millis> points{kT0};
    for (const Signal& s : before) {
      points.push_back(s.ts);
      if (svc.heartbeat_timeout) points.push_back(s.ts + *svc.heartbeat_timeout);
      for (const ProbeSourceSpec& p : svc.probes) points.push_back(s.ts + p.stale_after);
    }
    for (const Interval& m : maint) {
      points.push_back(m.first);
      points.push_back(m.second);
    }
    std::map<Millis, State> memo;
    auto state_at = [&](Millis t) {
      auto it = memo.find(t);
      if (it == memo.end()) it = memo.emplace(t, ref.At(t)).first;
      return it->second;
    };
    const std::string ctx = "case " + std::to_string(c);

    std::vector<SloStatus> sorted = RunStream(spec, sig, lateness, at);
    ASSERT_EQ(sorted.size(), 1u);
    const SloStatus& st = sorted[0];
    Figures want = Classify(Integrate(state_at, points, at - slo.window.rolling, at), slo);
    ASSERT_DOUBLE_EQ(st.good, want.good) << ctx;
    ASSERT_DOUBLE_EQ(st.bad, want.bad) << ctx;
    ASSERT_DOUBLE_EQ(st.excluded, want.excluded) << ctx;
    ASSERT_DOUBLE_EQ(st.unknown, want.unknown) << ctx;
    for (const BurnRate& b : st.burn_rates) {
      Figures f = Classify(Integrate(state_at, points, at - b.lookback, at), slo);
      double valid = f.good + f.bad;
      double rate = valid > 0 ? (f.bad / valid) / (1 - slo.objective) : 0;
      ASSERT_NEAR(b.rate, rate, 1e-9 * std::max(1.0, rate)) << ctx << " lookback " << b.lookback;
    }
    ExpectSame(sorted, RunStream(spec, Shuffle(sig, lateness, rng), lateness, at),
               ctx + " shuffled");
  }
}

TEST(PropertyTest, LeafServicesMatchTheReferenceInAnyDeliveryOrder) {
  CheckLeafServices(20261127, 1500, false);
}

TEST(PropertyTest, SingleProbeServicesMatchTheReference) { CheckLeafServices(42, 500, true); }

TEST(PropertyTest, CompositesMatchTheReference) {
  std::mt19937_64 rng(99);
  for (int c = 0; c < 500; ++c) {
    ModelSpec spec;
    for (const char* n : {"a", "b", "c"}) spec.services.push_back(Leaf(n));
    ServiceSpec comp = Leaf("comp");
    comp.composite = static_cast<CompositeMode>(1 + rng() % 3);
    comp.at_least = static_cast<int>(1 + rng() % 3);
    comp.members = {0, 1, 2};
    spec.services.push_back(comp);
    spec.slos.push_back(Availability("comp", 3, 99, kHour));
    std::vector<std::vector<Interval>> maint(4);
    if (rng() % 2) {
      MaintenanceSpec m;
      m.services = {static_cast<uint32_t>(rng() % 4)};
      m.start = kT0 + static_cast<Millis>(rng() % 3000) * S;
      m.end = m.start + static_cast<Millis>(1 + rng() % 600) * S;
      spec.maintenance.push_back(m);
      maint[m.services[0]].push_back({m.start, m.end});
    }
    std::vector<Signal> sig;
    std::set<Millis> used;
    sig.push_back(StateAt(0, kT0, State::kUp));
    used.insert(kT0);
    for (int i = 0; i < 60; ++i) {
      Millis ts = kT0 + static_cast<Millis>(rng() % kHour);
      if (!used.insert(ts).second) continue;
      sig.push_back(StateAt(static_cast<uint32_t>(rng() % 3), ts, static_cast<State>(rng() % 3)));
    }
    std::sort(sig.begin(), sig.end(), CanonicalLess);
    Millis at = kT0 + kHour;
    auto member = [&](uint32_t m, Millis t) {
      for (const Interval& iv : maint[m]) {
        if (iv.first <= t && t < iv.second) return State::kExcluded;
      }
      State s = State::kUnknown;
      for (const Signal& x : sig) {
        if (x.service == m && x.ts <= t && x.ts < at) s = x.state;
      }
      return s;
    };
    auto comp_at = [&](Millis t) {
      for (const Interval& iv : maint[3]) {
        if (iv.first <= t && t < iv.second) return State::kExcluded;
      }
      // Try every way the unknown/excluded members could be up or down.
      std::set<State> outcomes;
      bool excluded = false;
      std::vector<State> ms;
      for (uint32_t m = 0; m < 3; ++m) ms.push_back(member(m, t));
      for (int mask = 0; mask < 8; ++mask) {
        int good_up = 0, good_any = 0;
        for (int m = 0; m < 3; ++m) {
          State s = ms[static_cast<size_t>(m)];
          if (s == State::kUnknown || s == State::kExcluded) {
            excluded |= s == State::kExcluded;
            s = (mask >> m) & 1 ? State::kUp : State::kDown;
          }
          good_up += s == State::kUp;
          good_any += s != State::kDown;
        }
        int k = comp.composite == CompositeMode::kAll   ? 3
                : comp.composite == CompositeMode::kAny ? 1
                                                        : comp.at_least;
        outcomes.insert(good_up >= k    ? State::kUp
                        : good_any >= k ? State::kDegraded
                                        : State::kDown);
      }
      if (outcomes.size() == 1) return *outcomes.begin();
      return excluded ? State::kExcluded : State::kUnknown;
    };
    std::vector<Millis> points{kT0};
    for (const Signal& s : sig) points.push_back(s.ts);
    for (const auto& v : maint) {
      for (const Interval& iv : v) {
        points.push_back(iv.first);
        points.push_back(iv.second);
      }
    }
    auto st = RunStream(spec, sig, 5 * S, at);
    Figures want = Classify(Integrate(comp_at, points, at - kHour, at), spec.slos[0]);
    const std::string ctx = "case " + std::to_string(c);
    ASSERT_DOUBLE_EQ(st[0].good, want.good) << ctx;
    ASSERT_DOUBLE_EQ(st[0].bad, want.bad) << ctx;
    ASSERT_DOUBLE_EQ(st[0].excluded, want.excluded) << ctx;
    ASSERT_DOUBLE_EQ(st[0].unknown, want.unknown) << ctx;
  }
}

TEST(PropertyTest, RatioAndLatencyMatchTheBucketRule) {
  std::mt19937_64 rng(5);
  for (int c = 0; c < 300; ++c) {
    ModelSpec spec;
    spec.services.push_back(Leaf("api"));
    Millis window = static_cast<Millis>(5 + rng() % 60) * kMinute;
    SloSpec ratio = Ratio("ratio", 0, 99, window);
    SloSpec lat = Ratio("lat", 0, 90, window);
    lat.kind = SloKind::kLatency;
    lat.latency_threshold_ms = 250;
    spec.slos = {ratio, lat};
    Interval maint{0, 0};
    if (rng() % 2) {
      MaintenanceSpec m;
      m.start = kT0 + static_cast<Millis>(rng() % 3600) * S;
      m.end = m.start + static_cast<Millis>(1 + rng() % 900) * S;
      spec.maintenance.push_back(m);
      maint = {m.start, m.end};
    }
    std::vector<Signal> sig;
    for (int i = 0; i < 300; ++i) {
      Millis ts = kT0 + static_cast<Millis>(rng() % (2 * kHour));
      if (rng() % 4 == 0) {
        uint64_t total = rng() % 50;
        sig.push_back(CountsAt(0, ts, total - rng() % (total + 1), total));
      } else {
        sig.push_back(Outcome(0, ts, rng() % 5 != 0, static_cast<double>(rng() % 400)));
      }
    }
    std::sort(sig.begin(), sig.end(), CanonicalLess);
    Millis at = kT0 + static_cast<Millis>(rng() % (2 * kHour)) + 1;
    if (at <= sig.front().ts) at = sig.front().ts + 1;
    const Millis lateness = static_cast<Millis>(1 + rng() % 90) * S;
    auto st = RunStream(spec, sig, lateness, at);
    for (size_t k = 0; k < 2; ++k) {
      const SloSpec& sp = spec.slos[k];
      auto count = [&](Millis w) {
        Counts n;
        Millis edge = CeilTo(at - w, kMinute);
        for (const Signal& s : sig) {
          Millis bucket = FloorTo(s.ts, kMinute);
          if (s.ts >= at || !(bucket >= edge || bucket == FloorTo(at, kMinute))) continue;
          uint64_t total = 0, bad = 0;
          if (s.kind == SignalKind::kCounts) {
            if (sp.kind == SloKind::kLatency) continue;
            total = s.total_count;
            bad = s.total_count - s.good_count;
          } else if (sp.kind == SloKind::kRatio) {
            total = 1;
            bad = !s.good;
          } else {
            total = 1;
            bad = s.latency_ms > sp.latency_threshold_ms;
          }
          if (maint.first <= s.ts && s.ts < maint.second) {
            n.excluded += total;
          } else {
            n.total += total;
            n.bad += bad;
          }
        }
        return n;
      };
      Counts want = count(window);
      const std::string ctx = "case " + std::to_string(c) + " slo " + sp.name;
      ASSERT_EQ(st[k].good, static_cast<double>(want.total - want.bad)) << ctx;
      ASSERT_EQ(st[k].bad, static_cast<double>(want.bad)) << ctx;
      ASSERT_EQ(st[k].excluded, static_cast<double>(want.excluded)) << ctx;
      for (const BurnRate& b : st[k].burn_rates) {
        Counts n = count(b.lookback);
        double rate = n.total ? (static_cast<double>(n.bad) / static_cast<double>(n.total)) /
                                    (1 - sp.objective)
                              : 0;
        ASSERT_NEAR(b.rate, rate, 1e-9 * std::max(1.0, rate)) << ctx;
      }
    }
    ExpectSame(st, RunStream(spec, Shuffle(sig, lateness, rng), lateness, at), "ratio shuffled");
  }
}

// The alert grid skips quiet SLOs (Engine::QuietUntil); with the shortcut
// off it evaluates every active SLO at every grid point. Both must fire and
// resolve the same alerts at the same grid points, on random models and
// streams with bursts of trouble, short alert windows that flip often, and
// figures read at random points.
TEST(PropertyTest, SkippingQuietSlosFiresTheSameAlerts) {
  size_t transitions = 0;
  for (uint64_t seed = 1; seed <= 400; ++seed) {
    std::mt19937_64 rng(seed);
    ModelSpec spec = RandomModel(rng);
    for (SloSpec& slo : spec.slos) {
      if (rng() % 2) continue;
      slo.burn_alerts.clear();
      for (int k = 0; k < 2; ++k) {
        BurnAlertSpec b;
        b.severity = k ? "ticket" : "page";
        b.short_window = static_cast<Millis>(1 + rng() % 10) * kMinute;
        b.long_window = b.short_window * static_cast<Millis>(2 + rng() % 6);
        b.factor = 0.5 + static_cast<double>(rng() % 40) / 4;
        slo.burn_alerts.push_back(b);
      }
      if (rng() % 3 == 0) slo.min_events = rng() % 20;
      if (rng() % 3 == 0) slo.min_valid = static_cast<Millis>(rng() % 600) * S;
    }
    std::vector<Action> actions =
        RandomActions(spec, rng, 300 + static_cast<int>(rng() % 900), 3 * kHour);
    std::unique_ptr<Engine> a = MakeEngine(spec), b = MakeEngine(spec);
    ASSERT_TRUE(a && b);
    b->SetQuietSkip(false);
    AlertLog la, lb;
    a->SetObserver(&la);
    b->SetObserver(&lb);
    Sequencer sa(*a, spec.allowed_lateness), sb(*b, spec.allowed_lateness);
    const std::string ctx = "seed " + std::to_string(seed);
    for (const Action& act : actions) {
      if (!act.observe) {
        ASSERT_EQ(sa.Push(act.signal), sb.Push(act.signal)) << ctx;
        continue;
      }
      Millis at = std::max({act.at, a->now(), b->now()});
      sa.ReleaseUpTo(at);
      sb.ReleaseUpTo(at);
      std::vector<SloStatus> x = a->Snapshot(at), y = b->Snapshot(at);
      ASSERT_EQ(x.size(), y.size()) << ctx;
      for (size_t k = 0; k < x.size(); ++k) {
        ASSERT_EQ(x[k].bad, y[k].bad) << ctx;
        ASSERT_EQ(x[k].alerts.size(), y[k].alerts.size()) << ctx << " slo " << k << " at " << at;
        for (size_t j = 0; j < x[k].alerts.size(); ++j) {
          ASSERT_EQ(x[k].alerts[j].since, y[k].alerts[j].since) << ctx << " slo " << k;
        }
      }
    }
    // Then, for one seed in eight, quiet for up to a day: alerts end as bad
    // time and events leave the windows, probes go stale (the engine without
    // the shortcut evaluates every grid point of it).
    for (int k = 0; k < (seed % 8 == 0 ? 2 : 0); ++k) {
      Millis at = std::max(a->now(), b->now()) + static_cast<Millis>(rng() % (12 * 60)) * kMinute;
      sa.ReleaseUpTo(at);
      sb.ReleaseUpTo(at);
      std::vector<SloStatus> x = a->Snapshot(at), y = b->Snapshot(at);
      for (size_t j = 0; j < x.size(); ++j) {
        ASSERT_EQ(x[j].bad, y[j].bad) << ctx << " quiet, slo " << j;
        ASSERT_EQ(x[j].alerts.size(), y[j].alerts.size()) << ctx << " quiet, slo " << j;
      }
    }
    ASSERT_EQ(la.log, lb.log) << ctx;
    transitions += la.log.size();
  }
  // The streams do make alerts fire and resolve.
  EXPECT_GT(transitions, 2000u);
}

}  // namespace
}  // namespace ninesd::slo
