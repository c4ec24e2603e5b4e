#include "calc/nines.h"

#include <cmath>
#include <cstdio>

namespace ninesd::calc {
namespace {

__extension__ typedef __int128 Int128;  // products of a year in ms and 10^14

int64_t Pow10(int n) {
  int64_t p = 1;
  for (int i = 0; i < n; ++i) p *= 10;
  return p;
}

// num / den as an exact decimal; den must divide a power of ten times num's
// scale (true for the 2^a 5^b denominators used here), else it is cut at 18.
std::string ExactDecimal(Int128 num, Int128 den) {
  Int128 whole = num / den, rem = num % den;
  std::string out = std::to_string(static_cast<int64_t>(whole));
  if (rem == 0) return out;
  out += '.';
  for (int i = 0; i < 18 && rem != 0; ++i) {
    rem *= 10;
    out += static_cast<char>('0' + static_cast<int>(rem / den));
    rem %= den;
  }
  return out;
}

}  // namespace

double Percent::value() const {
  return static_cast<double>(digits) / static_cast<double>(Pow10(decimals));
}

double Percent::unavailable() const {
  const int64_t den = 100 * Pow10(decimals);
  return static_cast<double>(den - digits) / static_cast<double>(den);
}

double Percent::nines() const { return -std::log10(unavailable()); }

Result<Percent> ParsePercent(std::string_view text) {
  std::string_view t = text;
  if (!t.empty() && t.back() == '%') t.remove_suffix(1);
  auto bad = [&](const std::string& why) { return Error{"\"" + std::string(text) + "\": " + why}; };
  if (t.empty()) return bad("expected a percentage such as 99.95");
  Percent p;
  p.text = std::string(t);
  bool dot = false;
  for (char c : t) {
    if (c == '.') {
      if (dot) return bad("expected a percentage such as 99.95");
      dot = true;
      continue;
    }
    if (c < '0' || c > '9') return bad("expected a percentage such as 99.95");
    if (dot) {
      if (++p.decimals > Percent::kMaxDecimals) {
        return bad("at most " + std::to_string(Percent::kMaxDecimals) + " decimals");
      }
    }
    p.digits = p.digits * 10 + (c - '0');
    if (p.digits > 100 * Pow10(Percent::kMaxDecimals)) return bad("must be below 100");
  }
  if (t.front() == '.' || t.back() == '.') return bad("expected a percentage such as 99.95");
  if (p.digits <= 0) return bad("must be above 0");
  if (p.digits >= 100 * Pow10(p.decimals)) return bad("must be below 100");
  return p;
}

std::vector<PeriodRow> DowntimeTable(const Percent& objective) {
  struct Def {
    const char* name;
    slo::Millis length;
  };
  static constexpr Def kPeriods[] = {
      {"day", slo::kDay},
      {"week (7d)", 7 * slo::kDay},
      {"month (30d)", 30 * slo::kDay},
      {"quarter (91.25d)", 365 * slo::kDay / 4},
      {"year (365d)", 365 * slo::kDay},
  };
  const Int128 den = static_cast<Int128>(100) * Pow10(objective.decimals);
  const Int128 bad = den - objective.digits;
  std::vector<PeriodRow> rows;
  for (const Def& d : kPeriods) {
    Int128 num = static_cast<Int128>(d.length) * bad;  // allowed ms = num / den
    PeriodRow r;
    r.name = d.name;
    r.length = d.length;
    r.allowed_s = ExactDecimal(num, den * 1000);
    r.allowed_ms = static_cast<int64_t>((2 * num + den) / (2 * den));
    r.exact_ms = num % den == 0;
    rows.push_back(r);
  }
  return rows;
}

std::string HumanDuration(int64_t ms) {
  if (ms == 0) return "0s";
  if (ms < 1000) return std::to_string(ms) + "ms";
  std::string out;
  int64_t days = ms / slo::kDay;
  ms %= slo::kDay;
  int64_t hours = ms / slo::kHour;
  ms %= slo::kHour;
  int64_t minutes = ms / slo::kMinute;
  ms %= slo::kMinute;
  auto add = [&](int64_t v, const char* unit) {
    if (v == 0) return;
    if (!out.empty()) out += ' ';
    out += std::to_string(v) + unit;
  };
  add(days, "d");
  add(hours, "h");
  add(minutes, "m");
  if (ms != 0) {
    if (!out.empty()) out += ' ';
    out += std::to_string(ms / 1000);
    if (ms % 1000 != 0) {
      char frac[8];
      std::snprintf(frac, sizeof frac, ".%03d", static_cast<int>(ms % 1000));
      std::string f = frac;
      while (f.back() == '0') f.pop_back();
      out += f;
    }
    out += 's';
  }
  return out;
}

}  // namespace ninesd::calc
