#include "slo/model.h"

namespace ninesd::slo {

const char* StateName(State s) {
  switch (s) {
    case State::kUp:
      return "up";
    case State::kDegraded:
      return "degraded";
    case State::kDown:
      return "down";
    case State::kUnknown:
      return "unknown";
    case State::kExcluded:
      return "excluded";
  }
  return "unknown";
}

const char* SloKindName(SloKind k) {
  switch (k) {
    case SloKind::kAvailability:
      return "availability";
    case SloKind::kRatio:
      return "ratio";
    case SloKind::kLatency:
      return "latency";
  }
  return "availability";
}

std::vector<Millis> DefaultLookbacks() {
  return {5 * kMinute, 30 * kMinute, kHour, 2 * kHour, 6 * kHour, kDay, 3 * kDay};
}

// The multiwindow, multi-burn-rate scheme of the Google SRE Workbook.
std::vector<BurnAlertSpec> DefaultBurnAlerts() {
  return {
      {"page", 14.4, kHour, 5 * kMinute},
      {"page", 6, 6 * kHour, 30 * kMinute},
      {"ticket", 3, kDay, 2 * kHour},
      {"ticket", 1, 3 * kDay, 6 * kHour},
  };
}

}  // namespace ninesd::slo
