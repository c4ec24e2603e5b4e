// The webhook hook against a real HTTP receiver on 127.0.0.1: signature,
// retries with backoff, giving up, bounded queues, and redelivery after a
// restart of what was not delivered.

#include <gtest/gtest.h>

#include <fstream>

#include "alerts/dispatcher.h"
#include "alerts/payload.h"
#include "tests/alerts/receiver.h"
#include "tests/common/temp_dir.h"

namespace ninesd::alerts {
namespace {

using testing::Receiver;
using testing::RunUntil;
using testing::Sent;

AlertEvent Event(bool firing, const std::string& slo = "checkout-month") {
  AlertEvent e;
  e.slo = slo;
  e.service = "checkout";
  e.kind = slo::AlertKind::kBurnPage;
  e.firing = firing;
  e.at = firing ? 1'795'766'400'000 : 1'795'766'460'000;
  e.objective = 0.999;
  e.window = "30d";
  e.unit = "events";
  return e;
}

config::HookConfig Webhook(const std::string& url, const std::string& name = "webhook-1") {
  config::HookConfig h;
  h.type = config::HookType::kWebhook;
  h.name = name;
  h.urls = {url};
  h.retry_backoff = 20;
  h.timeout = 5000;
  return h;
}

class WebhookTest : public ::testing::Test {
 protected:
  std::unique_ptr<Dispatcher> Make(std::vector<config::HookConfig> hooks,
                                   prometheus::Registry& registry) {
    DispatcherOptions o;
    o.alerting.keep_firing_for = 0;
    o.alerting.hooks = std::move(hooks);
    auto d = Dispatcher::Create(io_, registry, o);
    EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().message);
    return d.ok() ? std::move(*d) : nullptr;
  }
  std::string SecretFile(const std::string& content) {
    std::string path = dir_.path() + "/hook.secret";
    std::ofstream(path) << content;
    return path;
  }

  ninesd::test_support::TempDir dir_;
  asio::io_context io_;
  prometheus::Registry registry_;
};

TEST_F(WebhookTest, SignedAndRetriedUntilDeliveredOnce) {
  Receiver receiver(/*fail_first=*/2);
  config::HookConfig h = Webhook(receiver.url("/hook"));
  h.secret_file = SecretFile("s3cret\n");
  auto d = Make({h}, registry_);
  d->OnAlert(Event(true));
  ASSERT_TRUE(RunUntil(io_, [&] { return Sent(registry_, "webhook-1", "success") == 1; }));
  std::vector<testing::Received> got = receiver.requests();
  ASSERT_EQ(got.size(), 3u);  // two 500s, then delivered
  for (const auto& r : got) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.path, "/hook");
    EXPECT_EQ(r.headers.at("content-type"), "application/json");
    // The secret file's trailing newline is not part of the key.
    EXPECT_EQ(r.headers.at("x-ninesd-signature"), SignatureHeaderValue("s3cret", r.body));
    EXPECT_NE(r.body.find("\"status\":\"firing\""), std::string::npos);
  }
  EXPECT_EQ(Sent(registry_, "webhook-1", "retried"), 2);
  EXPECT_TRUE(d->alerts().begin()->second.owed.empty());

  d->OnAlert(Event(false));
  ASSERT_TRUE(RunUntil(io_, [&] { return Sent(registry_, "webhook-1", "success") == 2; }));
  got = receiver.requests();
  ASSERT_EQ(got.size(), 4u);
  EXPECT_NE(got[3].body.find("\"status\":\"resolved\""), std::string::npos);
}

TEST_F(WebhookTest, GivesUpAfterMaxRetries) {
  Receiver receiver(/*fail_first=*/100);
  config::HookConfig h = Webhook(receiver.url());
  h.max_retries = 2;
  auto d = Make({h}, registry_);
  d->OnAlert(Event(true));
  ASSERT_TRUE(RunUntil(io_, [&] { return Sent(registry_, "webhook-1", "failed") == 1; }));
  EXPECT_EQ(receiver.count(), 3u);
  EXPECT_EQ(Sent(registry_, "webhook-1", "retried"), 2);
  EXPECT_EQ(d->queue_length(), 0u);
}

TEST_F(WebhookTest, MissingSecretFileIsAnErrorNamingTheHook) {
  config::HookConfig h = Webhook("http://127.0.0.1:9/");
  h.secret_file = dir_.path() + "/absent";
  DispatcherOptions o;
  o.alerting.hooks = {h};
  auto d = Dispatcher::Create(io_, registry_, o);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().message,
            "hook webhook-1: secret_file " + dir_.path() + "/absent: No such file or directory");
}

TEST_F(WebhookTest, HangingReceiverFillsOnlyItsOwnBoundedQueue) {
  Receiver hanging(0, /*hang=*/true);
  Receiver healthy;
  config::HookConfig slow = Webhook(hanging.url(), "slow");
  slow.queue_size = 2;
  auto d = Make({slow, Webhook(healthy.url(), "fast")}, registry_);
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) d->OnAlert(Event(true, "slo-" + std::to_string(i)));
  ASSERT_TRUE(RunUntil(io_, [&] { return Sent(registry_, "fast", "success") == 5; }));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
  // One in flight, two waiting; the two oldest waiting ones were dropped.
  EXPECT_EQ(Sent(registry_, "slow", "dropped"), 2);
  EXPECT_EQ(testing::Metric(registry_, "ninesd_alert_queue_length", {{"hook", "slow"}}), 3);
  EXPECT_EQ(testing::Metric(registry_, "ninesd_alert_queue_length", {{"hook", "fast"}}), 0);
}

TEST_F(WebhookTest, RestartRedeliversOnlyWhatWasNotDelivered) {
  Receiver hanging(0, /*hang=*/true);
  std::string saved;
  {
    prometheus::Registry registry;
    auto d = Make({Webhook(hanging.url())}, registry);
    d->OnAlert(Event(true));
    ASSERT_TRUE(RunUntil(io_, [&] { return hanging.count() == 1; }));
    saved = d->SaveState();  // the delivery is still in flight
  }
  Receiver receiver;
  std::string saved_again;
  {
    prometheus::Registry registry;
    auto d = Make({Webhook(receiver.url())}, registry);
    ASSERT_TRUE(d->LoadState(saved).ok());
    ASSERT_TRUE(RunUntil(io_, [&] { return Sent(registry, "webhook-1", "success") == 1; }));
    EXPECT_EQ(receiver.count(), 1u);
    EXPECT_NE(receiver.requests()[0].body.find("\"status\":\"firing\""), std::string::npos);
    saved_again = d->SaveState();
  }
  {
    prometheus::Registry registry;
    auto d = Make({Webhook(receiver.url())}, registry);
    ASSERT_TRUE(d->LoadState(saved_again).ok());
    // Delivered before the restart: nothing is queued, nothing goes out.
    EXPECT_EQ(d->queue_length(), 0u);
    EXPECT_EQ(d->alerts().begin()->second.phase, Phase::kFiring);
  }
  EXPECT_EQ(receiver.count(), 1u);
}

TEST_F(WebhookTest, ReconfigureKeepsUnchangedHooksAndRefusesBadSecrets) {
  Receiver hanging(0, /*hang=*/true);
  Receiver healthy;
  DispatcherOptions o;
  o.alerting.keep_firing_for = 0;
  o.alerting.hooks = {Webhook(hanging.url(), "slow")};
  auto r = Dispatcher::Create(io_, registry_, o);
  ASSERT_TRUE(r.ok());
  Dispatcher& d = **r;
  d.OnAlert(Event(true));
  ASSERT_TRUE(RunUntil(io_, [&] { return hanging.count() == 1; }));
  const Hook* slow = d.hooks()[0].get();

  DispatcherOptions bad = o;
  config::HookConfig signed_hook = Webhook(healthy.url(), "fast");
  signed_hook.secret_file = dir_.path() + "/absent";
  bad.alerting.hooks.push_back(signed_hook);
  ASSERT_FALSE(d.Reconfigure(bad).ok());
  ASSERT_EQ(d.hooks().size(), 1u);
  EXPECT_EQ(d.hooks()[0].get(), slow);

  DispatcherOptions good = o;
  good.alerting.hooks.push_back(Webhook(healthy.url(), "fast"));
  ASSERT_TRUE(d.Reconfigure(good).ok());
  ASSERT_EQ(d.hooks().size(), 2u);
  EXPECT_EQ(d.hooks()[0].get(), slow);  // its delivery stays in flight
  EXPECT_EQ(d.hooks()[0]->queue_length(), 1u);

  // Replaced with new settings under the same name: the owed page moves to it.
  DispatcherOptions moved = o;
  moved.alerting.hooks = {Webhook(healthy.url(), "slow")};
  ASSERT_TRUE(d.Reconfigure(moved).ok());
  ASSERT_TRUE(RunUntil(io_, [&] { return Sent(registry_, "slow", "success") == 1; }));
  EXPECT_EQ(healthy.count(), 1u);
  EXPECT_TRUE(d.alerts().begin()->second.owed.empty());
}

}  // namespace
}  // namespace ninesd::alerts
