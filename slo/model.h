#pragma once
// The core's view of a configuration: services, SLOs and maintenance windows,
// with every name already resolved to a dense index. config/ builds it from
// YAML; the core never sees YAML or strings on its hot path.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "slo/time.h"

namespace ninesd::slo {

// A service's state at an instant. Order matters: larger values of the first
// three are worse (worst-of merging).
enum class State : uint8_t { kUp = 0, kDegraded = 1, kDown = 2, kUnknown = 3, kExcluded = 4 };
inline constexpr int kNumStates = 5;
const char* StateName(State s);

enum class SloKind : uint8_t { kAvailability, kRatio, kLatency };
const char* SloKindName(SloKind k);

// How time without data counts in an availability SLO.
enum class NoData : uint8_t { kIgnore, kUp, kDown };

enum class CalendarUnit : uint8_t { kNone, kDay, kWeek, kMonth, kQuarter, kYear };

enum class CompositeMode : uint8_t { kNone, kAll, kAny, kAtLeast };

// One probe of a service (configured, or the implicit one that collects probe
// events from Kafka). Each location reporting results is a separate source.
struct ProbeSourceSpec {
  std::string name;
  Millis stale_after = 90'000;  // result older than this: unknown
  int failure_threshold = 1;    // consecutive failures before down (back-dated)
  int success_threshold = 1;    // consecutive successes before up (back-dated)
};

struct ServiceSpec {
  std::string name;
  std::optional<Millis> heartbeat_timeout;
  // Configured probes; a Signal's `probe` field indexes this vector. Index
  // probes.size() is the implicit probe for `probe` events without a
  // configured probe (event_probe below).
  std::vector<ProbeSourceSpec> probes;
  ProbeSourceSpec event_probe{"events"};
  int quorum = 1;  // locations of one probe that must fail for it to be down
  CompositeMode composite = CompositeMode::kNone;
  int at_least = 0;               // kAtLeast: members that must be available
  std::vector<uint32_t> members;  // service indices (kAll / kAny / kAtLeast)
};

struct Window {
  Millis rolling = 0;  // > 0: rolling window of this length
  CalendarUnit calendar = CalendarUnit::kNone;
  std::string text;  // as configured: "30d", "month"
};

// Multiwindow burn-rate alert: fires when the burn rate over both the long and
// the short lookback is strictly greater than factor.
struct BurnAlertSpec {
  std::string severity;  // "page" | "ticket"
  double factor = 1;
  Millis long_window = 0;
  Millis short_window = 0;
};

std::vector<Millis> DefaultLookbacks();
std::vector<BurnAlertSpec> DefaultBurnAlerts();

// Service credit tier of an agreement: attainment below below_percent owes
// credit_percent (of the period's fee). SloSpec::credits is sorted by
// below_percent ascending, so the first tier the attainment is under applies.
struct Credit {
  double below_percent = 0;   // (0, 100]
  double credit_percent = 0;  // (0, 100]
};

struct SloSpec {
  std::string name;
  uint32_t service = 0;
  SloKind kind = SloKind::kAvailability;
  double objective = 0.999;  // ratio in (0, 1)
  Window window;
  std::string time_zone = "UTC";  // calendar windows
  NoData no_data = NoData::kIgnore;
  double degraded_weight = 0;       // share of degraded time counted as bad
  double latency_threshold_ms = 0;  // kLatency
  std::vector<Millis> lookbacks = DefaultLookbacks();
  std::vector<BurnAlertSpec> burn_alerts = DefaultBurnAlerts();
  Millis min_valid = 0;     // availability: valid time a lookback needs to alert
  uint64_t min_events = 0;  // ratio/latency: events a lookback needs to alert
  // Contract context, carried through to outputs (reports, metric labels).
  std::string agreement_type;  // "" | sla | slc | ola | internal
  std::string customer;
  std::string provider;
  std::vector<Credit> credits;  // ascending below_percent
};

struct MaintenanceSpec {
  enum class Kind : uint8_t { kOnce, kWeekly, kMonthly };
  Kind kind = Kind::kOnce;
  std::vector<uint32_t> services;  // empty: every service
  Millis start = 0;                // kOnce: [start, end)
  Millis end = 0;
  // Recurring: starts at minute_of_day local time in time_zone on each of
  // weekdays (0 = Sunday .. 6 = Saturday) or on day_of_month (1..31; -1 = the
  // last day), and lasts duration.
  std::vector<int> weekdays;
  int day_of_month = 1;
  int minute_of_day = 0;
  Millis duration = 0;
  std::string time_zone = "UTC";
};

struct ModelSpec {
  std::vector<ServiceSpec> services;
  std::vector<SloSpec> slos;
  std::vector<MaintenanceSpec> maintenance;
  Millis allowed_lateness = 10'000;     // out-of-order tolerance of the input
  Millis evaluation_interval = 10'000;  // alert evaluation grid in event time
};

}  // namespace ninesd::slo
