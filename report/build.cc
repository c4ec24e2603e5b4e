#include "report/build.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include "events/decoder.h"
#include "report/period.h"
#include "slo/calendar.h"
#include "slo/engine.h"
#include "slo/sequencer.h"

namespace ninesd::report {
namespace {

constexpr int kMaxListedRejects = 100;

// One evaluation of a synthetic SLO at an instant, and where its result goes.
struct Eval {
  uint32_t synthetic;  // index into the synthetic model's SLOs
  size_t report;       // index into Report::slos
  int point;           // -1: the period figures; else the chart point index
};

bool IsBad(const slo::SloSpec& sp, slo::State s, double* weight) {
  switch (s) {
    case slo::State::kDown:
      *weight = 1;
      return true;
    case slo::State::kDegraded:
      *weight = sp.degraded_weight;
      return sp.degraded_weight > 0;
    case slo::State::kUnknown:
      *weight = 1;
      return sp.no_data == slo::NoData::kDown;
    default:
      return false;
  }
}

// Bad runs of the service over [from, to); `before` is the state just
// before `from` (clipped outages).
std::vector<Outage> Outages(const slo::SloSpec& sp, const std::vector<slo::StateInterval>& iv,
                            Millis from, Millis to) {
  std::vector<Outage> out;
  bool open = false;
  for (const slo::StateInterval& i : iv) {
    double w = 0;
    bool bad = IsBad(sp, i.state, &w);
    if (!bad) {
      open = false;
      continue;
    }
    const Millis a = std::max(i.start, from), b = std::min(i.end, to);
    if (!open) {
      Outage o;
      o.start = a;
      o.end = a;
      o.state = i.state;
      o.started_before = i.start < from;
      out.push_back(o);
      open = true;
    }
    Outage& o = out.back();
    if (a < b) {
      o.end = b;
      o.bad_seconds += w * static_cast<double>(b - a) / 1000.0;
      if (i.state == slo::State::kDown) o.state = slo::State::kDown;
    }
    o.continues_after = i.end >= to;
  }
  std::erase_if(out, [](const Outage& o) { return o.end <= o.start; });
  return out;
}

slo::SloSpec Synthetic(const slo::SloSpec& sp, Millis window) {
  slo::SloSpec s = sp;
  s.window = slo::Window{};
  s.window.rolling = window;
  s.window.text = slo::FormatDuration(window);
  s.time_zone = "UTC";
  s.lookbacks.clear();
  s.burn_alerts.clear();
  return s;
}

// The SLOs to report, in config order: the named ones, or all.
Result<std::vector<uint32_t>> ChooseSlos(const slo::ModelSpec& spec,
                                         const std::vector<std::string>& names) {
  std::vector<uint32_t> chosen;
  for (const std::string& name : names) {
    auto it = std::find_if(spec.slos.begin(), spec.slos.end(),
                           [&](const slo::SloSpec& s) { return s.name == name; });
    if (it == spec.slos.end()) {
      std::string known;
      for (const slo::SloSpec& s : spec.slos) known += (known.empty() ? "" : ", ") + s.name;
      return Error{"no SLO named \"" + name + "\" (the config has: " + known + ")"};
    }
    chosen.push_back(static_cast<uint32_t>(it - spec.slos.begin()));
  }
  if (names.empty()) {
    for (uint32_t i = 0; i < spec.slos.size(); ++i) chosen.push_back(i);
  }
  if (chosen.empty()) return Error{"the config has no SLOs to report"};
  std::sort(chosen.begin(), chosen.end());
  chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
  return chosen;
}

// An SLO's report before its figures: names, contract, period bounds.
Result<SloReport> Header(const slo::ModelSpec& spec, const slo::SloSpec& sp,
                         const BuildOptions& options) {
  SloReport r;
  r.name = sp.name;
  r.service = spec.services[sp.service].name;
  r.kind = sp.kind;
  r.objective = sp.objective;
  r.time_zone = sp.time_zone;
  r.agreement_type = sp.agreement_type;
  r.customer = sp.customer;
  r.provider = sp.provider;
  r.credits = sp.credits;
  if (options.period.empty()) {
    r.from = *options.from;
    r.to = *options.to;
  } else {
    auto bounds = PeriodBounds(options.period, sp.time_zone);
    if (!bounds.ok()) return bounds.error().Wrap("slo " + sp.name);
    r.from = bounds->first;
    r.to = bounds->second;
  }
  return r;
}

std::string PeriodName(const BuildOptions& options) {
  return options.period.empty()
             ? slo::FormatRfc3339(*options.from) + "/" + slo::FormatRfc3339(*options.to)
             : options.period;
}

// The period's figures.
void SetFigures(SloReport& r, const slo::SloStatus& st) {
  r.good = st.good;
  r.bad = st.bad;
  r.excluded = st.excluded;
  r.unknown = st.unknown;
  r.attainment = st.attainment;
  r.allowed = st.budget_total;
  r.breached = st.breached;
  r.budget_remaining_ratio = st.budget_remaining_ratio;
  r.credit_percent = CreditFor(r.credits, r.attainment);
}

// Cumulative chart: figures from the period start to each point; the budget
// relative to the whole period's.
void Chart(SloReport& r, const std::vector<slo::SloStatus>& daily) {
  double good = 0, bad = 0;
  for (size_t p = 0; p < r.series.size() && p < daily.size(); ++p) {
    good += daily[p].good;
    bad += daily[p].bad;
    if (good + bad > 0) r.series[p].attainment = good / (good + bad);
    if (r.allowed > 0) r.series[p].budget_remaining_ratio = 1 - bad / r.allowed;
  }
}
}  // namespace

std::optional<double> CreditFor(const std::vector<slo::Credit>& tiers,
                                std::optional<double> attainment) {
  if (!attainment) return std::nullopt;
  for (const slo::Credit& c : tiers) {
    // Percent comparison at the precision the tiers are written with.
    if (*attainment * 100 < c.below_percent - 1e-9) return c.credit_percent;
  }
  return std::nullopt;
}

Result<Report> BuildFromEvents(const config::Config& cfg, const BuildOptions& options,
                               std::ostream& err, BuildStats* stats) {
  const slo::ModelSpec& spec = cfg.model;
  auto selected = ChooseSlos(spec, options.slos);
  if (!selected.ok()) return selected.error();
  const std::vector<uint32_t>& chosen = *selected;

  Report report;
  report.period = PeriodName(options);
  report.source = "events file " + options.events_path;

  slo::ModelSpec model = spec;
  model.slos.clear();
  std::map<Millis, std::vector<Eval>> schedule;
  for (uint32_t index : chosen) {
    const slo::SloSpec& sp = spec.slos[index];
    auto head = Header(spec, sp, options);
    if (!head.ok()) return head.error();
    SloReport r = std::move(*head);
    const bool events = sp.kind != slo::SloKind::kAvailability;
    if (events && ((r.to - r.from) % slo::kMinute != 0 || r.from % slo::kMinute != 0)) {
      return Error{"slo " + sp.name + ": " + slo::SloKindName(sp.kind) +
                   " SLOs count events per minute: --from and --to must be whole minutes"};
    }
    const size_t ri = report.slos.size();
    // The period figures.
    model.slos.push_back(Synthetic(sp, r.to - r.from));
    schedule[r.to].push_back({static_cast<uint32_t>(model.slos.size() - 1), ri, -1});
    // Keeps the service's history from a day before the period (clipped outages).
    model.slos.push_back(Synthetic(sp, r.to - r.from + slo::kDay));
    model.slos.back().kind = slo::SloKind::kAvailability;
    // Chart points at every local midnight inside the period and at its end;
    // each day's figures come from an SLO whose window is that day.
    auto zone = slo::ZoneCalendar::Create(sp.time_zone);
    if (!zone.ok()) return zone.error().Wrap("slo " + sp.name);
    std::map<Millis, uint32_t> by_length;
    Millis prev = r.from;
    int64_t day = zone->LocalDay(r.from);
    while (prev < r.to) {
      Millis next = std::min(r.to, zone->LocalToSys(++day, 0));
      if (next <= prev) continue;
      const Millis len = next - prev;
      if (events && len % slo::kMinute != 0) {
        return Error{"slo " + sp.name + ": days of a whole number of minutes are needed"};
      }
      auto it = by_length.find(len);
      if (it == by_length.end()) {
        model.slos.push_back(Synthetic(sp, len));
        it = by_length.emplace(len, static_cast<uint32_t>(model.slos.size() - 1)).first;
      }
      Point p;
      p.at = next;
      r.series.push_back(p);
      schedule[next].push_back({it->second, ri, static_cast<int>(r.series.size() - 1)});
      prev = next;
    }
    report.slos.push_back(std::move(r));
  }

  auto engine = slo::Engine::Create(model);
  if (!engine.ok()) return engine.error();
  slo::Engine& e = **engine;
  slo::Sequencer seq(e, model.allowed_lateness);
  const size_t max_bytes = cfg.kafka ? static_cast<size_t>(cfg.kafka->max_event_bytes) : 65536;
  events::Decoder decoder(model, max_bytes);

  // Daily figures, summed into the cumulative chart points afterwards.
  std::vector<std::vector<slo::SloStatus>> daily(report.slos.size());
  for (size_t i = 0; i < report.slos.size(); ++i) daily[i].resize(report.slos[i].series.size());
  auto evaluate_at = [&](Millis t) {
    seq.ReleaseUpTo(t);
    for (const Eval& ev : schedule.begin()->second) {
      slo::SloStatus st = e.Evaluate(ev.synthetic, t);
      SloReport& r = report.slos[ev.report];
      if (ev.point >= 0) {
        daily[ev.report][static_cast<size_t>(ev.point)] = st;
        continue;
      }
      SetFigures(r, st);
      const slo::SloSpec& sp = spec.slos[chosen[ev.report]];
      r.outages = Outages(sp, e.ServiceIntervals(sp.service, r.from - 1, t), r.from, r.to);
    }
    schedule.erase(schedule.begin());
    if (!schedule.empty()) seq.LimitReleaseTo(schedule.begin()->first);
  };
  seq.LimitReleaseTo(schedule.begin()->first);

  std::ifstream file;
  std::istream* in = &std::cin;
  if (options.events_path != "-") {
    file.open(options.events_path, std::ios::binary);
    if (!file) {
      return Error{"cannot open " + options.events_path + ": " + std::strerror(errno)};
    }
    in = &file;
  }
  BuildStats local;
  BuildStats& st = stats ? *stats : local;
  std::string line, detail;
  uint64_t line_no = 0;
  auto reject = [&](events::Reject r, std::string_view why) {
    if (++st.rejected <= kMaxListedRejects) {
      err << options.events_path << ":" << line_no << ": rejected: " << events::RejectLabel(r);
      if (!why.empty()) err << ": " << why;
      err << "\n";
    }
  };
  bool any = false;
  while (!schedule.empty() && std::getline(*in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    slo::Signal s;
    detail.clear();
    events::Reject r = decoder.DecodeCopy(line, std::nullopt, s, &detail);
    if (r != events::Reject::kNone) {
      reject(r, detail);
      continue;
    }
    // Evaluate every point the watermark is about to pass, while the
    // engine can still stop exactly there.
    const Millis max_ts = seq.empty() ? s.ts : std::max(seq.max_ts(), s.ts);
    while (!schedule.empty() && max_ts - model.allowed_lateness >= schedule.begin()->first) {
      evaluate_at(schedule.begin()->first);
    }
    any = true;
    switch (seq.Push(s)) {
      case slo::Verdict::kAccepted:
        ++st.used;
        break;
      case slo::Verdict::kLate:
        reject(events::Reject::kLate, "older than allowed_lateness");
        break;
      case slo::Verdict::kDuplicate:
        reject(events::Reject::kDuplicate, "id seen before");
        break;
    }
  }
  if (!any) return Error{"no usable events in " + options.events_path};
  while (!schedule.empty()) evaluate_at(schedule.begin()->first);
  if (st.rejected > kMaxListedRejects) {
    err << options.events_path << ": " << st.rejected - kMaxListedRejects
        << " more rejected lines not listed\n";
  }

  for (size_t i = 0; i < report.slos.size(); ++i) Chart(report.slos[i], daily[i]);
  return report;
}

Result<Report> BuildFromHistory(const config::Config& cfg, const BuildOptions& options,
                                store::HistoryReader& history, Millis* until) {
  const slo::ModelSpec& spec = cfg.model;
  auto selected = ChooseSlos(spec, options.slos);
  if (!selected.ok()) return selected.error();
  Report report;
  report.period = PeriodName(options);
  if (Status st = history.Begin(); !st) return st.error();
  Millis covered = INT64_MAX;
  for (uint32_t index : *selected) {
    const slo::SloSpec& sp = spec.slos[index];
    auto head = Header(spec, sp, options);
    if (!head.ok()) return head.error();
    SloReport r = std::move(*head);
    auto zone = slo::ZoneCalendar::Create(sp.time_zone);
    if (!zone.ok()) return zone.error().Wrap("slo " + sp.name);
    auto day_of = [&](Millis t) { return zone->Period(slo::CalendarUnit::kDay, t); };
    if (day_of(r.from).first != r.from || day_of(r.to).first != r.to) {
      return Error{"slo " + sp.name + ": the stored history is daily: --from and --to must be " +
                   "local midnights in " + sp.time_zone +
                   " (or report from an events file with --events)"};
    }
    auto stored = history.DayRange(sp.name);
    if (!stored.ok()) return stored.error();
    if (!*stored) return Error{"slo " + sp.name + ": no daily history stored yet"};
    const Millis first = (*stored)->first, last = (*stored)->second;
    auto days = history.Days(sp.name, r.from, r.to);
    if (!days.ok()) return days.error();
    // The days of the period, as stored or, before the history, no data.
    slo::RangeRaw total;
    std::vector<slo::SloStatus> daily;
    auto row = days->begin();
    Millis end = r.from;
    while (end < r.to) {
      const auto [a, b] = day_of(end);
      slo::RangeRaw raw;
      if (row != days->end() && row->start < b && (row->start != a || row->end != b)) {
        return Error{"slo " + sp.name + ": its stored days do not match the local days of " +
                     sp.time_zone + " (was its time_zone changed?)"};
      }
      if (row != days->end() && row->start == a) {
        raw = row->raw;
        ++row;
      } else if (a <= last) {
        // Before the history, or a day it lacks (retention, or the core
        // restarted the SLO after a config change): no data.
        if (sp.kind == slo::SloKind::kAvailability) {
          raw.durations[static_cast<size_t>(slo::State::kUnknown)] = b - a;
        }
      } else {
        break;  // not final yet: the report ends here
      }
      total += raw;
      daily.push_back(slo::FiguresOf(sp, raw));
      Point p;
      p.at = b;
      r.series.push_back(p);
      end = b;
    }
    covered = std::min(covered, end);
    SetFigures(r, slo::FiguresOf(sp, total));
    Chart(r, daily);
    // The service's states over [from - 1 ms, end): stored runs, up between
    // them, no data before the history.
    auto runs = history.Runs(r.service, r.from - 1, end);
    if (!runs.ok()) return runs.error();
    std::vector<slo::StateInterval> iv;
    auto add = [&](Millis a, Millis b, slo::State st) {
      slo::AppendInterval(iv, a, b, st, r.from - 1, end);
    };
    Millis at = r.from - 1;
    add(at, first, slo::State::kUnknown);
    at = std::max(at, first);
    for (const store::HistoryRun& run : *runs) {
      if (run.start > at) add(at, run.start, slo::State::kUp);
      add(std::max(run.start, at), run.end, run.state);
      at = std::max(at, run.end);
    }
    add(at, end, slo::State::kUp);
    r.outages = Outages(sp, iv, r.from, end);
    report.slos.push_back(std::move(r));
  }
  history.End();
  *until = covered;
  return report;
}

}  // namespace ninesd::report
