#pragma once
// Random models and input streams covering every kind of core state: leaf
// services with state events, heartbeats and probes (thresholds, locations,
// quorum), composites, availability / ratio / latency SLOs on rolling and
// calendar windows, maintenance, ids with redeliveries, and out-of-order
// delivery within the allowed lateness. Used by the state save/restore tests.

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "slo/sequencer.h"
#include "tests/slo/helpers.h"

namespace ninesd::slo::testing {

// One step of a run: a delivered signal, or an observation (release up to
// `at` and snapshot there).
struct Action {
  bool observe = false;
  Signal signal;
  Millis at = 0;
};

inline ModelSpec RandomModel(std::mt19937_64& rng) {
  auto pick = [&](uint64_t n) { return rng() % n; };
  ModelSpec spec;
  spec.evaluation_interval = 10 * kSecond;
  spec.allowed_lateness = static_cast<Millis>(1 + pick(20)) * kSecond;
  const int leaves = 3 + static_cast<int>(pick(4));
  for (int i = 0; i < leaves; ++i) {
    ServiceSpec s = Leaf("svc" + std::to_string(i));
    if (pick(2)) s.heartbeat_timeout = static_cast<Millis>(10 + pick(60)) * kSecond;
    int probes = static_cast<int>(pick(3));
    for (int p = 0; p < probes; ++p) {
      s.probes.push_back({"p" + std::to_string(p), static_cast<Millis>(5 + pick(60)) * kSecond,
                          static_cast<int>(1 + pick(3)), static_cast<int>(1 + pick(3))});
    }
    s.quorum = static_cast<int>(1 + pick(2));
    spec.services.push_back(s);
  }
  if (pick(2)) {
    ServiceSpec c = Leaf("comp");
    c.composite = static_cast<CompositeMode>(1 + pick(3));
    c.at_least = 2;
    c.members = {0, 1, 2};
    spec.services.push_back(c);
  }
  const uint32_t n = static_cast<uint32_t>(spec.services.size());
  for (uint32_t i = 0; i < n; ++i) {
    std::string base = spec.services[i].name;
    SloSpec a = Availability(base + "-avail", i, 99, static_cast<Millis>(5 + pick(60)) * kMinute);
    a.no_data = static_cast<NoData>(pick(3));
    a.degraded_weight = static_cast<double>(pick(3)) * 0.5;
    spec.slos.push_back(a);
    if (pick(3) == 0) spec.slos.push_back(Calendar(base + "-day", i, 99.5, CalendarUnit::kDay));
    if (spec.services[i].composite == CompositeMode::kNone && pick(2)) {
      SloSpec r = Ratio(base + "-ratio", i, 95, static_cast<Millis>(5 + pick(90)) * kMinute);
      spec.slos.push_back(r);
      SloSpec l = Ratio(base + "-lat", i, 90, kHour);
      l.kind = SloKind::kLatency;
      l.latency_threshold_ms = 250;
      if (pick(2)) {
        l.window.rolling = 0;
        l.window.calendar = CalendarUnit::kDay;
      }
      spec.slos.push_back(l);
    }
  }
  if (pick(2)) {
    MaintenanceSpec m;
    m.services = {static_cast<uint32_t>(pick(n))};
    m.start = kT0 - kHour + static_cast<Millis>(pick(7200)) * kSecond;
    m.end = m.start + static_cast<Millis>(60 + pick(1800)) * kSecond;
    spec.maintenance.push_back(m);
  }
  return spec;
}

// Signals over `span` from kT0 - 90 min (so a day boundary is crossed),
// delivered out of order within the lateness, with redelivered ids, and
// observations spread over the run.
inline std::vector<Action> RandomActions(const ModelSpec& spec, std::mt19937_64& rng, int signals,
                                         Millis span) {
  auto pick = [&](uint64_t n) { return rng() % n; };
  const Millis start = kT0 - 90 * kMinute;
  std::vector<Signal> sig;
  const uint32_t leaves = static_cast<uint32_t>(
      std::count_if(spec.services.begin(), spec.services.end(),
                    [](const ServiceSpec& s) { return s.composite == CompositeMode::kNone; }));
  // Bursts of trouble make alerts fire: a bad phase per service.
  std::vector<Millis> bad_from(leaves), bad_to(leaves);
  for (uint32_t i = 0; i < leaves; ++i) {
    bad_from[i] = start + static_cast<Millis>(pick(static_cast<uint64_t>(span)));
    bad_to[i] = bad_from[i] + static_cast<Millis>(pick(static_cast<uint64_t>(span / 3)));
  }
  for (int k = 0; k < signals; ++k) {
    Signal s;
    uint32_t svc = static_cast<uint32_t>(pick(leaves));
    const ServiceSpec& sp = spec.services[svc];
    Millis ts = start + static_cast<Millis>(pick(static_cast<uint64_t>(span)));
    bool trouble = ts >= bad_from[svc] && ts < bad_to[svc];
    bool good = trouble ? pick(3) == 0 : pick(20) != 0;
    switch (pick(5)) {
      case 0:
        s = StateAt(svc, ts, good ? State::kUp : static_cast<State>(1 + pick(2)));
        break;
      case 1:
        if (sp.heartbeat_timeout) {
          s = Heartbeat(svc, ts);
          break;
        }
        [[fallthrough]];
      case 2:
        if (!sp.probes.empty() || pick(4) == 0) {
          s = Probe(svc, ts, good, static_cast<uint16_t>(pick(sp.probes.size() + 1)),
                    static_cast<uint16_t>(pick(3)));
          break;
        }
        [[fallthrough]];
      case 3:
        s = Outcome(svc, ts, good, static_cast<double>(good ? pick(300) : 200 + pick(400)));
        break;
      default: {
        uint64_t total = 1 + pick(40);
        s = CountsAt(svc, ts, good ? total - pick(2) : pick(total), total);
      }
    }
    if (pick(3) == 0) s.id_hash = 1 + pick(1u << 30);
    sig.push_back(s);
    if (s.id_hash && pick(8) == 0) sig.push_back(s);  // redelivery
  }
  // Delivery order: each signal delayed by less than the lateness.
  std::vector<std::pair<Millis, Signal>> keyed;
  for (const Signal& s : sig) {
    keyed.push_back(
        {s.ts + static_cast<Millis>(pick(static_cast<uint64_t>(spec.allowed_lateness))), s});
  }
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<Action> out;
  for (auto& [deliver, s] : keyed) {
    if (pick(40) == 0) {
      // Observe somewhere behind the delivery front (never past it).
      Action o;
      o.observe = true;
      o.at = deliver - static_cast<Millis>(pick(static_cast<uint64_t>(spec.allowed_lateness)));
      out.push_back(o);
    }
    Action a;
    a.signal = s;
    out.push_back(a);
  }
  Action last;
  last.observe = true;
  last.at = start + span + kHour;
  out.push_back(last);
  return out;
}

}  // namespace ninesd::slo::testing
