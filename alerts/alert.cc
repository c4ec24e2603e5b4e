#include "alerts/alert.h"

namespace ninesd::alerts {
namespace {

constexpr std::string_view kKindIds[] = {"burn_page", "burn_ticket", "exhausted", "breached",
                                         "at_risk"};
static_assert(std::size(kKindIds) == slo::kNumAlertKinds);

}  // namespace

AlertEvent MakeAlertEvent(const slo::SloSpec& spec, std::string_view service_name,
                          const slo::SloStatus& status, slo::AlertKind kind, bool firing,
                          Millis at) {
  AlertEvent e;
  e.slo = spec.name;
  e.service = std::string(service_name);
  e.agreement = spec.agreement_type;
  e.customer = spec.customer;
  e.kind = kind;
  e.firing = firing;
  e.at = at;
  e.objective = spec.objective;
  e.window = spec.window.text;
  e.unit = spec.kind == slo::SloKind::kAvailability ? "seconds" : "events";
  e.attainment = status.attainment;
  e.budget_total = status.budget_total;
  e.budget_consumed = status.budget_consumed;
  e.budget_remaining_ratio = status.budget_remaining_ratio;
  for (const slo::BurnRate& b : status.burn_rates) e.burn_rates.emplace_back(b.lookback, b.rate);
  return e;
}

std::string_view KindId(slo::AlertKind kind) { return kKindIds[static_cast<size_t>(kind)]; }

std::optional<slo::AlertKind> ParseKindId(std::string_view id) {
  for (size_t i = 0; i < std::size(kKindIds); ++i) {
    if (kKindIds[i] == id) return static_cast<slo::AlertKind>(i);
  }
  return std::nullopt;
}

}  // namespace ninesd::alerts
