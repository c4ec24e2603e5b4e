#include "daemon/core_runtime.h"

#include <algorithm>
#include <asio/post.hpp>

namespace ninesd::daemon {
namespace {

slo::Millis SystemNow() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<std::unique_ptr<CoreRuntime>> CoreRuntime::Create(asio::io_context& io,
                                                         const config::Config& config,
                                                         Options options) {
  auto engine = slo::Engine::Create(config.model);
  if (!engine) return engine.error().Wrap("core");
  if (!options.wall_clock) options.wall_clock = SystemNow;
  return std::unique_ptr<CoreRuntime>(
      new CoreRuntime(io, config, std::move(options), std::move(*engine)));
}

CoreRuntime::CoreRuntime(asio::io_context& io, const config::Config& config, Options options,
                         std::unique_ptr<slo::Engine> engine)
    : io_(io),
      config_(config),
      options_(std::move(options)),
      engine_(std::move(engine)),
      sequencer_(std::make_unique<slo::Sequencer>(*engine_, engine_->spec().allowed_lateness)),
      writer_(engine_->spec()),
      timer_(io),
      catching_up_(options_.has_backlog_input) {
  engine_->SetObserver(this);
  const size_t services = engine_->spec().services.size();
  figures_.services.assign(services, slo::State::kUnknown);
  figures_.downtime_seconds.assign(services, 0);
  figures_.breaches.assign(engine_->spec().slos.size(), 0);
  counted_until_.assign(services, 0);
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

events::Reject CoreRuntime::Push(const slo::Signal& s) {
  if (catching_up_) {
    ++rejected_[static_cast<size_t>(events::Reject::kLate)];
    return events::Reject::kLate;
  }
  switch (sequencer_->Push(s)) {
    case slo::Verdict::kAccepted:
      ++accepted_;
      return events::Reject::kNone;
    case slo::Verdict::kLate:
      ++rejected_[static_cast<size_t>(events::Reject::kLate)];
      return events::Reject::kLate;
    case slo::Verdict::kDuplicate:
      ++rejected_[static_cast<size_t>(events::Reject::kDuplicate)];
      return events::Reject::kDuplicate;
  }
  return events::Reject::kNone;
}

void CoreRuntime::PostBatch(IngestBatch batch) {
  asio::post(io_, [this, alive = alive_, b = std::move(batch)]() mutable {
    if (*alive) ApplyBatch(b);
  });
}

void CoreRuntime::ApplyBatch(IngestBatch& batch) {
  for (const slo::Signal& s : batch.signals) {
    switch (sequencer_->Push(s)) {
      case slo::Verdict::kAccepted:
        ++accepted_;
        break;
      case slo::Verdict::kLate:
        ++rejected_[static_cast<size_t>(events::Reject::kLate)];
        break;
      case slo::Verdict::kDuplicate:
        ++rejected_[static_cast<size_t>(events::Reject::kDuplicate)];
        break;
    }
  }
  for (size_t r = 0; r < batch.rejected.size(); ++r) rejected_[r] += batch.rejected[r];
  for (const SourcePosition& p : batch.positions) {
    positions_[{p.topic, p.partition}] = p.next_offset;
  }
  if (batch.caught_up && catching_up_) {
    catching_up_ = false;
    Tick();
  }
}

void CoreRuntime::Tick() {
  if (!catching_up_) {
    slo::Millis t = options_.wall_clock() - engine_->spec().allowed_lateness;
    if (!engine_->started() || t > engine_->now()) sequencer_->ReleaseUpTo(t);
  }
  if (engine_->started()) Refresh();
}

void CoreRuntime::Refresh() {
  const slo::Millis at = engine_->now();
  figures_.slos = engine_->Snapshot(at);
  for (uint32_t i = 0; i < figures_.services.size(); ++i) {
    figures_.services[i] = engine_->ServiceState(i);
    // Only final history: a counter must never take back what it showed.
    slo::Millis until = 0;
    slo::StateDurations d = engine_->FinalDurations(i, counted_until_[i], &until);
    figures_.downtime_seconds[i] +=
        static_cast<double>(d[static_cast<size_t>(slo::State::kDown)]) / 1000.0;
    counted_until_[i] = until;
  }
  evaluated_at_ = at;
  for (auto& hook : evaluated_hooks_) hook();
}

void CoreRuntime::OnAlert(std::function<void(const AlertTransition&)> hook) {
  alert_hooks_.push_back(std::move(hook));
}

void CoreRuntime::OnEvaluated(std::function<void()> hook) {
  evaluated_hooks_.push_back(std::move(hook));
}

void CoreRuntime::OnAlert(uint32_t slo, slo::AlertKind kind, bool firing, slo::Millis at) {
  if (firing && kind == slo::AlertKind::kBreached) ++figures_.breaches[slo];
  AlertTransition t{slo, kind, firing, at};
  for (auto& hook : alert_hooks_) hook(t);
}

void CoreRuntime::WriteMetrics(std::string& out) const {
  writer_.Write(figures_, out);
  out +=
      "# HELP ninesd_events_rejected_total Events not counted, by reason.\n"
      "# TYPE ninesd_events_rejected_total counter\n";
  for (int r = 1; r < events::kNumRejects; ++r) {
    out += "ninesd_events_rejected_total{reason=\"";
    out += events::RejectLabel(static_cast<events::Reject>(r));
    out += "\"} ";
    out += std::to_string(rejected_[static_cast<size_t>(r)]);
    out += '\n';
  }
  out +=
      "# HELP ninesd_events_accepted_total Signals taken into the core (events and probe "
      "results).\n"
      "# TYPE ninesd_events_accepted_total counter\n"
      "ninesd_events_accepted_total ";
  out += std::to_string(accepted_);
  out += '\n';
}

}  // namespace ninesd::daemon
