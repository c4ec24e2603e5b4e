#include "calc/calc.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <ostream>

#include "calc/design_file.h"
#include "calc/nines.h"

namespace ninesd::calc {
namespace {

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string Scientific(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3e", v);
  return buf;
}

std::string NinesText(double down) {
  if (down <= 0) return "inf";
  return Fixed(-std::log10(down), 2);
}

std::string Pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

}  // namespace

std::string FormatPercent(double down, bool round_up) {
  if (down <= 0) return "100";
  if (down >= 1) return "0";
  const double pct_down = 100 * down;
  int decimals = static_cast<int>(std::ceil(-std::log10(pct_down))) + 3;
  decimals = std::clamp(decimals, 1, 15);
  double scale = std::pow(10.0, decimals);
  // The percentage is 100 - pct_down; work on the integer pct_down * 10^decimals.
  double scaled = pct_down * scale;
  int64_t d = round_up ? static_cast<int64_t>(std::floor(scaled * (1 + 1e-12)))
                       : static_cast<int64_t>(std::llround(scaled));
  int64_t whole = static_cast<int64_t>(std::llround(100 * scale)) - d;
  std::string digits = std::to_string(whole);
  if (digits.size() <= static_cast<size_t>(decimals)) {
    digits.insert(0, static_cast<size_t>(decimals) + 1 - digits.size(), '0');
  }
  std::string out = digits.substr(0, digits.size() - static_cast<size_t>(decimals)) + "." +
                    digits.substr(digits.size() - static_cast<size_t>(decimals));
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out;
}

int RunNines(const std::vector<std::string>& objectives, std::ostream& out, std::ostream& err) {
  std::vector<Percent> parsed;
  for (const std::string& o : objectives) {
    auto p = ParsePercent(o);
    if (!p.ok()) {
      err << "calc nines: " << p.error().message << "\n";
      return 1;
    }
    parsed.push_back(*p);
  }
  bool first = true;
  for (const Percent& p : parsed) {
    if (!first) out << "\n";
    first = false;
    out << p.text << " % (" << NinesText(p.unavailable()) << " nines): allowed downtime\n";
    std::vector<PeriodRow> rows = DowntimeTable(p);
    out << Pad("period", 18) << Pad("allowed", 20) << "seconds (exact)\n";
    for (const PeriodRow& r : rows) {
      std::string human = HumanDuration(r.allowed_ms);
      if (!r.exact_ms) human = "~" + human;
      out << Pad(r.name, 18) << Pad(human, 20) << r.allowed_s << "\n";
    }
  }
  return 0;
}

int RunDesign(const std::string& path, const std::optional<std::string>& target, std::ostream& out,
              std::ostream& err) {
  std::optional<Percent> goal;
  if (target) {
    auto p = ParsePercent(*target);
    if (!p.ok()) {
      err << "calc design: --target " << p.error().message << "\n";
      return 1;
    }
    goal = *p;
  }
  DesignLoad load = LoadDesignFile(path);
  if (!load.ok()) {
    for (const config::Diagnostic& d : load.errors) err << d.ToString() << "\n";
    return 1;
  }
  const Design& design = load.design;
  auto a = Evaluate(design);
  if (!a.ok()) {
    err << path << ": " << a.error().message << "\n";
    return 1;
  }
  std::vector<int> uses(design.components.size(), 0);
  std::function<void(const Node&)> count = [&](const Node& n) {
    if (n.kind == Node::Kind::kComponent) ++uses[n.component];
    for (const Node& c : n.children) count(c);
  };
  count(design.root);
  std::string shared;
  for (size_t i = 0; i < uses.size(); ++i) {
    if (uses[i] < 2) continue;
    shared += (shared.empty() ? "" : ", ") + design.components[i].name;
  }
  out << path << ": " << design.components.size() << " components";
  if (!shared.empty()) out << " (shared: " << shared << ")";
  out << "\n";
  out << "availability " << FormatPercent(a->down) << " % (" << NinesText(a->down)
      << " nines), unavailability " << Scientific(a->down) << "\n";
  auto per = [&](slo::Millis period) {
    return HumanDuration(static_cast<int64_t>(std::llround(a->down * static_cast<double>(period))));
  };
  out << "expected downtime: " << per(slo::kDay) << " a day, " << per(30 * slo::kDay)
      << " a 30-day month, " << per(365 * slo::kDay) << " a 365-day year\n";
  if (!goal) return 0;
  const double target_down = goal->unavailable();
  const bool met = a->down <= target_down * (1 + 1e-9);
  out << "target " << goal->text << " %: " << (met ? "met" : "NOT met") << "\n";
  if (met) return 0;
  auto changes = ChangesToMeet(design, target_down);
  if (!changes.ok()) {
    err << path << ": " << changes.error().message << "\n";
    return 3;
  }
  if (changes->empty()) {
    out << "no single change (improving one component, or up to 3 redundant copies of one "
           "component or branch) meets the target\n";
    return 3;
  }
  out << "single changes that meet it, cheapest first (components added):\n";
  constexpr size_t kShown = 8;
  for (size_t i = 0; i < changes->size() && i < kShown; ++i) {
    const Change& c = (*changes)[i];
    std::string what = c.description;
    if (c.kind == Change::Kind::kImprove) {
      const std::string name = what.substr(std::string("improve ").size());
      for (const Component& comp : design.components) {
        if (comp.name != name) continue;
        what += " from " + comp.availability_text + " % to at least " +
                FormatPercent(c.needed_down, true) + " %";
      }
    }
    out << "  " << c.components_added << "  " << what << " -> " << FormatPercent(c.result.down)
        << " %\n";
  }
  if (changes->size() > kShown) out << "  (" << changes->size() - kShown << " more)\n";
  return 3;
}

}  // namespace ninesd::calc
