#pragma once
// The SLA report as plain data: what every output format renders. It is
// filled from the daemon's stored history or from an event file through the
// core (build.h); the renderers never know where the figures came from.

#include <optional>
#include <string>
#include <vector>

#include "slo/model.h"
#include "slo/time.h"

namespace ninesd::report {

using slo::Millis;

// A stretch of bad time of the service, clipped to the report period.
struct Outage {
  Millis start = 0;
  Millis end = 0;
  slo::State state = slo::State::kDown;  // down, or degraded / unknown where they count as bad
  bool started_before = false;           // began before the period (clipped)
  bool continues_after = false;          // still bad at the period's end (clipped)
  double bad_seconds = 0;                // what it cost: duration x the state's weight
};

// The SLO's figures from the period's start to `at` (one point of the chart).
struct Point {
  Millis at = 0;
  std::optional<double> attainment;
  std::optional<double> budget_remaining_ratio;
};

struct SloReport {
  std::string name;
  std::string service;
  slo::SloKind kind = slo::SloKind::kAvailability;
  double objective = 0;  // ratio, e.g. 0.9995
  std::string time_zone;
  Millis from = 0;  // the period [from, to) in this SLO's time zone
  Millis to = 0;
  // Figures over the whole period: seconds (availability) or events.
  double good = 0, bad = 0, excluded = 0, unknown = 0;
  std::optional<double> attainment;
  double allowed = 0;  // error budget of the period: (1 - objective) x valid
  bool breached = false;
  std::optional<double> budget_remaining_ratio;
  std::optional<double> credit_percent;  // from agreement.credits; none when met or no tiers
  // Contract context.
  std::string agreement_type;  // sla | slc | ola | internal | ""
  std::string customer;
  std::string provider;
  std::vector<slo::Credit> credits;
  std::vector<Outage> outages;
  std::vector<Point> series;  // one point per local day end, the last at `to`
};

struct Report {
  std::string period;  // "2026-11", "2026-Q4", or "FROM/TO"
  std::string source;  // where the figures come from ("events file x.jsonl")
  std::vector<SloReport> slos;
};

// The credit owed for an attainment (ratio) under tiers sorted ascending by
// below_percent: the first tier the attainment is under.
std::optional<double> CreditFor(const std::vector<slo::Credit>& tiers,
                                std::optional<double> attainment);

}  // namespace ninesd::report
