#pragma once
// Hook: one configured alert destination (alertmanager, webhook, exec), and
// what hooks share: the loop, the HTTP client, metrics, and the callback that
// tells the dispatcher a transition was handled (so the saved state knows
// which deliveries a restart still owes).
//
// Thread: the io_context thread only.

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "alerts/alert.h"
#include "alerts/http_client.h"
#include "alerts/payload.h"
#include "common/result.h"
#include "config/config.h"

namespace ninesd::alerts {

// ninesd_alerts_sent_total{hook,result} and ninesd_alert_queue_length{hook}.
class AlertMetrics {
 public:
  explicit AlertMetrics(prometheus::Registry& registry);

  struct Series {
    prometheus::Counter* success = nullptr;  // delivered (2xx, exit 0)
    prometheus::Counter* failed = nullptr;   // gave up: permanent error or retries spent
    prometheus::Counter* dropped = nullptr;  // pushed out of a full queue
    prometheus::Counter* retried = nullptr;  // attempts that failed and were retried
    prometheus::Counter* timeout = nullptr;  // exec: killed at its timeout
    prometheus::Gauge* queue = nullptr;      // deliveries waiting or in flight
  };
  Series ForHook(const std::string& hook);
  void Remove(const Series& s);

 private:
  prometheus::Family<prometheus::Counter>& sent_;
  prometheus::Family<prometheus::Gauge>& queue_;
};

// One transition to deliver.
struct Delivery {
  std::string key;          // AlertKey()
  uint64_t transition = 0;  // Alert::transition when it was made
  bool firing = true;
  std::string body;              // JSON (webhook body, exec stdin)
  std::vector<std::string> env;  // exec only
};

struct HookContext {
  asio::io_context& io;
  HttpClient& http;
  AlertMetrics& metrics;
  PayloadOptions payload;
  // Called when a delivery ended (delivered, or given up); webhook and exec.
  std::function<void(const std::string& key, uint64_t transition, const std::string& hook)> on_done;
};

class Hook {
 public:
  virtual ~Hook() = default;
  const std::string& name() const { return config_.name; }
  const config::HookConfig& config() const { return config_; }
  // True when a transition must reach this hook once (webhook, exec), false
  // when the hook is fed by periodic re-sends (alertmanager).
  virtual bool delivers_once() const = 0;
  // A transition of `alert` (firing or resolved).
  virtual void Notify(const Alert& alert, uint64_t transition) = 0;
  // The periodic re-send of every active alert (alertmanager only).
  virtual void Resend(const std::vector<const Alert*>& /*alerts*/) {}
  virtual size_t queue_length() const = 0;

 protected:
  explicit Hook(config::HookConfig config) : config_(std::move(config)) {}
  config::HookConfig config_;
};

// Reads a secret file: its content without one trailing newline; not empty.
Result<std::string> ReadSecretFile(const std::string& path);

// Builds a hook; reads the webhook secret file. Errors name the hook.
Result<std::unique_ptr<Hook>> MakeHook(HookContext& ctx, const config::HookConfig& config);

}  // namespace ninesd::alerts
