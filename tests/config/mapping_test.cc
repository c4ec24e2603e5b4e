// Values and defaults land in the typed structs and in slo::ModelSpec.

#include <gtest/gtest.h>

#include "config/config.h"
#include "tests/config/test_util.h"

namespace ninesd::config {
namespace {

using slo::kDay;
using slo::kHour;
using slo::kMinute;
using slo::kSecond;
using testing::MustLoad;

TEST(DefaultsTest, EmptyConfigEqualsStructDefaults) {
  Config c = MustLoad("");
  const Config d;
  EXPECT_EQ(c.server.listen, d.server.listen);
  EXPECT_EQ(c.server.host, "127.0.0.1");
  EXPECT_EQ(c.server.port, 9929);
  EXPECT_EQ(c.server.request_timeout, d.server.request_timeout);
  EXPECT_EQ(c.server.threads, d.server.threads);
  EXPECT_EQ(c.state.path, d.state.path);
  EXPECT_EQ(c.state.checkpoint_interval, d.state.checkpoint_interval);
  EXPECT_EQ(c.alerting.resend_interval, d.alerting.resend_interval);
  EXPECT_EQ(c.model.allowed_lateness, 10 * kSecond);
  EXPECT_EQ(c.model.evaluation_interval, 10 * kSecond);
  EXPECT_FALSE(c.kafka.has_value());
}

TEST(DefaultsTest, SectionDefaultsEqualStructDefaults) {
  Config c = MustLoad(
      "kafka: {bootstrap: embedded, topics: [events]}\n"
      "services:\n"
      "  - name: web\n"
      "    probes:\n"
      "      - {type: http, url: \"http://web/\"}\n"
      "      - {type: tcp, target: \"web:443\"}\n"
      "      - {type: dns, server: \"10.0.0.2:53\", query_name: web}\n"
      "alerting: {hooks: [{type: exec, command: [/bin/true]}]}\n");
  const KafkaConfig dk;
  ASSERT_TRUE(c.kafka.has_value());
  EXPECT_EQ(c.kafka->group_id, dk.group_id);
  EXPECT_EQ(c.kafka->allowed_lateness, dk.allowed_lateness);
  EXPECT_EQ(c.kafka->max_event_bytes, dk.max_event_bytes);
  const ProbeConfig dp;
  ASSERT_EQ(c.probes.size(), 3u);
  EXPECT_EQ(c.probes[0].interval, dp.interval);
  EXPECT_EQ(c.probes[0].timeout, dp.timeout);
  EXPECT_EQ(c.probes[0].method, dp.method);
  EXPECT_EQ(c.probes[1].tls, dp.tls);
  EXPECT_EQ(c.probes[2].query_type, dp.query_type);
  const HookConfig dh;
  ASSERT_EQ(c.alerting.hooks.size(), 1u);
  EXPECT_EQ(c.alerting.hooks[0].timeout, dh.timeout);
  EXPECT_EQ(c.alerting.hooks[0].queue_size, dh.queue_size);
  EXPECT_EQ(c.alerting.hooks[0].concurrency, dh.concurrency);
  EXPECT_EQ(c.alerting.hooks[0].name, "exec-1");
  const AlertingConfig da;
  EXPECT_EQ(c.alerting.pending_for, da.pending_for);
  EXPECT_EQ(c.alerting.keep_firing_for, da.keep_firing_for);
  const slo::ServiceSpec ds;
  const slo::ServiceSpec& s = c.model.services[0];
  EXPECT_EQ(s.quorum, ds.quorum);
  EXPECT_EQ(s.event_probe.stale_after, ds.event_probe.stale_after);
  EXPECT_EQ(s.event_probe.failure_threshold, ds.event_probe.failure_threshold);
  EXPECT_EQ(s.event_probe.success_threshold, ds.event_probe.success_threshold);
}

TEST(ServerTest, ListenIsSplitIntoHostAndPort) {
  Config c = MustLoad("server: {listen: \"[::1]:8080\", threads: 4, request_timeout: 500ms}\n");
  EXPECT_EQ(c.server.listen, "[::1]:8080");
  EXPECT_EQ(c.server.host, "::1");
  EXPECT_EQ(c.server.port, 8080);
  EXPECT_EQ(c.server.threads, 4);
  EXPECT_EQ(c.server.request_timeout, 500);
}

TEST(ServerTest, BasicAuth) {
  Config c = MustLoad("server: {basic_auth: {user: prom, password_sha256_file: /run/pw}}\n");
  EXPECT_EQ(c.server.basic_auth_user, "prom");
  EXPECT_EQ(c.server.basic_auth_password_sha256_file, "/run/pw");
}

TEST(KafkaTest, ValuesAndAllowedLatenessReachTheModel) {
  Config c = MustLoad(
      "kafka:\n"
      "  bootstrap: \"b1:9092, b2:9092\"\n"
      "  group_id: g\n"
      "  topics: [a, b]\n"
      "  dead_letter_topic: dlq\n"
      "  allowed_lateness: 30s\n"
      "  max_event_bytes: 1024\n"
      "  properties: {security.protocol: SASL_SSL, sasl.password_file: /run/k, retries: 3}\n");
  ASSERT_TRUE(c.kafka.has_value());
  EXPECT_EQ(c.kafka->bootstrap, "b1:9092, b2:9092");
  EXPECT_EQ(c.kafka->group_id, "g");
  EXPECT_EQ(c.kafka->topics, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c.kafka->dead_letter_topic, "dlq");
  EXPECT_EQ(c.kafka->allowed_lateness, 30 * kSecond);
  EXPECT_EQ(c.model.allowed_lateness, 30 * kSecond);
  EXPECT_EQ(c.kafka->max_event_bytes, 1024);
  EXPECT_EQ(
      c.kafka->properties,
      (std::map<std::string, std::string>{
          {"security.protocol", "SASL_SSL"}, {"sasl.password_file", "/run/k"}, {"retries", "3"}}));
}

TEST(ProbeTest, ValuesDefaultsAndIndices) {
  Config c = MustLoad(
      "services:\n"
      "  - name: db\n"
      "    probes: [{type: tcp, target: \"db:5432\", tls: true, interval: 30s, timeout: 500ms}]\n"
      "  - name: web\n"
      "    probes:\n"
      "      - type: http\n"
      "        url: \"https://web.internal/health\"\n"
      "        method: POST\n"
      "        headers: {X-Probe: ninesd}\n"
      "        body: ping\n"
      "        expect: {status: [200, 204], body_regex: \"ok\"}\n"
      "        failure_threshold: 3\n"
      "        success_threshold: 2\n"
      "        location: eu-1\n"
      "      - {type: icmp, host: web.internal, interval: 5s, stale_after: 1m}\n"
      "      - {type: dns, server: \"[2001:db8::53]:53\", query_name: web.internal, query_type: "
      "AAAA}\n"
      "      - {type: icmp, host: web2.internal}\n");
  ASSERT_EQ(c.probes.size(), 5u);
  const ProbeConfig& tcp = c.probes[0];
  EXPECT_EQ(tcp.type, ProbeType::kTcp);
  EXPECT_EQ(tcp.name, "tcp-1");
  EXPECT_EQ(tcp.service, "db");
  EXPECT_EQ(tcp.service_index, 0u);
  EXPECT_EQ(tcp.probe_index, 0u);
  EXPECT_EQ(tcp.target, "db:5432");
  EXPECT_TRUE(tcp.tls);
  EXPECT_EQ(tcp.interval, 30 * kSecond);
  EXPECT_EQ(tcp.timeout, 500);

  const ProbeConfig& http = c.probes[1];
  EXPECT_EQ(http.type, ProbeType::kHttp);
  EXPECT_EQ(http.name, "http-1");
  EXPECT_EQ(http.service_index, 1u);
  EXPECT_EQ(http.probe_index, 0u);
  EXPECT_EQ(http.url, "https://web.internal/health");
  EXPECT_EQ(http.method, "POST");
  EXPECT_EQ(http.headers, (std::map<std::string, std::string>{{"X-Probe", "ninesd"}}));
  EXPECT_EQ(http.body, "ping");
  EXPECT_EQ(http.valid_status_codes, (std::vector<int>{200, 204}));
  EXPECT_EQ(http.body_regex, "ok");
  EXPECT_EQ(http.location, "eu-1");

  EXPECT_EQ(c.probes[2].name, "icmp-1");
  EXPECT_EQ(c.probes[2].probe_index, 1u);
  EXPECT_EQ(c.probes[3].type, ProbeType::kDns);
  EXPECT_EQ(c.probes[3].server, "[2001:db8::53]:53");
  EXPECT_EQ(c.probes[3].query_name, "web.internal");
  EXPECT_EQ(c.probes[3].query_type, "AAAA");
  EXPECT_EQ(c.probes[4].name, "icmp-2");
  EXPECT_EQ(c.probes[4].probe_index, 3u);

  // The core's view: one ProbeSourceSpec per probe, at probe_index.
  const slo::ServiceSpec& db = c.model.services[0];
  ASSERT_EQ(db.probes.size(), 1u);
  EXPECT_EQ(db.probes[0].name, "tcp-1");
  EXPECT_EQ(db.probes[0].stale_after, 90 * kSecond);  // 3 x interval
  const slo::ServiceSpec& web = c.model.services[1];
  ASSERT_EQ(web.probes.size(), 4u);
  EXPECT_EQ(web.probes[0].name, "http-1");
  EXPECT_EQ(web.probes[0].failure_threshold, 3);
  EXPECT_EQ(web.probes[0].success_threshold, 2);
  EXPECT_EQ(web.probes[0].stale_after, 30 * kSecond);  // 3 x the default 10s
  EXPECT_EQ(web.probes[1].stale_after, kMinute);       // explicit
  EXPECT_EQ(web.probes[3].stale_after, 30 * kSecond);
}

TEST(ServiceTest, EventFedAndHeartbeatSettings) {
  Config c = MustLoad(
      "services:\n"
      "  - {name: api, stale_after: 2m, failure_threshold: 3, success_threshold: 2, quorum: 2}\n"
      "  - {name: etl, heartbeat_timeout: 2h}\n");
  const slo::ServiceSpec& api = c.model.services[0];
  EXPECT_EQ(api.name, "api");
  EXPECT_FALSE(api.heartbeat_timeout.has_value());
  EXPECT_EQ(api.event_probe.name, "events");
  EXPECT_EQ(api.event_probe.stale_after, 2 * kMinute);
  EXPECT_EQ(api.event_probe.failure_threshold, 3);
  EXPECT_EQ(api.event_probe.success_threshold, 2);
  EXPECT_EQ(api.quorum, 2);
  EXPECT_EQ(api.composite, slo::CompositeMode::kNone);
  EXPECT_EQ(c.model.services[1].heartbeat_timeout, std::optional<slo::Millis>(2 * kHour));
}

TEST(ServiceTest, CompositeMembersAreIndices) {
  Config c = MustLoad(
      "services:\n"
      "  - name: shop\n"
      "    depends_on: {all: [web, db]}\n"
      "  - name: db\n"
      "    depends_on: {any: [db-a, db-b]}\n"
      "  - {name: db-a}\n"
      "  - {name: db-b}\n"
      "  - name: web\n"
      "    depends_on: {at_least: 2, of: [web-a, web-b, web-c]}\n"
      "  - {name: web-a}\n"
      "  - {name: web-b}\n"
      "  - {name: web-c}\n");
  const auto& s = c.model.services;
  ASSERT_EQ(s.size(), 8u);
  EXPECT_EQ(s[0].composite, slo::CompositeMode::kAll);
  EXPECT_EQ(s[0].members, (std::vector<uint32_t>{4, 1}));
  EXPECT_EQ(s[1].composite, slo::CompositeMode::kAny);
  EXPECT_EQ(s[1].members, (std::vector<uint32_t>{2, 3}));
  EXPECT_EQ(s[4].composite, slo::CompositeMode::kAtLeast);
  EXPECT_EQ(s[4].at_least, 2);
  EXPECT_EQ(s[4].members, (std::vector<uint32_t>{5, 6, 7}));
}

TEST(SloTest, ObjectiveIsStoredAsARatio) {
  Config c =
      MustLoad("services: [{name: web}]\nslos: [{name: a, service: web, objective: 99.99}]\n");
  ASSERT_EQ(c.model.slos.size(), 1u);
  EXPECT_DOUBLE_EQ(c.model.slos[0].objective, 0.9999);
}

TEST(SloTest, Defaults) {
  Config c = MustLoad("services: [{name: web}]\nslos: [{name: a, service: web, objective: 99}]\n");
  const slo::SloSpec& s = c.model.slos[0];
  EXPECT_EQ(s.name, "a");
  EXPECT_EQ(s.service, 0u);
  EXPECT_EQ(s.kind, slo::SloKind::kAvailability);
  EXPECT_EQ(s.window.rolling, 30 * kDay);
  EXPECT_EQ(s.window.calendar, slo::CalendarUnit::kNone);
  EXPECT_EQ(s.window.text, "30d");
  EXPECT_EQ(s.time_zone, "UTC");
  EXPECT_EQ(s.no_data, slo::NoData::kIgnore);
  EXPECT_EQ(s.degraded_weight, 0);
  EXPECT_EQ(s.lookbacks, slo::DefaultLookbacks());
  ASSERT_EQ(s.burn_alerts.size(), slo::DefaultBurnAlerts().size());
  EXPECT_EQ(s.burn_alerts[0].long_window, kHour);
  EXPECT_EQ(s.min_valid, 0);
  EXPECT_EQ(s.min_events, 0u);
  EXPECT_EQ(s.agreement_type, "");
  EXPECT_TRUE(s.credits.empty());
}

TEST(SloTest, EveryField) {
  Config c = MustLoad(
      "services: [{name: web}, {name: api}]\n"
      "slos:\n"
      "  - name: checkout-month\n"
      "    service: api\n"
      "    objective: 99.95\n"
      "    window: month\n"
      "    time_zone: Europe/Berlin\n"
      "    no_data: down\n"
      "    degraded_weight: 0.3\n"
      "    min_valid: 10m\n"
      "    lookbacks: [1h, 5m]\n"
      "    alerts: {burn_rate: [{severity: ticket, factor: 2.5, long: 2h, short: 10m}]}\n"
      "    agreement:\n"
      "      type: sla\n"
      "      customer: acme\n"
      "      provider: shop-team\n"
      "      credits: [{below: 99.95, credit: 10}, {below: 99, credit: 25}]\n"
      "  - {name: fast, service: api, kind: latency, objective: 80, threshold: 1500ms,\n"
      "     window: 1d, min_events: 100}\n"
      "  - {name: errors, service: web, kind: ratio, objective: 99.9, window: quarter}\n");
  ASSERT_EQ(c.model.slos.size(), 3u);
  const slo::SloSpec& a = c.model.slos[0];
  EXPECT_EQ(a.service, 1u);
  EXPECT_DOUBLE_EQ(a.objective, 0.9995);
  EXPECT_EQ(a.window.calendar, slo::CalendarUnit::kMonth);
  EXPECT_EQ(a.window.rolling, 0);
  EXPECT_EQ(a.window.text, "month");
  EXPECT_EQ(a.time_zone, "Europe/Berlin");
  EXPECT_EQ(a.no_data, slo::NoData::kDown);
  EXPECT_DOUBLE_EQ(a.degraded_weight, 0.3);
  EXPECT_EQ(a.min_valid, 10 * kMinute);
  EXPECT_EQ(a.lookbacks, (std::vector<slo::Millis>{kHour, 5 * kMinute}));
  ASSERT_EQ(a.burn_alerts.size(), 1u);
  EXPECT_EQ(a.burn_alerts[0].severity, "ticket");
  EXPECT_DOUBLE_EQ(a.burn_alerts[0].factor, 2.5);
  EXPECT_EQ(a.burn_alerts[0].long_window, 2 * kHour);
  EXPECT_EQ(a.burn_alerts[0].short_window, 10 * kMinute);
  EXPECT_EQ(a.agreement_type, "sla");
  EXPECT_EQ(a.customer, "acme");
  EXPECT_EQ(a.provider, "shop-team");
  ASSERT_EQ(a.credits.size(), 2u);  // ascending by below
  EXPECT_DOUBLE_EQ(a.credits[0].below_percent, 99);
  EXPECT_DOUBLE_EQ(a.credits[0].credit_percent, 25);
  EXPECT_DOUBLE_EQ(a.credits[1].below_percent, 99.95);
  EXPECT_DOUBLE_EQ(a.credits[1].credit_percent, 10);

  const slo::SloSpec& fast = c.model.slos[1];
  EXPECT_EQ(fast.kind, slo::SloKind::kLatency);
  EXPECT_DOUBLE_EQ(fast.latency_threshold_ms, 1500);
  EXPECT_EQ(fast.window.rolling, kDay);
  EXPECT_EQ(fast.min_events, 100u);
  EXPECT_EQ(c.model.slos[2].kind, slo::SloKind::kRatio);
  EXPECT_EQ(c.model.slos[2].window.calendar, slo::CalendarUnit::kQuarter);
}

TEST(SloTest, EmptyBurnRateListDisablesBurnAlerts) {
  Config c = MustLoad(
      "services: [{name: web}]\n"
      "slos: [{name: a, service: web, objective: 99, alerts: {burn_rate: []}}]\n");
  EXPECT_TRUE(c.model.slos[0].burn_alerts.empty());
}

TEST(MaintenanceTest, OneOffWeeklyMonthly) {
  Config c = MustLoad(
      "services: [{name: web}, {name: db}]\n"
      "maintenance:\n"
      "  - {services: [db], start: \"2026-12-06T02:00:00Z\", end: \"2026-12-06T04:00:00+01:00\"}\n"
      "  - services: [web, db]\n"
      "    weekly: {days: [sun, tue, sat], at: \"22:30\"}\n"
      "    duration: 90m\n"
      "    time_zone: Europe/Berlin\n"
      "  - {monthly: {day: last, at: \"23:00\"}, duration: 2h}\n"
      "  - {monthly: {day: 15, at: \"00:05\"}, duration: 1h}\n");
  const auto& m = c.model.maintenance;
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[0].kind, slo::MaintenanceSpec::Kind::kOnce);
  EXPECT_EQ(m[0].services, (std::vector<uint32_t>{1}));
  EXPECT_EQ(m[0].start, *slo::ParseRfc3339("2026-12-06T02:00:00Z"));
  EXPECT_EQ(m[0].end, *slo::ParseRfc3339("2026-12-06T03:00:00Z"));  // 04:00+01:00
  EXPECT_EQ(m[1].kind, slo::MaintenanceSpec::Kind::kWeekly);
  EXPECT_EQ(m[1].services, (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(m[1].weekdays, (std::vector<int>{0, 2, 6}));  // 0 = Sunday
  EXPECT_EQ(m[1].minute_of_day, 22 * 60 + 30);
  EXPECT_EQ(m[1].duration, 90 * kMinute);
  EXPECT_EQ(m[1].time_zone, "Europe/Berlin");
  EXPECT_EQ(m[2].kind, slo::MaintenanceSpec::Kind::kMonthly);
  EXPECT_TRUE(m[2].services.empty());  // every service
  EXPECT_EQ(m[2].day_of_month, -1);
  EXPECT_EQ(m[2].minute_of_day, 23 * 60);
  EXPECT_EQ(m[2].time_zone, "UTC");
  EXPECT_EQ(m[3].day_of_month, 15);
  EXPECT_EQ(m[3].minute_of_day, 5);
}

TEST(AlertingTest, HooksAndIntervals) {
  Config c = MustLoad(
      "alerting:\n"
      "  resend_interval: 5m\n"
      "  evaluation_interval: 30s\n"
      "  runbook_url: \"https://wiki/runbooks\"\n"
      "  hooks:\n"
      "    - {type: alertmanager, url: \"http://127.0.0.1:9093\"}\n"
      "    - {type: alertmanager, urls: [\"http://a:9093\", \"http://b:9093\"]}\n"
      "    - {type: webhook, url: \"https://hooks/x\", secret_file: /etc/s, timeout: 3s}\n"
      "    - {type: exec, command: [/usr/bin/page, --team, shop], timeout: 1m}\n");
  const AlertingConfig& a = c.alerting;
  EXPECT_EQ(a.resend_interval, 5 * kMinute);
  EXPECT_EQ(c.model.evaluation_interval, 30 * kSecond);
  EXPECT_EQ(a.runbook_url, "https://wiki/runbooks");
  ASSERT_EQ(a.hooks.size(), 4u);
  EXPECT_EQ(a.hooks[0].type, HookType::kAlertmanager);
  EXPECT_EQ(a.hooks[0].urls, (std::vector<std::string>{"http://127.0.0.1:9093"}));
  EXPECT_EQ(a.hooks[1].urls, (std::vector<std::string>{"http://a:9093", "http://b:9093"}));
  EXPECT_EQ(a.hooks[2].type, HookType::kWebhook);
  EXPECT_EQ(a.hooks[2].urls, (std::vector<std::string>{"https://hooks/x"}));
  EXPECT_EQ(a.hooks[2].secret_file, "/etc/s");
  EXPECT_EQ(a.hooks[2].timeout, 3 * kSecond);
  EXPECT_EQ(a.hooks[3].type, HookType::kExec);
  EXPECT_EQ(a.hooks[3].command, (std::vector<std::string>{"/usr/bin/page", "--team", "shop"}));
  EXPECT_EQ(a.hooks[3].timeout, kMinute);
  EXPECT_EQ(a.hooks[0].name, "alertmanager-1");
  EXPECT_EQ(a.hooks[1].name, "alertmanager-2");
  EXPECT_EQ(a.hooks[2].name, "webhook-1");
}

TEST(AlertingTest, DeliveryOptions) {
  Config c = MustLoad(
      "alerting:\n"
      "  for: 2m\n"
      "  keep_firing_for: 0s\n"
      "  hooks:\n"
      "    - {type: webhook, url: \"https://hooks/x\", name: chat, max_retries: 3,\n"
      "       retry_backoff: 250ms, queue_size: 10}\n"
      "    - {type: exec, command: [/usr/bin/page], concurrency: 2}\n");
  const AlertingConfig& a = c.alerting;
  EXPECT_EQ(a.pending_for, 2 * kMinute);
  EXPECT_EQ(a.keep_firing_for, 0);
  ASSERT_EQ(a.hooks.size(), 2u);
  EXPECT_EQ(a.hooks[0].name, "chat");
  EXPECT_EQ(a.hooks[0].max_retries, 3);
  EXPECT_EQ(a.hooks[0].retry_backoff, 250);
  EXPECT_EQ(a.hooks[0].queue_size, 10);
  EXPECT_EQ(a.hooks[1].name, "exec-1");
  EXPECT_EQ(a.hooks[1].concurrency, 2);
}

TEST(LoadTest, SourcePathIsKept) {
  LoadResult r = LoadConfigText("", "/etc/ninesd/ninesd.yaml");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.config->source_path, "/etc/ninesd/ninesd.yaml");
}

}  // namespace
}  // namespace ninesd::config
