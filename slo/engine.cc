#include "slo/engine.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <functional>
#include <limits>

#include "slo/engine_internal.h"

namespace ninesd::slo {
namespace {

using internal::kForever;
using internal::kNever;
// How far ahead maintenance intervals are expanded at a time.
constexpr Millis kMaintenanceChunk = 8 * kDay;

constexpr unsigned Bit(State s) { return 1u << static_cast<unsigned>(s); }
// Every state but up.
constexpr unsigned kNotUp = ((1u << kNumStates) - 1) & ~Bit(State::kUp);

// The states an availability SLO counts as bad time.
unsigned BadStates(const SloSpec& sp) {
  unsigned mask = Bit(State::kDown);
  if (sp.degraded_weight > 0) mask |= Bit(State::kDegraded);
  if (sp.no_data == NoData::kDown) mask |= Bit(State::kUnknown);
  return mask;
}

// Starts loading `bytes` of a struct at `p` into the cache, a line at a time.
void PrefetchLines(const void* p, size_t bytes) {
  const char* c = static_cast<const char*>(p);
  for (size_t b = 0; b < bytes; b += 64) __builtin_prefetch(c + b);
}

// 1 - objective, to nine decimal places: in binary 1 - 0.999 is
// 0.0010000000000000009, which would make a burn rate of exactly 1 read as
// 0.9999999999999991 and the budget of 99.999 % show as 25.920000000169807 s.
double AllowedFraction(double objective) { return std::round((1 - objective) * 1e9) / 1e9; }

// Attainment, budget use and breach from good, bad and budget_total.
void FinishFigures(SloStatus& st) {
  // The objective's binary fraction (1 - 0.99999 is not exactly 1e-5) would
  // show as 25.920000000169807 s; budgets are exact to the microsecond or
  // micro-event, far below the millisecond resolution of the input.
  st.budget_total = std::round(st.budget_total * 1e6) / 1e6;
  double valid = st.good + st.bad;
  if (valid > 0) st.attainment = st.good / valid;
  st.budget_consumed = st.bad;
  if (st.budget_total > 0) st.budget_remaining_ratio = 1 - st.bad / st.budget_total;
  st.breached = st.bad > st.budget_total;
}

using Change = internal::StateChange;

// Appends a change; a change at the same instant as the last one replaces it.
void Push(std::vector<Change>& out, Millis floor, Millis t, State s) {
  if (t < floor) t = floor;
  if (!out.empty() && out.back().t >= t) {
    out.back().s = s;
    if (out.size() >= 2 && out[out.size() - 2].s == s) out.pop_back();
    return;
  }
  if (!out.empty() && out.back().s == s) return;
  out.push_back({t, s});
}

// Goodness for k-of-n composites: up > degraded > down.
int Goodness(State s) { return s == State::kUp ? 2 : s == State::kDegraded ? 1 : 0; }
State FromGoodness(int g) { return g == 2 ? State::kUp : g == 1 ? State::kDegraded : State::kDown; }

}  // namespace

const char* AlertName(AlertKind k) {
  switch (k) {
    case AlertKind::kBurnPage:
    case AlertKind::kBurnTicket:
      return "ErrorBudgetBurn";
    case AlertKind::kExhausted:
      return "ErrorBudgetExhausted";
    case AlertKind::kBreached:
      return "SLOBreached";
    case AlertKind::kAtRisk:
      return "ErrorBudgetAtRisk";
  }
  return "";
}

const char* AlertSeverity(AlertKind k) {
  switch (k) {
    case AlertKind::kBurnPage:
    case AlertKind::kExhausted:
    case AlertKind::kBreached:
      return "page";
    case AlertKind::kBurnTicket:
    case AlertKind::kAtRisk:
      return "ticket";
  }
  return "";
}

Engine::Engine(ModelSpec spec) : spec_(std::move(spec)) {}
Engine::~Engine() = default;

void SplitDurations(const SloSpec& sp, const StateDurations& d, double* good, double* bad) {
  const double w = sp.degraded_weight;
  auto ms = [&](State s) { return static_cast<double>(d[static_cast<size_t>(s)]); };
  *good = ms(State::kUp) + (1 - w) * ms(State::kDegraded);
  *bad = ms(State::kDown) + w * ms(State::kDegraded);
  if (sp.no_data == NoData::kUp) *good += ms(State::kUnknown);
  if (sp.no_data == NoData::kDown) *bad += ms(State::kUnknown);
}

namespace {

// good, bad, excluded and unknown (seconds) from time per state, and the
// budget of a rolling window over it (`allowed`: AllowedFraction).
void TimeFigures(const SloSpec& sp, const StateDurations& d, double allowed, SloStatus& st) {
  double good, bad;
  SplitDurations(sp, d, &good, &bad);
  st.good = good / 1000.0;
  st.bad = bad / 1000.0;
  st.excluded = static_cast<double>(d[static_cast<size_t>(State::kExcluded)]) / 1000.0;
  st.unknown = static_cast<double>(d[static_cast<size_t>(State::kUnknown)]) / 1000.0;
  st.budget_total = allowed * (good + bad) / 1000.0;
}

// The same from event counts.
void CountFigures(const Counts& c, double allowed, SloStatus& st) {
  st.good = static_cast<double>(c.total - c.bad);
  st.bad = static_cast<double>(c.bad);
  st.excluded = static_cast<double>(c.excluded);
  st.unknown = 0;
  st.budget_total = allowed * static_cast<double>(c.total);
}

}  // namespace

SloStatus FiguresOf(const SloSpec& sp, const RangeRaw& raw) {
  SloStatus st;
  const double allowed = AllowedFraction(sp.objective);
  if (sp.kind == SloKind::kAvailability) {
    TimeFigures(sp, raw.durations, allowed, st);
  } else {
    CountFigures(raw.counts, allowed, st);
  }
  FinishFigures(st);
  return st;
}

Result<std::unique_ptr<Engine>> Engine::Create(ModelSpec spec) {
  std::unique_ptr<Engine> e(new Engine(std::move(spec)));
  Status s = e->Init();
  if (!s.ok()) return s.error();
  return e;
}

Status Engine::Init() {
  const size_t n = spec_.services.size();
  services_.resize(n);
  if (spec_.evaluation_interval <= 0) return Error{"evaluation_interval must be positive"};
  for (size_t i = 0; i < n; ++i) {
    Service& svc = services_[i];
    svc.spec = &spec_.services[i];
    svc.composite = svc.spec->composite != CompositeMode::kNone;
    svc.heartbeat_timeout = svc.spec->heartbeat_timeout.value_or(0);
    svc.event_probe = static_cast<uint16_t>(svc.spec->probes.size());
    svc.min_stale_after = svc.spec->probes.empty() ? svc.spec->event_probe.stale_after : kForever;
    for (const ProbeSourceSpec& p : svc.spec->probes) {
      svc.min_stale_after = std::min(svc.min_stale_after, p.stale_after);
    }
    std::vector<const MaintenanceSpec*> rules;
    for (const MaintenanceSpec& m : spec_.maintenance) {
      if (m.services.empty() ||
          std::find(m.services.begin(), m.services.end(), i) != m.services.end()) {
        rules.push_back(&m);
      }
    }
    if (!rules.empty()) {
      auto sched = MaintenanceSchedule::Create(rules);
      if (!sched.ok()) return sched.error();
      svc.maintenance = std::move(*sched);
    }
    svc.has_maintenance = svc.maintenance.has_value();
    svc.probe_only = !svc.composite && !svc.maintenance && svc.heartbeat_timeout == 0;
    for (uint32_t m : svc.spec->members) {
      if (m >= n || m == i) return Error{"service " + svc.spec->name + ": bad member index"};
      services_[m].dependents.push_back(static_cast<uint32_t>(i));
    }
  }
  // Cycles between composites are errors (Materialize recurses into members).
  std::vector<int> mark(n, 0);
  std::function<Status(uint32_t)> visit = [&](uint32_t i) -> Status {
    if (mark[i] == 2) return Ok{};
    if (mark[i] == 1) return Error{"dependency cycle through service " + spec_.services[i].name};
    mark[i] = 1;
    for (uint32_t m : spec_.services[i].members) {
      Status s = visit(m);
      if (!s.ok()) return s;
    }
    mark[i] = 2;
    // Members first (post-order): maintenance anywhere below excludes time.
    Service& svc = services_[i];
    svc.quiet_ok = !svc.maintenance;
    for (uint32_t m : spec_.services[i].members) svc.quiet_ok &= services_[m].quiet_ok;
    return Ok{};
  };
  for (uint32_t i = 0; i < n; ++i) {
    Status s = visit(i);
    if (!s.ok()) return s;
  }

  slos_.resize(spec_.slos.size());
  for (size_t i = 0; i < slos_.size(); ++i) {
    SloRt& slo = slos_[i];
    const SloSpec& sp = spec_.slos[i];
    slo.spec = &sp;
    if (sp.service >= n) return Error{"slo " + sp.name + ": bad service index"};
    if (!(sp.objective > 0 && sp.objective < 1)) return Error{"slo " + sp.name + ": objective"};
    bool calendar = sp.window.calendar != CalendarUnit::kNone;
    if (!calendar && sp.window.rolling <= 0) return Error{"slo " + sp.name + ": window"};
    if (calendar) {
      auto zone = ZoneCalendar::Create(sp.time_zone);
      if (!zone.ok()) return zone.error().Wrap("slo " + sp.name);
      slo.zone = *zone;
    }
    slo.rate_windows = sp.lookbacks;
    for (const BurnAlertSpec& b : sp.burn_alerts) {
      for (Millis l : {b.long_window, b.short_window}) {
        if (std::find(slo.rate_windows.begin(), slo.rate_windows.end(), l) ==
            slo.rate_windows.end()) {
          slo.rate_windows.push_back(l);
        }
      }
    }
    auto index_of = [&](Millis l) {
      return static_cast<uint32_t>(std::find(slo.rate_windows.begin(), slo.rate_windows.end(), l) -
                                   slo.rate_windows.begin());
    };
    for (const BurnAlertSpec& b : sp.burn_alerts) {
      slo.burn_rules.push_back(
          {index_of(b.long_window), index_of(b.short_window), b.factor,
           b.severity == "page" ? AlertKind::kBurnPage : AlertKind::kBurnTicket});
    }
    Millis longest_lookback = 0;
    for (Millis l : slo.rate_windows) longest_lookback = std::max(longest_lookback, l);
    // Alerts need bad time or events within this horizon to fire.
    slo.horizon = std::max(longest_lookback, calendar ? 366 * kDay : sp.window.rolling);
    Millis keep = std::max(longest_lookback, calendar ? 0 : sp.window.rolling);
    if (sp.kind != SloKind::kAvailability) {
      for (Millis l : slo.rate_windows) {
        if (l % kMinute != 0) return Error{"slo " + sp.name + ": lookbacks must be whole minutes"};
      }
      if (!calendar && sp.window.rolling % kMinute != 0) {
        return Error{"slo " + sp.name + ": window must be whole minutes"};
      }
    }
    // Availability history must reach back over the window (or period) and
    // every lookback, for this service and for the members of a composite.
    Millis history = std::max(kHistoryKeep, calendar ? 372 * kDay + longest_lookback : keep);
    std::function<void(uint32_t)> need = [&](uint32_t s) {
      services_[s].retention = std::max(services_[s].retention, history);
      for (uint32_t m : spec_.services[s].members) need(m);
    };
    need(sp.service);
    services_[sp.service].slos.push_back(static_cast<uint32_t>(i));
    slo.kind = sp.kind;
    slo.latency_threshold_ms = sp.latency_threshold_ms;
  }
  // Ratio and latency SLOs per service, contiguous for the event hot path.
  for (size_t i = 0; i < n; ++i) {
    Service& svc = services_[i];
    svc.retention = std::max(svc.retention, kHistoryKeep);
    svc.ratio_first = static_cast<uint32_t>(ratio_slos_.size());
    for (uint32_t k : svc.slos) {
      if (slos_[k].kind != SloKind::kAvailability) ratio_slos_.push_back(k);
    }
    svc.ratio_count = static_cast<uint32_t>(ratio_slos_.size()) - svc.ratio_first;
  }
  return Ok{};
}

void Engine::Start(Millis origin) {
  started_ = true;
  origin_ = origin;
  now_ = origin;
  next_eval_ = CeilTo(origin, spec_.evaluation_interval);
  for (Service& svc : services_) {
    svc.timeline = Timeline(origin);
    svc.final_until = origin;
    svc.dirty = true;  // materialize once to lay down the initial state
    svc.next_change = origin;
  }
  for (SloRt& slo : slos_) {
    const SloSpec& sp = *slo.spec;
    if (slo.zone) {
      auto [a, b] = slo.zone->Period(sp.window.calendar, origin);
      slo.period_start = a;
      slo.period_end = b;
    }
    if (sp.kind != SloKind::kAvailability) NewSeries(slo, origin);
  }
}

void Engine::NewSeries(SloRt& slo, Millis at) {
  const SloSpec& sp = *slo.spec;
  Millis longest =
      std::max(kHistoryKeep, sp.window.calendar == CalendarUnit::kNone ? sp.window.rolling : 0);
  for (Millis l : slo.rate_windows) longest = std::max(longest, l);
  slo.series.emplace(at, longest);
  slo.series->KeepFrom(history_floor_);
  if (slo.zone) slo.series->SetPeriodStart(slo.period_start);
}

// ---------------------------------------------------------------------------
// Maintenance

const std::vector<Interval>& Engine::Maintenance(Service& svc, Millis from, Millis to) {
  if (from < svc.maint_from || to > svc.maint_to) {
    svc.maint_from = from;
    svc.maint_to = std::max(to, from + kMaintenanceChunk);
    svc.maint_cache = svc.maintenance->Intervals(svc.maint_from, svc.maint_to);
  }
  return svc.maint_cache;
}

bool Engine::InMaintenance(Service& svc, Millis t) {
  if (!svc.maintenance) return false;
  for (const Interval& iv : Maintenance(svc, t, t + 1)) {
    if (iv.first <= t && t < iv.second) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------
// Materialization: turning sources into the service timeline.

void Engine::Materialize(uint32_t index, Millis t) {
  Service& svc = services_[index];
  if (svc.spec->composite != CompositeMode::kNone) {
    for (uint32_t m : svc.spec->members) Materialize(m, t);
    MaterializeComposite(svc, t);
  } else {
    MaterializeLeaf(svc, t);
  }
  if (t - svc.pruned_at > kHour && svc.retention > 0) {
    svc.timeline.PruneBefore(std::min({t - svc.retention, svc.final_until, history_floor_}));
    svc.pruned_at = t;
  }
}

void Engine::MaterializeLeaf(Service& svc, Millis t) {
  if (t <= svc.timeline.end()) return;
  if (!svc.dirty && t <= svc.next_change) {
    // Nothing buffered and nothing due before t. Without an unresolved
    // streak (F at the end) the extension is final too: F follows it, so a
    // quiet service's history becomes final as time passes.
    const bool settled = svc.final_until == svc.timeline.end() && svc.buffer.empty();
    svc.timeline.ExtendTo(t);
    if (settled) svc.final_until = t;
    return;
  }
  const ServiceSpec& sp = *svc.spec;
  const Millis F = svc.final_until;
  Millis next_change = kForever;
  Millis pending = kForever;  // earliest start of an unresolved threshold streak

  // Per-source change lists over [F, t), in reused scratch vectors: this
  // runs for every few signals of every service.
  size_t nsrc = 0;
  auto next_source = [&](int group) -> std::vector<Change>& {
    if (scratch_changes_.size() <= nsrc) scratch_changes_.emplace_back();
    if (scratch_group_.size() <= nsrc) scratch_group_.push_back(0);
    scratch_group_[nsrc] = group;
    std::vector<Change>& ch = scratch_changes_[nsrc++];
    ch.clear();
    return ch;
  };

  // State events.
  {
    std::vector<Change>& ch = next_source(-1);
    ch.push_back({F, svc.state_source});
    for (const Signal& s : svc.buffer) {
      if (s.ts >= t) break;
      if (s.kind == SignalKind::kState) Push(ch, F, s.ts, s.state);
    }
  }
  // Heartbeats: up on [hb, hb + timeout), down after.
  if (sp.heartbeat_timeout) {
    const Millis timeout = *sp.heartbeat_timeout;
    Millis last = svc.last_heartbeat;
    std::vector<Change>& ch = next_source(-1);
    State s0 = last == kNever ? State::kUnknown : (F < last + timeout ? State::kUp : State::kDown);
    ch.push_back({F, s0});
    for (const Signal& s : svc.buffer) {
      if (s.ts >= t) break;
      if (s.kind != SignalKind::kHeartbeat) continue;
      if (last != kNever && last + timeout < s.ts) Push(ch, F, last + timeout, State::kDown);
      Push(ch, F, s.ts, State::kUp);
      last = s.ts;
    }
    if (last != kNever) {
      if (last + timeout < t) {
        Push(ch, F, last + timeout, State::kDown);
      } else {
        next_change = std::min(next_change, last + timeout);
      }
    }
  }
  // Probe results: every (probe, location) pair is a source. New pairs seen
  // in the buffer start unknown at F.
  for (const Signal& s : svc.buffer) {
    if (s.ts >= t) break;
    if (s.kind != SignalKind::kProbe) continue;
    bool known = std::any_of(svc.probes.begin(), svc.probes.end(), [&](const ProbeSourceState& p) {
      return p.probe == s.probe && p.location == s.location;
    });
    if (!known) {
      ProbeSourceState p;
      p.probe = s.probe;
      p.location = s.location;
      svc.probes.push_back(p);
    }
  }
  // Simulates one probe source over the buffer up to `until`; returns its
  // changes (when `changes` is set) and its state at the end.
  auto simulate = [&](ProbeSourceState st, Millis until, std::vector<Change>* changes,
                      bool close) -> ProbeSourceState {
    const ProbeSourceSpec& ps = svc.ProbeSpec(st.probe);
    if (changes) changes->push_back({F, st.state});
    for (const Signal& s : svc.buffer) {
      if (s.ts >= until) break;
      if (s.kind == SignalKind::kGap && s.probe == st.probe &&
          (s.location == kAllLocations || s.location == st.location)) {
        // No results were taken from here on (the daemon was down): unknown
        // until the next result, and a pending streak is broken.
        if (changes) Push(*changes, F, s.ts, State::kUnknown);
        st.state = State::kUnknown;
        st.streak_want = State::kUnknown;
        st.last = kNever;
        continue;
      }
      if (s.kind != SignalKind::kProbe || s.probe != st.probe || s.location != st.location) {
        continue;
      }
      if (st.last != kNever && s.ts > st.last + ps.stale_after) {
        if (changes) Push(*changes, F, st.last + ps.stale_after, State::kUnknown);
        st.state = State::kUnknown;
        st.streak_want = State::kUnknown;
      }
      State want = s.good ? State::kUp : State::kDown;
      if (want == st.state) {
        st.streak_want = State::kUnknown;
      } else {
        if (st.streak_want == want) {
          ++st.streak_count;
        } else {
          st.streak_want = want;
          st.streak_count = 1;
          st.streak_start = s.ts;
        }
        int threshold = want == State::kUp ? ps.success_threshold : ps.failure_threshold;
        if (st.streak_count >= threshold) {
          // Back-dated to the first result of the streak.
          if (changes) Push(*changes, F, st.streak_start, want);
          st.state = want;
          st.streak_want = State::kUnknown;
        }
      }
      st.last = s.ts;
    }
    if (close && st.last != kNever && st.last + ps.stale_after < until) {
      if (changes) Push(*changes, F, st.last + ps.stale_after, State::kUnknown);
      st.state = State::kUnknown;
      st.streak_want = State::kUnknown;
    }
    return st;
  };
  for (const ProbeSourceState& p : svc.probes) {
    std::vector<Change>& ch = next_source(p.probe);
    ProbeSourceState end = simulate(p, t, &ch, true);
    const ProbeSourceSpec& ps = svc.ProbeSpec(p.probe);
    if (end.streak_want != State::kUnknown) pending = std::min(pending, end.streak_start);
    if (end.last != kNever && end.last + ps.stale_after >= t) {
      next_change = std::min(next_change, end.last + ps.stale_after);
    }
  }

  // Merge: walk every change point in [F, t) in order.
  std::vector<size_t>& cursor = scratch_cursor_;
  cursor.assign(nsrc, 0);
  std::vector<Millis>& points = scratch_points_;
  points.clear();
  for (size_t i = 0; i < nsrc; ++i) {
    for (const Change& c : scratch_changes_[i]) points.push_back(c.t);
  }
  static const std::vector<Interval> kNoMaintenance;
  const std::vector<Interval>* maint = &kNoMaintenance;
  if (svc.maintenance) {
    maint = &Maintenance(svc, F, t);
    for (const Interval& iv : *maint) {
      if (iv.first >= F && iv.first < t) points.push_back(iv.first);
      if (iv.second >= F && iv.second < t) points.push_back(iv.second);
      if (iv.second >= t) next_change = std::min(next_change, iv.first >= t ? iv.first : iv.second);
    }
    if (maint->empty() || maint->back().second < t) {
      next_change = std::min(next_change, svc.maint_to);
    }
  }
  if (points.size() > 1) {
    std::sort(points.begin(), points.end());
    points.erase(std::unique(points.begin(), points.end()), points.end());
  }

  svc.timeline.Truncate(F);
  size_t mcur = 0;
  const int quorum = std::max(1, sp.quorum);
  std::vector<int>& down_in_group = scratch_down_;
  std::vector<int>& known_in_group = scratch_known_;
  for (Millis p : points) {
    if (p >= t) break;
    // Probe groups (locations of one probe) vote with a quorum.
    down_in_group.assign(sp.probes.size() + 1, 0);
    known_in_group.assign(sp.probes.size() + 1, 0);
    bool any_known = false;
    State worst = State::kUp;
    for (size_t i = 0; i < nsrc; ++i) {
      const auto& ch = scratch_changes_[i];
      while (cursor[i] + 1 < ch.size() && ch[cursor[i] + 1].t <= p) ++cursor[i];
      State s = ch[cursor[i]].s;
      int group = scratch_group_[i];
      if (group >= 0) {
        if (s != State::kUnknown) {
          ++known_in_group[static_cast<size_t>(group)];
          if (s == State::kDown) ++down_in_group[static_cast<size_t>(group)];
        }
      } else if (s != State::kUnknown) {
        any_known = true;
        worst = std::max(worst, s);
      }
    }
    for (size_t g = 0; g < known_in_group.size(); ++g) {
      if (known_in_group[g] == 0) continue;
      any_known = true;
      if (down_in_group[g] >= std::min(quorum, known_in_group[g])) worst = State::kDown;
    }
    State merged = any_known ? worst : State::kUnknown;
    while (mcur < maint->size() && (*maint)[mcur].second <= p) ++mcur;
    if (mcur < maint->size() && (*maint)[mcur].first <= p) merged = State::kExcluded;
    svc.timeline.Set(p, merged);
  }
  svc.timeline.ExtendTo(t);

  // Advance F to the earliest unresolved streak and capture the sources there.
  Millis new_f = std::min(pending, t);
  if (new_f > F) {
    for (ProbeSourceState& p : svc.probes) p = simulate(p, new_f, nullptr, false);
    for (const Signal& s : svc.buffer) {
      if (s.ts >= new_f) break;
      if (s.kind == SignalKind::kState) svc.state_source = s.state;
      if (s.kind == SignalKind::kHeartbeat) svc.last_heartbeat = s.ts;
    }
    auto keep = std::lower_bound(svc.buffer.begin(), svc.buffer.end(), new_f,
                                 [](const Signal& s, Millis v) { return s.ts < v; });
    svc.buffer.erase(svc.buffer.begin(), keep);
    svc.final_until = new_f;
  }
  svc.next_change = next_change;
  // Signals at or after t (the one that filled the buffer, when called from
  // ApplyEvent) are still to be folded in.
  svc.dirty = !svc.buffer.empty() && svc.buffer.back().ts >= t;
}

void Engine::MaterializeComposite(Service& svc, Millis t) {
  if (t <= svc.timeline.end()) return;
  const ServiceSpec& sp = *svc.spec;
  const Millis F = svc.final_until;
  std::vector<Millis> points{F};
  Millis members_final = t;
  for (uint32_t m : sp.members) {
    const Timeline& tl = services_[m].timeline;
    members_final = std::min(members_final, services_[m].final_until);
    for (size_t i = tl.FindSegment(F); i < tl.segment_count(); ++i) {
      Millis s = tl.SegmentStart(i);
      if (s >= t) break;
      if (s > F) points.push_back(s);
    }
  }
  std::vector<Interval> maint;
  if (svc.maintenance) {
    maint = Maintenance(svc, F, t);
    for (const Interval& iv : maint) {
      if (iv.first > F && iv.first < t) points.push_back(iv.first);
      if (iv.second > F && iv.second < t) points.push_back(iv.second);
    }
  }
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());

  const size_t n = sp.members.size();
  const int k = sp.composite == CompositeMode::kAll   ? static_cast<int>(n)
                : sp.composite == CompositeMode::kAny ? 1
                                                      : sp.at_least;
  svc.timeline.Truncate(F);
  size_t mcur = 0;
  std::vector<int> best(n), worst(n);
  for (Millis p : points) {
    // Members that are unknown or in maintenance could be anything: take the
    // k-th best member state with them all up and with them all down; where
    // the two agree that is the answer, otherwise it depends on the members
    // we cannot see (excluded when one is in maintenance, else unknown).
    bool any_excluded = false;
    for (size_t i = 0; i < n; ++i) {
      State s = services_[sp.members[i]].timeline.StateAt(p);
      if (s == State::kUnknown || s == State::kExcluded) {
        any_excluded |= s == State::kExcluded;
        best[i] = 2;
        worst[i] = 0;
      } else {
        best[i] = worst[i] = Goodness(s);
      }
    }
    std::sort(best.begin(), best.end(), std::greater<>());
    std::sort(worst.begin(), worst.end(), std::greater<>());
    int hi = best[static_cast<size_t>(k - 1)], lo = worst[static_cast<size_t>(k - 1)];
    State merged = hi == lo ? FromGoodness(hi) : any_excluded ? State::kExcluded : State::kUnknown;
    while (mcur < maint.size() && maint[mcur].second <= p) ++mcur;
    if (mcur < maint.size() && maint[mcur].first <= p) merged = State::kExcluded;
    svc.timeline.Set(p, merged);
  }
  svc.timeline.ExtendTo(t);
  svc.final_until = std::max(F, members_final);
}

// ---------------------------------------------------------------------------
// Signals

Status Engine::Apply(const Signal& s) {
  if (!started_) Start(s.ts);
  if (s.ts < now_) return Error{"signal before the engine's time"};
  if (s.service >= services_.size()) return Error{"unknown service index"};
  // Alert grid points at or before the signal see the world without it.
  if (s.ts >= next_eval_) AdvanceTo(s.ts);
  now_ = s.ts;
  ApplyEvent(s);
  return Ok{};
}

void Engine::ApplyBatch(const Signal* signals, size_t n) {
  // Services and SLOs are touched in random order: prefetch a few signals
  // ahead so their cache misses overlap.
  constexpr size_t kAhead = 8;
  for (size_t i = 0; i < n; ++i) {
    if (i + kAhead < n) {
      // The hot and warm parts of the service (Engine::Service).
      PrefetchLines(&services_[signals[i + kAhead].service], 3 * 64);
    }
    if (i + kAhead / 2 < n) {
      const Service& next = services_[signals[i + kAhead / 2].service];
      if (next.ratio_count > 0) __builtin_prefetch(&slos_[ratio_slos_[next.ratio_first]]);
      if (!next.buffer.empty()) __builtin_prefetch(next.buffer.data() + next.buffer.size());
      if (next.ratio_count == 0) __builtin_prefetch(next.probes.data());
    }
    if (!Apply(signals[i]).ok()) continue;
  }
}

void Engine::ApplyEvent(const Signal& s) {
  Service& svc = services_[s.service];
  switch (s.kind) {
    case SignalKind::kState:
    case SignalKind::kHeartbeat:
    case SignalKind::kProbe:
    case SignalKind::kGap: {
      if (svc.composite) return;  // composites derive their state
      if (s.kind == SignalKind::kHeartbeat && svc.heartbeat_timeout == 0) return;
      // A deadline passed since the last grid point (a heartbeat gap, a
      // source gone stale) and this signal would end what it started before
      // the grid sees it: look now.
      if (svc.deadline() < s.ts) CatchUp(s.service, s.ts);
      // A result repeating the only source's state is folded at once.
      if (!(s.kind == SignalKind::kProbe && FoldRepeatedResult(svc, s))) {
        svc.buffer.push_back(s);
        svc.dirty = true;
      }
      svc.ckpt_dirty = true;
      bool bad = (s.kind == SignalKind::kState && s.state != State::kUp) ||
                 (s.kind == SignalKind::kProbe && !s.good) || s.kind == SignalKind::kGap;
      if (s.kind == SignalKind::kHeartbeat) {
        svc.heartbeat_deadline = s.ts + svc.heartbeat_timeout;
      } else if (s.kind == SignalKind::kProbe) {
        // probe_deadline is at or before the next time the state can
        // change by itself (a source going stale). When this result's source
        // is the only thing that can, that time is exactly its staleness;
        // otherwise another source may go stale sooner: keep the earliest
        // (the check re-arms at the exact next change).
        svc.NoteResult(s.probe, s.location);
        const Millis due = s.ts + svc.min_stale_after;
        const bool only_source = svc.probe_only && !svc.multi_source;
        svc.probe_deadline = only_source ? due : std::min(svc.probe_deadline, due);
      }
      if (bad) Activate(s.service);
      if (svc.deadline() != kForever) ScheduleDeadline(s.service);
      // Keep the buffer short (cache-friendly): fold it into the timeline.
      if (svc.buffer.size() >= 8) MaterializeLeaf(svc, s.ts);
      return;
    }
    case SignalKind::kOutcome:
    case SignalKind::kCounts: {
      bool in_maint = false;
      bool maint_known = false;
      for (uint32_t k = svc.ratio_first; k < svc.ratio_first + svc.ratio_count; ++k) {
        const uint32_t i = ratio_slos_[k];
        SloRt& slo = slos_[i];
        Counts c;
        if (s.kind == SignalKind::kCounts) {
          if (slo.kind == SloKind::kLatency) continue;
          c.total = s.total_count;
          c.bad = s.total_count - s.good_count;
        } else if (slo.kind == SloKind::kRatio) {
          c.total = 1;
          c.bad = s.good ? 0 : 1;
        } else {
          if (!s.has_latency) continue;
          c.total = 1;
          c.bad = s.latency_ms <= slo.latency_threshold_ms ? 0 : 1;
        }
        if (!maint_known) {
          in_maint = svc.has_maintenance && InMaintenance(svc, s.ts);
          maint_known = true;
        }
        if (in_maint) {
          c.excluded = c.total;
          c.total = 0;
          c.bad = 0;
        }
        AdvanceSeries(slo, s.ts);
        slo.series->Add(s.ts, c);
        slo.ckpt_dirty = true;
        if (c.bad > 0) {
          slo.last_bad = s.ts;
          slo.quiet_until = kNever;
          wake_ = kNever;
          if (!slo.active) {
            slo.active = true;
            active_.push_back(i);
          }
        } else if (slo.quiet_until != kNever &&
                   std::any_of(std::begin(slo.firing), std::end(slo.firing),
                               [](bool f) { return f; })) {
          slo.quiet_until = kNever;  // a good event may end what fires (QuietUntil)
          wake_ = kNever;
        }
      }
      return;
    }
  }
}

bool Engine::FoldRepeatedResult(Service& svc, const Signal& s) {
  // The steady case of a probed service: one source, nothing buffered, no
  // streak under way, and a fresh result equal to the source's state. Folding
  // it through the buffer would change nothing but the source's last result
  // time, so only that moves, together with F (the history before it is
  // final) and the next self-change (staleness). The caller does the rest
  // (deadlines, activation) as for any result.
  if (!svc.probe_only || svc.dirty || !svc.buffer.empty() || svc.probes.size() != 1 ||
      svc.state_source != State::kUnknown) {
    return false;
  }
  ProbeSourceState& p = svc.probes[0];
  if (p.probe != s.probe || p.location != s.location || p.streak_want != State::kUnknown ||
      p.last == kNever || p.state != (s.good ? State::kUp : State::kDown)) {
    return false;
  }
  const Millis stale = svc.src_seen && !svc.multi_source && svc.src_probe == p.probe
                           ? svc.src_stale_after
                           : svc.ProbeSpec(p.probe).stale_after;
  if (s.ts > p.last + stale || s.ts < svc.timeline.end()) return false;
  p.last = s.ts;
  svc.timeline.ExtendTo(s.ts);
  svc.final_until = s.ts;
  svc.next_change = s.ts + stale;
  return true;
}

void Engine::AdvanceSeries(SloRt& slo, Millis t) {
  if (slo.period_end != 0 && t >= slo.period_end) {
    while (t >= slo.period_end) {
      slo.series->AdvanceTo(slo.period_end);
      auto [a, b] = slo.zone->Period(slo.spec->window.calendar, slo.period_end);
      slo.period_start = a;
      slo.period_end = b;
      slo.series->SetPeriodStart(a);
    }
  }
  slo.series->AdvanceTo(t);
}

void Engine::Activate(uint32_t service) {
  // The service and everything built on it may now have bad time.
  for (uint32_t i : services_[service].slos) {
    slos_[i].quiet_until = kNever;
    wake_ = kNever;
    if (!slos_[i].active) {
      slos_[i].active = true;
      slos_[i].ckpt_dirty = true;
      active_.push_back(i);
    }
  }
  for (uint32_t d : services_[service].dependents) Activate(d);
}

void Engine::CatchUp(uint32_t service, Millis t) {
  Service& svc = services_[service];
  const Millis due = svc.deadline();
  if (due >= t) return;
  svc.ckpt_dirty = true;
  if (svc.heartbeat_deadline < t) svc.heartbeat_deadline = kForever;
  if (svc.probe_deadline < t) svc.probe_deadline = kForever;
  // Every change by itself (staleness, a missed heartbeat, maintenance) is
  // at or after `due`: one that left the service other than up since then
  // may be bad time for its SLOs.
  Materialize(service, t);
  if (svc.timeline.LastTimeIn(kNotUp) > due) {
    Activate(service);
  }
  // Another source may still go stale, or a maintenance window start or
  // end, with no signal to re-arm the check: re-arm it at the next time the
  // state can change by itself.
  if (svc.next_change != kForever && svc.next_change >= t) {
    svc.probe_deadline = std::min(svc.probe_deadline, svc.next_change);
  }
}

void Engine::ScheduleDeadline(uint32_t service) {
  Service& svc = services_[service];
  Millis deadline = svc.deadline();
  if (svc.deadline_registered <= deadline) return;  // an earlier check will re-arm
  svc.deadline_registered = deadline;
  wheel_.emplace_back(deadline, service);
  std::push_heap(wheel_.begin(), wheel_.end(), std::greater<>());
}

// ---------------------------------------------------------------------------
// Time and alerts

void Engine::AdvanceTo(Millis t) {
  if (!started_) Start(t);
  while (next_eval_ <= t) {
    Millis g = next_eval_;
    now_ = std::max(now_, g);
    EvaluateGrid(g);
    next_eval_ += spec_.evaluation_interval;
  }
  now_ = std::max(now_, t);
}

void Engine::EvaluateGrid(Millis g) {
  // Sources whose timeout or staleness passed before g may have turned bad.
  // Strictly before: a deadline exactly at g has no bad time in [.., g) yet,
  // and the SLO would leave the active set again at once.
  while (!wheel_.empty() && wheel_.front().first < g) {
    std::pop_heap(wheel_.begin(), wheel_.end(), std::greater<>());
    uint32_t s = wheel_.back().second;
    wheel_.pop_back();
    services_[s].deadline_registered = kForever;
    CatchUp(s, g);
    if (services_[s].deadline() != kForever) ScheduleDeadline(s);
  }
  // Every active SLO is quiet past g: nothing to visit.
  if (quiet_skip_ && g < wake_) return;
  Millis wake = kForever;
  SloStatus& st = scratch_status_;
  for (size_t k = 0; k < active_.size();) {
    // Active SLOs are scattered: prefetch a few ahead so their misses overlap.
    if (k + 8 < active_.size()) PrefetchLines(&slos_[active_[k + 8]], sizeof(SloRt));
    if (k + 4 < active_.size()) {
      const SloRt& next = slos_[active_[k + 4]];
      if (next.quiet_until <= g) {
        __builtin_prefetch(next.spec);
        __builtin_prefetch(next.rate_windows.data());
        __builtin_prefetch(next.burn_rules.data());
        if (next.kind == SloKind::kAvailability) {
          PrefetchLines(&services_[next.spec->service], sizeof(Service));
        }
      }
    }
    if (k + 2 < active_.size()) {
      const SloRt& next = slos_[active_[k + 2]];
      if (next.quiet_until <= g && next.kind == SloKind::kAvailability) {
        const Service& svc = services_[next.spec->service];
        __builtin_prefetch(svc.buffer.data());
        __builtin_prefetch(svc.probes.data());
        __builtin_prefetch(svc.spec);
        svc.timeline.Prefetch();
      } else if (next.quiet_until <= g) {
        next.series->Prefetch();
      }
    }
    uint32_t i = active_[k];
    SloRt& slo = slos_[i];
    if (g < slo.quiet_until) {
      wake = std::min(wake, slo.quiet_until);
      ++k;
      continue;
    }
    ComputeInto(i, g, st);
    bool cond[kNumAlertKinds];
    Conditions(slo, st, cond);
    int muted = -1;  // looked up only when an alert would start firing
    bool any_firing = false;
    for (int a = 0; a < kNumAlertKinds; ++a) {
      bool c = cond[a];
      if (c && !slo.firing[a]) {
        if (muted < 0) muted = Muted(slo.spec->service, g) ? 1 : 0;
        if (!muted) {
          slo.ckpt_dirty = true;
          slo.firing[a] = true;
          slo.since[a] = g;
          if (observer_) observer_->OnAlert(i, static_cast<AlertKind>(a), true, g);
        }
      } else if (!c && slo.firing[a]) {
        slo.ckpt_dirty = true;
        slo.firing[a] = false;
        if (observer_) observer_->OnAlert(i, static_cast<AlertKind>(a), false, g);
      }
      any_firing |= slo.firing[a];
    }
    if (any_firing) {
      // Firing SLOs stay active; deactivation waits for their evaluation.
      slo.quiet_until = quiet_skip_ ? QuietUntil(slo, st, cond, g, kForever) : kNever;
      wake = std::min(wake, slo.quiet_until);
      ++k;
      continue;
    }
    // Quiet SLOs leave the active set until something bad happens again.
    Millis last_bad;
    if (slo.spec->kind == SloKind::kAvailability) {
      last_bad = services_[slo.spec->service].timeline.LastTimeIn(BadStates(*slo.spec));
    } else {
      last_bad = slo.last_bad;
    }
    if (last_bad == kNever || last_bad < g - slo.horizon || last_bad < 0) {
      slo.active = false;
      slo.ckpt_dirty = true;
      slo.quiet_until = kNever;
      active_[k] = active_.back();
      active_.pop_back();
    } else {
      // Until the grid point that deactivates it.
      slo.quiet_until =
          quiet_skip_ ? QuietUntil(slo, st, cond, g, last_bad + slo.horizon + 1) : kNever;
      wake = std::min(wake, slo.quiet_until);
      ++k;
    }
  }
  wake_ = wake;
}

namespace {

// The first instant at or after `from` that the timeline spends in one of
// the states of `mask` (time before its first kept segment is unknown);
// kForever when there is none. After 32 segments without one it stops and
// returns the next segment's start: a lower bound, which is all callers need.
Millis FirstTimeIn(const Timeline& tl, unsigned mask, Millis from) {
  const size_t n = tl.segment_count();
  const bool unknown_counts = (mask & Bit(State::kUnknown)) != 0;
  if (n == 0) return unknown_counts ? from : kForever;
  if (from < tl.SegmentStart(0) && unknown_counts) return from;
  size_t i = tl.FindSegment(from);  // 0 also when `from` is before the first segment
  for (size_t looked = 0; i < n; ++i, ++looked) {
    if (looked == 32) return tl.SegmentStart(i);
    if (mask & Bit(tl.SegmentState(i))) return std::max(tl.SegmentStart(i), from);
  }
  return kForever;
}

}  // namespace

Millis Engine::QuietUntil(const SloRt& slo, const SloStatus& st, const bool (&cond)[kNumAlertKinds],
                          Millis g, Millis until) const {
  // Until something bad arrives (a bad signal or a deadline resets
  // quiet_until), the figures can only move towards "good": an
  // availability SLO whose service is up gains good time at least as fast
  // as its windows lose valid time, so no window's bad time grows and no
  // valid time shrinks; a ratio SLO's windows keep the same minutes until
  // the next minute edge, and good events only add valid events. Rates and
  // bad / valid then never grow, budgets never shrink, and a condition
  // false with a margin (against rounding) stays false. A true condition of
  // an availability SLO stays true while no bad time leaves its window and
  // the valid time it may gain (at most the time passed) keeps its rate or
  // bad share above the line. Grid points before the returned time would
  // change no alert; kNever: evaluate at the next one.
  const SloSpec& sp = *slo.spec;
  const bool calendar = sp.window.calendar != CalendarUnit::kNone;
  const bool availability = sp.kind == SloKind::kAvailability;
  bool any_true = false;
  for (int a = 0; a < kNumAlertKinds; ++a) {
    if (cond[a] != slo.firing[a]) return kNever;  // muted now, maybe not at the next point
    any_true |= cond[a];
  }
  const Timeline* tl = nullptr;
  if (availability) {
    const Service& svc = services_[sp.service];
    if (!svc.quiet_ok || svc.timeline.current() != State::kUp) return kNever;
    tl = &svc.timeline;
  } else {
    // Until a minute holding events leaves one of the windows (or the
    // calendar period ends), without new events every figure, and every
    // condition, stays exactly as it is. New good events only add valid
    // events, which leave later than those; while something fires, one
    // resets quiet_until (a bad one always does): it could end a true
    // condition. Looking a day ahead at most keeps the scan short.
    constexpr int64_t kLookAhead = 24 * 60;
    const MinuteSeries& series = *slo.series;
    until = std::min(
        until, calendar ? slo.period_end : series.NextLeave(sp.window.rolling, g, kLookAhead));
    for (Millis l : slo.rate_windows) until = std::min(until, series.NextLeave(l, g, kLookAhead));
    if (any_true) return until;
  }
  constexpr double kMargin = 1e-9;
  const double allowed = AllowedFraction(sp.objective);
  const double min_valid = static_cast<double>(sp.min_valid) / 1000.0;  // availability only here
  // How long a figure computed from `bad` over `valid` seconds stays above
  // `line` (bad / (valid + elapsed) > line), in whole milliseconds.
  auto above_for = [&](double bad, double valid, double line) -> Millis {
    const double secs = bad / (line * (1 + kMargin)) - valid;
    return secs > 0.002 ? static_cast<Millis>(secs * 1000) - 1 : 0;
  };
  // How long the bad time of the window [g - l, g) stays where it is.
  auto bad_stays_for = [&](Millis l) -> Millis {
    const Millis first = FirstTimeIn(*tl, BadStates(sp), g - l);
    return first == kForever ? kForever : first - (g - l);
  };
  // Burn-rate alerts: a kind is true when one of its rules fires.
  for (AlertKind kind : {AlertKind::kBurnPage, AlertKind::kBurnTicket}) {
    Millis kind_for = 0;  // how long the kind stays true (the best of its firing rules)
    for (const SloRt::BurnRule& b : slo.burn_rules) {
      if (b.kind != kind) continue;
      const BurnRate& l = st.burn_rates[b.long_index];
      const BurnRate& s = st.burn_rates[b.short_index];
      const double limit = b.factor * (1 - kMargin);
      if (!cond[static_cast<size_t>(kind)]) {
        if (!(l.rate <= limit || s.rate <= limit)) return kNever;
        continue;
      }
      if (!(l.rate > b.factor && s.rate > b.factor && l.valid >= min_valid &&
            s.valid >= min_valid)) {
        continue;  // not a firing rule (valid time only grows: that part stays)
      }
      Millis rule_for = kForever;
      for (const BurnRate* r : {&l, &s}) {
        // rate = bad / valid / allowed: bad = rate * allowed * valid.
        rule_for = std::min({rule_for,
                             above_for(r->rate * allowed * r->valid, r->valid, b.factor * allowed),
                             bad_stays_for(r->lookback)});
      }
      kind_for = std::max(kind_for, rule_for);
    }
    if (cond[static_cast<size_t>(kind)]) {
      if (kind_for <= 0) return kNever;
      until = std::min(until, g + std::min(kind_for, kForever - g));
    }
  }
  const double valid = st.good + st.bad;
  const bool exhausted = cond[static_cast<size_t>(AlertKind::kExhausted)];
  if (!exhausted) {
    // Bad below the budget (also: not breached).
    if (st.bad > 0 && !(st.bad < st.budget_total - (st.budget_total * kMargin + 1e-5))) {
      return kNever;
    }
  } else if (calendar) {
    // Bad and the period's budget stay as they are until the period ends.
    until = std::min(until, slo.period_end);
  } else {
    // The budget grows with the valid time: allowed * (valid + elapsed).
    Millis stays =
        std::min(above_for(st.bad - 1e-5, valid, allowed), bad_stays_for(sp.window.rolling));
    if (stays <= 0) return kNever;
    until = std::min(until, g + std::min(stays, kForever - g));
  }
  if (calendar) {
    if (cond[static_cast<size_t>(AlertKind::kBreached)]) until = std::min(until, slo.period_end);
    if (!cond[static_cast<size_t>(AlertKind::kAtRisk)]) {
      // The bad share at most the allowed one (or no bad at all), or, for
      // time, bad at or above a budget that stays as it is.
      const bool quiet = st.bad == 0 || (valid > 0 && st.bad / valid <= allowed * (1 - kMargin)) ||
                         (availability && st.bad >= st.budget_total);
      if (!quiet) return kNever;
    } else {
      const Millis stays = above_for(st.bad, valid, allowed);
      if (stays <= 0) return kNever;
      until = std::min({until, g + stays, slo.period_end});
    }
  }
  return until;
}

bool Engine::Muted(uint32_t service, Millis at) {
  // Maintenance mutes new alerts; so does a down dependency.
  Service& svc = services_[service];
  if (InMaintenance(svc, at)) return true;
  for (uint32_t m : svc.spec->members) {
    Materialize(m, at);
    if (services_[m].timeline.current() == State::kDown) return true;
  }
  return false;
}

void Engine::Conditions(const SloRt& slo, const SloStatus& st, bool (&c)[kNumAlertKinds]) const {
  const SloSpec& sp = *slo.spec;
  std::fill(std::begin(c), std::end(c), false);
  const double allowed = AllowedFraction(sp.objective);
  const double min_valid = sp.kind == SloKind::kAvailability
                               ? static_cast<double>(sp.min_valid) / 1000.0
                               : static_cast<double>(sp.min_events);
  for (const SloRt::BurnRule& b : slo.burn_rules) {
    const BurnRate& l = st.burn_rates[b.long_index];
    const BurnRate& s = st.burn_rates[b.short_index];
    if (l.rate > b.factor && s.rate > b.factor && l.valid >= min_valid && s.valid >= min_valid) {
      c[static_cast<size_t>(b.kind)] = true;
    }
  }
  double valid = st.good + st.bad;
  c[static_cast<size_t>(AlertKind::kExhausted)] = st.bad > 0 && st.bad >= st.budget_total;
  if (sp.window.calendar != CalendarUnit::kNone) {
    c[static_cast<size_t>(AlertKind::kBreached)] = st.breached;
    c[static_cast<size_t>(AlertKind::kAtRisk)] = st.bad > 0 && st.bad < st.budget_total &&
                                                 valid >= min_valid && valid > 0 &&
                                                 st.bad / valid > allowed;
  }
}

SloStatus Engine::Compute(uint32_t index, Millis at) {
  SloStatus st;
  st.burn_rates.reserve(slos_[index].rate_windows.size());
  ComputeInto(index, at, st);
  return st;
}

void Engine::ComputeInto(uint32_t index, Millis at, SloStatus& st) {
  SloRt& slo = slos_[index];
  const SloSpec& sp = *slo.spec;
  st.burn_rates.clear();
  st.alerts.clear();
  st.attainment.reset();
  st.budget_remaining_ratio.reset();
  st.slo = index;
  st.at = at;
  st.window_end = at;
  const double allowed = AllowedFraction(sp.objective);
  const bool calendar = sp.window.calendar != CalendarUnit::kNone;
  Millis period_len = 0;
  if (calendar) {
    if (at >= slo.period_end || at < slo.period_start) {
      if (sp.kind != SloKind::kAvailability) {
        AdvanceSeries(slo, at);
      } else {
        auto [a, b] = slo.zone->Period(sp.window.calendar, at);
        slo.period_start = a;
        slo.period_end = b;
      }
    }
    st.window_start = slo.period_start;
    period_len = slo.period_end - slo.period_start;
  } else {
    st.window_start = at - sp.window.rolling;
  }

  if (sp.kind == SloKind::kAvailability) {
    Materialize(sp.service, at);
    const Timeline& tl = services_[sp.service].timeline;
    // The window and every lookback end at `at`: one lookup there.
    const size_t nl = slo.rate_windows.size();
    scratch_starts_.resize(nl + 1);
    scratch_durations_.resize(nl + 1);
    scratch_starts_[0] = st.window_start;
    for (size_t j = 0; j < nl; ++j) scratch_starts_[j + 1] = at - slo.rate_windows[j];
    tl.DurationsUntil(at, scratch_starts_.data(), nl + 1, scratch_durations_.data());
    const StateDurations& d = scratch_durations_[0];
    TimeFigures(sp, d, allowed, st);
    if (calendar) {
      // The budget of the whole period, not of the time seen so far.
      double excluded = static_cast<double>(d[static_cast<size_t>(State::kExcluded)]);
      double unknown = static_cast<double>(d[static_cast<size_t>(State::kUnknown)]);
      double ignored_unknown = sp.no_data == NoData::kIgnore ? unknown : 0;
      st.budget_total =
          allowed * (static_cast<double>(period_len) - excluded - ignored_unknown) / 1000.0;
    }
    for (size_t j = 0; j < nl; ++j) {
      double g, b;
      SplitDurations(sp, scratch_durations_[j + 1], &g, &b);
      double v = g + b;
      st.burn_rates.push_back({slo.rate_windows[j], v > 0 ? (b / v) / allowed : 0.0, v / 1000.0});
    }
  } else {
    AdvanceSeries(slo, at);
    MinuteSeries& series = *slo.series;
    CountFigures(calendar ? series.PeriodSum() : series.Window(sp.window.rolling, at), allowed, st);
    for (Millis l : slo.rate_windows) {
      Counts cl = series.Window(l, at);
      double v = static_cast<double>(cl.total);
      st.burn_rates.push_back({l, v > 0 ? (static_cast<double>(cl.bad) / v) / allowed : 0.0, v});
    }
  }
  FinishFigures(st);
}

SloStatus Engine::Evaluate(uint32_t index, Millis at) {
  AdvanceTo(at);
  SloStatus st = Compute(index, at);
  SloRt& slo = slos_[index];
  // Alerts at `at`: the grid's alert state, with the conditions re-checked at
  // `at` itself so they agree with the figures printed beside them.
  bool cond[kNumAlertKinds];
  Conditions(slo, st, cond);
  bool muted = Muted(slo.spec->service, at);
  for (int a = 0; a < kNumAlertKinds; ++a) {
    if (!cond[a]) continue;
    if (slo.firing[a]) {
      st.alerts.push_back({static_cast<AlertKind>(a), slo.since[a]});
    } else if (!muted) {
      st.alerts.push_back({static_cast<AlertKind>(a), at});
    }
  }
  return st;
}

std::vector<SloStatus> Engine::Snapshot(Millis at) {
  std::vector<SloStatus> out;
  out.reserve(slos_.size());
  for (uint32_t i = 0; i < slos_.size(); ++i) out.push_back(Evaluate(i, at));
  return out;
}

RangeRaw Engine::RangeFigures(uint32_t index, Millis from, Millis to) {
  RangeRaw raw;
  if (index >= slos_.size() || from >= to) return raw;
  assert(to <= now_ && "range figures need the engine advanced to their end");
  SloRt& slo = slos_[index];
  const SloSpec& sp = *slo.spec;
  if (sp.kind == SloKind::kAvailability) {
    Materialize(sp.service, to);
    raw.durations = services_[sp.service].timeline.Durations(from, to);
  } else {
    raw.counts = slo.series->Between(from, to);
  }
  return raw;
}

void Engine::KeepHistoryFrom(Millis t) {
  history_floor_ = t;
  for (SloRt& slo : slos_) {
    if (slo.series) slo.series->KeepFrom(t);
  }
}

Millis Engine::ServiceKeptFrom(uint32_t service) const {
  const Timeline& tl = services_[service].timeline;
  return std::max(origin_, tl.segment_count() == 0 ? tl.origin() : tl.SegmentStart(0));
}

Millis Engine::KeptFrom(uint32_t index) const {
  const SloRt& slo = slos_[index];
  if (slo.spec->kind == SloKind::kAvailability) return ServiceKeptFrom(slo.spec->service);
  return std::max(origin_, slo.series->kept_from());
}

Millis Engine::ServiceFinalUntil(uint32_t service) {
  Materialize(service, now_);
  return std::min(now_, services_[service].final_until);
}

Millis Engine::LastNotUp(uint32_t service) {
  Materialize(service, now_);
  return services_[service].timeline.LastTimeIn(kNotUp);
}

Millis Engine::CurrentSince(uint32_t service) {
  Materialize(service, now_);
  const Timeline& tl = services_[service].timeline;
  return tl.segment_count() == 0 ? tl.origin() : tl.SegmentStart(tl.segment_count() - 1);
}

Millis Engine::SloFinalUntil(uint32_t index) {
  const SloSpec& sp = *slos_[index].spec;
  if (sp.kind != SloKind::kAvailability) return now_;
  return ServiceFinalUntil(sp.service);
}

StateDurations Engine::FinalDurations(uint32_t service, Millis from, Millis* final_until) {
  Materialize(service, now_);
  const Service& svc = services_[service];
  *final_until = std::max(from, svc.final_until);
  return svc.timeline.Durations(from, *final_until);
}

State Engine::ServiceState(uint32_t service) {
  Materialize(service, now_);
  return services_[service].timeline.current();
}

std::vector<Signal> Engine::ProbeGaps(Millis at) const {
  std::vector<Signal> out;
  for (uint32_t i = 0; i < services_.size(); ++i) {
    if (services_[i].composite) continue;
    for (size_t p = 0; p < spec_.services[i].probes.size(); ++p) {
      Signal s;
      s.ts = at;
      s.service = i;
      s.kind = SignalKind::kGap;
      s.probe = static_cast<uint16_t>(p);
      s.location = kAllLocations;
      out.push_back(s);
    }
  }
  return out;
}

std::vector<StateInterval> Engine::ServiceIntervals(uint32_t service, Millis from, Millis to) {
  std::vector<StateInterval> out;
  if (service >= services_.size() || from >= to) return out;
  assert(to <= now_ && "intervals need the engine advanced to their end");
  Materialize(service, to);
  const Timeline& tl = services_[service].timeline;
  auto add = [&](Millis a, Millis b, State st) { AppendInterval(out, a, b, st, from, to); };
  const size_t n = tl.segment_count();
  const Millis kept = n > 0 ? tl.SegmentStart(0) : tl.end();
  add(from, std::max(from, std::min(kept, to)), State::kUnknown);
  for (size_t i = n > 0 ? tl.FindSegment(from) : 0; i < n; ++i) {
    const Millis a = tl.SegmentStart(i);
    if (a >= to) break;
    const Millis b = i + 1 < n ? tl.SegmentStart(i + 1) : tl.end();
    add(a, b, tl.SegmentState(i));
  }
  add(std::max(tl.end(), from), to, State::kUnknown);
  return out;
}

size_t Engine::MemoryBytes() const {
  size_t total = sizeof(*this);
  for (const Service& svc : services_) {
    total += sizeof(Service) + svc.timeline.MemoryBytes() - sizeof(Timeline) +
             svc.buffer.capacity() * sizeof(Signal) +
             svc.probes.capacity() * sizeof(ProbeSourceState) +
             svc.maint_cache.capacity() * sizeof(Interval) +
             (svc.slos.capacity() + svc.dependents.capacity()) * sizeof(uint32_t);
  }
  for (const SloRt& slo : slos_) {
    total += sizeof(SloRt);
    if (slo.series) total += slo.series->MemoryBytes() - sizeof(MinuteSeries);
  }
  return total;
}

}  // namespace ninesd::slo
