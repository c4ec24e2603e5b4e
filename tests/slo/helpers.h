#pragma once
// Builders for core tests: small models and signals in a few lines.

#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "slo/engine.h"
#include "slo/model.h"
#include "slo/signal.h"
#include "slo/time.h"

namespace ninesd::slo::testing {

// 2026-11-02T00:00:00Z, a Monday: a convenient epoch for tests.
inline constexpr Millis kT0 = 1'793'577'600'000;

inline Millis At(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

// Records when alerts start firing.
struct FiringRecorder : EngineObserver {
  std::vector<std::pair<AlertKind, Millis>> fired;
  void OnAlert(uint32_t, AlertKind kind, bool firing, Millis at) override {
    if (firing) fired.emplace_back(kind, at);
  }
};

// Records every alert transition, in order: (time, SLO, kind, firing).
struct AlertLog : EngineObserver {
  std::vector<std::tuple<Millis, uint32_t, int, bool>> log;
  void OnAlert(uint32_t slo, AlertKind kind, bool firing, Millis at) override {
    log.push_back({at, slo, static_cast<int>(kind), firing});
  }
};

inline ServiceSpec Leaf(std::string name) {
  ServiceSpec s;
  s.name = std::move(name);
  return s;
}

inline SloSpec Availability(std::string name, uint32_t service, double objective_percent,
                            Millis window) {
  SloSpec s;
  s.name = std::move(name);
  s.service = service;
  s.kind = SloKind::kAvailability;
  s.objective = objective_percent / 100;
  s.window.rolling = window;
  s.window.text = FormatDuration(window);
  return s;
}

inline SloSpec Calendar(std::string name, uint32_t service, double objective_percent,
                        CalendarUnit unit, std::string tz = "UTC") {
  SloSpec s = Availability(std::move(name), service, objective_percent, 0);
  s.window.rolling = 0;
  s.window.calendar = unit;
  s.window.text = "calendar";
  s.time_zone = std::move(tz);
  return s;
}

inline SloSpec Ratio(std::string name, uint32_t service, double objective_percent, Millis window) {
  SloSpec s = Availability(std::move(name), service, objective_percent, window);
  s.kind = SloKind::kRatio;
  return s;
}

inline Signal StateAt(uint32_t service, Millis ts, State st) {
  Signal s;
  s.ts = ts;
  s.service = service;
  s.kind = SignalKind::kState;
  s.state = st;
  return s;
}

inline Signal Heartbeat(uint32_t service, Millis ts) {
  Signal s;
  s.ts = ts;
  s.service = service;
  s.kind = SignalKind::kHeartbeat;
  return s;
}

inline Signal Probe(uint32_t service, Millis ts, bool success, uint16_t probe = 0,
                    uint16_t location = 0) {
  Signal s;
  s.ts = ts;
  s.service = service;
  s.kind = SignalKind::kProbe;
  s.good = success;
  s.probe = probe;
  s.location = location;
  return s;
}

inline Signal Outcome(uint32_t service, Millis ts, bool good, double latency_ms = -1) {
  Signal s;
  s.ts = ts;
  s.service = service;
  s.kind = SignalKind::kOutcome;
  s.good = good;
  if (latency_ms >= 0) {
    s.has_latency = true;
    s.latency_ms = latency_ms;
  }
  return s;
}

inline Signal CountsAt(uint32_t service, Millis ts, uint64_t good, uint64_t total) {
  Signal s;
  s.ts = ts;
  s.service = service;
  s.kind = SignalKind::kCounts;
  s.good_count = good;
  s.total_count = total;
  return s;
}

// Builds an engine or fails the test.
inline std::unique_ptr<Engine> MakeEngine(ModelSpec spec) {
  auto e = Engine::Create(std::move(spec));
  if (!e.ok()) {
    ADD_FAILURE() << e.error().message;
    return nullptr;
  }
  return std::move(*e);
}

}  // namespace ninesd::slo::testing
