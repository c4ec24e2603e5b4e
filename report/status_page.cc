#include "report/status_page.h"

#include <algorithm>
#include <cstdio>

#include "report/render.h"
#include "slo/calendar.h"

namespace ninesd::report {
namespace {

std::string Pct(double ratio, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f %%", decimals, ratio * 100);
  return buf;
}

std::string Objective(double ratio) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.7f", ratio * 100);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s + " %";
}

slo::ZoneCalendar Zone(const slo::SloSpec& slo) {
  auto z = slo::ZoneCalendar::Create(slo.time_zone);
  if (z.ok()) return *z;
  return *slo::ZoneCalendar::Create("UTC");  // config/ validated the zone already
}

// Colour class of a day: met, near (bad time under twice the allowed), missed, none.
const char* DayClass(const std::optional<double>& a, double objective) {
  if (!a) return "none";
  if (*a >= objective) return "met";
  if (1 - *a <= 2 * (1 - objective)) return "near";
  return "missed";
}

}  // namespace

std::vector<DayCell> DayCells(const slo::SloSpec& slo, slo::Millis at, int days) {
  slo::ZoneCalendar zone = Zone(slo);
  const int64_t last = zone.LocalDay(at);
  std::vector<DayCell> out;
  for (int64_t d = last - (days - 1); d <= last; ++d) {
    DayCell c;
    c.start = zone.LocalToSys(d, 0);
    c.end = std::min(at, zone.LocalToSys(d + 1, 0));
    out.push_back(c);
  }
  return out;
}

std::string RenderStatusPage(const StatusInput& in) {
  const slo::ModelSpec& spec = *in.spec;
  std::string o =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta http-equiv=\"refresh\" content=\"" +
      std::to_string(in.refresh_seconds) +
      "\"><title>Status</title><style>"
      "body{font:14px/1.4 system-ui,sans-serif;color:#111;margin:1.5em auto;max-width:62em;"
      "padding:0 1em}h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.4em}"
      "table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.3em .7em;"
      "text-align:left}.num{text-align:right;font-variant-numeric:tabular-nums}"
      ".state{font-weight:bold}.up{color:#060}.degraded{color:#a60}.down{color:#b00}"
      ".unknown,.excluded{color:#666}"
      ".bar{display:flex;gap:1px;height:22px;min-width:270px}"
      ".bar span{flex:1;border-radius:1px}.bar .met{background:#2a2}.bar .near{background:#e90}"
      ".bar .missed{background:#c22}.bar .none{background:#ccc}"
      ".breach{color:#b00;font-weight:bold}"
      "</style></head><body>\n<h1>Status</h1>\n<p>As of <time id=\"at\">" +
      slo::FormatRfc3339(in.at) + "</time>; this page reloads every " +
      std::to_string(in.refresh_seconds) + " s.</p>\n";
  o += "<h2>Services</h2>\n<table id=\"services\"><tr><th>Service</th><th>State</th></tr>";
  for (size_t i = 0; i < spec.services.size(); ++i) {
    const slo::State s = i < in.services.size() ? in.services[i] : slo::State::kUnknown;
    const std::string name = slo::StateName(s);
    o += "<tr data-service=\"" + Html(spec.services[i].name) + "\"><td>" +
         Html(spec.services[i].name) + "</td><td class=\"state " + name + "\">" + name +
         "</td></tr>";
  }
  o += "</table>\n<h2>Objectives</h2>\n<table id=\"slos\"><tr><th>SLO</th><th>Service</th>"
       "<th>Objective</th><th>Window</th><th>Attainment</th><th>Budget left</th><th>Alerts</th>"
       "<th>Daily attainment</th></tr>";
  for (size_t i = 0; i < spec.slos.size(); ++i) {
    const slo::SloSpec& sp = spec.slos[i];
    const slo::SloStatus* st = i < in.slos.size() ? &in.slos[i] : nullptr;
    std::string alerts;
    if (st) {
      for (const slo::FiringAlert& a : st->alerts) {
        alerts += (alerts.empty() ? "" : ", ") + std::string(slo::AlertName(a.kind)) + " (" +
                  slo::AlertSeverity(a.kind) + ")";
      }
    }
    o += "<tr data-slo=\"" + Html(sp.name) + "\"><td>" + Html(sp.name) + "</td><td>" +
         Html(spec.services[sp.service].name) + "</td><td class=\"num\">" +
         Objective(sp.objective) + "</td><td>" + Html(sp.window.text) +
         "</td><td class=\"num attainment" + (st && st->breached ? " breach" : "") + "\">" +
         (st && st->attainment ? Pct(*st->attainment, 4) : "n/a") +
         "</td><td class=\"num budget\">" +
         (st && st->budget_remaining_ratio ? Pct(*st->budget_remaining_ratio, 1) : "n/a") +
         "</td><td class=\"alerts\">" + (alerts.empty() ? "none" : Html(alerts)) +
         "</td><td><div class=\"bar\">";
    if (i < in.days.size()) {
      for (const DayCell& c : in.days[i]) {
        const std::string when = slo::FormatRfc3339(c.start).substr(0, 10);
        o += "<span class=\"" + std::string(DayClass(c.attainment, sp.objective)) + "\" title=\"" +
             when + ": " + (c.attainment ? Pct(*c.attainment, 3) : "no data") + "\"></span>";
      }
    }
    o += "</div></td></tr>";
  }
  return o + "</table>\n</body></html>\n";
}

}  // namespace ninesd::report
