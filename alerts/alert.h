#pragma once
// AlertEvent: one alert transition of the core (slo::EngineObserver::OnAlert)
// with the names and figures a human needs, filled in by the caller. Alert:
// the dispatcher's record of one alert (one SLO, one alert kind) across its
// life: pending, firing, resolved.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "slo/engine.h"
#include "slo/model.h"
#include "slo/time.h"

namespace ninesd::alerts {

using slo::Millis;

struct AlertEvent {
  std::string slo;
  std::string service;
  std::string agreement;  // "" | sla | slc | ola | internal
  std::string customer;
  slo::AlertKind kind = slo::AlertKind::kBurnPage;
  bool firing = false;
  Millis at = 0;  // event time of the transition
  // Figures of the SLO at (about) `at`, for summaries and descriptions.
  double objective = 0;  // ratio, e.g. 0.9999
  std::string window;    // as configured: "30d", "month"
  std::string unit;      // "seconds" (availability) or "events"
  std::optional<double> attainment;
  double budget_total = 0;
  double budget_consumed = 0;
  std::optional<double> budget_remaining_ratio;
  std::vector<std::pair<Millis, double>> burn_rates;  // (lookback, rate)
};

// Builds an AlertEvent from the core's view of the SLO.
AlertEvent MakeAlertEvent(const slo::SloSpec& spec, std::string_view service_name,
                          const slo::SloStatus& status, slo::AlertKind kind, bool firing,
                          Millis at);

// "burn_page", "burn_ticket", "exhausted", "breached", "at_risk" (saved state).
std::string_view KindId(slo::AlertKind kind);
std::optional<slo::AlertKind> ParseKindId(std::string_view id);

enum class Phase : uint8_t {
  kPending,   // condition holds, `for` not yet elapsed; nothing sent
  kFiring,    // sent as firing (cleared_at set: flap guard running)
  kResolved,  // sent as resolved; kept a while for Alertmanager re-sends
};

struct Alert {
  AlertEvent info;  // latest figures; info.firing is the last transition seen
  Phase phase = Phase::kPending;
  Millis active_since = 0;           // condition became true (startsAt)
  std::optional<Millis> cleared_at;  // firing: condition cleared at (flap guard)
  Millis resolved_at = 0;            // resolved: endsAt (event time)
  int64_t resolved_wall_ms = 0;      // resolved: wall clock, for the retention
  uint64_t transition = 0;           // id of the last notified transition
  std::vector<std::string> owed;     // hooks that have not finished that transition

  const char* name() const { return slo::AlertName(info.kind); }
  const char* severity() const { return slo::AlertSeverity(info.kind); }
};

// Key of an alert in the dispatcher: one per (SLO, kind).
inline std::string AlertKey(std::string_view slo, slo::AlertKind kind) {
  std::string k(slo);
  k.push_back('\0');
  k += KindId(kind);
  return k;
}

}  // namespace ninesd::alerts
