#pragma once
// Daemon: the `ninesd run` process. Owns the io_context, the configuration,
// the HTTP endpoint, the metrics registry and the state directory lock, and
// drives the lifecycle: start, SIGHUP reload, SIGTERM/SIGINT graceful stop,
// systemd notifications and watchdog.
//
// Lifecycle: construct with a loaded Config; wire modules (AddCollectable,
// AddMetricsWriter, AddHttpHandler, OnConfigReloaded, OnShutdown); Start();
// Run() until a stop signal. Start() and Run() are called once each, on the
// main thread, which then is the io_context thread: every hook runs there.
//
// Threads: the io_context thread owns config_, hooks and timers. civetweb
// worker threads run HTTP handlers; they reach loop-owned state only through
// RunOnLoop (HandlerThread::kLoop).

#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "config/config.h"
#include "daemon/http_server.h"
#include "daemon/listen_address.h"
#include "daemon/metrics_endpoint.h"
#include "daemon/process_metrics.h"
#include "daemon/state_lock.h"
#include "daemon/systemd_notifier.h"

namespace ninesd::daemon {

// Where an HTTP handler runs.
enum class HandlerThread {
  kHttpWorker,  // directly on the civetweb worker; must be thread-safe
  kLoop,        // on the io_context thread (503 when the loop does not answer in time)
};

class Daemon {
 public:
  // How long an HTTP worker waits for the loop before answering 503.
  static constexpr std::chrono::milliseconds kLoopCallTimeout{1000};

  // `config_path` is the file SIGHUP re-reads.
  Daemon(std::string config_path, config::Config config);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Takes the state directory lock, binds the HTTP endpoint, arms signals and
  // the watchdog, and sends READY=1. The error is one line for the operator.
  [[nodiscard]] Status Start();
  // Takes the state directory lock now (Start() takes it if nobody did): a
  // second instance stops here, before it reads the state file.
  [[nodiscard]] Status LockStateDir();
  bool state_dir_locked() const { return state_lock_.has_value(); }
  // Runs the io_context until a stop completes; returns the exit code.
  int Run();

  // --- Seams for the modules wired in main.cc -------------------------------
  asio::io_context& io() { return io_; }
  // The bound HTTP address (the real port when 0 was asked for); after Start().
  const ListenAddress& listen_address() const { return listen_; }
  // The active configuration; loop thread only (replaced on reload).
  const config::Config& config() const { return config_; }
  // Moves config().model out, for the core, which keeps its model until a
  // restart: one copy of 100 000 SLOs instead of two. config().model is
  // empty afterwards, until a reload brings the next file's.
  slo::ModelSpec TakeModel() { return std::move(config_.model); }
  // The registry served on /metrics; modules add their families here.
  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }
  // More collectables for /metrics (held weakly).
  void AddCollectable(const std::weak_ptr<prometheus::Collectable>& collectable);
  // Hand-written families appended after the collectables; run on the loop
  // thread, or with HandlerThread::kHttpWorker on the worker serving the
  // scrape (the writer must then be thread-safe).
  void AddMetricsWriter(MetricsWriter writer, HandlerThread thread = HandlerThread::kLoop);
  // More endpoints (/status, /api/v1/...). GET and HEAD only.
  void AddHttpHandler(const std::string& path, HttpHandler handler,
                      Access access = Access::kAuthenticated,
                      HandlerThread thread = HandlerThread::kLoop);
  // Called on the loop after a reload passed validation, before it becomes
  // config(); in registration order. Settings that need a restart (server.*,
  // state.path) keep their running values in config().
  void OnConfigReloaded(std::function<void(const config::Config&)> hook);
  // Called by Start() once the state directory lock is held, before the
  // HTTP endpoint binds and READY=1: the place to open the state store,
  // restore the core and start inputs. An error fails Start() (exit 1).
  // In registration order.
  void OnStarting(std::function<Status()> hook);
  // Called on the loop during a graceful stop, after the HTTP endpoint closed
  // and before the loop stops: the place for the final state checkpoint.
  // In reverse registration order (last wired, first stopped).
  void OnShutdown(std::function<void()> hook);

  // Loop thread. Public for tests and for modules that must stop the daemon.
  void Reload();
  void RequestStop(const std::string& reason);

 private:
  void WaitForSignal();
  void ScheduleWatchdog();
  void FinishStop();
  std::string StatusLine() const;
  HttpResponse ServeMetrics();

  asio::io_context io_;
  std::string config_path_;
  config::Config config_;
  ListenAddress listen_;
  size_t services_ = 0;  // of the running config, also after TakeModel()
  size_t slos_ = 0;

  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<ProcessCollector> process_collector_;
  prometheus::Gauge* reload_successful_ = nullptr;
  prometheus::Gauge* reload_success_timestamp_ = nullptr;
  MetricsEndpoint metrics_;

  struct PendingRoute {
    std::string path;
    HttpHandler handler;
    Access access;
  };
  std::vector<PendingRoute> pending_routes_;  // added before Start()

  std::vector<std::function<void(const config::Config&)>> reload_hooks_;
  std::vector<std::function<void()>> shutdown_hooks_;
  std::vector<std::function<Status()>> starting_hooks_;

  SystemdNotifier notifier_;
  asio::signal_set signals_;
  asio::steady_timer watchdog_timer_;
  std::optional<std::chrono::microseconds> watchdog_interval_;
  std::optional<StateDirLock> state_lock_;
  std::unique_ptr<HttpServer> http_;
  std::thread http_closer_;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point stop_started_;
};

}  // namespace ninesd::daemon
