#include "alerts/dispatcher.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "alerts/log.h"

namespace ninesd::alerts {
namespace {

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool SameHook(const config::HookConfig& a, const config::HookConfig& b) {
  return a.type == b.type && a.name == b.name && a.urls == b.urls &&
         a.secret_file == b.secret_file && a.command == b.command && a.timeout == b.timeout &&
         a.max_retries == b.max_retries && a.retry_backoff == b.retry_backoff &&
         a.queue_size == b.queue_size && a.concurrency == b.concurrency;
}

PayloadOptions PayloadOf(const DispatcherOptions& o) {
  PayloadOptions p;
  p.runbook_url = o.alerting.runbook_url;
  p.generator_url = o.generator_url;
  p.resend_interval = o.alerting.resend_interval;
  return p;
}

}  // namespace

Result<std::unique_ptr<Dispatcher>> Dispatcher::Create(asio::io_context& io,
                                                       prometheus::Registry& registry,
                                                       DispatcherOptions options) {
  std::unique_ptr<Dispatcher> d(new Dispatcher(io, registry, options));
  Status s = d->ApplyHooks(d->options_);
  if (!s.ok()) return s.error();
  d->ScheduleResend();
  return d;
}

Dispatcher::Dispatcher(asio::io_context& io, prometheus::Registry& registry,
                       DispatcherOptions options)
    : io_(io),
      options_(std::move(options)),
      http_(io),
      metrics_(registry),
      ctx_{io, http_, metrics_, PayloadOf(options_), nullptr},
      resend_timer_(io) {
  if (!options_.wall_clock) options_.wall_clock = &SystemNowMs;
  ctx_.on_done = [this](const std::string& key, uint64_t transition, const std::string& hook) {
    DeliveryDone(key, transition, hook);
  };
}

Dispatcher::~Dispatcher() {
  *alive_ = false;
  resend_timer_.cancel();
  hooks_.clear();  // before the HTTP client and metrics they use
}

int64_t Dispatcher::WallNow() const { return options_.wall_clock(); }

Status Dispatcher::ApplyHooks(const DispatcherOptions& options) {
  auto kept = [&](const config::HookConfig& hc) {
    return std::any_of(hooks_.begin(), hooks_.end(),
                       [&](const std::unique_ptr<Hook>& h) { return SameHook(h->config(), hc); });
  };
  // Everything that can fail (secret files, programs) is checked before
  // anything changes, so a page never finds out at 3 a.m.
  for (const config::HookConfig& hc : options.alerting.hooks) {
    if (kept(hc)) continue;
    if (hc.type == config::HookType::kWebhook && !hc.secret_file.empty()) {
      Result<std::string> secret = ReadSecretFile(hc.secret_file);
      if (!secret.ok()) return secret.error().Wrap("hook " + hc.name);
    }
    if (hc.type == config::HookType::kExec && !hc.command.empty() &&
        access(hc.command[0].c_str(), X_OK) != 0) {
      return Error{"hook " + hc.name + ": command " + hc.command[0] + ": " + std::strerror(errno)};
    }
  }
  // An unchanged hook keeps its queue and its in-flight deliveries; the
  // others go before their replacements register the same metric series.
  std::vector<std::unique_ptr<Hook>> old = std::move(hooks_);
  hooks_.clear();
  std::vector<std::unique_ptr<Hook>> keep;
  for (auto& h : old) {
    bool wanted =
        std::any_of(options.alerting.hooks.begin(), options.alerting.hooks.end(),
                    [&](const config::HookConfig& hc) { return SameHook(h->config(), hc); });
    if (wanted) keep.push_back(std::move(h));
  }
  old.clear();
  std::vector<Hook*> fresh;
  for (const config::HookConfig& hc : options.alerting.hooks) {
    auto same = std::find_if(keep.begin(), keep.end(), [&](const std::unique_ptr<Hook>& h) {
      return h && SameHook(h->config(), hc);
    });
    if (same != keep.end()) {
      hooks_.push_back(std::move(*same));
      continue;
    }
    Result<std::unique_ptr<Hook>> h = MakeHook(ctx_, hc);
    if (!h.ok()) {
      Log()->error("alert hook not started hook={} error=\"{}\"", hc.name, h.error().message);
      continue;
    }
    fresh.push_back(h->get());
    hooks_.push_back(std::move(*h));
  }
  for (auto& [key, a] : alerts_) {
    // Deliveries owed to hooks that are gone will never finish; a hook that
    // was replaced (same name, new settings) lost its queue and gets them again.
    std::erase_if(a.owed, [&](const std::string& name) { return FindHook(name) == nullptr; });
    for (const std::string& name : a.owed) {
      Hook* h = FindHook(name);
      if (std::find(fresh.begin(), fresh.end(), h) != fresh.end()) h->Notify(a, a.transition);
    }
  }
  return Ok{};
}

Hook* Dispatcher::FindHook(std::string_view name) const {
  for (const auto& h : hooks_) {
    if (h->name() == name) return h.get();
  }
  return nullptr;
}

Status Dispatcher::Reconfigure(DispatcherOptions options) {
  if (!options.wall_clock) options.wall_clock = options_.wall_clock;
  PayloadOptions old_payload = ctx_.payload;
  ctx_.payload = PayloadOf(options);
  Status s = ApplyHooks(options);
  if (!s.ok()) {
    ctx_.payload = old_payload;
    return s;
  }
  bool interval_changed = options.alerting.resend_interval != options_.alerting.resend_interval;
  options_ = std::move(options);
  if (interval_changed) ScheduleResend();
  RebuildDeadlines();
  return Ok{};
}

void Dispatcher::RebuildDeadlines() {
  due_.clear();
  expiry_.clear();
  const config::AlertingConfig& cfg = options_.alerting;
  for (const auto& [key, a] : alerts_) {
    if (a.phase == Phase::kPending) due_.emplace(a.active_since + cfg.pending_for, key);
    if (a.phase == Phase::kFiring && a.cleared_at) {
      due_.emplace(*a.cleared_at + cfg.keep_firing_for, key);
    }
    if (a.phase == Phase::kResolved) QueueExpiry(a, key);
  }
}

void Dispatcher::QueueExpiry(const Alert& a, const std::string& key) {
  expiry_.emplace(a.resolved_wall_ms + options_.resolved_retention.count(), key);
}

void Dispatcher::OnAlert(const AlertEvent& e) {
  // Pending and flap-guard deadlines that passed before this transition act first.
  Advance(e.at);
  std::string key = AlertKey(e.slo, e.kind);
  auto it = alerts_.find(key);
  const config::AlertingConfig& cfg = options_.alerting;
  if (e.firing) {
    if (it == alerts_.end() || it->second.phase == Phase::kResolved) {
      Alert a;
      a.info = e;
      a.phase = Phase::kPending;
      a.active_since = e.at;
      it = alerts_.insert_or_assign(key, std::move(a)).first;
      if (cfg.pending_for <= 0) {
        Fire(it->second);
      } else {
        due_.emplace(e.at + cfg.pending_for, key);
      }
      return;
    }
    Alert& a = it->second;
    a.info = e;
    if (a.phase == Phase::kFiring && a.cleared_at) {
      Log()->info("alert flap suppressed alert={} slo={} cleared_ms={}", a.name(), e.slo,
                  e.at - *a.cleared_at);
      a.cleared_at.reset();
    }
    return;
  }
  if (it == alerts_.end()) return;
  Alert& a = it->second;
  if (a.phase == Phase::kPending) {
    // Never fired: nothing was sent, nothing to resolve.
    alerts_.erase(it);
    return;
  }
  if (a.phase == Phase::kFiring && !a.cleared_at) {
    a.info = e;
    a.cleared_at = e.at;
    if (cfg.keep_firing_for <= 0) {
      Resolve(a, e.at);
    } else {
      due_.emplace(e.at + cfg.keep_firing_for, key);
    }
  }
}

void Dispatcher::AdvanceTo(Millis now) { Advance(now); }

void Dispatcher::Advance(Millis now) {
  if (now > now_) now_ = now;
  const config::AlertingConfig& cfg = options_.alerting;
  // Due in event time, in the order of their deadlines (ties by key).
  while (!due_.empty() && due_.begin()->first <= now_) {
    auto it = alerts_.find(due_.begin()->second);
    due_.erase(due_.begin());
    if (it == alerts_.end()) continue;
    Alert& a = it->second;
    if (a.phase == Phase::kPending && now_ >= a.active_since + cfg.pending_for) {
      Fire(a);
    }
    if (a.phase == Phase::kFiring && a.cleared_at && now_ >= *a.cleared_at + cfg.keep_firing_for) {
      Resolve(a, *a.cleared_at);
    }
  }
  // Resolved ones past retention whose once-only deliveries finished (one
  // that finishes later is queued again by DeliveryDone).
  const int64_t wall = WallNow();
  const int64_t retention = options_.resolved_retention.count();
  while (!expiry_.empty() && expiry_.begin()->first <= wall) {
    auto it = alerts_.find(expiry_.begin()->second);
    expiry_.erase(expiry_.begin());
    if (it == alerts_.end()) continue;
    const Alert& a = it->second;
    if (a.phase == Phase::kResolved && a.owed.empty() && wall - a.resolved_wall_ms >= retention) {
      alerts_.erase(it);
    }
  }
}

void Dispatcher::Reconcile(const std::vector<AlertEvent>& firing, Millis at) {
  std::map<std::string, const AlertEvent*> want;
  for (const AlertEvent& e : firing) want[AlertKey(e.slo, e.kind)] = &e;
  std::vector<AlertEvent> clears;
  for (const auto& [key, a] : alerts_) {
    if (a.phase != Phase::kResolved && !want.contains(key)) {
      AlertEvent e = a.info;
      e.firing = false;
      e.at = std::max(at, a.active_since);
      clears.push_back(std::move(e));
    }
  }
  for (const AlertEvent& e : clears) OnAlert(e);
  for (const auto& [key, e] : want) {
    auto it = alerts_.find(key);
    if (it == alerts_.end() || it->second.phase == Phase::kResolved) OnAlert(*e);
  }
  Advance(at);
}

void Dispatcher::Fire(Alert& a) {
  a.phase = Phase::kFiring;
  a.cleared_at.reset();
  a.info.firing = true;
  Log()->info("alert firing alert={} severity={} slo={} service={}", a.name(), a.severity(),
              a.info.slo, a.info.service);
  Notify(a);
}

void Dispatcher::Resolve(Alert& a, Millis at) {
  a.phase = Phase::kResolved;
  a.cleared_at.reset();
  a.resolved_at = std::max(at, a.active_since);
  a.resolved_wall_ms = WallNow();
  a.info.firing = false;
  QueueExpiry(a, AlertKey(a.info.slo, a.info.kind));
  Log()->info("alert resolved alert={} severity={} slo={} service={}", a.name(), a.severity(),
              a.info.slo, a.info.service);
  Notify(a);
}

void Dispatcher::Notify(Alert& a) {
  a.transition = next_transition_++;
  a.owed.clear();
  for (const auto& h : hooks_) {
    if (h->delivers_once()) a.owed.push_back(h->name());
  }
  for (const auto& h : hooks_) h->Notify(a, a.transition);
}

void Dispatcher::DeliveryDone(const std::string& key, uint64_t transition,
                              const std::string& hook) {
  auto it = alerts_.find(key);
  if (it == alerts_.end() || it->second.transition != transition) return;
  Alert& a = it->second;
  std::erase(a.owed, hook);
  if (a.owed.empty() && a.phase == Phase::kResolved) QueueExpiry(a, key);
}

void Dispatcher::ScheduleResend() {
  resend_timer_.expires_after(std::chrono::milliseconds(options_.alerting.resend_interval));
  std::weak_ptr<bool> alive = alive_;
  resend_timer_.async_wait([this, alive](const std::error_code& ec) {
    if (ec || alive.expired()) return;
    Resend();
    ScheduleResend();
  });
}

void Dispatcher::Resend() {
  // Retention is on the wall clock, so it also ends when event time stalls.
  Advance(now_);
  std::vector<const Alert*> active;
  for (const auto& [key, a] : alerts_) {
    if (a.phase != Phase::kPending) active.push_back(&a);
  }
  if (active.empty()) return;
  for (const auto& h : hooks_) {
    if (!h->delivers_once()) h->Resend(active);
  }
}

size_t Dispatcher::queue_length() const {
  size_t n = 0;
  for (const auto& h : hooks_) n += h->queue_length();
  return n;
}

}  // namespace ninesd::alerts
