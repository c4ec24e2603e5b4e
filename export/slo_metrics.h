#pragma once
// SloMetricsWriter: the per-SLO and per-service families of /metrics
// (SPEC section 7) as Prometheus text 0.0.4, from figures the core runtime
// refreshed on its last evaluation tick. Label sets are rendered once per
// configuration, numbers with std::to_chars: a scrape of 10 000 SLOs is a
// few milliseconds of string appends, no per-series objects.
//
// Budget families carry their unit in the name, as the naming guide asks
// and `promtool check metrics` enforces (a gauge may not end in _total):
// ninesd_slo_error_budget_{total,consumed}_seconds for availability SLOs,
// ..._events for ratio and latency SLOs.
//
// Thread: whoever owns the figures (the loop thread).

#include <cstdint>
#include <string>
#include <vector>

#include "slo/engine.h"
#include "slo/model.h"

namespace ninesd::exporter {

// What one scrape shows; vectors indexed like spec.slos / spec.services.
struct SloFigures {
  std::vector<slo::SloStatus> slos;      // empty before the first evaluation
  std::vector<slo::State> services;      // current state per service
  std::vector<double> downtime_seconds;  // per service, final history only
  std::vector<uint64_t> breaches;        // per SLO: times SLOBreached started firing
};

class SloMetricsWriter {
 public:
  explicit SloMetricsWriter(const slo::ModelSpec& spec);

  // Appends every family (HELP, TYPE, samples) to `out`.
  void Write(const SloFigures& figures, std::string& out) const;

 private:
  const slo::ModelSpec* spec_;
  std::vector<std::string> slo_labels_;      // slo="..",service="..",agreement=..
  std::vector<std::string> service_labels_;  // service=".."
};

// Prometheus label value escaping (backslash, double quote, newline).
void AppendLabelValue(std::string& out, std::string_view value);
// Shortest round-trip text of a double; NaN and infinities as Prometheus spells them.
void AppendNumber(std::string& out, double v);

}  // namespace ninesd::exporter
