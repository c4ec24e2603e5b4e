#pragma once
// CoreRuntime: the SLO core (slo::Engine behind a slo::Sequencer) living on
// the daemon's io_context thread. Probes push signals on the loop; the Kafka
// consumer thread posts whole batches (one hand-off per batch, no lock per
// event). A tick moves the core's time to wall clock - allowed_lateness, so
// silence turns into missed heartbeats and stale probes, and refreshes the
// figures /metrics serves: a scrape never recomputes an SLO.
//
// Time: the figures are those of engine().now(), allowed_lateness behind the
// wall clock; nothing earlier can still change (SPEC section 3).
//
// Thread: loop thread, except PostBatch (any thread).

#include <array>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "config/config.h"
#include "events/decoder.h"
#include "export/slo_metrics.h"
#include "slo/engine.h"
#include "slo/sequencer.h"

namespace ninesd::daemon {

// Where one input partition stands: the next offset to read.
struct SourcePosition {
  std::string topic;
  int32_t partition = 0;
  int64_t next_offset = 0;
};

// What the Kafka consumer hands over: decoded signals in arrival order, the
// positions after them, and what the decoder rejected on the way.
struct IngestBatch {
  std::vector<slo::Signal> signals;
  std::vector<SourcePosition> positions;
  std::array<uint64_t, events::kNumRejects> rejected{};
  // Every partition was read to its end after this batch (may be sent with
  // no signals while idle).
  bool caught_up = false;
};

// One alert transition of the core, with the names a hook needs.
struct AlertTransition {
  uint32_t slo = 0;
  slo::AlertKind kind = slo::AlertKind::kBurnPage;
  bool firing = false;
  slo::Millis at = 0;  // event time of the grid point that decided it
};

class CoreRuntime : private slo::EngineObserver {
 public:
  using Clock = std::function<slo::Millis()>;  // wall clock, ms since the epoch

  struct Options {
    std::chrono::milliseconds tick{1000};
    Clock wall_clock;  // default: system_clock
    // An input with a backlog feeds the core (Kafka): until it reports
    // caught_up, event time comes from its events alone — the wall clock
    // would make the backlog late — and probe results are held with the
    // backlog, to be applied in event time once it is read.
    bool has_backlog_input = false;
    // Signals held while catching up, past which probe results are refused
    // as late (a backlog that never ends, a broker down at start): about
    // 56 bytes each.
    size_t max_held_while_catching_up = 1'000'000;
    // See PrepareCheckpoint: the least backlog (signals) worth saving.
    size_t min_backlog_save = 1'000'000;
    // SLOs (or services) evaluated per loop turn during a refresh; 0: all at
    // once. A slice of 500 costs the loop about half a millisecond.
    size_t refresh_slice = 500;
    // Wall time a loop turn spends moving the core's time when it is far
    // behind the clock (a restart after downtime, a long backlog just read):
    // then it goes on at the next turn, so signals, probes, timers and
    // SIGTERM are served meanwhile. 0: no limit.
    std::chrono::milliseconds advance_slice{20};
  };

  // model: moved in by the daemon (a copy of 100 000 SLOs costs 0.1 s at start).
  static Result<std::unique_ptr<CoreRuntime>> Create(asio::io_context& io, slo::ModelSpec model,
                                                     Options options);
  ~CoreRuntime() override;
  CoreRuntime(const CoreRuntime&) = delete;
  CoreRuntime& operator=(const CoreRuntime&) = delete;

  // Starts the core's history at the current wall time (before it: unknown)
  // and arms the tick.
  void Start();
  void Stop();

  // A signal from the loop (probes). kNone when taken, kLate or kDuplicate;
  // kLate too while a backlog input catches up with more than
  // max_held_while_catching_up signals held.
  events::Reject Push(const slo::Signal& s);
  bool catching_up() const { return catching_up_; }
  // A batch from any thread; applied on the loop.
  void PostBatch(IngestBatch batch);
  // Applies a batch now (loop thread).
  void Apply(IngestBatch& batch) { ApplyBatch(batch); }
  // The signals of the last applied batch the sequencer refused: index in
  // the batch and reason (late, duplicate).
  const std::vector<std::pair<size_t, events::Reject>>& refused_in_last_batch() const {
    return refused_;
  }
  // Input positions restored from a checkpoint (before Start()).
  void RestorePositions(std::map<std::pair<std::string, int32_t>, int64_t> positions) {
    positions_ = std::move(positions);
  }
  // Moves time to wall - allowed_lateness and refreshes the figures (the
  // tick calls it; tests may call it directly). The refresh runs in slices
  // on the loop (Options::refresh_slice) and publishes when complete.
  void Tick();

  // Called on every alert transition, in event-time order, after the core
  // returned from the call that decided it (hooks may read the engine).
  void OnAlert(std::function<void(const AlertTransition&)> hook);
  // Called for each signal the sequencer refused (late, duplicate) or that
  // came while catching up; decoder rejects are the input's to report.
  void OnRejected(std::function<void(events::Reject)> hook);
  // Called after each refresh of figures().
  void OnEvaluated(std::function<void()> hook);

  const slo::ModelSpec& spec() const { return engine_->spec(); }
  slo::Engine& engine() { return *engine_; }
  slo::Sequencer& sequencer() { return *sequencer_; }
  // What one refresh published: immutable, shared with HTTP workers.
  struct Published {
    exporter::SloFigures figures;
    slo::Millis at = 0;  // 0 before the first refresh
    uint64_t accepted = 0;
    std::array<uint64_t, events::kNumRejects> rejected{};
  };
  // Any thread.
  std::shared_ptr<const Published> published() const;
  // Loop thread: figures as of evaluated_at() (0 before the first refresh).
  const exporter::SloFigures& figures() const { return published_->figures; }
  slo::Millis evaluated_at() const { return published_->at; }
  // Input positions whose signals are all in the engine or saved with the
  // sequencer (a checkpoint stores them together). While a backlog is read,
  // its signals are held as replayable (slo::Signal::replayable: the state
  // codec leaves them out) and these positions stay where the part left out
  // starts: a checkpoint does not copy the backlog, and a restart reads it
  // again. See PrepareCheckpoint.
  const std::map<std::pair<std::string, int32_t>, int64_t>& positions() const { return positions_; }
  // Called before a checkpoint collects the state. While a backlog is read:
  // once the part left out (replayable) is at least Options::min_backlog_save
  // signals and as large as the part saved, it becomes durable, and this
  // checkpoint saves it with the positions read so far. So a crash costs at
  // most about half of what was read, and checkpoints encode only the part
  // saved, not each event read since (CheckpointPacer bounds their share of
  // the loop).
  void PrepareCheckpoint();
  uint64_t accepted() const { return accepted_; }
  uint64_t rejected(events::Reject r) const { return rejected_[static_cast<size_t>(r)]; }

  // The per-SLO and per-service families and ninesd_events_accepted_total,
  // from the last published figures. Any thread: a scrape renders on the
  // HTTP worker and never stalls the loop.
  void WriteMetrics(std::string& out) const;

 private:
  CoreRuntime(asio::io_context& io, Options options, std::unique_ptr<slo::Engine> engine);
  void OnAlert(uint32_t slo, slo::AlertKind kind, bool firing, slo::Millis at) override;
  void ApplyBatch(IngestBatch& batch);
  // The backlog read so far is saved by the next checkpoint: its held
  // signals become durable and positions() move to backlog_positions_.
  void KeepBacklogRead();
  events::Reject Verdict(slo::Verdict v);
  events::Reject Rejected(events::Reject r);
  void FlushAlerts();
  void Refresh();
  void RefreshStep();
  void ScheduleTick();
  bool Advance();

  asio::io_context& io_;
  Options options_;
  std::unique_ptr<slo::Engine> engine_;
  std::unique_ptr<slo::Sequencer> sequencer_;
  exporter::SloMetricsWriter writer_;
  asio::steady_timer timer_;
  bool running_ = false;
  bool catching_up_ = false;
  // Moving time towards the clock over several loop turns (Advance): the
  // sequencer holds live signals meanwhile, as while catching up.
  bool draining_ = false;
  bool advance_posted_ = false;
  bool stopped_ = false;                                    // Stop() was called: no further slices
  std::vector<std::pair<size_t, events::Reject>> refused_;  // of the last batch
  // Set false by the destructor: batches posted after it are dropped.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

  std::vector<double> downtime_seconds_;    // per service
  std::vector<slo::Millis> counted_until_;  // per service: downtime counted before
  std::vector<uint64_t> breaches_;          // per SLO
  mutable std::mutex published_mu_;         // guards the pointer, not the object
  std::shared_ptr<const Published> published_;
  std::shared_ptr<Published> pending_;  // a refresh in progress
  std::map<std::pair<std::string, int32_t>, int64_t> positions_;
  // While a backlog is read: the positions read so far, ahead of positions_
  // by the replayable signals held.
  std::map<std::pair<std::string, int32_t>, int64_t> backlog_positions_;
  std::chrono::steady_clock::time_point next_backlog_log_{};  // progress line
  uint64_t accepted_ = 0;
  std::array<uint64_t, events::kNumRejects> rejected_{};

  std::vector<std::function<void(const AlertTransition&)>> alert_hooks_;
  std::vector<std::function<void()>> evaluated_hooks_;
  std::vector<std::function<void(events::Reject)>> reject_hooks_;
  std::vector<AlertTransition> alerts_;  // decided, not yet handed to the hooks
};

}  // namespace ninesd::daemon
