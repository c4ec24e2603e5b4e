#pragma once
// The HTTP hooks. HttpDestination is one URL with a bounded queue, one
// request in flight, and retries with exponential backoff; a receiver that is
// down only fills its own queue (the oldest entry is dropped and counted).
// AlertmanagerHook posts to every replica's /api/v2/alerts; WebhookHook posts
// the signed JSON body to one URL.
//
// Thread: the io_context thread only.

#include <asio/steady_timer.hpp>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "alerts/hook.h"

namespace ninesd::alerts {

class HttpDestination {
 public:
  struct Item {
    Delivery delivery;
    bool resend = false;  // alertmanager re-send: a newer one replaces it
    bool report = false;  // call HookContext::on_done when it ends
  };

  HttpDestination(HookContext& ctx, const config::HookConfig& config, std::string url,
                  AlertMetrics::Series metrics, std::string secret);
  ~HttpDestination();
  HttpDestination(const HttpDestination&) = delete;
  HttpDestination& operator=(const HttpDestination&) = delete;

  void Enqueue(Item item);
  // Waiting plus in flight.
  size_t length() const { return queue_.size() + (busy_ ? 1 : 0); }
  const std::string& url() const { return url_; }

 private:
  void Next();
  void Attempt();
  void Finish(prometheus::Counter* result);
  void UpdateGauge();

  HookContext& ctx_;
  const config::HookConfig& config_;
  std::string url_;
  AlertMetrics::Series metrics_;
  std::string secret_;
  std::deque<Item> queue_;
  bool busy_ = false;
  Item current_;
  int attempt_ = 0;
  asio::steady_timer backoff_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::function<void()> on_length_change_;

  friend class AlertmanagerHook;
  friend class WebhookHook;
};

class AlertmanagerHook : public Hook {
 public:
  AlertmanagerHook(HookContext& ctx, config::HookConfig config);
  ~AlertmanagerHook() override;
  bool delivers_once() const override { return false; }
  void Notify(const Alert& alert, uint64_t transition) override;
  void Resend(const std::vector<const Alert*>& alerts) override;
  size_t queue_length() const override;

 private:
  void Send(const std::vector<const Alert*>& alerts, bool resend);
  HookContext& ctx_;
  AlertMetrics::Series metrics_;
  std::vector<std::unique_ptr<HttpDestination>> destinations_;
};

class WebhookHook : public Hook {
 public:
  WebhookHook(HookContext& ctx, config::HookConfig config, std::string secret);
  ~WebhookHook() override;
  bool delivers_once() const override { return true; }
  void Notify(const Alert& alert, uint64_t transition) override;
  size_t queue_length() const override { return destination_->length(); }

 private:
  HookContext& ctx_;
  AlertMetrics::Series metrics_;
  std::unique_ptr<HttpDestination> destination_;
};

}  // namespace ninesd::alerts
