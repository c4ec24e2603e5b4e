#include "daemon/daemon.h"

#include <prometheus/family.h>

#include <asio/post.hpp>
#include <csignal>
#include <filesystem>
#include <utility>

#include "daemon/logging.h"
#include "daemon/loop_call.h"
#include "daemon/version.h"

namespace ninesd::daemon {
namespace {

std::string Plural(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

const char* SignalName(int signo) {
  switch (signo) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    case SIGHUP:
      return "SIGHUP";
    default:
      return "unknown";
  }
}

double UnixSecondsNow() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

long long MillisSince(std::chrono::steady_clock::time_point start) {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now() - start).count();
}

}  // namespace

Daemon::Daemon(std::string config_path, config::Config config)
    : config_path_(std::move(config_path)),
      config_(std::move(config)),
      services_(config_.model.services.size()),
      slos_(config_.model.slos.size()),
      registry_(std::make_shared<prometheus::Registry>()),
      process_collector_(std::make_shared<ProcessCollector>()),
      signals_(io_),
      watchdog_timer_(io_) {
  prometheus::Labels build_labels = {{"version", NINESD_VERSION}};
  if (*NINESD_REVISION != '\0') build_labels.emplace("revision", NINESD_REVISION);
  prometheus::BuildGauge()
      .Name("ninesd_build_info")
      .Help("A metric with a constant '1' value labeled by the version and revision of ninesd.")
      .Register(*registry_)
      .Add(build_labels)
      .Set(1);
  // Same names and meaning as Prometheus' own; the load at start counts as a
  // successful reload, as it does there.
  reload_successful_ = &prometheus::BuildGauge()
                            .Name("ninesd_config_last_reload_successful")
                            .Help("Whether the last configuration reload attempt was successful.")
                            .Register(*registry_)
                            .Add({});
  reload_success_timestamp_ = &prometheus::BuildGauge()
                                   .Name("ninesd_config_last_reload_success_timestamp_seconds")
                                   .Help("Timestamp of the last successful configuration reload.")
                                   .Register(*registry_)
                                   .Add({});
  reload_successful_->Set(1);
  reload_success_timestamp_->Set(UnixSecondsNow());

  metrics_.AddCollectable(registry_);
  metrics_.AddCollectable(process_collector_);
}

Daemon::~Daemon() {
  if (http_closer_.joinable()) http_closer_.join();
  if (http_) http_->Close();
}

void Daemon::AddCollectable(const std::weak_ptr<prometheus::Collectable>& collectable) {
  metrics_.AddCollectable(collectable);
}

void Daemon::AddMetricsWriter(MetricsWriter writer, HandlerThread thread) {
  metrics_.AddWriter(std::move(writer), thread == HandlerThread::kHttpWorker);
}

void Daemon::AddHttpHandler(const std::string& path, HttpHandler handler, Access access,
                            HandlerThread thread) {
  if (thread == HandlerThread::kLoop) {
    handler = [this, inner = std::move(handler)](const HttpRequest& request) {
      auto response = RunOnLoop(
          io_, [inner, request] { return inner(request); }, kLoopCallTimeout);
      return response ? std::move(*response)
                      : HttpResponse::Text(503, "event loop did not answer in time\n");
    };
  }
  if (http_) {
    if (!stopping_) http_->Handle(path, std::move(handler), access);
  } else {
    pending_routes_.push_back({path, std::move(handler), access});
  }
}

void Daemon::OnConfigReloaded(std::function<void(const config::Config&)> hook) {
  reload_hooks_.push_back(std::move(hook));
}

void Daemon::OnStarting(std::function<Status()> hook) {
  starting_hooks_.push_back(std::move(hook));
}

void Daemon::OnShutdown(std::function<void()> hook) { shutdown_hooks_.push_back(std::move(hook)); }

Status Daemon::Start() {
  auto log = Logger("daemon");
  auto listen = ParseListenAddress(config_.server.listen);
  if (!listen) return listen.error();
  listen_ = *listen;

  // The lock comes first: a second instance must not even bind the port.
  if (Status st = LockStateDir(); !st) return st;
  for (auto& hook : starting_hooks_) {
    if (Status st = hook(); !st) return st;
  }

  std::shared_ptr<const BasicAuth> auth;
  if (!config_.server.basic_auth_user.empty()) {
    auto loaded = BasicAuth::FromDigestFile(config_.server.basic_auth_user,
                                            config_.server.basic_auth_password_sha256_file);
    if (!loaded) return loaded.error();
    auth = std::make_shared<const BasicAuth>(std::move(*loaded));
  }

  // Signals before threads: a SIGHUP or SIGTERM from now on is queued for the
  // loop instead of killing the process.
  signals_.add(SIGTERM);
  signals_.add(SIGINT);
  signals_.add(SIGHUP);
  WaitForSignal();

  HttpServerOptions http_options;
  http_options.listen = listen_;
  http_options.threads = config_.server.threads;
  http_options.request_timeout = std::chrono::milliseconds(config_.server.request_timeout);
  auto http = HttpServer::Start(http_options);
  if (!http) return http.error();
  http_ = std::move(*http);
  http_->SetBasicAuth(auth);
  http_->Handle(
      "/healthz", [](const HttpRequest&) { return HttpResponse::Text(200, "ok\n"); },
      Access::kPublic);
  http_->Handle("/metrics", [this](const HttpRequest&) { return ServeMetrics(); });
  for (auto& route : pending_routes_) {
    http_->Handle(route.path, std::move(route.handler), route.access);
  }
  pending_routes_.clear();
  listen_ = http_->listen();  // the real port when 0 was asked for

  if (auto timeout = SystemdNotifier::WatchdogTimeout()) {
    watchdog_interval_ = std::chrono::duration_cast<std::chrono::microseconds>(*timeout / 2);
    ScheduleWatchdog();
  }
  notifier_.Ready(StatusLine());
  log->info("ready version={} listen={} services={} slos={} auth={} watchdog_ms={}", NINESD_VERSION,
            listen_.ToString(), services_, slos_, auth ? "basic" : "none",
            watchdog_interval_ ? watchdog_interval_->count() / 1000 : 0);
  return Ok{};
}

Status Daemon::LockStateDir() {
  if (state_lock_) return Ok{};
  std::filesystem::path state_dir = std::filesystem::path(config_.state.path).parent_path();
  if (state_dir.empty()) state_dir = ".";
  auto lock = StateDirLock::Acquire(state_dir);
  if (!lock) return lock.error();
  state_lock_.emplace(std::move(*lock));
  return Ok{};
}

int Daemon::Run() {
  try {
    io_.run();
  } catch (const std::exception& e) {
    // Handlers must not throw; if one did, the state is unknown: exit and
    // let systemd restart from the last checkpoint.
    Logger("daemon")->critical("event loop failed error=\"{}\"", e.what());
    return 1;
  }
  return 0;
}

void Daemon::WaitForSignal() {
  signals_.async_wait([this](const std::error_code& ec, int signo) {
    if (ec) return;  // cancelled by FinishStop()
    if (signo == SIGHUP) {
      Reload();
    } else {
      RequestStop(SignalName(signo));
    }
    WaitForSignal();
  });
}

void Daemon::ScheduleWatchdog() {
  notifier_.Watchdog();
  watchdog_timer_.expires_after(*watchdog_interval_);
  watchdog_timer_.async_wait([this](const std::error_code& ec) {
    if (!ec && !stopping_) ScheduleWatchdog();
  });
}

std::string Daemon::StatusLine() const {
  return "serving on " + listen_.ToString() + ", " + Plural(services_, "service", "services") +
         ", " + Plural(slos_, "SLO", "SLOs");
}

HttpResponse Daemon::ServeMetrics() {
  HttpResponse response;
  response.content_type = kMetricsContentType;
  response.body = metrics_.RenderCollectables();
  if (metrics_.HasWriters()) {
    auto extra = RunOnLoop(
        io_,
        [this] {
          std::string text;
          metrics_.RenderWriters(text);
          return text;
        },
        kLoopCallTimeout);
    // Half a scrape would make series vanish and reappear: fail it whole.
    if (!extra) return HttpResponse::Text(503, "event loop did not answer in time\n");
    response.body += *extra;
  }
  metrics_.RenderThreadSafeWriters(response.body);
  return response;
}

void Daemon::Reload() {
  if (stopping_) return;
  auto log = Logger("daemon");
  auto started = std::chrono::steady_clock::now();
  log->info("reloading config path={}", config_path_);
  notifier_.Reloading();

  config::LoadResult loaded = config::LoadConfigFile(config_path_);
  if (!loaded.ok()) {
    for (const auto& diagnostic : loaded.errors) log->error("{}", diagnostic.ToString());
    reload_successful_->Set(0);
    log->error("config reload failed errors={} elapsed_ms={}; keeping the previous config",
               loaded.errors.size(), MillisSince(started));
    notifier_.Ready(StatusLine() + ", last reload failed");
    return;
  }
  config::Config next = std::move(*loaded.config);

  // What is bound, locked or read at start stays until a restart (these keys
  // are declared restart-only in config/options.cc); config() keeps
  // describing what is in effect.
  auto keep = [&](const char* key, auto& next_value, const auto& running_value) {
    if (next_value != running_value) {
      log->warn("config change needs a restart key={} running=\"{}\" new=\"{}\"", key,
                running_value, next_value);
      next_value = running_value;
    }
  };
  keep("server.listen", next.server.listen, config_.server.listen);
  next.server.host = config_.server.host;  // both derived from server.listen
  next.server.port = config_.server.port;
  keep("server.threads", next.server.threads, config_.server.threads);
  keep("server.request_timeout", next.server.request_timeout, config_.server.request_timeout);
  keep("server.basic_auth.user", next.server.basic_auth_user, config_.server.basic_auth_user);
  keep("server.basic_auth.password_sha256_file", next.server.basic_auth_password_sha256_file,
       config_.server.basic_auth_password_sha256_file);
  keep("state.path", next.state.path, config_.state.path);

  for (const auto& hook : reload_hooks_) hook(next);
  config_ = std::move(next);
  services_ = config_.model.services.size();
  slos_ = config_.model.slos.size();

  reload_successful_->Set(1);
  reload_success_timestamp_->Set(UnixSecondsNow());
  log->info("config reloaded services={} slos={} elapsed_ms={}", config_.model.services.size(),
            config_.model.slos.size(), MillisSince(started));
  notifier_.Ready(StatusLine());
}

void Daemon::RequestStop(const std::string& reason) {
  if (stopping_) return;
  stopping_ = true;
  stop_started_ = std::chrono::steady_clock::now();
  Logger("daemon")->info("stopping reason={}", reason);
  notifier_.Stopping();
  watchdog_timer_.cancel();
  // Closing civetweb joins its workers, and a worker may be waiting for the
  // loop (RunOnLoop): close on a helper thread while the loop keeps running,
  // then finish on the loop.
  http_closer_ = std::thread([this] {
    if (http_) http_->Close();
    asio::post(io_, [this] { FinishStop(); });
  });
}

void Daemon::FinishStop() {
  if (http_closer_.joinable()) http_closer_.join();
  auto log = Logger("daemon");
  for (auto it = shutdown_hooks_.rbegin(); it != shutdown_hooks_.rend(); ++it) {
    try {
      (*it)();
    } catch (const std::exception& e) {
      log->error("shutdown hook failed error=\"{}\"", e.what());
    }
  }
  std::error_code ignored;
  signals_.cancel(ignored);
  watchdog_timer_.cancel();
  io_.stop();
  log->info("stopped elapsed_ms={}", MillisSince(stop_started_));
}

}  // namespace ninesd::daemon
