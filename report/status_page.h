#pragma once
// The /status page: one HTML document (inline CSS, no scripts, no external
// assets; reloads itself every refresh_seconds) with every service's current
// state and, per SLO, its attainment, budget left, firing alerts and a bar
// of daily attainment (one cell a day, oldest first).
//
// Pure: the caller passes the figures (the daemon: CoreRuntime::figures(),
// the store's daily history and the core for the days not final yet).
// Thread: any.

#include <optional>
#include <string>
#include <vector>

#include "slo/engine.h"
#include "slo/model.h"

namespace ninesd::report {

// One day of the uptime bar: [start, end) local time; attainment when the
// day had valid time.
struct DayCell {
  slo::Millis start = 0;
  slo::Millis end = 0;
  std::optional<double> attainment;
};

struct StatusInput {
  const slo::ModelSpec* spec = nullptr;
  slo::Millis at = 0;                      // time of the figures
  std::vector<slo::SloStatus> slos;        // one per SLO (may be empty before the first tick)
  std::vector<slo::State> services;        // current state per service
  std::vector<std::vector<DayCell>> days;  // per SLO, oldest first (may be empty)
  int refresh_seconds = 30;
};

std::string RenderStatusPage(const StatusInput& in);

// The `days` local days (the SLO's time zone) ending with the one that
// contains `at`, the last one clipped to `at`; attainment unset (the daemon
// fills it from the stored daily history and, for the days not final yet,
// from the core).
std::vector<DayCell> DayCells(const slo::SloSpec& slo, slo::Millis at, int days);

}  // namespace ninesd::report
