#pragma once
// Engine: the SLO core. Signals in (in event-time order), SLO figures and
// alert states out. No clock, no I/O, no threads: the caller owns time.
//
// Contract: Apply() takes signals with non-decreasing `ts`; AdvanceTo(t)
// declares that no signal before t will come. Snapshot/Status at `at` need
// AdvanceTo(at) first and no applied signal at or after `at` (a signal at
// exactly `at` is not yet counted). The Sequencer (sequencer.h) turns an
// out-of-order stream into this contract.
//
// Thread: one owner thread; not thread-safe.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "slo/calendar.h"
#include "slo/minute_series.h"
#include "slo/model.h"
#include "slo/signal.h"
#include "slo/timeline.h"

namespace ninesd::slo {

enum class AlertKind : uint8_t { kBurnPage, kBurnTicket, kExhausted, kBreached, kAtRisk };
inline constexpr int kNumAlertKinds = 5;
const char* AlertName(AlertKind k);      // ErrorBudgetBurn, ErrorBudgetExhausted, ...
const char* AlertSeverity(AlertKind k);  // page | ticket

struct FiringAlert {
  AlertKind kind;
  Millis since;
};

// A run of one state of a service's timeline: [start, end).
struct StateInterval {
  Millis start;
  Millis end;
  State state;
  bool operator==(const StateInterval&) const = default;
};

// Appends [a, b) in state `st` clipped to [lo, hi), joined to the last run
// when that one touches it in the same state (maximal runs).
inline void AppendInterval(std::vector<StateInterval>& out, Millis a, Millis b, State st, Millis lo,
                           Millis hi) {
  a = std::max(a, lo);
  b = std::min(b, hi);
  if (a >= b) return;
  if (!out.empty() && out.back().state == st && out.back().end == a) {
    out.back().end = b;
  } else {
    out.push_back({a, b, st});
  }
}

struct BurnRate {
  Millis lookback;
  double rate;
  double valid;  // valid seconds (availability) or events in the lookback
};

// Figures of one SLO at one instant (SPEC section 5). Availability figures
// are in seconds, others in events.
struct SloStatus {
  uint32_t slo = 0;
  Millis at = 0;
  Millis window_start = 0;
  Millis window_end = 0;
  double good = 0, bad = 0, excluded = 0, unknown = 0;
  std::optional<double> attainment;
  double budget_total = 0;
  double budget_consumed = 0;
  std::optional<double> budget_remaining_ratio;
  bool breached = false;
  std::vector<BurnRate> burn_rates;
  std::vector<FiringAlert> alerts;
};

// History the engine keeps at least, whatever the windows: the daily
// history (slo/history.h) reads each day after it became final.
inline constexpr Millis kHistoryKeep = 3 * kDay;

// The raw figures of one SLO over a time range, as the history keeps them
// per day (slo/history.h): time per state of the service (availability) or
// event counts (ratio, latency). Ranges add up exactly.
struct RangeRaw {
  StateDurations durations{};
  Counts counts;
  RangeRaw& operator+=(const RangeRaw& o) {
    for (size_t i = 0; i < durations.size(); ++i) durations[i] += o.durations[i];
    counts += o.counts;
    return *this;
  }
};

// Good and bad milliseconds of an availability SLO from the time per state:
// degraded time split by degraded_weight, unknown time by the no_data policy.
void SplitDurations(const SloSpec& sp, const StateDurations& d, double* good, double* bad);

// The figures of a completed range from its raw figures: good, bad,
// excluded, unknown, attainment, budget_total/consumed/remaining and
// breached, exactly as Evaluate computes them for a rolling window of the
// range's length ending at its end (no burn rates, no alerts).
SloStatus FiguresOf(const SloSpec& sp, const RangeRaw& raw);

// Receives transitions as the engine evaluates its alert grid.
class EngineObserver {
 public:
  virtual ~EngineObserver() = default;
  virtual void OnAlert(uint32_t slo, AlertKind kind, bool firing, Millis at) = 0;
};

namespace internal {
// A change of one source's state, in time order.
struct StateChange {
  Millis t;
  State s;
};
struct StateAccess;  // the state codec (engine_state.cc)
}  // namespace internal

class Engine {
 public:
  static Result<std::unique_ptr<Engine>> Create(ModelSpec spec);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const ModelSpec& spec() const { return spec_; }
  void SetObserver(EngineObserver* observer) { observer_ = observer; }
  // Off: the alert grid evaluates every active SLO at every grid point,
  // without the exact shortcut of quiet SLOs (tests compare the two).
  void SetQuietSkip(bool on) { quiet_skip_ = on; }

  // Requires s.ts >= now(); otherwise returns an error and ignores it.
  ninesd::Status Apply(const Signal& s);
  // Apply() for a run of signals in time order (prefetches ahead).
  void ApplyBatch(const Signal* signals, size_t n);
  // Time moves to t (no-op when t <= now()); evaluates the alert grid.
  void AdvanceTo(Millis t);
  Millis now() const { return now_; }
  // Start of the history (before it: unknown).
  Millis origin() const { return origin_; }
  bool started() const { return started_; }

  // Figures of one SLO at `at` (advances to `at` first).
  SloStatus Evaluate(uint32_t slo, Millis at);
  std::vector<SloStatus> Snapshot(Millis at);

  // Current state of a service (its timeline, materialized to now()).
  State ServiceState(uint32_t service);
  // The service's states over [from, to), to <= now(), as maximal runs in
  // time order covering the range (unknown before the history kept). Reads
  // the timeline (materialized to `to`), changes no figure: for reports.
  std::vector<StateInterval> ServiceIntervals(uint32_t service, Millis from, Millis to);
  // Raw figures of an SLO over [from, to), to <= now() (whole minutes for
  // ratio and latency SLOs); changes no figure. Time before the history
  // kept counts as unknown, events before it are not counted.
  RangeRaw RangeFigures(uint32_t slo, Millis from, Millis to);
  // Keeps every service's timeline and every SLO's minutes from t on, past
  // their retention, until moved on: what the history recorder has not
  // read yet survives any jump in time (a backlog read at once). INT64_MIN
  // keeps everything; kNoHistoryFloor (the default) lets retention decide.
  static constexpr Millis kNoHistoryFloor = INT64_MAX;
  void KeepHistoryFrom(Millis t);
  // Where the history RangeFigures reads is still kept for an SLO, and
  // ServiceIntervals for a service (origin() until the first pruning).
  Millis KeptFrom(uint32_t slo) const;
  Millis ServiceKeptFrom(uint32_t service) const;
  // The service's final point F (materialized to now()), and the end of its
  // last stretch that is not up (-1 when none is kept; now() while not up).
  Millis ServiceFinalUntil(uint32_t service);
  Millis LastNotUp(uint32_t service);
  // Start of the service's current state (materialized to now()).
  Millis CurrentSince(uint32_t service);
  // The point before which the SLO's figures never change again: the
  // service's final point (availability) or now() (events, which the
  // Sequencer hands over in order).
  Millis SloFinalUntil(uint32_t slo);
  // Time per state in [from, F), F being the point before which the
  // service's history can no longer change (back-dating rewrites only after
  // it); F is returned in `final_until`. For counters that must never go back.
  StateDurations FinalDurations(uint32_t service, Millis from, Millis* final_until);

  // Memory attributable to per-service and per-SLO state, for benchmarks.
  size_t MemoryBytes() const;

  // kGap signals at `at` for every configured probe of every leaf service,
  // every location: after a restart, the time the daemon's own probes did
  // not run becomes unknown (SPEC section 8) instead of continuing the last
  // result. Push them through the Sequencer before new results.
  std::vector<Signal> ProbeGaps(Millis at) const;

 private:
  friend struct internal::StateAccess;
  struct ProbeSourceState;
  struct Service;
  struct SloRt;

  explicit Engine(ModelSpec spec);
  ninesd::Status Init();
  void Start(Millis origin);
  // A ratio or latency SLO's minute series, starting at `at`.
  void NewSeries(SloRt& slo, Millis at);
  void Materialize(uint32_t service, Millis t);
  void MaterializeLeaf(Service& svc, Millis t);
  void MaterializeComposite(Service& svc, Millis t);
  const std::vector<Interval>& Maintenance(Service& svc, Millis from, Millis to);
  bool InMaintenance(Service& svc, Millis t);
  void ApplyEvent(const Signal& s);
  bool FoldRepeatedResult(Service& svc, const Signal& s);
  void AdvanceSeries(SloRt& slo, Millis t);
  SloStatus Compute(uint32_t slo, Millis at);
  // Compute() into `st`, reusing its vectors (the alert grid: no allocation).
  void ComputeInto(uint32_t slo, Millis at, SloStatus& st);
  void EvaluateGrid(Millis g);
  void Activate(uint32_t service);
  void ScheduleDeadline(uint32_t service);
  // A deadline of the service passed before t: materializes to t, wakes its
  // SLOs when it left up since, re-arms at the next change by itself.
  void CatchUp(uint32_t service, Millis t);
  std::optional<FiringAlert> Decide(const SloRt& slo, AlertKind kind, bool cond, bool muted,
                                    Millis at) const;
  void Conditions(const SloRt& slo, const SloStatus& st, bool (&c)[kNumAlertKinds]) const;
  // Until when (at most `until`) the alert grid may skip an SLO evaluated
  // at g with conditions `cond` (kNever: evaluate it at the next point).
  Millis QuietUntil(const SloRt& slo, const SloStatus& st, const bool (&cond)[kNumAlertKinds],
                    Millis g, Millis until) const;
  bool Muted(uint32_t service, Millis at);

  ModelSpec spec_;
  EngineObserver* observer_ = nullptr;
  bool quiet_skip_ = true;
  // The first grid point at which an active SLO is due (the least of their
  // quiet_until, computed by the last pass); kNever: the next one. Whatever
  // resets an SLO's quiet_until, or activates one, resets it too.
  Millis wake_ = std::numeric_limits<Millis>::min();
  bool started_ = false;
  Millis origin_ = 0;
  Millis now_ = 0;
  Millis next_eval_ = 0;
  Millis history_floor_ = kNoHistoryFloor;
  std::vector<Service> services_;
  std::vector<SloRt> slos_;
  std::vector<uint32_t> ratio_slos_;                // ratio/latency SLOs grouped by service
  std::vector<uint32_t> active_;                    // SLOs evaluated at grid points
  std::vector<std::pair<Millis, uint32_t>> wheel_;  // (deadline tick, service) min-heap
  // Scratch space of MaterializeLeaf, reused to keep it allocation-free.
  std::vector<std::vector<internal::StateChange>> scratch_changes_;
  std::vector<int> scratch_group_;
  std::vector<size_t> scratch_cursor_;
  std::vector<Millis> scratch_points_;
  std::vector<int> scratch_down_, scratch_known_;
  // Scratch space of the alert grid (ComputeInto), reused across SLOs.
  SloStatus scratch_status_;
  std::vector<Millis> scratch_starts_;
  std::vector<StateDurations> scratch_durations_;
};

}  // namespace ninesd::slo
