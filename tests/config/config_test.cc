// One test per class of configuration error, each with its exact position and
// message.

#include "config/config.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/config/test_util.h"

namespace ninesd::config {
namespace {

using testing::Errors;
using testing::Lines;

// A service "web" and the first lines of an SLO on it; what follows starts at
// line 5 with four spaces of indentation.
std::string SloOnWeb(const std::string& rest) {
  return "services: [{name: web}]\n"
         "slos:\n"
         "  - name: a\n"
         "    service: web\n" +
         rest;
}

TEST(DiagnosticTest, FormatsFileLineColumn) {
  EXPECT_EQ((Diagnostic{"a.yaml", 7, 5, "boom"}.ToString()), "a.yaml:7:5: boom");
  EXPECT_EQ((Diagnostic{"a.yaml", 0, 0, "cannot open"}.ToString()), "a.yaml: cannot open");
}

TEST(LoadTest, EmptyFileIsAValidEmptyConfig) {
  LoadResult r = LoadConfigText("", "config.yaml");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.config->model.services.empty());
  EXPECT_FALSE(r.config->kafka.has_value());
  EXPECT_TRUE(LoadConfigText("# only a comment\n", "config.yaml").ok());
}

TEST(LoadTest, ErrorsLeaveNoConfig) {
  LoadResult r = LoadConfigText("server: {threads: 0}\n", "config.yaml");
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.config.has_value());
  EXPECT_EQ(r.errors.size(), 1u);
}

TEST(LoadTest, DirectoryIsRefused) {
  LoadResult r = LoadConfigFile("/");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].ToString(), "/: cannot read config file: is a directory");
}

TEST(LoadTest, MissingFileIsOneDiagnosticWithoutPosition) {
  LoadResult r = LoadConfigFile("/nonexistent/ninesd.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].ToString(),
            "/nonexistent/ninesd.yaml: cannot open config file: No such file or directory");
}

// --- Wrong types ---

TEST(WrongTypeTest, StringWhereNumberExpected) {
  EXPECT_EQ(Errors(SloOnWeb("    objective: \"abc\"\n")),
            Lines{"config.yaml:5:16: slos[0].objective: expected a number, got \"abc\""});
}

TEST(WrongTypeTest, ListWhereMapExpected) {
  EXPECT_EQ(Errors("server: [a, b]\n"),
            Lines{"config.yaml:1:9: server: expected a map, got a list"});
}

TEST(WrongTypeTest, MapWhereListExpected) {
  EXPECT_EQ(Errors("services: {name: web}\n"),
            Lines{"config.yaml:1:11: services: expected a list, got a map"});
}

TEST(WrongTypeTest, TopLevelMustBeAMap) {
  EXPECT_EQ(Errors("- a\n- b\n"), Lines{"config.yaml:1:1: top level: expected a map, got a list"});
}

TEST(WrongTypeTest, QuotedIntegerIsAString) {
  EXPECT_EQ(Errors("server:\n  threads: \"8\"\n"),
            Lines{"config.yaml:2:12: server.threads: expected an integer, got \"8\" (quoted "
                  "values are strings)"});
}

TEST(WrongTypeTest, BooleansAreOnlyTrueOrFalse) {
  EXPECT_EQ(
      Errors("services:\n"
             "  - name: db\n"
             "    probes:\n"
             "      - {type: tcp, target: \"db:5432\", tls: yes}\n"),
      Lines{"config.yaml:4:45: services[0].probes[0].tls: expected true or false, got \"yes\""});
}

TEST(WrongTypeTest, EmptyValueIsReportedAtItsKey) {
  EXPECT_EQ(Errors("services:\n  - name:\n"),
            Lines{"config.yaml:2:5: services[0].name: expected a string, got null"});
}

TEST(WrongTypeTest, EnumListsAllowedValues) {
  EXPECT_EQ(Errors(SloOnWeb("    objective: 99\n    kind: ratoi\n")),
            Lines{"config.yaml:6:11: slos[0].kind: expected one of availability, ratio, latency, "
                  "got \"ratoi\"; did you mean \"ratio\"?"});
}

// --- Durations ---

TEST(DurationTest, BadDurationNamesTheAcceptedForms) {
  EXPECT_EQ(Errors("services:\n  - name: web\n    heartbeat_timeout: 10x\n"),
            Lines{"config.yaml:3:24: services[0].heartbeat_timeout: invalid duration \"10x\" (use "
                  "e.g. 500ms, 10s, 5m, 2h, 30d)"});
}

TEST(DurationTest, OutOfBoundsDuration) {
  EXPECT_EQ(Errors("alerting: {evaluation_interval: 0s}\n"),
            Lines{"config.yaml:1:33: alerting.evaluation_interval: must be between 1s and 1h, got "
                  "0s"});
}

// --- Objective ---

struct ObjectiveCase {
  std::string value;
  std::string message;
};

class ObjectiveTest : public ::testing::TestWithParam<ObjectiveCase> {};

TEST_P(ObjectiveTest, IsRejectedWithPosition) {
  EXPECT_EQ(Errors(SloOnWeb("    objective: " + GetParam().value + "\n")),
            Lines{"config.yaml:5:16: slos[0].objective: " + GetParam().message});
}

INSTANTIATE_TEST_SUITE_P(
    Values, ObjectiveTest,
    ::testing::Values(ObjectiveCase{"0", "must be strictly between 0 and 100, got 0"},
                      ObjectiveCase{"100", "must be strictly between 0 and 100, got 100"},
                      ObjectiveCase{"100.1", "must be strictly between 0 and 100, got 100.1"},
                      ObjectiveCase{"-5", "must be strictly between 0 and 100, got -5"},
                      ObjectiveCase{".nan", "expected a finite number, got .nan"},
                      ObjectiveCase{".inf", "expected a finite number, got .inf"},
                      ObjectiveCase{"-.inf", "expected a finite number, got -.inf"},
                      ObjectiveCase{"\"99.9%\"", "expected a number, got \"99.9%\""},
                      ObjectiveCase{"99.9%", "expected a number, got \"99.9%\""},
                      ObjectiveCase{"0x63", "expected a number, got \"0x63\""},
                      ObjectiveCase{"\"99.9\"",
                                    "expected a number, got \"99.9\" (quoted values are strings)"},
                      ObjectiveCase{"[99]", "expected a number, got a list"}));

TEST(ObjectiveTest, IsRequired) {
  EXPECT_EQ(Errors(SloOnWeb("")),
            Lines{"config.yaml:3:5: slos[0]: missing required key \"objective\""});
}

// --- Keys ---

TEST(UnknownKeyTest, SuggestsTheClosestKey) {
  EXPECT_EQ(Errors("services:\n"
                   "  - name: web\n"
                   "slos:\n"
                   "  - name: a\n"
                   "    service: web\n"
                   "    window: 30d\n"
                   "    objectiv: 99.9\n"),
            (Lines{"config.yaml:4:5: slos[0]: missing required key \"objective\"",
                   "config.yaml:7:5: unknown key \"objectiv\" in slos[0]; did you mean "
                   "\"objective\"?"}));
}

TEST(UnknownKeyTest, NoSuggestionWhenNothingIsClose) {
  EXPECT_EQ(Errors("colour: blue\n"),
            Lines{"config.yaml:1:1: unknown key \"colour\" at top level"});
  EXPECT_EQ(Errors("sloss: []\n"),
            Lines{"config.yaml:1:1: unknown key \"sloss\" at top level; did you mean \"slos\"?"});
}

TEST(UnknownKeyTest, OptionOfAnotherProbeType) {
  EXPECT_EQ(Errors("services:\n"
                   "  - name: db\n"
                   "    probes:\n"
                   "      - type: tcp\n"
                   "        target: \"db:5432\"\n"
                   "        url: \"http://db/\"\n"),
            Lines{"config.yaml:6:9: \"url\" is not an option of tcp probes in "
                  "services[0].probes[0]"});
}

TEST(DuplicateKeyTest, SecondKeyIsAnErrorNotSilentlyDropped) {
  EXPECT_EQ(Errors("services:\n"
                   "  - name: web\n"
                   "    heartbeat_timeout: 1m\n"
                   "    heartbeat_timeout: 2m\n"),
            Lines{"config.yaml:4:5: duplicate key \"heartbeat_timeout\" in services[0] (first at "
                  "line 3)"});
  EXPECT_EQ(Errors("services: []\nservices: []\n"),
            Lines{"config.yaml:2:1: duplicate key \"services\" at top level (first at line 1)"});
}

TEST(DuplicateKeyTest, InFreeFormMaps) {
  EXPECT_EQ(Errors("kafka:\n"
                   "  bootstrap: embedded\n"
                   "  topics: [events]\n"
                   "  properties: {client.id: a, client.id: b}\n"),
            Lines{"config.yaml:4:30: duplicate key \"client.id\" in kafka.properties (first at "
                  "line 4)"});
}

// --- Names and references ---

TEST(DuplicateNameTest, Service) {
  EXPECT_EQ(Errors("services:\n  - name: web\n  - name: api\n  - name: web\n"),
            Lines{"config.yaml:4:11: services[2].name: duplicate service \"web\" (first at line "
                  "2)"});
}

TEST(DuplicateNameTest, Slo) {
  EXPECT_EQ(Errors("services: [{name: web}]\n"
                   "slos:\n"
                   "  - {name: a, service: web, objective: 99}\n"
                   "  - {name: a, service: web, objective: 99.9}\n"),
            Lines{"config.yaml:4:12: slos[1].name: duplicate SLO \"a\" (first at line 3)"});
}

TEST(DuplicateNameTest, ProbeWithinService) {
  EXPECT_EQ(Errors("services:\n"
                   "  - name: web\n"
                   "    probes:\n"
                   "      - {type: icmp, host: a}\n"
                   "      - {type: icmp, name: icmp-1, host: b}\n"),
            Lines{"config.yaml:5:28: services[0].probes[1]: duplicate probe name \"icmp-1\" in "
                  "service \"web\" (first at line 4)"});
}

TEST(ReferenceTest, UnknownServiceInSlo) {
  EXPECT_EQ(Errors("services: [{name: checkout}]\n"
                   "slos:\n"
                   "  - {name: a, service: chekout, objective: 99}\n"
                   "  - {name: b, service: payments, objective: 99}\n"),
            (Lines{"config.yaml:3:24: slos[0].service: unknown service \"chekout\"; did you mean "
                   "\"checkout\"?",
                   "config.yaml:4:24: slos[1].service: unknown service \"payments\""}));
}

TEST(ReferenceTest, UnknownServiceInDependsOn) {
  EXPECT_EQ(Errors("services:\n"
                   "  - name: checkout\n"
                   "  - name: shop\n"
                   "    depends_on: {all: [checkout, payments]}\n"),
            Lines{"config.yaml:4:34: unknown service \"payments\" in depends_on of \"shop\""});
}

TEST(ReferenceTest, UnknownServiceInMaintenance) {
  EXPECT_EQ(Errors("services: [{name: web}]\n"
                   "maintenance:\n"
                   "  - {services: [wbe], start: \"2026-01-01T00:00:00Z\", end: "
                   "\"2026-01-01T01:00:00Z\"}\n"),
            Lines{"config.yaml:3:17: maintenance[0].services[0]: unknown service \"wbe\"; did you "
                  "mean \"web\"?"});
}

TEST(DependencyTest, CycleIsNamed) {
  EXPECT_EQ(Errors("services:\n"
                   "  - name: shop\n"
                   "    depends_on: {all: [cart]}\n"
                   "  - name: cart\n"
                   "    depends_on: {any: [shop]}\n"),
            Lines{"config.yaml:5:24: dependency cycle: shop -> cart -> shop"});
}

TEST(DependencyTest, SelfDependencyIsACycle) {
  EXPECT_EQ(Errors("services:\n  - {name: a, depends_on: {all: [a]}}\n"),
            Lines{"config.yaml:2:34: dependency cycle: a -> a"});
}

TEST(DependencyTest, AtLeastAboveMemberCount) {
  EXPECT_EQ(Errors("services:\n"
                   "  - name: a\n"
                   "  - name: b\n"
                   "  - name: web\n"
                   "    depends_on: {at_least: 3, of: [a, b]}\n"),
            Lines{"config.yaml:5:28: services[2].depends_on.at_least: must be between 1 and 2 (the "
                  "number of services in of), got 3"});
}

TEST(DependencyTest, AtLeastZero) {
  EXPECT_EQ(Errors("services:\n"
                   "  - name: a\n"
                   "  - name: web\n"
                   "    depends_on: {at_least: 0, of: [a]}\n"),
            Lines{"config.yaml:4:28: services[1].depends_on.at_least: must be at least 1, got 0"});
}

TEST(DependencyTest, CompositeCannotHaveProbesOrHeartbeats) {
  EXPECT_EQ(Errors("services:\n"
                   "  - name: a\n"
                   "  - name: web\n"
                   "    depends_on: {all: [a]}\n"
                   "    heartbeat_timeout: 1m\n"
                   "    probes: [{type: icmp, host: web}]\n"),
            (Lines{"config.yaml:5:5: services[1].heartbeat_timeout: a composite service "
                   "(depends_on) cannot also have a heartbeat_timeout",
                   "config.yaml:6:5: services[1].probes: a composite service (depends_on) cannot "
                   "also have probes"}));
}

// --- SLO rules ---

TEST(SloRuleTest, BadTimeZone) {
  EXPECT_EQ(Errors(SloOnWeb("    objective: 99\n"
                            "    window: month\n"
                            "    time_zone: Europe/Berln\n")),
            Lines{"config.yaml:7:16: slos[0].time_zone: unknown time zone \"Europe/Berln\"; did "
                  "you mean \"Europe/Berlin\"?"});
}

TEST(SloRuleTest, TimeZoneOnRollingWindow) {
  EXPECT_EQ(Errors(SloOnWeb("    objective: 99\n"
                            "    window: 30d\n"
                            "    time_zone: Europe/Berlin\n")),
            Lines{"config.yaml:7:5: slos[0].time_zone: only applies to calendar windows (day, "
                  "week, month, quarter, year), not to a rolling window of 30d"});
}

TEST(SloRuleTest, LatencyWithoutThreshold) {
  EXPECT_EQ(Errors(SloOnWeb("    kind: latency\n    objective: 99\n")),
            Lines{"config.yaml:3:5: slos[0]: latency SLOs need a threshold (e.g. threshold: "
                  "300ms)"});
}

TEST(SloRuleTest, ThresholdOnlyForLatency) {
  EXPECT_EQ(Errors(SloOnWeb("    kind: ratio\n    objective: 99\n    threshold: 1s\n")),
            Lines{"config.yaml:7:5: slos[0].threshold: only latency SLOs have a threshold, not "
                  "ratio"});
}

TEST(SloRuleTest, AvailabilityOptionsOnRatio) {
  EXPECT_EQ(Errors(SloOnWeb("    kind: ratio\n    objective: 99\n    degraded_weight: 0.5\n")),
            Lines{"config.yaml:7:5: slos[0].degraded_weight: only applies to availability SLOs, "
                  "not ratio"});
}

TEST(SloRuleTest, RatioWindowMustBeWholeMinutes) {
  EXPECT_EQ(Errors(SloOnWeb("    kind: ratio\n    objective: 99\n    window: 90s\n")),
            Lines{"config.yaml:7:13: slos[0].window: must be whole minutes for ratio and latency "
                  "SLOs (events are counted in one-minute buckets), got 1m30s"});
}

TEST(SloRuleTest, LatencyLookbacksMustBeWholeMinutes) {
  EXPECT_EQ(Errors(SloOnWeb("    kind: latency\n"
                            "    threshold: 300ms\n"
                            "    objective: 99\n"
                            "    lookbacks: [5m, 90s]\n")),
            Lines{"config.yaml:8:21: slos[0].lookbacks[1]: must be whole minutes for ratio and "
                  "latency SLOs (events are counted in one-minute buckets), got 1m30s"});
}

TEST(SloRuleTest, AvailabilityWindowMayBeSeconds) {
  EXPECT_TRUE(Errors(SloOnWeb("    objective: 99\n    window: 90s\n")).empty());
}

TEST(SloRuleTest, RollingWindowBounds) {
  EXPECT_EQ(Errors(SloOnWeb("    objective: 99\n    window: 500d\n")),
            Lines{"config.yaml:6:13: slos[0].window: must be between 1m and 400d, got 500d"});
  EXPECT_EQ(Errors(SloOnWeb("    objective: 99\n    window: fortnight\n")),
            Lines{"config.yaml:6:13: slos[0].window: invalid window \"fortnight\" (use a duration "
                  "such as 30d, or day, week, month, quarter, year)"});
}

TEST(SloRuleTest, BurnAlertShortMustBeShorterThanLong) {
  EXPECT_EQ(
      Errors(SloOnWeb("    objective: 99\n"
                      "    alerts:\n"
                      "      burn_rate: [{severity: page, factor: 2, long: 5m, short: 1h}]\n")),
      Lines{"config.yaml:7:64: slos[0].alerts.burn_rate[0].short: must be shorter than long "
            "(5m), got 1h"});
}

// --- Secrets and hooks ---

TEST(SecretTest, InlineWebhookSecretIsRefused) {
  EXPECT_EQ(Errors("alerting:\n"
                   "  hooks:\n"
                   "    - type: webhook\n"
                   "      url: \"https://hooks.internal/x\"\n"
                   "      secret: abc\n"),
            Lines{"config.yaml:5:7: inline secret \"secret\" in alerting.hooks[0] refused: secrets "
                  "must come from files (use secret_file)"});
}

TEST(SecretTest, InlinePasswordIsRefused) {
  EXPECT_EQ(Errors("server:\n"
                   "  basic_auth: {user: u, password_sha256_file: /p, password: x}\n"),
            Lines{"config.yaml:2:51: inline secret \"password\" in server.basic_auth refused: "
                  "secrets must come from files (use password_sha256_file)"});
}

TEST(SecretTest, InlineTokenAnywhereIsRefused) {
  EXPECT_EQ(Errors("services: [{name: web, token: abc}]\n"),
            Lines{"config.yaml:1:24: inline secret \"token\" in services[0] refused: secrets must "
                  "come from files (use a *_file option)"});
}

TEST(SecretTest, KafkaSecretPropertyIsRefused) {
  EXPECT_EQ(Errors("kafka:\n"
                   "  bootstrap: embedded\n"
                   "  topics: [events]\n"
                   "  properties: {sasl.password: hunter2, ssl.key.location: /k}\n"),
            Lines{"config.yaml:4:16: kafka.properties: \"sasl.password\" holds a secret inline; "
                  "secrets must come from files (use a *.location property, or "
                  "sasl.password_file: PATH to read the value from a file)"});
}

TEST(SecretTest, CredentialsInUrlAreRefused) {
  EXPECT_EQ(Errors("alerting:\n  hooks: [{type: alertmanager, url: \"http://u:p@am:9093\"}]\n"),
            Lines{"config.yaml:2:37: alerting.hooks[0].url: invalid URL \"http://u:p@am:9093\": "
                  "must not contain credentials (user:password@); they would end up in logs"});
}

TEST(HookTest, ExecCommandMustBeAbsolute) {
  EXPECT_EQ(Errors("alerting:\n"
                   "  hooks:\n"
                   "    - type: exec\n"
                   "      command: [page-oncall, --team, shop]\n"),
            Lines{"config.yaml:4:17: alerting.hooks[0].command[0]: must be an absolute path (hooks "
                  "run without a shell or PATH lookup), got \"page-oncall\""});
}

TEST(HookTest, WebhookNeedsAnHttpUrl) {
  EXPECT_EQ(Errors("alerting:\n  hooks: [{type: webhook, url: \"ftp://x/\"}]\n"),
            Lines{"config.yaml:2:32: alerting.hooks[0].url: invalid URL \"ftp://x/\": must start "
                  "with http:// or https://"});
}

TEST(HookTest, ConcurrencyIsAnExecOption) {
  EXPECT_EQ(Errors("alerting:\n"
                   "  hooks:\n"
                   "    - {type: webhook, url: \"http://h/\", concurrency: 2}\n"),
            Lines{"config.yaml:3:41: \"concurrency\" is not an option of webhook hooks in "
                  "alerting.hooks[0]"});
}

TEST(HookTest, RetriesOutOfBounds) {
  EXPECT_EQ(
      Errors("alerting:\n  hooks: [{type: alertmanager, url: \"http://a/\", max_retries: 21}]\n"),
      Lines{"config.yaml:2:63: alerting.hooks[0].max_retries: must be between 0 and 20, got "
            "21"});
}

TEST(HookTest, DuplicateHookName) {
  EXPECT_EQ(Errors("alerting:\n"
                   "  hooks:\n"
                   "    - {type: exec, command: [/bin/true]}\n"
                   "    - {type: exec, command: [/bin/false], name: exec-1}\n"),
            Lines{"config.yaml:4:49: alerting.hooks[1].name: duplicate hook name \"exec-1\" (also "
                  "alerting.hooks[0])"});
}

TEST(HookTest, PendingTimeOutOfBounds) {
  EXPECT_EQ(Errors("alerting: {for: 2d}\n"),
            Lines{"config.yaml:1:17: alerting.for: must be between 0s and 1d, got 2d"});
}

// --- Probes ---

TEST(ProbeRuleTest, TimeoutMustNotExceedInterval) {
  EXPECT_EQ(Errors("services:\n"
                   "  - name: db\n"
                   "    probes:\n"
                   "      - {type: tcp, target: \"db:5432\", interval: 5s, timeout: 6s}\n"),
            Lines{"config.yaml:4:63: services[0].probes[0].timeout: must not exceed interval (5s), "
                  "got 6s"});
}

TEST(ProbeRuleTest, StaleAfterAtLeastInterval) {
  EXPECT_EQ(Errors("services:\n"
                   "  - name: db\n"
                   "    probes:\n"
                   "      - {type: icmp, host: db, interval: 30s, stale_after: 10s}\n"),
            Lines{"config.yaml:4:60: services[0].probes[0].stale_after: must be at least interval "
                  "(30s), got 10s"});
}

TEST(ProbeRuleTest, BodyRegexMustCompile) {
  Lines errors = Errors(
      "services:\n"
      "  - name: web\n"
      "    probes:\n"
      "      - type: http\n"
      "        url: \"http://web/\"\n"
      "        expect: {body_regex: \"(ok\"}\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(
      errors[0].starts_with("config.yaml:6:30: services[0].probes[0].expect.body_regex: "
                            "invalid regular expression \"(ok\": "))
      << errors[0];
}

TEST(ProbeRuleTest, RequiredKeyOfTheType) {
  EXPECT_EQ(Errors("services:\n  - name: web\n    probes: [{type: http}]\n"),
            Lines{"config.yaml:3:14: services[0].probes[0]: missing required key \"url\" for http "
                  "probes"});
}

TEST(ProbeRuleTest, RegexListItemsMustCompile) {
  Lines errors = Errors(
      "services:\n"
      "  - name: web\n"
      "    probes:\n"
      "      - type: http\n"
      "        url: \"http://web/\"\n"
      "        expect: {fail_if_body_matches_regexp: [ok, \"[x\"]}\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(errors[0].starts_with(
      "config.yaml:6:52: services[0].probes[0].expect.fail_if_body_matches_regexp[1]: "
      "invalid regular expression \"[x\": "))
      << errors[0];
}

TEST(ProbeRuleTest, HeaderMatchNeedsHeaderAndRegexp) {
  EXPECT_EQ(
      Errors("services:\n"
             "  - name: web\n"
             "    probes:\n"
             "      - type: http\n"
             "        url: \"http://web/\"\n"
             "        expect: {fail_if_header_matches: [{header: \"a b\", regexp: x}, "
             "{regexp: y}]}\n"),
      (Lines{"config.yaml:6:52: services[0].probes[0].expect.fail_if_header_matches[0].header: "
             "invalid header name \"a b\"",
             "config.yaml:6:71: services[0].probes[0].expect.fail_if_header_matches[1]: "
             "missing required key \"header\""}));
}

TEST(ProbeRuleTest, SslConditionsMustNotContradict) {
  EXPECT_EQ(Errors("services:\n"
                   "  - name: web\n"
                   "    probes:\n"
                   "      - type: http\n"
                   "        url: \"http://web/\"\n"
                   "        expect: {fail_if_ssl: true, fail_if_not_ssl: true}\n"),
            Lines{"config.yaml:6:54: services[0].probes[0].expect.fail_if_not_ssl: contradicts "
                  "fail_if_ssl: every response would fail"});
}

TEST(ProbeRuleTest, ClientCertificateNeedsItsKey) {
  EXPECT_EQ(Errors("services:\n"
                   "  - name: web\n"
                   "    probes:\n"
                   "      - type: http\n"
                   "        url: \"https://web/\"\n"
                   "        tls_config: {cert_file: /c.pem}\n"),
            Lines{"config.yaml:6:21: services[0].probes[0].tls_config: cert_file and key_file go "
                  "together (a client certificate needs its key)"});
}

TEST(ProbeRuleTest, TcpTlsConfigNeedsTls) {
  EXPECT_EQ(
      Errors("services:\n"
             "  - name: db\n"
             "    probes:\n"
             "      - type: tcp\n"
             "        target: \"db:5432\"\n"
             "        tls_config: {insecure_skip_verify: true}\n"),
      Lines{"config.yaml:6:21: services[0].probes[0].tls_config: needs tls: true on a tcp probe"});
}

TEST(ProbeRuleTest, QueryResponseStepNeedsSendOrExpect) {
  EXPECT_EQ(Errors("services:\n"
                   "  - name: db\n"
                   "    probes:\n"
                   "      - type: tcp\n"
                   "        target: \"db:6379\"\n"
                   "        query_response: [{send: PING}, {}]\n"),
            Lines{"config.yaml:6:40: services[0].probes[0].query_response[1]: needs send, expect "
                  "or both"});
}

TEST(ProbeRuleTest, DnsRcodesAreNamed) {
  Lines errors = Errors(
      "services:\n"
      "  - name: dns\n"
      "    probes:\n"
      "      - {type: dns, server: \"127.0.0.1:53\", query_name: a.test, valid_rcodes: [NOERR]}\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(errors[0].starts_with(
      "config.yaml:4:80: services[0].probes[0].valid_rcodes[0]: expected one of NOERROR"))
      << errors[0];
}

TEST(ProbeRuleTest, OptionOfAnotherProbeType) {
  EXPECT_EQ(Errors("services:\n"
                   "  - name: gw\n"
                   "    probes:\n"
                   "      - {type: icmp, host: gw, transport: tcp}\n"),
            Lines{"config.yaml:4:32: \"transport\" is not an option of icmp probes in "
                  "services[0].probes[0]"});
}

TEST(ProbeRuleTest, BlackboxOptionsAreLoaded) {
  LoadResult r = LoadConfigText(
      "services:\n"
      "  - name: s\n"
      "    probes:\n"
      "      - type: dns\n"
      "        server: \"127.0.0.1:53\"\n"
      "        query_name: a.test\n"
      "        transport: tcp\n"
      "        valid_rcodes: [NOERROR, NXDOMAIN]\n"
      "        preferred_ip_protocol: ip4\n"
      "        validate_answer_rrs: {fail_if_not_matches_regexp: [x]}\n"
      "      - type: tcp\n"
      "        target: \"127.0.0.1:6379\"\n"
      "        query_response: [{send: PING, expect: PONG}]\n",
      "config.yaml");
  ASSERT_TRUE(r.ok());
  const ProbeConfig& dns = r.config->probes[0];
  EXPECT_EQ(dns.transport, DnsTransport::kTcp);
  EXPECT_EQ(dns.valid_rcodes, (std::vector<int>{0, 3}));
  EXPECT_EQ(dns.preferred_ip_protocol, IpProtocol::kIp4);
  EXPECT_EQ(dns.validate_answer.fail_if_not_matches, std::vector<std::string>{"x"});
  const ProbeConfig& tcp = r.config->probes[1];
  ASSERT_EQ(tcp.query_response.size(), 1u);
  EXPECT_EQ(tcp.query_response[0].send, "PING");
  EXPECT_EQ(tcp.query_response[0].expect, "PONG");
  EXPECT_EQ(tcp.preferred_ip_protocol, IpProtocol::kIp6);  // the blackbox default
}

// --- Kafka ---

TEST(KafkaRuleTest, TopicsAreRequired) {
  EXPECT_EQ(Errors("kafka: {bootstrap: embedded}\n"),
            Lines{"config.yaml:1:8: kafka: missing required key \"topics\""});
}

TEST(KafkaRuleTest, BadBroker) {
  EXPECT_EQ(Errors("kafka: {bootstrap: \"a:9092,b\", topics: [t]}\n"),
            Lines{"config.yaml:1:20: kafka.bootstrap: invalid broker \"b\": missing :port (use "
                  "host:port,host:port or embedded)"});
}

TEST(KafkaRuleTest, ManagedPropertiesAreRefused) {
  EXPECT_EQ(
      Errors("kafka: {bootstrap: embedded, topics: [t], properties: {enable.auto.commit: "
             "true}}\n"),
      Lines{"config.yaml:1:56: kafka.properties: \"enable.auto.commit\" is set by ninesd (see "
            "kafka.bootstrap, kafka.group_id)"});
}

TEST(KafkaRuleTest, OffsetResetIsOwnedByNinesd) {
  EXPECT_EQ(Errors("kafka: {bootstrap: embedded, topics: [t], properties: {auto.offset.reset: "
                   "latest}}\n"),
            Lines{"config.yaml:1:56: kafka.properties: \"auto.offset.reset\" is set by ninesd (see "
                  "kafka.bootstrap, kafka.group_id)"});
}

// --- Maintenance ---

TEST(MaintenanceRuleTest, ExactlyOneForm) {
  EXPECT_EQ(Errors("maintenance:\n  - {duration: 1h}\n"),
            Lines{"config.yaml:2:5: maintenance[0]: give start and end (one-off), weekly, or "
                  "monthly"});
  EXPECT_EQ(Errors("maintenance:\n"
                   "  - {start: \"2026-01-01T00:00:00Z\", end: \"2026-01-01T01:00:00Z\",\n"
                   "     weekly: {days: [mon], at: \"01:00\"}}\n"),
            Lines{"config.yaml:2:5: maintenance[0]: give only one of start and end (one-off), "
                  "weekly, or monthly"});
}

TEST(MaintenanceRuleTest, EndAfterStart) {
  EXPECT_EQ(Errors("maintenance:\n"
                   "  - {start: \"2026-01-01T01:00:00Z\", end: \"2026-01-01T01:00:00Z\"}\n"),
            Lines{"config.yaml:2:42: maintenance[0].end: must be after start"});
}

TEST(MaintenanceRuleTest, BadTimes) {
  EXPECT_EQ(
      Errors("maintenance:\n"
             "  - {weekly: {days: [mon, fry], at: \"24:00\"}, duration: 1h}\n"),
      (Lines{"config.yaml:2:27: maintenance[0].weekly.days[1]: expected one of sun, mon, tue, "
             "wed, thu, fri, sat, got \"fry\"; did you mean \"fri\"?",
             "config.yaml:2:37: maintenance[0].weekly.at: invalid time of day \"24:00\" (use "
             "HH:MM, 00:00 to 23:59)"}));
}

// --- Addresses ---

TEST(AddressTest, PortOutOfRange) {
  EXPECT_EQ(Errors("server: {listen: \"127.0.0.1:65536\"}\n"),
            Lines{"config.yaml:1:18: server.listen: invalid address \"127.0.0.1:65536\": port must "
                  "be between 1 and 65535"});
  EXPECT_EQ(Errors("server: {listen: \"127.0.0.1:0\"}\n"),
            Lines{"config.yaml:1:18: server.listen: invalid address \"127.0.0.1:0\": port must be "
                  "between 1 and 65535"});
}

TEST(AddressTest, UnbracketedIpv6) {
  EXPECT_EQ(Errors("server: {listen: \"::1:9929\"}\n"),
            Lines{"config.yaml:1:18: server.listen: invalid address \"::1:9929\": put IPv6 "
                  "addresses in brackets, e.g. [::1]:9929"});
}

TEST(AddressTest, ListenNeedsAnIpLiteral) {
  EXPECT_EQ(Errors("server: {listen: \"myhost.internal:9929\"}\n"),
            Lines{"config.yaml:1:18: server.listen: invalid address \"myhost.internal:9929\": use "
                  "an IP address or localhost, e.g. 127.0.0.1:9929"});
  EXPECT_TRUE(Errors("server: {listen: \"[::1]:9929\"}\n").empty());
  EXPECT_TRUE(Errors("server: {listen: \"localhost:9929\"}\n").empty());
}

// --- Hostile YAML ---

TEST(SyntaxTest, TabIndentation) {
  EXPECT_EQ(Errors("slos:\n  - name: x\n\tobjective: 5\n"),
            Lines{"config.yaml:3:1: tab character in indentation; YAML indents with spaces only"});
}

TEST(SyntaxTest, ParserErrorKeepsItsPosition) {
  EXPECT_EQ(Errors("services: [{name: a}\n"),
            Lines{"config.yaml:2:1: invalid YAML: did not find expected ',' or ']' while parsing a "
                  "flow sequence started at line 1"});
}

TEST(SyntaxTest, UnterminatedQuote) {
  // Reported where the string starts, not at the end of the file where the
  // parser notices.
  EXPECT_EQ(Errors(SloOnWeb("    objective: \"99.9\n")),
            Lines{"config.yaml:5:16: unterminated quoted string"});
}

TEST(SyntaxTest, AliasBomb) {
  std::string text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'h'; ++c) {
    std::string prev(1, static_cast<char>(c - 1));
    text += std::string(1, c) + ": &" + std::string(1, c) + " [";
    for (int i = 0; i < 10; ++i) text += (i ? ", *" : "*") + prev;
    text += "]\n";
  }
  Lines errors = Errors(text);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("aliases expand to more than 1000000 nodes"), std::string::npos)
      << errors[0];
}

TEST(SyntaxTest, OnlyAliasesCountTowardTheNodeLimit) {
  // 999 aliases to a 1 001-node list add 999 999 nodes: under the limit, however
  // many nodes the file writes out (a config of 100 000 SLOs writes millions).
  std::string text = "a: &a [";
  for (int i = 0; i < 1000; ++i) text += i ? ",x" : "x";
  text += "]\nb: [";
  for (int i = 0; i < 999; ++i) text += i ? ",*a" : "*a";
  text += "]\n";
  for (const std::string& e : Errors(text))
    EXPECT_EQ(e.find("aliases expand"), std::string::npos) << e;
  text.insert(text.size() - 2, ",*a");  // the 1 000th alias: 1 001 000 nodes
  Lines errors = Errors(text);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("aliases expand to more than 1000000 nodes"), std::string::npos)
      << errors[0];
}

TEST(SyntaxTest, AliasToEnclosingNode) {
  EXPECT_EQ(Errors("services: &s [*s]\n"),
            Lines{"config.yaml:1:15: an alias may not refer to a node that contains it"});
}

TEST(SyntaxTest, DeepNesting) {
  std::string text = "services: " + std::string(20000, '[') + std::string(20000, ']') + "\n";
  EXPECT_EQ(Errors(text), Lines{"config.yaml:1:74: nesting deeper than 64 levels"});
}

TEST(SyntaxTest, NestingAtTheLimit) {
  // The top-level map and 63 lists: 64 levels, allowed (only the key is wrong).
  auto nested = [](int lists) {
    return "x: " + std::string(static_cast<size_t>(lists), '[') +
           std::string(static_cast<size_t>(lists), ']') + "\n";
  };
  for (const std::string& e : Errors(nested(63))) {
    EXPECT_EQ(e.find("nesting"), std::string::npos) << e;
  }
  EXPECT_EQ(Errors(nested(64)), Lines{"config.yaml:1:67: nesting deeper than 64 levels"});
  // The same through the guard's own pass (a file with an anchor).
  EXPECT_EQ(Errors("y: &a 1\n" + nested(64)),
            Lines{"config.yaml:2:67: nesting deeper than 64 levels"});
}

TEST(SyntaxTest, OneNinesdDocumentPerFile) {
  // Further documents may only be OpenSLO ones (tests/config/openslo_test.cc).
  EXPECT_EQ(Errors("---\nservices: []\n---\nslos: []\n"),
            Lines{"config.yaml:4:1: a second ninesd document; further documents must be OpenSLO "
                  "(apiVersion: openslo/v1)"});
}

TEST(SyntaxTest, MergeKeysAreNotSupported) {
  EXPECT_EQ(Errors("server: {<<: {threads: 2}}\n"),
            Lines{"config.yaml:1:10: unknown key \"<<\" in server; YAML merge keys are not "
                  "supported"});
}

TEST(SyntaxTest, NulByte) {
  EXPECT_EQ(Errors(std::string("services:\n  - na\0me: a\n", 22)),
            Lines{"config.yaml:2:7: NUL byte in the file (a config file is UTF-8 text)"});
}

// --- All at once ---

TEST(MultipleErrorsTest, AllAreReportedInFileOrder) {
  EXPECT_EQ(Errors("server:\n"
                   "  listen: \"localhost\"\n"
                   "  threads: 0\n"
                   "services:\n"
                   "  - name: web\n"
                   "    probes: [{type: http, url: \"https://web/\", interval: 1x}]\n"
                   "slos:\n"
                   "  - {name: a, service: wbe, objective: 100}\n"
                   "alerting: {hooks: [{type: exec, command: [x]}]}\n"),
            (Lines{"config.yaml:2:11: server.listen: invalid address \"localhost\": missing :port",
                   "config.yaml:3:12: server.threads: must be between 1 and 64, got 0",
                   "config.yaml:6:58: services[0].probes[0].interval: invalid duration \"1x\" (use "
                   "e.g. 500ms, 10s, 5m, 2h, 30d)",
                   "config.yaml:8:24: slos[0].service: unknown service \"wbe\"; did you mean "
                   "\"web\"?",
                   "config.yaml:8:40: slos[0].objective: must be strictly between 0 and 100, got "
                   "100",
                   "config.yaml:9:43: alerting.hooks[0].command[0]: must be an absolute path "
                   "(hooks run without a shell or PATH lookup), got \"x\""}));
}

TEST(MultipleErrorsTest, StopsAfterAHundred) {
  std::string text = "services: [{name: web}]\nslos:\n";
  for (int i = 0; i < 150; ++i) {
    text += "  - {name: s" + std::to_string(i) + ", service: web, objective: 101}\n";
  }
  Lines errors = Errors(text);
  ASSERT_EQ(errors.size(), 101u);
  EXPECT_EQ(errors.back(), "config.yaml:103:43: too many errors; stopping after 100");
}

}  // namespace
}  // namespace ninesd::config
