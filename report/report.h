#pragma once
// `ninesd report`: the SLA report of a period (docs/report.md).

#include <iosfwd>
#include <string>
#include <vector>

namespace ninesd::report {

struct ReportOptions {
  std::string config_path;
  std::string events_path;  // the history to report on (until the store's is wired)
  std::string period;       // 2026-11 | 2026-Q4 | 2026; or from/to
  std::string from, to;     // RFC 3339
  std::vector<std::string> slos;
  std::string format = "md";  // md | html | json | csv
};

// Exit codes: 0 ok, 3 ok but some event lines were rejected, 1 error.
int RunReport(const ReportOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ninesd::report
