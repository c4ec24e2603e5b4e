#include "export/slo_metrics.h"

#include <charconv>
#include <cmath>

namespace ninesd::exporter {
namespace {

void Family(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

// name{labels[,extra]} value\n
void Sample(std::string& out, const char* name, const std::string& labels, std::string_view extra,
            double value) {
  out += name;
  out += '{';
  out += labels;
  out += extra;
  out += "} ";
  AppendNumber(out, value);
  out += '\n';
}

bool IsAvailability(const slo::ModelSpec& spec, uint32_t slo) {
  return spec.slos[slo].kind == slo::SloKind::kAvailability;
}

}  // namespace

void AppendLabelValue(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void AppendNumber(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, ec == std::errc() ? end : buf);
}

SloMetricsWriter::SloMetricsWriter(const slo::ModelSpec& spec) : spec_(&spec) {
  slo_labels_.reserve(spec.slos.size());
  for (const slo::SloSpec& s : spec.slos) {
    std::string l = "slo=\"";
    AppendLabelValue(l, s.name);
    l += "\",service=\"";
    AppendLabelValue(l, spec.services[s.service].name);
    l += '"';
    if (!s.agreement_type.empty()) {
      l += ",agreement=\"";
      AppendLabelValue(l, s.agreement_type);
      l += '"';
    }
    if (!s.customer.empty()) {
      l += ",customer=\"";
      AppendLabelValue(l, s.customer);
      l += '"';
    }
    slo_labels_.push_back(std::move(l));
  }
  for (const slo::ServiceSpec& s : spec.services) {
    std::string l = "service=\"";
    AppendLabelValue(l, s.name);
    l += '"';
    service_labels_.push_back(std::move(l));
  }
}

void SloMetricsWriter::Write(const SloFigures& f, std::string& out) const {
  const slo::ModelSpec& spec = *spec_;
  const size_t n = std::min(f.slos.size(), spec.slos.size());
  out.reserve(out.size() + n * 1400 + spec.services.size() * 400);

  Family(out, "ninesd_slo_objective_ratio", "gauge", "Objective of the SLO as a ratio (0.999).");
  for (size_t i = 0; i < spec.slos.size(); ++i) {
    Sample(out, "ninesd_slo_objective_ratio", slo_labels_[i], {}, spec.slos[i].objective);
  }
  if (n > 0) {
    Family(out, "ninesd_slo_attainment_ratio", "gauge",
           "Good share of the valid time (availability) or events in the window.");
    for (size_t i = 0; i < n; ++i) {
      if (f.slos[i].attainment) {
        Sample(out, "ninesd_slo_attainment_ratio", slo_labels_[i], {}, *f.slos[i].attainment);
      }
    }
    struct Budget {
      const char* name;
      const char* help;
      bool availability;
      bool consumed;
    };
    static constexpr Budget kBudgets[] = {
        {"ninesd_slo_error_budget_total_seconds", "Error budget of the window (availability SLOs).",
         true, false},
        {"ninesd_slo_error_budget_consumed_seconds",
         "Error budget spent in the window (availability SLOs).", true, true},
        {"ninesd_slo_error_budget_total_events",
         "Error budget of the window in events (ratio and latency SLOs).", false, false},
        {"ninesd_slo_error_budget_consumed_events",
         "Error budget spent in the window in events (ratio and latency SLOs).", false, true},
    };
    for (const Budget& b : kBudgets) {
      Family(out, b.name, "gauge", b.help);
      for (size_t i = 0; i < n; ++i) {
        if (IsAvailability(spec, static_cast<uint32_t>(i)) != b.availability) continue;
        Sample(out, b.name, slo_labels_[i], {},
               b.consumed ? f.slos[i].budget_consumed : f.slos[i].budget_total);
      }
    }
    Family(out, "ninesd_slo_error_budget_remaining_ratio", "gauge",
           "Share of the error budget left (negative when overspent).");
    for (size_t i = 0; i < n; ++i) {
      if (f.slos[i].budget_remaining_ratio) {
        Sample(out, "ninesd_slo_error_budget_remaining_ratio", slo_labels_[i], {},
               *f.slos[i].budget_remaining_ratio);
      }
    }
    Family(out, "ninesd_slo_burn_rate", "gauge",
           "Rate of error budget spend over the lookback; 1 spends it exactly in the window.");
    std::string extra;
    for (size_t i = 0; i < n; ++i) {
      for (const slo::BurnRate& br : f.slos[i].burn_rates) {
        extra = ",lookback=\"";
        extra += slo::FormatDuration(br.lookback);
        extra += '"';
        Sample(out, "ninesd_slo_burn_rate", slo_labels_[i], extra, br.rate);
      }
    }
    Family(out, "ninesd_slo_breached", "gauge", "1 when attainment is below the objective.");
    for (size_t i = 0; i < n; ++i) {
      Sample(out, "ninesd_slo_breached", slo_labels_[i], {}, f.slos[i].breached ? 1 : 0);
    }
    // Only firing alerts have a series, as Prometheus's own ALERTS: ten
    // thousand SLOs would otherwise carry 50 000 series of zeros.
    Family(out, "ninesd_slo_alert_firing", "gauge", "1 while the alert fires (absent otherwise).");
    for (size_t i = 0; i < n; ++i) {
      for (const slo::FiringAlert& a : f.slos[i].alerts) {
        extra = ",alert=\"";
        extra += slo::AlertName(a.kind);
        extra += "\",severity=\"";
        extra += slo::AlertSeverity(a.kind);
        extra += '"';
        Sample(out, "ninesd_slo_alert_firing", slo_labels_[i], extra, 1);
      }
    }
  }
  Family(out, "ninesd_slo_breaches_total", "counter",
         "Times the SLO's period-breach alert started firing since the state began.");
  for (size_t i = 0; i < spec.slos.size(); ++i) {
    double v = i < f.breaches.size() ? static_cast<double>(f.breaches[i]) : 0;
    Sample(out, "ninesd_slo_breaches_total", slo_labels_[i], {}, v);
  }

  Family(out, "ninesd_service_state", "gauge",
         "Current state of the service (one series a state).");
  static constexpr slo::State kStates[] = {slo::State::kUp, slo::State::kDegraded,
                                           slo::State::kDown, slo::State::kUnknown,
                                           slo::State::kExcluded};
  std::string extra;
  for (size_t i = 0; i < spec.services.size(); ++i) {
    slo::State cur = i < f.services.size() ? f.services[i] : slo::State::kUnknown;
    for (slo::State s : kStates) {
      extra = ",state=\"";
      extra += slo::StateName(s);
      extra += '"';
      Sample(out, "ninesd_service_state", service_labels_[i], extra, cur == s ? 1 : 0);
    }
  }
  Family(out, "ninesd_service_downtime_seconds_total", "counter",
         "Time the service was down, counted once its history is final.");
  for (size_t i = 0; i < spec.services.size(); ++i) {
    double v = i < f.downtime_seconds.size() ? f.downtime_seconds[i] : 0;
    Sample(out, "ninesd_service_downtime_seconds_total", service_labels_[i], {}, v);
  }
}

}  // namespace ninesd::exporter
