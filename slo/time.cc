#include "slo/time.h"

#include <charconv>
#include <chrono>
#include <cstdio>

#include "date/date.h"

namespace ninesd::slo {
namespace {

bool ReadDigits(std::string_view s, size_t& pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += n;
  out = v;
  return true;
}

bool Expect(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || (s[pos] != c && !(c == 'T' && (s[pos] == 't' || s[pos] == ' ')))) {
    return false;
  }
  ++pos;
  return true;
}

}  // namespace

std::optional<Millis> ParseRfc3339(std::string_view s) {
  size_t pos = 0;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!ReadDigits(s, pos, 4, y) || !Expect(s, pos, '-') || !ReadDigits(s, pos, 2, mo) ||
      !Expect(s, pos, '-') || !ReadDigits(s, pos, 2, d) || !Expect(s, pos, 'T') ||
      !ReadDigits(s, pos, 2, h) || !Expect(s, pos, ':') || !ReadDigits(s, pos, 2, mi) ||
      !Expect(s, pos, ':') || !ReadDigits(s, pos, 2, sec)) {
    return std::nullopt;
  }
  if (h > 23 || mi > 59 || sec > 59) return std::nullopt;  // leap seconds are not representable
  int ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 3) ms = ms * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (size_t i = digits; i < 3; ++i) ms *= 10;
  }
  int offset_min = 0;
  if (pos >= s.size()) return std::nullopt;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    int oh = 0, om = 0;
    if (!ReadDigits(s, pos, 2, oh) || !Expect(s, pos, ':') || !ReadDigits(s, pos, 2, om) ||
        oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_min = sign * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(mo)},
                           date::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  Millis days = date::sys_days{ymd}.time_since_epoch().count();
  return days * kDay + h * kHour + mi * kMinute + sec * kSecond + ms - offset_min * kMinute;
}

std::string FormatRfc3339(Millis t) {
  Millis day = FloorTo(t, kDay);
  Millis rest = t - day;
  date::year_month_day ymd{date::sys_days{date::days{day / kDay}}};
  int h = static_cast<int>(rest / kHour);
  int mi = static_cast<int>(rest % kHour / kMinute);
  int s = static_cast<int>(rest % kMinute / kSecond);
  int ms = static_cast<int>(rest % kSecond);
  char buf[48];
  int y = static_cast<int>(ymd.year());
  unsigned mo = static_cast<unsigned>(ymd.month());
  unsigned d = static_cast<unsigned>(ymd.day());
  if (ms != 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", y, mo, d, h, mi, s, ms);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", y, mo, d, h, mi, s);
  }
  return buf;
}

std::optional<Millis> ParseDuration(std::string_view s) {
  if (s.empty()) return std::nullopt;
  Millis total = 0;
  size_t pos = 0;
  while (pos < s.size()) {
    Millis n = 0;
    auto [end, ec] = std::from_chars(s.data() + pos, s.data() + s.size(), n);
    if (ec != std::errc() || end == s.data() + pos || n < 0) return std::nullopt;
    pos = static_cast<size_t>(end - s.data());
    Millis unit;
    if (s.substr(pos, 2) == "ms") {
      unit = 1;
      pos += 2;
    } else if (pos < s.size()) {
      switch (s[pos]) {
        case 's':
          unit = kSecond;
          break;
        case 'm':
          unit = kMinute;
          break;
        case 'h':
          unit = kHour;
          break;
        case 'd':
          unit = kDay;
          break;
        case 'w':
          unit = 7 * kDay;
          break;
        default:
          return std::nullopt;
      }
      ++pos;
    } else {
      return std::nullopt;  // a bare number has no unit
    }
    if (n > (INT64_MAX / 4) / unit) return std::nullopt;
    total += n * unit;
  }
  return total;
}

std::string FormatDuration(Millis d) {
  if (d == 0) return "0s";
  std::string out;
  const std::pair<Millis, const char*> units[] = {
      {kDay, "d"}, {kHour, "h"}, {kMinute, "m"}, {kSecond, "s"}, {1, "ms"}};
  for (auto [unit, name] : units) {
    if (d >= unit) {
      out += std::to_string(d / unit) + name;
      d %= unit;
    }
  }
  return out;
}

}  // namespace ninesd::slo
