// The Alertmanager hook against the real prometheus-alertmanager on
// 127.0.0.1, observed through amtool: a page fires, shows, resolves; several
// URLs (an HA pair) each get every alert; and a restart from saved state
// neither pages again nor forgets the alert.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "alerts/dispatcher.h"
#include "tests/alerts/receiver.h"
#include "tests/common/temp_dir.h"

namespace ninesd::alerts {
namespace {

using testing::Output;
using testing::Receiver;
using testing::RunUntil;

constexpr const char* kAlertmanager = "/usr/bin/prometheus-alertmanager";
constexpr const char* kAmtool = "/usr/bin/amtool";

// prometheus-alertmanager with a temporary config and data dir; its own
// notifications go to a webhook receiver so the test can count pages.
class AlertmanagerPeer {
 public:
  explicit AlertmanagerPeer(const std::string& notify_url) {
    std::ofstream(dir_.path() + "/am.yml") << "route:\n"
                                              "  receiver: notify\n"
                                              "  group_by: [alertname, slo]\n"
                                              "  group_wait: 0s\n"
                                              "  group_interval: 1s\n"
                                              "  repeat_interval: 1h\n"
                                              "receivers:\n"
                                              "  - name: notify\n"
                                              "    webhook_configs:\n"
                                              "      - url: \""
                                           << notify_url
                                           << "\"\n"
                                              "        send_resolved: true\n";
    port_ = testing::FreePort();
    child_ = std::make_unique<testing::Child>(
        std::vector<std::string>{kAlertmanager, "--config.file=" + dir_.path() + "/am.yml",
                                 "--storage.path=" + dir_.path() + "/data",
                                 "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                 "--cluster.listen-address="},
        dir_.path() + "/alertmanager.log");
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Active alerts as amtool prints them (JSON); empty when unreachable.
  std::string Query() const {
    return Output({kAmtool, "--alertmanager.url=" + url(), "alert", "query", "-o", "json"});
  }
  bool WaitReady() const {
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < end) {
      if (Query().starts_with("[")) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // a process starting up
    }
    return false;
  }

 private:
  ninesd::test_support::TempDir dir_;
  int port_ = 0;
  std::unique_ptr<testing::Child> child_;
};

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

AlertEvent Event(bool firing, Millis at) {
  AlertEvent e;
  e.slo = "checkout-month";
  e.service = "checkout";
  e.agreement = "sla";
  e.customer = "acme";
  e.kind = slo::AlertKind::kBurnPage;
  e.firing = firing;
  e.at = at;
  e.objective = 0.9999;
  e.window = "month";
  e.unit = "seconds";
  e.attainment = 0.9991;
  e.budget_total = 267.84;
  e.budget_consumed = 241.2;
  e.budget_remaining_ratio = 1 - 241.2 / 267.84;
  e.burn_rates = {{5 * slo::kMinute, 30.1}, {slo::kHour, 16.2}};
  return e;
}

std::string StartsAt(const std::string& query) {
  size_t p = query.find("\"startsAt\":\"");
  if (p == std::string::npos) return "";
  p += 12;
  return query.substr(p, query.find('"', p) - p);
}

size_t CountWith(const Receiver& r, const std::string& needle) {
  size_t n = 0;
  for (const auto& req : r.requests()) n += req.body.find(needle) != std::string::npos;
  return n;
}

class AlertmanagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(kAlertmanager)) << "install prometheus-alertmanager";
  }
  DispatcherOptions Options(std::vector<std::string> am_urls, const std::string& webhook = "") {
    DispatcherOptions o;
    o.alerting.keep_firing_for = 0;
    o.alerting.resend_interval = 60'000;
    o.alerting.runbook_url = "https://wiki.internal/runbooks/slo";
    o.generator_url = "http://127.0.0.1:9929/status";
    config::HookConfig am;
    am.type = config::HookType::kAlertmanager;
    am.name = "alertmanager-1";
    am.urls = std::move(am_urls);
    am.retry_backoff = 50;
    o.alerting.hooks.push_back(am);
    if (!webhook.empty()) {
      config::HookConfig w;
      w.type = config::HookType::kWebhook;
      w.name = "webhook-1";
      w.urls = {webhook};
      o.alerting.hooks.push_back(w);
    }
    return o;
  }

  asio::io_context io_;
};

TEST_F(AlertmanagerTest, PageFiresShowsInAmtoolAndResolves) {
  Receiver notified;  // Alertmanager's own webhook receiver
  Receiver replica;   // the second URL of an HA pair
  AlertmanagerPeer am(notified.url());
  ASSERT_TRUE(am.WaitReady());
  prometheus::Registry registry;
  auto d = Dispatcher::Create(io_, registry, Options({am.url(), replica.url()}));
  ASSERT_TRUE(d.ok());

  Millis fired = NowMs() - 60'000;
  (*d)->OnAlert(Event(true, fired));
  std::string query;
  ASSERT_TRUE(RunUntil(io_, [&] {
    query = am.Query();
    return query.find("checkout-month") != std::string::npos;
  }));
  EXPECT_NE(query.find("\"alertname\":\"ErrorBudgetBurn\""), std::string::npos) << query;
  EXPECT_NE(query.find("\"severity\":\"page\""), std::string::npos) << query;
  EXPECT_NE(query.find("\"service\":\"checkout\""), std::string::npos) << query;
  EXPECT_NE(query.find("\"agreement\":\"sla\""), std::string::npos) << query;
  EXPECT_NE(query.find("\"runbook_url\":\"https://wiki.internal/runbooks/slo\""), std::string::npos)
      << query;
  EXPECT_NE(query.find("budget consumed 241.2s of 267.84s"), std::string::npos) << query;
  EXPECT_EQ(slo::ParseRfc3339(StartsAt(query)), fired) << query;
  ASSERT_TRUE(RunUntil(io_, [&] { return replica.count() >= 1; }));
  EXPECT_EQ(replica.requests()[0].path, "/api/v2/alerts");
  EXPECT_NE(replica.requests()[0].body.find("\"slo\":\"checkout-month\""), std::string::npos);
  ASSERT_TRUE(RunUntil(io_, [&] { return CountWith(notified, "\"status\":\"firing\"") == 1; }));

  (*d)->OnAlert(Event(false, NowMs()));
  ASSERT_TRUE(RunUntil(io_, [&] {
    query = am.Query();
    return query.starts_with("[") && query.find("checkout-month") == std::string::npos;
  }));
  ASSERT_TRUE(RunUntil(io_, [&] { return CountWith(notified, "\"status\":\"resolved\"") == 1; }));
  EXPECT_EQ(testing::Sent(registry, "alertmanager-1", "failed"), 0);
}

TEST_F(AlertmanagerTest, RestartNeitherPagesAgainNorForgets) {
  Receiver notified;
  Receiver replica;
  Receiver webhook;
  AlertmanagerPeer am(notified.url());
  ASSERT_TRUE(am.WaitReady());
  DispatcherOptions options = Options({am.url(), replica.url()}, webhook.url());
  Millis fired = NowMs() - 5 * 60'000;
  std::string saved;
  std::string starts_at;
  {
    prometheus::Registry registry;
    auto d = Dispatcher::Create(io_, registry, options);
    ASSERT_TRUE(d.ok());
    (*d)->OnAlert(Event(true, fired));
    ASSERT_TRUE(RunUntil(io_, [&] {
      starts_at = StartsAt(am.Query());
      return !starts_at.empty();
    }));
    ASSERT_TRUE(RunUntil(io_, [&] {
      return webhook.count() == 1 && CountWith(notified, "\"status\":\"firing\"") >= 1;
    }));
    saved = (*d)->SaveState();
    // Alertmanager logs a notification only after sending it; on a loaded
    // machine it can send the same one twice. Past a group_interval (1s) its
    // log surely has it: what the restart must not add is counted from here.
    RunUntil(
        io_, [] { return false; }, std::chrono::milliseconds(1500));
  }  // the "daemon" stops
  const size_t firing_before = CountWith(notified, "\"status\":\"firing\"");

  prometheus::Registry registry;
  auto d = Dispatcher::Create(io_, registry, options);
  ASSERT_TRUE(d.ok());
  size_t replica_before = replica.count();
  ASSERT_TRUE((*d)->LoadState(saved).ok());
  // Re-sent to Alertmanager at once (it keeps alerts in memory only), with the
  // original startsAt.
  ASSERT_TRUE(RunUntil(io_, [&] { return replica.count() > replica_before; }));
  ASSERT_TRUE(RunUntil(io_, [&] {
    return testing::Sent(registry, "alertmanager-1", "success") >= 2;  // both URLs
  }));
  EXPECT_EQ(StartsAt(am.Query()), starts_at);
  // The webhook had its page before the restart: nothing is queued for it.
  EXPECT_EQ(testing::Metric(registry, "ninesd_alert_queue_length", {{"hook", "webhook-1"}}), 0);
  // Alertmanager would notify a changed group after group_interval (1s); a
  // fixed wait is the only way to see that it does not.
  RunUntil(
      io_, [] { return false; }, std::chrono::milliseconds(2500));
  EXPECT_EQ(CountWith(notified, "\"status\":\"firing\""), firing_before);
  EXPECT_EQ(webhook.count(), 1u);

  // Not forgotten: the restarted dispatcher resolves it everywhere.
  (*d)->OnAlert(Event(false, NowMs()));
  ASSERT_TRUE(RunUntil(io_, [&] {
    std::string q = am.Query();
    return q.starts_with("[") && q.find("checkout-month") == std::string::npos;
  }));
  ASSERT_TRUE(RunUntil(io_, [&] { return CountWith(notified, "\"status\":\"resolved\"") == 1; }));
  ASSERT_TRUE(RunUntil(io_, [&] { return webhook.count() == 2; }));
  EXPECT_NE(webhook.requests()[1].body.find("\"status\":\"resolved\""), std::string::npos);
}

}  // namespace
}  // namespace ninesd::alerts
