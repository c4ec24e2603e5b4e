#include "daemon/app.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <map>

#include "alerts/dispatcher.h"
#include "daemon/checkpoint_pacer.h"
#include "daemon/core_runtime.h"
#include "daemon/logging.h"
#include "events/decoder.h"
#include "ingest/embedded_broker.h"
#include "ingest/ingest_metrics.h"
#include "ingest/kafka_input.h"
#include "probes/prober.h"
#include "replay/replay.h"
#include "report/status_page.h"
#include "slo/engine_state.h"
#include "slo/history.h"
#include "store/state_store.h"

namespace ninesd::daemon {
namespace {

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string StateDir(const config::Config& c) {
  std::string dir = std::filesystem::path(c.state.path).parent_path().string();
  return dir.empty() ? "." : dir;
}

// Handed-over Kafka batches the loop has not applied yet; the consumer waits
// beyond this (back-pressure towards Kafka instead of an unbounded queue).
constexpr size_t kMaxPendingBatches = 16;

}  // namespace

struct App::Impl {
  Daemon& d;
  AppOptions options;
  std::shared_ptr<spdlog::logger> log = Logger("daemon");
  std::unique_ptr<CoreRuntime> runtime;
  std::unique_ptr<ingest::IngestMetrics> ingest_metrics;
  std::unique_ptr<store::StateStore> store;
  // Daily results and outages, written with each checkpoint; read back for /status.
  std::optional<slo::HistoryRecorder> history;
  std::unique_ptr<store::HistoryReader> history_reader;
  std::unique_ptr<ingest::EmbeddedBroker> broker;
  std::unique_ptr<ingest::KafkaInput> kafka;
  events::LocationTable restored_locations;  // from the state file, for the Kafka decoder
  std::chrono::steady_clock::time_point restore_start;  // for the restore's log line:
                                                        // from opening the file
  std::unique_ptr<probes::Prober> prober;
  std::unique_ptr<alerts::Dispatcher> dispatcher;
  std::unique_ptr<asio::steady_timer> checkpoint_timer;
  bool next_checkpoint_full = true;
  CheckpointPacer checkpoint_pacer;
  std::vector<std::string> pending_deleted_services, pending_deleted_slos;
  bool reconciled = false;
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);

  // Store metrics.
  prometheus::Histogram* checkpoint_seconds = nullptr;
  prometheus::Gauge* checkpoint_bytes = nullptr;
  prometheus::Gauge* checkpoint_timestamp = nullptr;
  prometheus::Counter* checkpoint_failures = nullptr;
  std::atomic<int64_t> last_checkpoint_ms{0};

  explicit Impl(Daemon& daemon, AppOptions o) : d(daemon), options(o) {}

  const config::Config& config() const { return d.config(); }

  // The state file, opened and read on another thread while Wire() sets up
  // the core (0.2 s of a restart with 100 000 SLOs).
  struct OpenedState {
    std::unique_ptr<store::StateStore> store;
    store::LoadedState loaded;
  };
  std::future<Result<OpenedState>> opening;
  static Result<OpenedState> OpenState(const std::string& path, bool reset);

  Status Wire();
  Status Starting();
  Status Restore(store::LoadedState loaded);
  Status StartKafka();
  void OnAlert(const AlertTransition& t);
  void LogProbeChange(const probes::ProbeResult& r);
  void ReloadProbes(const config::Config& next);
  // Last result per (service, probe): failures and recoveries are logged on
  // change only, which rate-limits them by nature.
  std::map<std::pair<uint32_t, uint16_t>, bool> probe_ok;
  // The status page's 90 days per SLO: stored days, then the core's figures
  // for the days not final yet.
  std::vector<std::vector<report::DayCell>> DailyBars(slo::Millis at);
  void ScheduleCheckpoint();
  store::CheckpointData CollectCheckpoint(bool full);
  void Checkpoint();
  void Shutdown();
};

Result<App::Impl::OpenedState> App::Impl::OpenState(const std::string& path, bool reset) {
  store::StoreOptions so;
  so.reset = reset;
  auto opened = store::StateStore::Open(path, so);
  if (!opened) return opened.error();
  auto loaded = (*opened)->Load();
  if (!loaded) return loaded.error();
  return OpenedState{std::move(*opened), std::move(*loaded)};
}

Status App::Impl::Wire() {
  // Only once this instance holds the state directory (main takes the lock
  // before wiring); otherwise Starting() opens it, after Start() took it.
  if (d.state_dir_locked()) {
    restore_start = std::chrono::steady_clock::now();
    opening =
        std::async(std::launch::async, &Impl::OpenState, config().state.path, options.reset_state);
  }
  CoreRuntime::Options core_options;
  core_options.has_backlog_input = config().kafka.has_value();
  auto created = CoreRuntime::Create(d.io(), d.TakeModel(), core_options);
  if (!created) return created.error();
  runtime = std::move(*created);
  auto recorder = slo::HistoryRecorder::Create(runtime->spec());
  if (!recorder) return recorder.error();
  history.emplace(std::move(*recorder));
  // Nothing is pruned before the recorder first read it (a backlog may span
  // more than the SLOs' windows).
  runtime->engine().KeepHistoryFrom(INT64_MIN);

  prometheus::Registry& registry = *d.registry();
  ingest_metrics = std::make_unique<ingest::IngestMetrics>(registry);
  runtime->OnRejected([this](events::Reject r) { ingest_metrics->AddRejected(r, 1); });

  checkpoint_seconds =
      &prometheus::BuildHistogram()
           .Name("ninesd_state_checkpoint_seconds")
           .Help("Time to write one state checkpoint (one SQLite transaction).")
           .Register(registry)
           .Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                            0.2, 0.5, 1, 2.5, 5});
  checkpoint_bytes = &prometheus::BuildGauge()
                          .Name("ninesd_state_checkpoint_bytes")
                          .Help("Encoded bytes of the last checkpoint.")
                          .Register(registry)
                          .Add({});
  checkpoint_timestamp = &prometheus::BuildGauge()
                              .Name("ninesd_state_last_checkpoint_timestamp_seconds")
                              .Help("Wall time of the last committed checkpoint.")
                              .Register(registry)
                              .Add({});
  checkpoint_failures = &prometheus::BuildCounter()
                             .Name("ninesd_state_checkpoint_failures_total")
                             .Help("Checkpoints that failed (rolled back, retried next time).")
                             .Register(registry)
                             .Add({});
  d.AddMetricsWriter(
      [this](std::string& out) {
        const int64_t last = last_checkpoint_ms.load();
        if (last == 0) return;
        out +=
            "# HELP ninesd_state_checkpoint_age_seconds Time since the last committed "
            "checkpoint.\n# TYPE ninesd_state_checkpoint_age_seconds gauge\n"
            "ninesd_state_checkpoint_age_seconds ";
        out += std::to_string(static_cast<double>(WallMs() - last) / 1000.0);
        out += '\n';
      },
      HandlerThread::kHttpWorker);

  // Rendered on the HTTP worker from the last published figures.
  d.AddMetricsWriter([this](std::string& out) { runtime->WriteMetrics(out); },
                     HandlerThread::kHttpWorker);
  d.AddHttpHandler("/api/v1/slos", [this](const HttpRequest&) {
    HttpResponse r;
    r.content_type = "application/json";
    replay::WriteJson(runtime->spec(), runtime->evaluated_at(), runtime->figures().slos, r.body);
    r.body += '\n';
    return r;
  });
  d.AddHttpHandler("/status", [this](const HttpRequest&) {
    report::StatusInput in;
    in.spec = &runtime->spec();
    in.at = runtime->evaluated_at();
    in.slos = runtime->figures().slos;
    in.services = runtime->figures().services;
    if (!in.slos.empty() && in.at <= runtime->engine().now()) in.days = DailyBars(in.at);
    HttpResponse r;
    r.content_type = "text/html; charset=utf-8";
    r.body = report::RenderStatusPage(in);
    return r;
  });

  alerts::DispatcherOptions dispatch;
  dispatch.alerting = config().alerting;
  dispatch.generator_url = "http://" + config().server.listen + "/api/v1/slos";
  dispatch.wall_clock = WallMs;
  auto dispatcher_created = alerts::Dispatcher::Create(d.io(), registry, std::move(dispatch));
  if (!dispatcher_created) return dispatcher_created.error();
  dispatcher = std::move(*dispatcher_created);
  runtime->OnAlert([this](const AlertTransition& t) { OnAlert(t); });
  runtime->OnEvaluated([this] {
    if (!reconciled) {
      // Once, against what the (restored) core says is firing: alerts the
      // saved hook state missed start, stale ones clear.
      reconciled = true;
      const slo::ModelSpec& spec = runtime->spec();
      const auto& figures = runtime->figures().slos;
      std::vector<alerts::AlertEvent> firing;
      for (const slo::SloStatus& st : figures) {
        const slo::SloSpec& sp = spec.slos[st.slo];
        for (const slo::FiringAlert& a : st.alerts) {
          firing.push_back(alerts::MakeAlertEvent(sp, spec.services[sp.service].name, st, a.kind,
                                                  true, a.since));
        }
      }
      dispatcher->Reconcile(firing, runtime->evaluated_at());
    }
    dispatcher->AdvanceTo(runtime->evaluated_at());
  });

  if (!config().probes.empty()) {
    probes::ProberOptions po;
    prober = std::make_unique<probes::Prober>(d.io(), po, [this](const probes::ProbeResult& r) {
      LogProbeChange(r);
      slo::Signal s;
      s.ts = r.start_ms;
      s.service = r.service_index;
      s.kind = slo::SignalKind::kProbe;
      s.good = r.success;
      s.probe = r.probe_index;
      s.location = 0;  // one location per probe: this instance
      runtime->Push(s);
    });
    d.AddMetricsWriter([this](std::string& out) { prober->WriteMetrics(out); });
  }

  d.OnConfigReloaded([this](const config::Config& next) {
    // The running model stays until state can move between models by name.
    if (next.model.services.size() != runtime->spec().services.size() ||
        next.model.slos.size() != runtime->spec().slos.size()) {
      log->warn("reload: services and SLOs changes take effect at the next restart");
    }
    if (prober) ReloadProbes(next);
    alerts::DispatcherOptions o;
    o.alerting = next.alerting;
    o.generator_url = "http://" + config().server.listen + "/api/v1/slos";
    o.wall_clock = WallMs;
    if (Status st = dispatcher->Reconfigure(std::move(o)); !st) {
      log->error("reload: alert hooks unchanged: {}", st.error().message);
    }
  });
  d.OnStarting([this] { return Starting(); });
  d.OnShutdown([this] { Shutdown(); });
  return Ok{};
}

std::vector<std::vector<report::DayCell>> App::Impl::DailyBars(slo::Millis at) {
  constexpr int kDays = 90;
  const slo::ModelSpec& spec = runtime->spec();
  slo::Engine& engine = runtime->engine();
  if (!history_reader && store) {
    auto opened = store::HistoryReader::Open(store->path());
    if (opened) history_reader = std::move(*opened);
  }
  const bool reading = history_reader && history_reader->Begin().ok();
  std::vector<std::vector<report::DayCell>> out;
  for (uint32_t i = 0; i < spec.slos.size(); ++i) {
    const slo::SloSpec& sp = spec.slos[i];
    std::vector<report::DayCell> cells = report::DayCells(sp, at, kDays);
    std::map<slo::Millis, slo::RangeRaw> stored;
    if (reading) {
      auto days = history_reader->Days(sp.name, cells.front().start, at);
      if (days) {
        for (const store::HistoryDay& d : *days) stored[d.start] = d.raw;
      } else {
        log->warn("status: {}", days.error().message);
      }
    }
    // Days not stored (yet: today, or a checkpoint still being written)
    // come from the core while it holds them.
    const slo::Millis kept = engine.KeptFrom(i);
    for (report::DayCell& c : cells) {
      if (auto it = stored.find(c.start); it != stored.end()) {
        c.attainment = slo::FiguresOf(sp, it->second).attainment;
      } else if (c.end > c.start && c.end > engine.origin() &&
                 (c.start >= kept || kept == engine.origin())) {
        c.attainment = slo::FiguresOf(sp, engine.RangeFigures(i, c.start, c.end)).attainment;
      }
    }
    out.push_back(std::move(cells));
  }
  if (history_reader) history_reader->End();
  return out;
}

void App::Impl::OnAlert(const AlertTransition& t) {
  const slo::ModelSpec& spec = runtime->spec();
  const slo::SloSpec& sp = spec.slos[t.slo];
  slo::SloStatus st = runtime->engine().Evaluate(t.slo, runtime->engine().now());
  dispatcher->OnAlert(
      alerts::MakeAlertEvent(sp, spec.services[sp.service].name, st, t.kind, t.firing, t.at));
}

void App::Impl::LogProbeChange(const probes::ProbeResult& r) {
  auto [it, first] = probe_ok.try_emplace({r.service_index, r.probe_index}, r.success);
  if (!(first && !r.success) && (first || it->second == r.success)) return;
  it->second = r.success;
  const slo::ServiceSpec& svc = runtime->spec().services[r.service_index];
  const std::string& name =
      r.probe_index < svc.probes.size() ? svc.probes[r.probe_index].name : "?";
  if (r.success) {
    log->info("probe recovered service={} probe={}", svc.name, name);
  } else {
    log->warn("probe failed service={} probe={} reason={} detail=\"{}\"", svc.name, name, r.reason,
              r.detail);
  }
}

void App::Impl::ReloadProbes(const config::Config& next) {
  // The core keeps its model until restart: only probes whose indices still
  // name the same service and probe in it may feed it.
  const slo::ModelSpec& spec = runtime->spec();
  std::vector<config::ProbeConfig> kept;
  for (const config::ProbeConfig& p : next.probes) {
    if (p.service_index < spec.services.size() &&
        spec.services[p.service_index].name == p.service &&
        p.probe_index < spec.services[p.service_index].probes.size() &&
        spec.services[p.service_index].probes[p.probe_index].name == p.name) {
      kept.push_back(p);
    } else {
      log->warn("reload: new probe service={} probe={} starts at the next restart", p.service,
                p.name);
    }
  }
  prober->Reload(kept);
}

Status App::Impl::Starting() {
  if (!opening.valid()) restore_start = std::chrono::steady_clock::now();
  Result<OpenedState> opened =
      opening.valid() ? opening.get() : OpenState(config().state.path, options.reset_state);
  if (!opened) return opened.error();
  store = std::move(opened->store);
  if (!store->reset_backup().empty()) {
    log->warn("state reset on request; the old file was moved to {}", store->reset_backup());
  }
  if (Status st = Restore(std::move(opened->loaded)); !st) return st;
  if (config().kafka) {
    if (Status st = StartKafka(); !st) return st;
  }
  return Ok{};
}

Status App::Impl::Restore(store::LoadedState loaded) {
  if (loaded.empty) {
    log->debug("state: new file {}", store->path());
    return Ok{};
  }
  auto report = slo::RestoreState(runtime->engine(), &runtime->sequencer(), loaded.engine);
  if (!report) return report.error().Wrap(store->path());
  std::map<std::pair<std::string, int32_t>, int64_t> positions;
  for (const store::KafkaOffset& o : loaded.offsets) {
    positions[{o.topic, o.partition}] = o.next_offset;
  }
  runtime->RestorePositions(std::move(positions));
  // The store holds every restored row: the first checkpoint can be
  // incremental, deleting the rows of names no longer configured.
  next_checkpoint_full = false;
  pending_deleted_services = report->services_removed;
  pending_deleted_slos = report->slos_removed;
  size_t gaps = 0;
  if (!config().probes.empty()) {
    gaps = slo::MarkProbeGap(runtime->engine(), runtime->sequencer(), loaded.wall_time_ms);
  }
  if (auto it = loaded.blobs.find("locations"); it != loaded.blobs.end()) {
    auto table = events::DecodeLocations(it->second);
    if (!table) return Error{store->path() + ": probe location table is corrupt"};
    restored_locations = std::move(*table);
  }
  history->Load(loaded.cursors);
  if (auto it = loaded.blobs.find("alerts"); it != loaded.blobs.end()) {
    if (Status st = dispatcher->LoadState(it->second); !st) {
      return st.error().Wrap(store->path() + ": alert state");
    }
  }
  for (const std::string& why : report->services_fresh) log->info("state: service {}", why);
  for (const std::string& why : report->slos_fresh) log->info("state: SLO {}", why);
  log->info(
      "state: restored checkpoint={} services={} slos={} offsets={} probe_gaps={} "
      "core_time={} ms={}",
      loaded.sequence, report->services_restored, report->slos_restored, loaded.offsets.size(),
      gaps, runtime->engine().started() ? slo::FormatRfc3339(runtime->engine().now()) : "-",
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                            restore_start)
          .count());
  return Ok{};
}

Status App::Impl::StartKafka() {
  const config::KafkaConfig& kc = *config().kafka;
  std::string bootstrap = kc.bootstrap;
  if (bootstrap == "embedded") {
    ingest::EmbeddedBrokerOptions bo;
    bo.topics = kc.topics;
    if (!kc.dead_letter_topic.empty()) bo.topics.push_back(kc.dead_letter_topic);
    auto started = ingest::EmbeddedBroker::Start(bo);
    if (!started) return started.error().Wrap("kafka: embedded broker");
    broker = std::move(*started);
    bootstrap = broker->bootstrap();
    if (Status st = ingest::WriteBootstrapFile(StateDir(config()), bootstrap); !st) return st;
    log->info("kafka: embedded broker bootstrap={} (also in {}/kafka.bootstrap)", bootstrap,
              StateDir(config()));
  }
  ingest::KafkaInputOptions ko = ingest::KafkaInputOptions::FromConfig(kc, bootstrap);
  for (const auto& [tp, off] : runtime->positions()) {
    ko.start_offsets[ingest::TopicPartition{tp.first, tp.second}] = off;
  }
  ko.max_pending_batches = kMaxPendingBatches;
  ko.locations = restored_locations;
  auto created = ingest::KafkaInput::Create(
      runtime->spec(), std::move(ko),
      [this, alive = alive](ingest::IngestBatch&& in) {
        // Consumer thread: one hand-off per batch.
        IngestBatch b;
        b.signals = std::move(in.signals);
        for (const auto& [tp, off] : in.next_offsets)
          b.positions.push_back({tp.topic, tp.partition, off});
        for (size_t r = 0; r < in.rejected.size(); ++r) b.rejected[r] = in.rejected[r];
        b.caught_up = in.caught_up;
        asio::post(d.io(),
                   [this, alive, batch = std::move(b), sources = std::move(in.sources)]() mutable {
                     if (!*alive) return;
                     runtime->Apply(batch);
                     if (!kafka) return;
                     // Late and duplicate events go to the dead-letter topic too.
                     const auto& refused = runtime->refused_in_last_batch();
                     if (!refused.empty() && sources.size() == batch.signals.size()) {
                       std::vector<ingest::RefusedMessage> copies;
                       copies.reserve(refused.size());
                       for (const auto& [i, reason] : refused)
                         copies.push_back({sources[i], reason});
                       kafka->DeadLetterRefused(std::move(copies));
                     }
                     kafka->BatchApplied();
                   });
      },
      *ingest_metrics);
  if (!created) return created.error();
  kafka = std::move(*created);
  kafka->Start();
  return Ok{};
}

void App::Impl::ScheduleCheckpoint() {
  checkpoint_timer->expires_after(std::chrono::milliseconds(config().state.checkpoint_interval));
  checkpoint_timer->async_wait([this, alive = alive](const std::error_code& ec) {
    if (ec || !*alive) return;
    Checkpoint();
    ScheduleCheckpoint();
  });
}

store::CheckpointData App::Impl::CollectCheckpoint(bool full) {
  store::CheckpointData data;
  runtime->PrepareCheckpoint();
  data.engine = slo::CollectState(runtime->engine(), &runtime->sequencer(), full);
  data.engine.deleted_services = std::move(pending_deleted_services);
  data.engine.deleted_slos = std::move(pending_deleted_slos);
  pending_deleted_services.clear();
  pending_deleted_slos.clear();
  for (const auto& [tp, off] : runtime->positions())
    data.offsets.push_back({tp.first, tp.second, off});
  data.blobs["alerts"] = dispatcher->SaveState();
  // Kafka probe events' location numbers name sources in the engine state.
  if (kafka) data.blobs["locations"] = events::EncodeLocations(kafka->locations());
  data.wall_time_ms = WallMs();
  slo::Engine& engine = runtime->engine();
  if (engine.started()) {
    const slo::ModelSpec& spec = runtime->spec();
    std::vector<slo::DayRecord> days;
    std::vector<slo::RunRecord> runs;
    history->Collect(engine, &days, &runs);
    data.days.reserve(days.size());
    for (const slo::DayRecord& r : days) {
      data.days.push_back({spec.slos[r.slo].name, r.start, r.end, r.raw});
    }
    data.runs.reserve(runs.size());
    for (const slo::RunRecord& r : runs) {
      data.runs.push_back({spec.services[r.service].name, r.start, r.end, r.state});
    }
    data.cursors = history->TakeChanged();
    data.prune_before = engine.now() - config().state.history_retention;
  }
  return data;
}

void App::Impl::Checkpoint() {
  if (store->busy()) return;  // the last one is still being written: next time
  const auto start = CheckpointPacer::Clock::now();
  if (!checkpoint_pacer.MayRun(start)) return;
  store::CheckpointData data = CollectCheckpoint(next_checkpoint_full);
  next_checkpoint_full = false;
  const auto took = CheckpointPacer::Clock::now() - start;
  checkpoint_pacer.Collected(start, took);
  if (took * CheckpointPacer::kFactor >
      std::chrono::milliseconds(config().state.checkpoint_interval)) {
    log->info(
        "state: checkpoint collection took {} ms; the next waits {} ms (a tenth of the loop at "
        "most)",
        std::chrono::duration_cast<std::chrono::milliseconds>(took).count(),
        std::chrono::duration_cast<std::chrono::milliseconds>(took * CheckpointPacer::kFactor)
            .count());
  }
  ingest::OffsetMap offsets;
  for (const store::KafkaOffset& o : data.offsets) offsets[{o.topic, o.partition}] = o.next_offset;
  const int64_t wall = data.wall_time_ms;
  store->WriteAsync(std::move(data), [this, alive = alive, offsets = std::move(offsets),
                                      wall](const Result<store::CheckpointStats>& r) {
    // Writer thread: metrics are thread-safe; the Kafka commit goes via the loop.
    if (!r) {
      checkpoint_failures->Increment();
      log->error("state checkpoint failed (kept for the next one): {}", r.error().message);
      return;
    }
    checkpoint_seconds->Observe(r->seconds);
    checkpoint_bytes->Set(static_cast<double>(r->bytes));
    checkpoint_timestamp->Set(static_cast<double>(wall) / 1000.0);
    last_checkpoint_ms.store(wall);
    asio::post(d.io(), [this, alive, offsets] {
      if (*alive && kafka) kafka->CommitOffsets(offsets);
    });
  });
}

void App::Impl::Shutdown() {
  if (prober) prober->Stop();
  // Batches it hands over now are not applied: their offsets are not saved,
  // so they are read again at the next start.
  if (kafka) kafka->Stop();
  runtime->Stop();
  if (checkpoint_timer) checkpoint_timer->cancel();
  if (!store) return;
  auto r = store->Write(CollectCheckpoint(next_checkpoint_full));
  if (!r) {
    log->error("final state checkpoint failed: {}", r.error().message);
    return;
  }
  log->info("state: final checkpoint={} rows={} bytes={} seconds={:.3f}", r->sequence, r->rows,
            r->bytes, r->seconds);
}

Result<std::unique_ptr<App>> App::Wire(Daemon& daemon, AppOptions options) {
  auto impl = std::make_unique<Impl>(daemon, options);
  if (Status st = impl->Wire(); !st) return st.error();
  return std::unique_ptr<App>(new App(std::move(impl)));
}

App::App(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

App::~App() {
  *impl_->alive = false;
  if (impl_->kafka) impl_->kafka->Stop();
}

void App::Run() {
  Impl& i = *impl_;
  i.runtime->Start();
  if (i.prober) i.prober->Start(i.config().probes);
  i.checkpoint_timer = std::make_unique<asio::steady_timer>(i.d.io());
  i.ScheduleCheckpoint();
}

}  // namespace ninesd::daemon
