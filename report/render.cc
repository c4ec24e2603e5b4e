#include "report/render.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace ninesd::report {
namespace {

bool TimeBased(const SloReport& s) { return s.kind == slo::SloKind::kAvailability; }

// Shortest text that reads back as the same double (JSON, CSV).
std::string Exact(double v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// 99.95 -> "99.95 %" (objectives, credits: as configured, to 1e-7).
std::string Percent(double ratio_or_percent, bool is_ratio) {
  std::string s = Fixed(is_ratio ? ratio_or_percent * 100 : ratio_or_percent, 7);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s + " %";
}

std::string Attainment(const std::optional<double>& a) {
  return a ? Fixed(*a * 100, 4) + " %" : "n/a";
}

// 5400.25 s -> "1h 30m 0.25s".
std::string Human(double seconds) {
  int64_t ms = std::llround(seconds * 1000);
  if (ms == 0) return "0s";
  std::string out;
  const int64_t d = ms / slo::kDay, h = ms % slo::kDay / slo::kHour,
                m = ms % slo::kHour / slo::kMinute, s = ms % slo::kMinute;
  auto add = [&](int64_t v, const char* unit) {
    if (v == 0) return;
    if (!out.empty()) out += ' ';
    out += std::to_string(v) + unit;
  };
  add(d, "d");
  add(h, "h");
  add(m, "m");
  if (s != 0) {
    if (!out.empty()) out += ' ';
    std::string t = Fixed(static_cast<double>(s) / 1000.0, 3);
    while (t.back() == '0') t.pop_back();
    if (t.back() == '.') t.pop_back();
    out += t + "s";
  }
  return out;
}

std::string Amount(const SloReport& s, double v) {
  if (TimeBased(s)) return Human(v) + " (" + Fixed(v, 3) + " s)";
  std::string t = Fixed(v, 3);
  while (t.back() == '0') t.pop_back();
  if (t.back() == '.') t.pop_back();
  return t + " events";
}

std::string Agreement(const SloReport& s) {
  if (s.agreement_type.empty()) return "none";
  std::string t = s.agreement_type;
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::toupper(c); });
  if (!s.customer.empty() || !s.provider.empty()) {
    t += " between " + (s.provider.empty() ? std::string("?") : s.provider) + " (provider) and " +
         (s.customer.empty() ? std::string("?") : s.customer) + " (customer)";
  }
  return t;
}

std::string Credit(const SloReport& s) {
  if (s.credits.empty()) return "no credit tiers";
  return s.credit_percent ? Percent(*s.credit_percent, false) : "none";
}

std::string Parties(const Report& r) {
  std::vector<std::string> seen;
  for (const SloReport& s : r.slos) {
    std::string a = Agreement(s);
    if (a != "none" && std::find(seen.begin(), seen.end(), a) == seen.end()) seen.push_back(a);
  }
  std::string out;
  for (const std::string& a : seen) out += (out.empty() ? "" : "; ") + a;
  return out.empty() ? "no agreement" : out;
}

// --- JSON ---

std::string Escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

std::string Str(const std::string& s) { return "\"" + Escape(s) + "\""; }
std::string Opt(const std::optional<double>& v) { return v ? Exact(*v) : "null"; }

// --- HTML ---

// A line chart of one series of ratios over the period, with a reference
// line (the objective, or 0 % budget left).
std::string Chart(const SloReport& s, bool budget, const std::string& title) {
  const double w = 640, h = 180, left = 66, right = 12, top = 22, bottom = 26;
  std::vector<std::pair<Millis, double>> pts;
  for (const Point& p : s.series) {
    std::optional<double> v = budget ? p.budget_remaining_ratio : p.attainment;
    if (v) pts.emplace_back(p.at, *v * 100);
  }
  double lo = budget ? 0 : s.objective * 100, hi = 100;
  for (const auto& [t, v] : pts) lo = std::min(lo, v);
  if (budget) {
    lo = std::min(lo, 0.0);
  } else {
    lo = std::max(0.0, lo - (hi - lo) * 0.1);
  }
  if (hi - lo < 1e-9) lo = hi - 1;
  const double span = static_cast<double>(std::max<Millis>(1, s.to - s.from));
  auto x = [&](Millis t) {
    return left + (w - left - right) * static_cast<double>(t - s.from) / span;
  };
  auto y = [&](double v) { return top + (h - top - bottom) * (hi - v) / (hi - lo); };
  std::string out = "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 " + Fixed(w, 0) + " " +
                    Fixed(h, 0) + "\" xmlns=\"http://www.w3.org/2000/svg\" aria-label=\"" +
                    Html(title) + "\">";
  out += "<text x=\"" + Fixed(left, 0) + "\" y=\"14\" class=\"ct\">" + Html(title) + "</text>";
  out += "<rect x=\"" + Fixed(left, 0) + "\" y=\"" + Fixed(top, 0) + "\" width=\"" +
         Fixed(w - left - right, 0) + "\" height=\"" + Fixed(h - top - bottom, 0) +
         "\" class=\"frame\"/>";
  for (double v : {hi, lo}) {
    out += "<text x=\"" + Fixed(left - 4, 0) + "\" y=\"" + Fixed(y(v) + 4, 1) +
           "\" class=\"ax\" text-anchor=\"end\">" + Fixed(v, budget ? 0 : 3) + "%</text>";
  }
  const double ref = budget ? 0 : s.objective * 100;
  out += "<line x1=\"" + Fixed(left, 1) + "\" x2=\"" + Fixed(w - right, 1) + "\" y1=\"" +
         Fixed(y(ref), 1) + "\" y2=\"" + Fixed(y(ref), 1) + "\" class=\"ref\"/>";
  out += "<text x=\"" + Fixed(left, 0) + "\" y=\"" + Fixed(h - 8, 0) + "\" class=\"ax\">" +
         slo::FormatRfc3339(s.from).substr(0, 10) + "</text>";
  out += "<text x=\"" + Fixed(w - right, 0) + "\" y=\"" + Fixed(h - 8, 0) +
         "\" class=\"ax\" text-anchor=\"end\">" + slo::FormatRfc3339(s.to).substr(0, 10) +
         "</text>";
  if (!pts.empty()) {
    out += "<polyline class=\"" + std::string(budget ? "budget" : "att") + "\" points=\"";
    out += Fixed(x(s.from), 1) + "," + Fixed(y(budget ? 100 : pts.front().second), 1);
    for (const auto& [t, v] : pts) out += " " + Fixed(x(t), 1) + "," + Fixed(y(v), 1);
    out += "\"/>";
  }
  return out + "</svg>";
}

}  // namespace

std::string RenderMarkdown(const Report& r) {
  std::string o = "# Service level report " + r.period + "\n\n";
  o += "- Agreements: " + Parties(r) + "\n";
  o += "- Source: " + r.source + "\n\n";
  for (const SloReport& s : r.slos) {
    o += "## " + s.name + "\n\n";
    o += "| | |\n|---|---|\n";
    o += "| Agreement | " + Agreement(s) + " |\n";
    o += "| Service | " + s.service + " |\n";
    o += "| Kind | " + std::string(slo::SloKindName(s.kind)) + " |\n";
    o += "| Period | " + slo::FormatRfc3339(s.from) + " to " + slo::FormatRfc3339(s.to) + " (" +
         s.time_zone + ") |\n";
    o += "| Objective | " + Percent(s.objective, true) + " |\n";
    o += "| Attainment | " + Attainment(s.attainment) + " |\n";
    o += std::string("| Allowed ") + (TimeBased(s) ? "downtime" : "bad events") + " | " +
         Amount(s, s.allowed) + " |\n";
    o += std::string("| Actual ") + (TimeBased(s) ? "downtime" : "bad events") + " | " +
         Amount(s, s.bad) + " |\n";
    if (TimeBased(s)) {
      o += "| Maintenance (excluded) | " + Amount(s, s.excluded) + " |\n";
      o += "| No data | " + Amount(s, s.unknown) + " |\n";
    } else {
      o += "| Excluded (maintenance) | " + Amount(s, s.excluded) + " |\n";
    }
    o += "| Breached | " + std::string(s.breached ? "yes" : "no") + " |\n";
    o += "| Service credit | " + Credit(s) + " |\n\n";
    if (s.outages.empty()) {
      o += "No outages.\n\n";
      continue;
    }
    o += "| Outage start | Outage end | Duration | State |\n|---|---|---|---|\n";
    for (const Outage& x : s.outages) {
      o += "| " + slo::FormatRfc3339(x.start) + (x.started_before ? " (began earlier)" : "") +
           " | " + slo::FormatRfc3339(x.end) + (x.continues_after ? " (ongoing)" : "") + " | " +
           Human(static_cast<double>(x.end - x.start) / 1000.0) + " | " + slo::StateName(x.state) +
           " |\n";
    }
    o += "\n";
  }
  return o;
}

std::string RenderJson(const Report& r) {
  std::string o = "{\"period\":" + Str(r.period) + ",\"source\":" + Str(r.source) + ",\"slos\":[";
  bool first = true;
  for (const SloReport& s : r.slos) {
    if (!first) o += ",";
    first = false;
    o += "\n{\"name\":" + Str(s.name) + ",\"service\":" + Str(s.service) +
         ",\"kind\":" + Str(slo::SloKindName(s.kind)) + ",\"objective\":" + Exact(s.objective) +
         ",\"time_zone\":" + Str(s.time_zone) + ",\"from\":" + Str(slo::FormatRfc3339(s.from)) +
         ",\"to\":" + Str(slo::FormatRfc3339(s.to)) + ",\"good\":" + Exact(s.good) +
         ",\"bad\":" + Exact(s.bad) + ",\"excluded\":" + Exact(s.excluded) +
         ",\"unknown\":" + Exact(s.unknown) + ",\"attainment\":" + Opt(s.attainment) +
         ",\"allowed\":" + Exact(s.allowed) + ",\"actual\":" + Exact(s.bad) +
         ",\"budget_remaining_ratio\":" + Opt(s.budget_remaining_ratio) +
         ",\"breached\":" + (s.breached ? "true" : "false") +
         ",\"credit_percent\":" + Opt(s.credit_percent) +
         ",\"agreement\":{\"type\":" + Str(s.agreement_type) + ",\"customer\":" + Str(s.customer) +
         ",\"provider\":" + Str(s.provider) + "},\"outages\":[";
    for (size_t i = 0; i < s.outages.size(); ++i) {
      const Outage& x = s.outages[i];
      o += std::string(i ? "," : "") + "{\"start\":" + Str(slo::FormatRfc3339(x.start)) +
           ",\"end\":" + Str(slo::FormatRfc3339(x.end)) +
           ",\"duration_seconds\":" + Exact(static_cast<double>(x.end - x.start) / 1000.0) +
           ",\"state\":" + Str(slo::StateName(x.state)) +
           ",\"began_earlier\":" + (x.started_before ? "true" : "false") +
           ",\"ongoing_at_end\":" + (x.continues_after ? "true" : "false") + "}";
    }
    o += "],\"series\":[";
    for (size_t i = 0; i < s.series.size(); ++i) {
      const Point& p = s.series[i];
      o += std::string(i ? "," : "") + "{\"at\":" + Str(slo::FormatRfc3339(p.at)) +
           ",\"attainment\":" + Opt(p.attainment) +
           ",\"budget_remaining_ratio\":" + Opt(p.budget_remaining_ratio) + "}";
    }
    o += "]}";
  }
  return o + "\n]}\n";
}

std::string RenderCsv(const Report& r) {
  // One header; `record` says whether a row is an SLO or one of its outages.
  std::string o =
      "record,slo,service,kind,objective,from,to,unit,good,bad,excluded,unknown,attainment,"
      "allowed,actual,breached,credit_percent,agreement,customer,provider,outage_start,"
      "outage_end,outage_seconds,outage_state\n";
  auto q = [](const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string t = "\"";
    for (char c : s) t += c == '"' ? std::string("\"\"") : std::string(1, c);
    return t + "\"";
  };
  for (const SloReport& s : r.slos) {
    const std::string unit = TimeBased(s) ? "seconds" : "events";
    o += "slo," + q(s.name) + "," + q(s.service) + "," + slo::SloKindName(s.kind) + "," +
         Exact(s.objective) + "," + slo::FormatRfc3339(s.from) + "," + slo::FormatRfc3339(s.to) +
         "," + unit + "," + Exact(s.good) + "," + Exact(s.bad) + "," + Exact(s.excluded) + "," +
         Exact(s.unknown) + "," + (s.attainment ? Exact(*s.attainment) : "") + "," +
         Exact(s.allowed) + "," + Exact(s.bad) + "," + (s.breached ? "yes" : "no") + "," +
         (s.credit_percent ? Exact(*s.credit_percent) : "") + "," + q(s.agreement_type) + "," +
         q(s.customer) + "," + q(s.provider) + ",,,,\n";
    for (const Outage& x : s.outages) {
      o += "outage," + q(s.name) + "," + q(s.service) + ",,,,,seconds,,,,,,,,,,,,," +
           slo::FormatRfc3339(x.start) + "," + slo::FormatRfc3339(x.end) + "," +
           Exact(static_cast<double>(x.end - x.start) / 1000.0) + "," + slo::StateName(x.state) +
           "\n";
    }
  }
  return o;
}

std::string RenderHtml(const Report& r) {
  std::string o =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>Service level report " +
      Html(r.period) +
      "</title><style>"
      "body{font:14px/1.4 system-ui,sans-serif;color:#111;margin:2em auto;max-width:60em;"
      "padding:0 1em}"
      "h1{font-size:1.6em}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #ccc}"
      "table{border-collapse:collapse;margin:.6em 0}"
      "td,th{border:1px solid #bbb;padding:.25em .6em;text-align:left;vertical-align:top}"
      "th{background:#f2f2f2}.num{text-align:right;font-variant-numeric:tabular-nums}"
      ".breach{color:#a00;font-weight:bold}.met{color:#060;font-weight:bold}"
      ".chart{width:100%;max-width:640px;height:auto;display:block;margin:.4em 0}"
      ".chart .frame{fill:none;stroke:#999}.chart .ref{stroke:#c00;stroke-dasharray:4 3}"
      ".chart .att{fill:none;stroke:#05a;stroke-width:2}"
      ".chart .budget{fill:none;stroke:#d80;stroke-width:2}"
      ".chart .ax,.chart .ct{font-size:11px;fill:#333}"
      "section.slo{page-break-inside:avoid;break-inside:avoid}"
      "@media print{body{margin:0;max-width:none;font-size:11px}a{color:inherit}"
      ".chart{max-width:430px;margin:.2em 0}h2{margin-top:1em}"
      "section.slo{page-break-inside:avoid}}"
      "</style></head><body>\n<h1>Service level report " +
      Html(r.period) + "</h1>\n<p id=\"parties\">Agreements: " + Html(Parties(r)) +
      "</p>\n<p>Source: " + Html(r.source) + "</p>\n";
  for (const SloReport& s : r.slos) {
    const std::string id = Html(s.name);
    const std::string what = TimeBased(s) ? "downtime" : "bad events";
    auto row = [&](const std::string& key, const std::string& label, const std::string& value,
                   const std::string& cls = "num") {
      return "<tr><th>" + label + "</th><td class=\"" + cls + "\" data-field=\"" + key + "\">" +
             Html(value) + "</td></tr>";
    };
    o += "<section class=\"slo\" data-slo=\"" + id + "\">\n<h2>" + id + "</h2>\n<table>";
    o += row("agreement", "Agreement", Agreement(s), "");
    o += row("service", "Service", s.service, "");
    o += row(
        "period", "Period",
        slo::FormatRfc3339(s.from) + " to " + slo::FormatRfc3339(s.to) + " (" + s.time_zone + ")",
        "");
    o += row("objective", "Objective", Percent(s.objective, true));
    o += row("attainment", "Attainment", Attainment(s.attainment));
    o += row("allowed", "Allowed " + what, Amount(s, s.allowed));
    o += row("actual", "Actual " + what, Amount(s, s.bad));
    o += row("excluded", "Excluded (maintenance)", Amount(s, s.excluded));
    o += row("breached", "Breached", s.breached ? "yes" : "no", s.breached ? "breach" : "met");
    o += row("credit", "Service credit", Credit(s));
    o += "</table>\n";
    o += Chart(s, false, "Attainment since the period start (dashed: objective)");
    o += Chart(s, true, "Error budget left (dashed: 0 %)");
    if (s.outages.empty()) {
      o += "<p class=\"outages\">No outages.</p>\n";
    } else {
      o += "<table class=\"outages\"><tr><th>Outage start</th><th>Outage end</th>"
           "<th>Duration</th><th>State</th></tr>";
      for (const Outage& x : s.outages) {
        o += "<tr><td>" + slo::FormatRfc3339(x.start) +
             (x.started_before ? " (began earlier)" : "") + "</td><td>" +
             slo::FormatRfc3339(x.end) + (x.continues_after ? " (ongoing)" : "") +
             "</td><td class=\"num\">" + Human(static_cast<double>(x.end - x.start) / 1000.0) +
             "</td><td>" + slo::StateName(x.state) + "</td></tr>";
      }
      o += "</table>\n";
    }
    o += "</section>\n";
  }
  return o + "</body></html>\n";
}

std::string Html(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace ninesd::report
