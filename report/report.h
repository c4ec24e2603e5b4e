#pragma once
// `ninesd report`: the SLA report of a period (docs/report.md).

#include <iosfwd>
#include <string>
#include <vector>

namespace ninesd::report {

struct ReportOptions {
  std::string config_path;
  // The history to report on: an event file (replay format), or, when
  // empty, the daemon's state file (state_path, default: the config's).
  std::string events_path;
  std::string state_path;
  std::string period;    // 2026-11 | 2026-Q4 | 2026; or from/to
  std::string from, to;  // RFC 3339
  std::vector<std::string> slos;
  std::string format = "md";  // md | html | json | csv
};

// Exit codes: 0 ok, 3 ok but some event lines were rejected, 1 error.
// A period not yet final in the stored history is reported up to its last
// final day, with a note on err (exit 0).
int RunReport(const ReportOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ninesd::report
