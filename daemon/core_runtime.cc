#include "daemon/core_runtime.h"

#include <algorithm>
#include <asio/post.hpp>
#include <chrono>

#include "daemon/logging.h"

namespace ninesd::daemon {
namespace {

slo::Millis SystemNow() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<std::unique_ptr<CoreRuntime>> CoreRuntime::Create(asio::io_context& io, slo::ModelSpec model,
                                                         Options options) {
  auto engine = slo::Engine::Create(std::move(model));
  if (!engine) return engine.error().Wrap("core");
  if (!options.wall_clock) options.wall_clock = SystemNow;
  return std::unique_ptr<CoreRuntime>(new CoreRuntime(io, std::move(options), std::move(*engine)));
}

CoreRuntime::CoreRuntime(asio::io_context& io, Options options, std::unique_ptr<slo::Engine> engine)
    : io_(io),
      options_(std::move(options)),
      engine_(std::move(engine)),
      sequencer_(std::make_unique<slo::Sequencer>(*engine_, engine_->spec().allowed_lateness)),
      writer_(engine_->spec()),
      timer_(io),
      catching_up_(options_.has_backlog_input) {
  engine_->SetObserver(this);
  // A backlog comes from several partitions at their own pace: hold it all
  // until it is read (see Sequencer::Hold).
  if (catching_up_) sequencer_->Hold(true);
  const size_t services = engine_->spec().services.size();
  downtime_seconds_.assign(services, 0);
  counted_until_.assign(services, 0);
  breaches_.assign(engine_->spec().slos.size(), 0);
  auto first = std::make_shared<Published>();
  first->figures.services.assign(services, slo::State::kUnknown);
  first->figures.downtime_seconds = downtime_seconds_;
  first->figures.breaches = breaches_;
  published_ = std::move(first);
}

CoreRuntime::~CoreRuntime() {
  *alive_ = false;
  engine_->SetObserver(nullptr);
}

void CoreRuntime::Start() {
  running_ = true;
  if (!catching_up_) Tick();
  ScheduleTick();
}

void CoreRuntime::Stop() {
  running_ = false;
  stopped_ = true;
  timer_.cancel();
}

void CoreRuntime::ScheduleTick() {
  if (!running_) return;
  timer_.expires_after(options_.tick);
  timer_.async_wait([this, alive = alive_](const std::error_code& ec) {
    if (ec || !*alive) return;
    Tick();
    ScheduleTick();
  });
}

events::Reject CoreRuntime::Verdict(slo::Verdict v) {
  switch (v) {
    case slo::Verdict::kAccepted:
      ++accepted_;
      return events::Reject::kNone;
    case slo::Verdict::kLate:
      return Rejected(events::Reject::kLate);
    case slo::Verdict::kDuplicate:
      return Rejected(events::Reject::kDuplicate);
  }
  return events::Reject::kNone;
}

events::Reject CoreRuntime::Rejected(events::Reject r) {
  ++rejected_[static_cast<size_t>(r)];
  for (auto& hook : reject_hooks_) hook(r);
  return r;
}

events::Reject CoreRuntime::Push(const slo::Signal& s) {
  // While a backlog is read the sequencer holds everything (Sequencer::Hold),
  // probe results too: their time is then counted, not left unknown.
  if ((catching_up_ || draining_) && sequencer_->held() >= options_.max_held_while_catching_up) {
    return Rejected(events::Reject::kLate);
  }
  events::Reject r = Verdict(sequencer_->Push(s));
  FlushAlerts();
  return r;
}

void CoreRuntime::PostBatch(IngestBatch batch) {
  asio::post(io_, [this, alive = alive_, b = std::move(batch)]() mutable {
    if (*alive) ApplyBatch(b);
  });
}

void CoreRuntime::ApplyBatch(IngestBatch& batch) {
  refused_.clear();
  const size_t n = batch.signals.size();
  constexpr size_t kAhead = 8;  // about the misses a core keeps in flight
  for (size_t i = 0; i < n; ++i) {
    if (i + kAhead < n) sequencer_->Prefetch(batch.signals[i + kAhead]);
    // A backlog's signals are read again after a restart (PrepareCheckpoint).
    batch.signals[i].replayable = catching_up_;
    events::Reject r = Verdict(sequencer_->Push(batch.signals[i]));
    if (r != events::Reject::kNone) refused_.emplace_back(i, r);
  }
  // Decoder rejects were counted (and reported) by the input itself.
  for (size_t r = 0; r < batch.rejected.size(); ++r) rejected_[r] += batch.rejected[r];
  auto& positions = catching_up_ ? backlog_positions_ : positions_;
  for (const SourcePosition& p : batch.positions) {
    positions[{p.topic, p.partition}] = p.next_offset;
  }
  FlushAlerts();
  if (catching_up_ && !batch.caught_up) {
    // A long backlog: say how far it got (its events are held in memory).
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_backlog_log_) {
      if (next_backlog_log_ != std::chrono::steady_clock::time_point{}) {
        Logger("daemon")->info("core: reading the backlog accepted={} held={} ({} MiB)", accepted_,
                               sequencer_->held(), sequencer_->memory_bytes() >> 20);
      }
      next_backlog_log_ = now + std::chrono::seconds(10);
    }
  }
  if (batch.caught_up && catching_up_) {
    Logger("daemon")->info("core: backlog read accepted={} held={}", accepted_, sequencer_->held());
    KeepBacklogRead();
    catching_up_ = false;
    sequencer_->Hold(false);
    Tick();
    // Otherwise Advance says so when it gets there, turns later.
    if (!draining_ && engine_->started()) {
      Logger("daemon")->info("core: caught up with the clock at {}",
                             slo::FormatRfc3339(engine_->now()));
    }
  }
}

void CoreRuntime::PrepareCheckpoint() {
  if (!catching_up_) return;
  const size_t replayable = sequencer_->held_replayable();
  const size_t durable = sequencer_->held() - replayable;
  if (replayable == 0 || replayable < std::max(options_.min_backlog_save, durable)) return;
  Logger("daemon")->info("core: the next checkpoint saves the backlog held so far held={}",
                         sequencer_->held());
  KeepBacklogRead();
}

void CoreRuntime::KeepBacklogRead() {
  sequencer_->MakeDurable();
  for (const auto& [tp, off] : backlog_positions_) positions_[tp] = off;
  backlog_positions_.clear();
}

void CoreRuntime::Tick() {
  if (!catching_up_) Advance();
  FlushAlerts();
  if (engine_->started()) Refresh();
}

// Moves the core's time to wall - allowed_lateness, one evaluation interval
// at a time once a slice's wall time is spent: a day behind with 100 000
// SLOs is minutes of evaluation, which must not stall the loop. True when
// there.
bool CoreRuntime::Advance() {
  const slo::Millis t = options_.wall_clock() - engine_->spec().allowed_lateness;
  slo::Millis at = engine_->started() ? engine_->now() : sequencer_->first_held();
  if (at == slo::Sequencer::kNone || options_.advance_slice.count() == 0) {
    at = t;  // a first start with nothing held: the history starts at t
  }
  const slo::Millis step = std::max<slo::Millis>(engine_->spec().evaluation_interval, 1000);
  const auto deadline = std::chrono::steady_clock::now() + options_.advance_slice;
  do {
    at = std::min(t, at + step);
    if (!engine_->started() || at > engine_->now()) sequencer_->ReleaseUpTo(at);
    FlushAlerts();
  } while (at < t && std::chrono::steady_clock::now() < deadline);
  if (at < t) {
    if (!draining_) {
      draining_ = true;
      sequencer_->Hold(true);  // a live signal must not release the rest at once
      Logger("daemon")->info("core: catching up with the clock from {} ({} s behind)",
                             slo::FormatRfc3339(at), (t - at) / 1000);
    }
    if (!advance_posted_) {
      advance_posted_ = true;
      asio::post(io_, [this, alive = alive_] {
        if (!*alive) return;
        advance_posted_ = false;
        if (stopped_) return;  // shutting down: the final checkpoint keeps what is held
        if (Advance() && engine_->started()) Refresh();
      });
    }
    return false;
  }
  if (draining_) {
    draining_ = false;
    sequencer_->Hold(false);
    Logger("daemon")->info("core: caught up with the clock at {}", slo::FormatRfc3339(at));
  }
  return true;
}

void CoreRuntime::Refresh() {
  if (pending_) return;  // the last refresh is still running in slices
  pending_ = std::make_shared<Published>();
  pending_->at = engine_->now();
  pending_->figures.slos.reserve(engine_->spec().slos.size());
  pending_->figures.services.reserve(downtime_seconds_.size());
  RefreshStep();
}

// One slice of a refresh: each SLO is evaluated at the core's time when its
// slice runs, so signals applied between slices are never "from the future".
void CoreRuntime::RefreshStep() {
  exporter::SloFigures& f = pending_->figures;
  const size_t n_slos = engine_->spec().slos.size();
  const size_t n_services = downtime_seconds_.size();
  size_t budget = options_.refresh_slice == 0 ? SIZE_MAX : options_.refresh_slice;
  const slo::Millis now = engine_->now();
  for (; budget > 0 && f.slos.size() < n_slos; --budget) {
    f.slos.push_back(engine_->Evaluate(static_cast<uint32_t>(f.slos.size()), now));
  }
  for (; budget > 0 && f.services.size() < n_services; --budget) {
    const auto i = static_cast<uint32_t>(f.services.size());
    f.services.push_back(engine_->ServiceState(i));
    // Only final history: a counter must never take back what it showed.
    slo::Millis until = 0;
    slo::StateDurations d = engine_->FinalDurations(i, counted_until_[i], &until);
    downtime_seconds_[i] += static_cast<double>(d[static_cast<size_t>(slo::State::kDown)]) / 1000.0;
    counted_until_[i] = until;
  }
  if (f.slos.size() < n_slos || f.services.size() < n_services) {
    asio::post(io_, [this, alive = alive_] {
      if (*alive) RefreshStep();
    });
    return;
  }
  f.downtime_seconds = downtime_seconds_;
  f.breaches = breaches_;
  pending_->accepted = accepted_;
  pending_->rejected = rejected_;
  {
    std::lock_guard lock(published_mu_);
    published_ = std::move(pending_);
  }
  pending_.reset();
  for (auto& hook : evaluated_hooks_) hook();
}

void CoreRuntime::OnAlert(std::function<void(const AlertTransition&)> hook) {
  alert_hooks_.push_back(std::move(hook));
}

void CoreRuntime::OnEvaluated(std::function<void()> hook) {
  evaluated_hooks_.push_back(std::move(hook));
}

void CoreRuntime::OnRejected(std::function<void(events::Reject)> hook) {
  reject_hooks_.push_back(std::move(hook));
}

void CoreRuntime::OnAlert(uint32_t slo, slo::AlertKind kind, bool firing, slo::Millis at) {
  // Inside the engine's evaluation: only note it; hooks run once the engine
  // returned, so they may read it.
  if (firing && kind == slo::AlertKind::kBreached) ++breaches_[slo];
  alerts_.push_back({slo, kind, firing, at});
}

void CoreRuntime::FlushAlerts() {
  if (alerts_.empty()) return;
  std::vector<AlertTransition> batch;
  batch.swap(alerts_);
  for (const AlertTransition& t : batch) {
    for (auto& hook : alert_hooks_) hook(t);
  }
}

std::shared_ptr<const CoreRuntime::Published> CoreRuntime::published() const {
  std::lock_guard lock(published_mu_);
  return published_;
}

void CoreRuntime::WriteMetrics(std::string& out) const {
  std::shared_ptr<const Published> p = published();
  writer_.Write(p->figures, out);
  out +=
      "# HELP ninesd_events_accepted_total Signals taken into the core (events and probe "
      "results).\n"
      "# TYPE ninesd_events_accepted_total counter\n"
      "ninesd_events_accepted_total ";
  out += std::to_string(p->accepted);
  out += '\n';
}

}  // namespace ninesd::daemon
