#pragma once
// Report periods: "2026-11" (a month), "2026-Q4" (a quarter), "2026" (a
// year) in a time zone, or explicit RFC 3339 instants.

#include <string>
#include <utility>

#include "common/result.h"
#include "slo/time.h"

namespace ninesd::report {

// [start, end) of the period `text` in `time_zone`.
Result<std::pair<slo::Millis, slo::Millis>> PeriodBounds(const std::string& text,
                                                         const std::string& time_zone);

}  // namespace ninesd::report
