#pragma once
// Builds a Report from a JSONL event file through the same core as `ninesd
// replay`, or from the daemon's stored history (BuildFromHistory, below).
// From events: the events go through the Sequencer into an Engine whose SLOs are
// the reported ones with their window set to the report period (and to
// each day of it, for the chart), evaluated exactly at the period's end and
// at every local midnight. A period's figures therefore equal replay's for
// a rolling window of the period's length evaluated at its end.
//
// Thread: any; no shared state.

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "config/config.h"
#include "report/model.h"
#include "store/state_store.h"

namespace ninesd::report {

struct BuildOptions {
  std::string period;               // "2026-11", "2026-Q4", "2026"; or empty with from/to
  std::optional<slo::Millis> from;  // explicit period (both or neither)
  std::optional<slo::Millis> to;
  std::vector<std::string> slos;  // empty: every SLO
  std::string events_path;        // "-": stdin
};

struct BuildStats {
  uint64_t used = 0;
  uint64_t rejected = 0;
};

// Rejected event lines are listed on err (the first 100) like replay's.
Result<Report> BuildFromEvents(const config::Config& cfg, const BuildOptions& options,
                               std::ostream& err, BuildStats* stats);

// Builds a Report from the daemon's stored history (slo/history.h): the
// SLO's final days in the period, summed, with the core's arithmetic
// (slo::FiguresOf), and the outages from the stored runs of its service.
// Days before the SLO's first stored day count as no data, as the core
// counts time before its history. A period that is not over, or whose last
// days are not final yet, is reported up to the last stored day: that
// instant is in Report::source and `*until`. The stored history is daily:
// --from and --to must be local midnights of each SLO's time zone.
Result<Report> BuildFromHistory(const config::Config& cfg, const BuildOptions& options,
                                store::HistoryReader& history, Millis* until);

}  // namespace ninesd::report
