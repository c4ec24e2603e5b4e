#pragma once
// Nines arithmetic on exact decimals: an objective such as "99.95" is kept as
// the integer 9995 over 10^2 so that the allowed downtime of a period is an
// exact rational (its denominator is 2^a 5^b, so its decimal expansion ends).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "slo/time.h"

namespace ninesd::calc {

// A percentage in (0, 100) written with at most kMaxDecimals decimals:
// percent = digits / 10^decimals.
struct Percent {
  static constexpr int kMaxDecimals = 12;
  int64_t digits = 0;
  int decimals = 0;
  std::string text;  // as written, without a trailing '%'

  double value() const;        // percent, e.g. 99.95
  double unavailable() const;  // 1 - value/100, computed from the exact digits
  double nines() const;        // -log10(unavailable)
};

// "99.95" or "99.95%"; an error says what is wrong.
Result<Percent> ParsePercent(std::string_view text);

struct PeriodRow {
  std::string name;       // "day", "week", ...
  slo::Millis length;     // ms
  std::string allowed_s;  // exact seconds as a decimal ("302.4")
  int64_t allowed_ms;     // rounded half up to the millisecond
  bool exact_ms;          // allowed_ms is the exact value
};

// Allowed downtime for day, week (7 d), month (30 d), quarter (91.25 d =
// 365 d / 4) and year (365 d).
std::vector<PeriodRow> DowntimeTable(const Percent& objective);

// "1h 5m 42s", "43.2s", "864ms", "0s": milliseconds as days, hours, minutes
// and seconds with the fraction of a second kept.
std::string HumanDuration(int64_t ms);

}  // namespace ninesd::calc
