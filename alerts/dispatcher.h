#pragma once
// Dispatcher: turns the core's alert transitions into deliveries. It applies
// the pending time (`alerting.for`) and the flap guard
// (`alerting.keep_firing_for`) in event time, sends each firing and each
// resolve to every hook, re-sends active alerts to Alertmanager every
// resend_interval (firing ones with endsAt ahead, resolved ones for
// resolved_retention), and keeps its state (what is pending or firing, since
// when, and which once-only deliveries are unfinished) in a blob the
// checkpoint stores, so a restart neither re-pages nor forgets.
//
// Wiring (daemon): forward every slo::EngineObserver::OnAlert as an
// AlertEvent (MakeAlertEvent) to OnAlert, call AdvanceTo(engine.now()) after
// the core advanced, Reconcile after a restore or reload, and save
// SaveState() with each checkpoint.
//
// Thread: the io_context thread only.

#include <prometheus/registry.h>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alerts/alert.h"
#include "alerts/hook.h"
#include "alerts/http_client.h"
#include "common/result.h"
#include "config/config.h"

namespace ninesd::alerts {

struct DispatcherOptions {
  config::AlertingConfig alerting;
  // Base of each alert's generatorURL ("?slo=NAME" appended), e.g. the
  // daemon's http://host:port/status; empty: no generatorURL.
  std::string generator_url;
  // How long resolved alerts are still re-sent to Alertmanager (Prometheus:
  // 15m), measured on the wall clock.
  std::chrono::milliseconds resolved_retention{15 * 60 * 1000};
  // Wall clock in ms since the epoch (Alertmanager endsAt, retention).
  std::function<int64_t()> wall_clock;
};

class Dispatcher {
 public:
  // Builds the hooks (reads webhook secret files); the error names the hook.
  static Result<std::unique_ptr<Dispatcher>> Create(asio::io_context& io,
                                                    prometheus::Registry& registry,
                                                    DispatcherOptions options);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // A transition from the core, in event-time order.
  void OnAlert(const AlertEvent& event);
  // Event time moved to `now`: pending alerts whose `for` elapsed fire, and
  // alerts whose condition stayed clear for keep_firing_for resolve.
  void AdvanceTo(Millis now);
  // Aligns with what the core says is firing at `at` (after a restore, or a
  // reload that removed SLOs): alerts missing from `firing` are cleared at
  // `at`, firing ones not known yet start (at their event's `at`).
  void Reconcile(const std::vector<AlertEvent>& firing, Millis at);
  // New settings and hooks; hooks whose settings did not change keep their
  // queues. On error nothing changes.
  [[nodiscard]] Status Reconfigure(DispatcherOptions options);

  // The persistent state (JSON, docs/alerting.md).
  std::string SaveState() const;
  // Replaces the state with a saved one. Firing alerts are not re-notified;
  // once-only deliveries that had not finished are sent again; Alertmanager
  // gets the active alerts with their original startsAt at once.
  [[nodiscard]] Status LoadState(std::string_view blob);

  // Introspection (tests, /status).
  const std::map<std::string, Alert>& alerts() const { return alerts_; }
  size_t queue_length() const;
  const std::vector<std::unique_ptr<Hook>>& hooks() const { return hooks_; }

 private:
  Dispatcher(asio::io_context& io, prometheus::Registry& registry, DispatcherOptions options);
  Status ApplyHooks(const DispatcherOptions& options);
  Hook* FindHook(std::string_view name) const;
  void Advance(Millis now);
  // Refills the deadline queues from alerts_ (after a load or new settings).
  void RebuildDeadlines();
  // A resolved alert's end of retention (wall clock) into expiry_.
  void QueueExpiry(const Alert& a, const std::string& key);
  void Fire(Alert& a);
  void Resolve(Alert& a, Millis at);
  void Notify(Alert& a);
  void ScheduleResend();
  void Resend();
  void DeliveryDone(const std::string& key, uint64_t transition, const std::string& hook);
  int64_t WallNow() const;

  asio::io_context& io_;
  DispatcherOptions options_;
  HttpClient http_;
  AlertMetrics metrics_;
  HookContext ctx_;
  std::vector<std::unique_ptr<Hook>> hooks_;
  std::map<std::string, Alert> alerts_;  // by AlertKey
  // When something may be due, so that a transition or a step of event time
  // visits only the alerts due (a scan of all of them made reading a
  // backlog with thousands of alerts quadratic). Entries may be stale (the
  // alert moved on): the condition is checked again when one comes up.
  // Event time: a pending alert's `for`, a cleared one's keep_firing_for.
  std::set<std::pair<Millis, std::string>> due_;
  // Wall clock: a resolved alert's end of retention.
  std::set<std::pair<int64_t, std::string>> expiry_;
  uint64_t next_transition_ = 1;
  Millis now_ = 0;  // latest event time seen
  asio::steady_timer resend_timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace ninesd::alerts
