// What the hooks send: Alertmanager alerts, the webhook body, the exec
// environment, the signature.

#include "alerts/payload.h"

#include <gtest/gtest.h>

#include "alerts/json.h"

namespace ninesd::alerts {
namespace {

using slo::kMinute;

constexpr Millis kT0 = 1'795'766'400'000;  // 2026-11-27T08:00:00Z

Alert FiringAlert() {
  Alert a;
  a.info.slo = "checkout-month";
  a.info.service = "checkout";
  a.info.agreement = "sla";
  a.info.customer = "acme";
  a.info.kind = slo::AlertKind::kBurnPage;
  a.info.firing = true;
  a.info.at = kT0;
  a.info.objective = 0.9999;
  a.info.window = "month";
  a.info.unit = "seconds";
  a.info.attainment = 0.9995;
  a.info.budget_total = 267.84;
  a.info.budget_consumed = 300;
  a.info.budget_remaining_ratio = -0.12;
  a.info.burn_rates = {{5 * kMinute, 20.5}, {60 * kMinute, 15.25}};
  a.phase = Phase::kFiring;
  a.active_since = kT0;
  return a;
}

PayloadOptions Options() {
  PayloadOptions o;
  o.runbook_url = "https://wiki.internal/runbooks/slo";
  o.generator_url = "http://127.0.0.1:9929/status";
  o.resend_interval = kMinute;
  return o;
}

TEST(SignatureTest, MatchesRfc4231TestCase2) {
  EXPECT_EQ(SignatureHeaderValue("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(AlertmanagerBodyTest, FiringAlertHasLabelsAnnotationsAndEndsAhead) {
  Alert a = FiringAlert();
  std::string body = AlertmanagerBody({&a}, Options(), kT0 + 10'000);
  EXPECT_EQ(body,
            "[{\"labels\":{\"alertname\":\"ErrorBudgetBurn\",\"slo\":\"checkout-month\","
            "\"service\":\"checkout\",\"severity\":\"page\",\"agreement\":\"sla\","
            "\"customer\":\"acme\"},\"annotations\":{\"summary\":\"SLO checkout-month is burning "
            "its error budget fast\",\"description\":\"service checkout, objective 99.99% over "
            "month; attainment 99.95%; budget consumed 300s of 267.84s (remaining -12%); burn "
            "rate 5m=20.50 1h=15.25\",\"runbook_url\":\"https://wiki.internal/runbooks/slo\"},"
            "\"startsAt\":\"2026-11-27T08:00:00Z\",\"endsAt\":\"2026-11-27T08:04:10Z\","
            "\"generatorURL\":\"http://127.0.0.1:9929/status?slo=checkout-month\"}]");
}

TEST(AlertmanagerBodyTest, ResolvedAlertEndsAtItsResolveTime) {
  Alert a = FiringAlert();
  a.phase = Phase::kResolved;
  a.resolved_at = kT0 + 90'000;
  std::string body = AlertmanagerBody({&a}, Options(), kT0 + 100'000);
  EXPECT_NE(body.find("\"endsAt\":\"2026-11-27T08:01:30Z\""), std::string::npos) << body;
}

TEST(AlertmanagerBodyTest, EmptyAgreementIsNoLabel) {
  Alert a = FiringAlert();
  a.info.agreement.clear();
  a.info.customer.clear();
  std::string body = AlertmanagerBody({&a}, Options(), kT0);
  EXPECT_EQ(body.find("agreement"), std::string::npos);
  EXPECT_EQ(body.find("customer"), std::string::npos);
}

TEST(WebhookBodyTest, ResolvedSchema) {
  Alert a = FiringAlert();
  a.phase = Phase::kResolved;
  a.resolved_at = kT0 + 90'000;
  a.info.attainment.reset();
  EXPECT_EQ(WebhookBody(a, Options()),
            "{\"version\":\"1\",\"status\":\"resolved\",\"alertname\":\"ErrorBudgetBurn\","
            "\"severity\":\"page\",\"slo\":\"checkout-month\",\"service\":\"checkout\","
            "\"agreement\":\"sla\",\"customer\":\"acme\",\"starts_at\":\"2026-11-27T08:00:00Z\","
            "\"ends_at\":\"2026-11-27T08:01:30Z\",\"summary\":\"SLO checkout-month is burning its "
            "error budget fast\",\"description\":\"service checkout, objective 99.99% over month; "
            "attainment n/a; budget consumed 300s of 267.84s (remaining -12%); burn rate 5m=20.50 "
            "1h=15.25\",\"runbook_url\":\"https://wiki.internal/runbooks/slo\","
            "\"generator_url\":\"http://127.0.0.1:9929/status?slo=checkout-month\",\"figures\":{"
            "\"objective\":0.9999,\"window\":\"month\",\"unit\":\"seconds\",\"attainment\":null,"
            "\"budget_total\":267.84,\"budget_consumed\":300,\"budget_remaining_ratio\":-0.12,"
            "\"burn_rates\":{\"5m\":20.5,\"1h\":15.25}}}");
}

TEST(WebhookBodyTest, FiringHasNullEndsAt) {
  Alert a = FiringAlert();
  EXPECT_NE(WebhookBody(a, Options()).find("\"status\":\"firing\""), std::string::npos);
  EXPECT_NE(WebhookBody(a, Options()).find("\"ends_at\":null"), std::string::npos);
}

TEST(ExecEnvironmentTest, FixedMinimalEnvironment) {
  Alert a = FiringAlert();
  std::vector<std::string> env = ExecEnvironment(a, Options());
  auto has = [&](const std::string& kv) {
    return std::find(env.begin(), env.end(), kv) != env.end();
  };
  EXPECT_TRUE(has("NINESD_STATUS=firing"));
  EXPECT_TRUE(has("NINESD_ALERTNAME=ErrorBudgetBurn"));
  EXPECT_TRUE(has("NINESD_SEVERITY=page"));
  EXPECT_TRUE(has("NINESD_SLO=checkout-month"));
  EXPECT_TRUE(has("NINESD_CUSTOMER=acme"));
  EXPECT_TRUE(has("NINESD_STARTS_AT=2026-11-27T08:00:00Z"));
  EXPECT_TRUE(has("NINESD_ENDS_AT="));
  EXPECT_TRUE(has("PATH=/usr/local/bin:/usr/bin:/bin"));
  for (const std::string& kv : env) {
    EXPECT_TRUE(kv.starts_with("NINESD_") || kv.starts_with("PATH=") || kv.starts_with("LC_ALL="))
        << kv;
  }
}

TEST(JsonWriterTest, EscapesControlCharactersAndQuotes) {
  std::string out;
  AppendJsonString(out, std::string("a\"b\\c\n\x01", 8));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001\\u0000\"");
  JsonWriter w;
  w.BeginArray().Number(std::numeric_limits<double>::quiet_NaN()).Int(-3).EndArray();
  EXPECT_EQ(w.str(), "[null,-3]");
}

}  // namespace
}  // namespace ninesd::alerts
