#pragma once
// Event time: milliseconds since the Unix epoch, carried by every signal.
// Parsing and formatting of RFC 3339 timestamps and of durations ("500ms",
// "10s", "5m", "2h", "30d"). Pure functions: no clock is read here.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ninesd::slo {

using Millis = int64_t;

inline constexpr Millis kSecond = 1000;
inline constexpr Millis kMinute = 60 * kSecond;
inline constexpr Millis kHour = 60 * kMinute;
inline constexpr Millis kDay = 24 * kHour;

// "2026-11-27T08:00:00.250Z", "2026-11-27T09:00:00+01:00"; fraction optional
// (digits beyond milliseconds are truncated). nullopt when malformed.
std::optional<Millis> ParseRfc3339(std::string_view text);

// RFC 3339 in UTC; milliseconds shown only when non-zero.
std::string FormatRfc3339(Millis t);

// "500ms", "10s", "5m", "2h", "30d", "1w"; also compound "1h30m". nullopt when
// malformed or zero-length units are missing.
std::optional<Millis> ParseDuration(std::string_view text);

// Shortest exact text for a duration: 3600000 -> "1h", 90000 -> "1m30s".
std::string FormatDuration(Millis d);

// Floor and ceiling to a multiple of unit (works for negative t).
inline Millis FloorTo(Millis t, Millis unit) {
  Millis q = t / unit;
  if (t % unit != 0 && t < 0) --q;
  return q * unit;
}
inline Millis CeilTo(Millis t, Millis unit) { return -FloorTo(-t, unit); }

}  // namespace ninesd::slo
