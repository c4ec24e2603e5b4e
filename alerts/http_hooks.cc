#include "alerts/http_hooks.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "alerts/exec_hook.h"
#include "alerts/log.h"

namespace ninesd::alerts {
namespace {

constexpr std::chrono::milliseconds kMaxBackoff{5 * 60 * 1000};

// 5xx, 429 and transport errors may pass on a later attempt; other answers
// (4xx: the payload is wrong, 3xx: redirects are not followed) will not.
bool Retryable(const HttpResponse& r) {
  if (r.curl_code != 0) return true;
  return r.status >= 500 || r.status == 429;
}

std::string Describe(const HttpResponse& r) {
  if (r.curl_code != 0) return r.error;
  std::string body = r.body.substr(0, 200);
  std::replace(body.begin(), body.end(), '\n', ' ');
  return "status " + std::to_string(r.status) + (body.empty() ? "" : " body=\"" + body + "\"");
}

}  // namespace

AlertMetrics::AlertMetrics(prometheus::Registry& registry)
    : sent_(prometheus::BuildCounter()
                .Name("ninesd_alerts_sent_total")
                .Help("Alert deliveries by hook and result (success, failed, dropped, retried, "
                      "timeout).")
                .Register(registry)),
      queue_(prometheus::BuildGauge()
                 .Name("ninesd_alert_queue_length")
                 .Help("Alert deliveries waiting or in flight, by hook.")
                 .Register(registry)) {}

AlertMetrics::Series AlertMetrics::ForHook(const std::string& hook) {
  Series s;
  s.success = &sent_.Add({{"hook", hook}, {"result", "success"}});
  s.failed = &sent_.Add({{"hook", hook}, {"result", "failed"}});
  s.dropped = &sent_.Add({{"hook", hook}, {"result", "dropped"}});
  s.retried = &sent_.Add({{"hook", hook}, {"result", "retried"}});
  s.timeout = &sent_.Add({{"hook", hook}, {"result", "timeout"}});
  s.queue = &queue_.Add({{"hook", hook}});
  return s;
}

void AlertMetrics::Remove(const Series& s) {
  for (prometheus::Counter* c : {s.success, s.failed, s.dropped, s.retried, s.timeout}) {
    if (c) sent_.Remove(c);
  }
  if (s.queue) queue_.Remove(s.queue);
}

Result<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"secret_file " + path + ": " + std::strerror(errno)};
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  if (s.ends_with("\r\n")) {
    s.resize(s.size() - 2);
  } else if (s.ends_with("\n")) {
    s.pop_back();
  }
  if (s.empty()) return Error{"secret_file " + path + ": empty"};
  return s;
}

// --- HttpDestination ---------------------------------------------------------

HttpDestination::HttpDestination(HookContext& ctx, const config::HookConfig& config,
                                 std::string url, AlertMetrics::Series metrics, std::string secret)
    : ctx_(ctx),
      config_(config),
      url_(std::move(url)),
      metrics_(metrics),
      secret_(std::move(secret)),
      backoff_(ctx.io) {}

HttpDestination::~HttpDestination() { *alive_ = false; }

void HttpDestination::Enqueue(Item item) {
  if (item.resend) {
    // A newer snapshot of the active alerts makes a waiting one pointless.
    std::erase_if(queue_, [](const Item& i) { return i.resend; });
  }
  while (queue_.size() >= static_cast<size_t>(config_.queue_size)) {
    Item dropped = std::move(queue_.front());
    queue_.pop_front();
    metrics_.dropped->Increment();
    Log()->warn("alert delivery dropped hook={} url={} reason=\"queue full\" queue_size={}",
                config_.name, url_, config_.queue_size);
    if (dropped.report && ctx_.on_done) {
      ctx_.on_done(dropped.delivery.key, dropped.delivery.transition, config_.name);
    }
  }
  queue_.push_back(std::move(item));
  UpdateGauge();
  if (!busy_) Next();
}

void HttpDestination::UpdateGauge() {
  if (on_length_change_) on_length_change_();
}

void HttpDestination::Next() {
  if (queue_.empty()) {
    busy_ = false;
    UpdateGauge();
    return;
  }
  busy_ = true;
  current_ = std::move(queue_.front());
  queue_.pop_front();
  attempt_ = 0;
  Attempt();
}

void HttpDestination::Attempt() {
  HttpRequest req;
  req.url = url_;
  req.body = current_.delivery.body;
  req.timeout = std::chrono::milliseconds(config_.timeout);
  req.headers.push_back("Content-Type: application/json");
  if (!secret_.empty()) {
    req.headers.push_back("X-Ninesd-Signature: " + SignatureHeaderValue(secret_, req.body));
  }
  std::weak_ptr<bool> alive = alive_;
  ctx_.http.Post(std::move(req), [this, alive](const HttpResponse& r) {
    if (alive.expired()) return;
    if (r.curl_code == 0 && r.status >= 200 && r.status < 300) {
      Finish(metrics_.success);
      return;
    }
    if (!Retryable(r) || attempt_ >= config_.max_retries) {
      Log()->warn("alert delivery failed hook={} url={} attempts={} error=\"{}\"", config_.name,
                  url_, attempt_ + 1, Describe(r));
      Finish(metrics_.failed);
      return;
    }
    metrics_.retried->Increment();
    auto delay = std::chrono::milliseconds(config_.retry_backoff);
    for (int i = 0; i < attempt_ && delay < kMaxBackoff; ++i) delay *= 2;
    delay = std::min(delay, kMaxBackoff);
    ++attempt_;
    Log()->info("alert delivery retry hook={} url={} attempt={} delay_ms={} error=\"{}\"",
                config_.name, url_, attempt_, delay.count(), Describe(r));
    backoff_.expires_after(delay);
    backoff_.async_wait([this, alive](const std::error_code& ec) {
      if (ec || alive.expired()) return;
      Attempt();
    });
  });
}

void HttpDestination::Finish(prometheus::Counter* result) {
  result->Increment();
  Item done = std::move(current_);
  current_ = Item{};
  if (done.report && ctx_.on_done) {
    ctx_.on_done(done.delivery.key, done.delivery.transition, config_.name);
  }
  Next();
}

// --- AlertmanagerHook --------------------------------------------------------

AlertmanagerHook::AlertmanagerHook(HookContext& ctx, config::HookConfig config)
    : Hook(std::move(config)), ctx_(ctx), metrics_(ctx.metrics.ForHook(config_.name)) {
  for (const std::string& base : config_.urls) {
    std::string url = base;
    while (url.ends_with("/")) url.pop_back();
    url += "/api/v2/alerts";
    auto d = std::make_unique<HttpDestination>(ctx, config_, url, metrics_, "");
    d->on_length_change_ = [this] { metrics_.queue->Set(static_cast<double>(queue_length())); };
    destinations_.push_back(std::move(d));
  }
}

AlertmanagerHook::~AlertmanagerHook() {
  destinations_.clear();
  ctx_.metrics.Remove(metrics_);
}

size_t AlertmanagerHook::queue_length() const {
  size_t n = 0;
  for (const auto& d : destinations_) n += d->length();
  return n;
}

void AlertmanagerHook::Send(const std::vector<const Alert*>& alerts, bool resend) {
  if (alerts.empty()) return;
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  std::string body = AlertmanagerBody(alerts, ctx_.payload, now);
  // Every replica gets every alert; they deduplicate among themselves.
  for (auto& d : destinations_) {
    HttpDestination::Item item;
    item.delivery.body = body;
    item.resend = resend;
    d->Enqueue(std::move(item));
  }
}

void AlertmanagerHook::Notify(const Alert& alert, uint64_t /*transition*/) {
  Send({&alert}, false);
}

void AlertmanagerHook::Resend(const std::vector<const Alert*>& alerts) { Send(alerts, true); }

// --- WebhookHook -------------------------------------------------------------

WebhookHook::WebhookHook(HookContext& ctx, config::HookConfig config, std::string secret)
    : Hook(std::move(config)), ctx_(ctx), metrics_(ctx.metrics.ForHook(config_.name)) {
  destination_ = std::make_unique<HttpDestination>(ctx, config_, config_.urls.at(0), metrics_,
                                                   std::move(secret));
  destination_->on_length_change_ = [this] {
    metrics_.queue->Set(static_cast<double>(destination_->length()));
  };
}

WebhookHook::~WebhookHook() {
  destination_.reset();
  ctx_.metrics.Remove(metrics_);
}

void WebhookHook::Notify(const Alert& alert, uint64_t transition) {
  HttpDestination::Item item;
  item.delivery.key = AlertKey(alert.info.slo, alert.info.kind);
  item.delivery.transition = transition;
  item.delivery.firing = alert.phase != Phase::kResolved;
  item.delivery.body = WebhookBody(alert, ctx_.payload);
  item.report = true;
  destination_->Enqueue(std::move(item));
}

// --- MakeHook ----------------------------------------------------------------

Result<std::unique_ptr<Hook>> MakeHook(HookContext& ctx, const config::HookConfig& config) {
  switch (config.type) {
    case config::HookType::kAlertmanager:
      if (config.urls.empty()) return Error{"hook " + config.name + ": no url"};
      return std::unique_ptr<Hook>(std::make_unique<AlertmanagerHook>(ctx, config));
    case config::HookType::kWebhook: {
      if (config.urls.empty()) return Error{"hook " + config.name + ": no url"};
      std::string secret;
      if (!config.secret_file.empty()) {
        Result<std::string> s = ReadSecretFile(config.secret_file);
        if (!s.ok()) return s.error().Wrap("hook " + config.name);
        secret = std::move(*s);
      }
      return std::unique_ptr<Hook>(std::make_unique<WebhookHook>(ctx, config, std::move(secret)));
    }
    case config::HookType::kExec:
      if (config.command.empty()) return Error{"hook " + config.name + ": empty command"};
      return std::unique_ptr<Hook>(std::make_unique<ExecHook>(ctx, config));
  }
  return Error{"hook " + config.name + ": unknown type"};
}

}  // namespace ninesd::alerts
