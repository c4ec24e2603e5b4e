#include "report/report.h"

#include <algorithm>
#include <iterator>
#include <ostream>

#include "config/config.h"
#include "report/build.h"
#include "report/render.h"

namespace ninesd::report {

int RunReport(const ReportOptions& options, std::ostream& out, std::ostream& err) {
  static constexpr const char* kFormats[] = {"md", "html", "json", "csv"};
  if (std::find(std::begin(kFormats), std::end(kFormats), options.format) == std::end(kFormats)) {
    err << "report: --format must be md, html, json or csv\n";
    return 1;
  }
  BuildOptions b;
  b.period = options.period;
  b.slos = options.slos;
  b.events_path = options.events_path;
  const bool explicit_range = !options.from.empty() || !options.to.empty();
  if (explicit_range == !options.period.empty()) {
    err << "report: give either --period or both --from and --to\n";
    return 1;
  }
  if (explicit_range) {
    b.from = slo::ParseRfc3339(options.from);
    b.to = slo::ParseRfc3339(options.to);
    if (!b.from || !b.to) {
      err << "report: --from and --to must both be RFC 3339 times\n";
      return 1;
    }
    if (*b.to <= *b.from) {
      err << "report: --to must be after --from\n";
      return 1;
    }
    if (*b.to - *b.from > 400 * slo::kDay) {
      err << "report: a period of at most 400 days\n";
      return 1;
    }
  }
  if (!options.events_path.empty() && !options.state_path.empty()) {
    err << "report: give --events or --state, not both\n";
    return 1;
  }
  config::LoadResult loaded = config::LoadConfigFile(options.config_path);
  if (!loaded.ok()) {
    for (const config::Diagnostic& d : loaded.errors) err << d.ToString() << "\n";
    return 1;
  }
  BuildStats stats;
  Result<Report> report = Error{""};
  if (options.events_path.empty()) {
    // The daemon's stored history (read-only: the daemon may be running).
    const std::string path =
        options.state_path.empty() ? loaded.config->state.path : options.state_path;
    auto reader = store::HistoryReader::Open(path);
    if (!reader.ok()) {
      err << "report: " << reader.error().message << "\n";
      return 1;
    }
    slo::Millis until = 0;
    report = BuildFromHistory(*loaded.config, b, **reader, &until);
    if (report.ok()) {
      report->source = "state file " + path;
      bool partial = false;
      for (const SloReport& r : report->slos) partial |= until < r.to;
      if (partial) {
        report->source += " (final days until " + slo::FormatRfc3339(until) + ")";
        err << "report: the period is covered until " << slo::FormatRfc3339(until)
            << " (the days after it are not final yet)\n";
      }
    }
  } else {
    report = BuildFromEvents(*loaded.config, b, err, &stats);
  }
  if (!report.ok()) {
    err << "report: " << report.error().message << "\n";
    return 1;
  }
  if (options.format == "md") out << RenderMarkdown(*report);
  if (options.format == "html") out << RenderHtml(*report);
  if (options.format == "json") out << RenderJson(*report);
  if (options.format == "csv") out << RenderCsv(*report);
  out.flush();
  if (stats.rejected > 0) {
    err << "report: " << stats.used << " lines used, " << stats.rejected << " rejected\n";
    return 3;
  }
  return 0;
}

}  // namespace ninesd::report
