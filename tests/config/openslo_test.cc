// OpenSLO v1 documents in a config file: the mapping onto ninesd SLOs, the
// example from the OpenSLO specification's README, and every refusal with
// its position.

#include <gtest/gtest.h>

#include "config/config.h"
#include "slo/engine.h"
#include "tests/config/test_util.h"

namespace ninesd::config {
namespace {

using testing::Errors;
using testing::Lines;
using testing::MustLoad;

// The SLO with an inlined SLI from the OpenSLO README (specification v1),
// verbatim, after a Service document for `foo`.
constexpr const char* kReadmeExample = R"(apiVersion: openslo/v1
kind: Service
metadata:
  name: foo
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: foo-slo
  displayName: Foo SLO
spec:
  service: foo
  indicator:
    metadata:
      name: foo-error
      displayName: Foo Error
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            metricSourceRef: datadog-datasource
            type: Datadog
            spec:
              query: sum:trace.http.request.hits.by_http_status{http.status_code:200}.as_count()
        total:
          metricSource:
            metricSourceRef: datadog-datasource
            type: Datadog
            spec:
              query: sum:trace.http.request.hits.by_http_status{*}.as_count()
  objectives:
    - displayName: Foo Total Errors
      target: 0.98
)";

const slo::SloSpec* Find(const Config& c, const std::string& name) {
  for (const slo::SloSpec& s : c.model.slos) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

TEST(OpenSloTest, ReadmeExampleLoads) {
  Config c = MustLoad(kReadmeExample);
  ASSERT_EQ(c.model.services.size(), 1u);
  EXPECT_EQ(c.model.services[0].name, "foo");
  const slo::SloSpec* s = Find(c, "foo-slo");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->kind, slo::SloKind::kRatio);  // Occurrences is the default budgeting
  EXPECT_DOUBLE_EQ(s->objective, 0.98);
  EXPECT_EQ(s->window.rolling, 30 * slo::kDay);  // ninesd's default window
  EXPECT_TRUE(slo::Engine::Create(c.model).ok());
}

TEST(OpenSloTest, ReadmeAlertPolicyRefIsRefusedAtItsPosition) {
  std::string text = std::string(kReadmeExample) + "  alertPolicies:\n    - alertPolicyRef: x\n";
  EXPECT_EQ(Errors(text),
            (Lines{"config.yaml:35:3: document 2.spec.alertPolicies: OpenSLO alert policies are "
                   "not supported: ninesd's burn-rate alerts apply to every SLO (configure them "
                   "under slos[].alerts and alerting)"}));
}

TEST(OpenSloTest, BundledExampleMapsEachBudgetingMethod) {
  LoadResult r = LoadConfigFile(std::string(NINESD_SOURCE_DIR) + "/config/examples/openslo.yaml");
  for (const Diagnostic& d : r.errors) ADD_FAILURE() << d.ToString();
  ASSERT_TRUE(r.ok());
  const Config& c = *r.config;
  ASSERT_EQ(c.model.services.size(), 2u);  // checkout (ninesd) and api (OpenSLO Service)
  const slo::SloSpec* ratio = Find(c, "api-errors");
  ASSERT_NE(ratio, nullptr);
  EXPECT_EQ(ratio->kind, slo::SloKind::kRatio);
  EXPECT_EQ(ratio->service, 1u);
  EXPECT_EQ(ratio->window.rolling, 28 * slo::kDay);
  EXPECT_DOUBLE_EQ(ratio->objective, 0.999);
  const slo::SloSpec* latency = Find(c, "api-fast");
  ASSERT_NE(latency, nullptr);
  EXPECT_EQ(latency->kind, slo::SloKind::kLatency);
  EXPECT_DOUBLE_EQ(latency->latency_threshold_ms, 300);
  EXPECT_DOUBLE_EQ(latency->objective, 0.95);
  const slo::SloSpec* avail = Find(c, "checkout-month");
  ASSERT_NE(avail, nullptr);
  EXPECT_EQ(avail->kind, slo::SloKind::kAvailability);
  EXPECT_EQ(avail->window.calendar, slo::CalendarUnit::kMonth);
  EXPECT_EQ(avail->time_zone, "Europe/Berlin");
  EXPECT_EQ(avail->service, 0u);
  EXPECT_TRUE(slo::Engine::Create(c.model).ok());
}

constexpr const char* kHead = R"(services: [{name: web}]
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: s}
spec:
  service: web
  indicator:
    spec:
      ratioMetric: {good: {metricSource: {type: ninesd}}, total: {metricSource: {type: ninesd}}}
)";

TEST(OpenSloTest, UnknownKeyIsAnErrorWithSuggestion) {
  EXPECT_EQ(Errors(std::string(kHead) + "  objectives: [{targetPercnt: 99}]\n"),
            (Lines{"config.yaml:11:16: document 2.spec.objectives[0]: needs target (0..1) or "
                   "targetPercent (0..100)",
                   "config.yaml:11:17: document 2.spec.objectives[0]: \"targetPercnt\" is not "
                   "supported by ninesd's OpenSLO mapping (docs/openslo.md); did you mean "
                   "\"targetPercent\"?"}));
}

TEST(OpenSloTest, OneObjectivePerSlo) {
  EXPECT_EQ(Errors(std::string(kHead) + "  objectives: [{target: 0.9}, {target: 0.99}]\n"),
            (Lines{"config.yaml:11:31: document 2.spec.objectives[1]: ninesd has one objective "
                   "per SLO; write one SLO document per objective"}));
}

TEST(OpenSloTest, TargetBounds) {
  EXPECT_EQ(Errors(std::string(kHead) + "  objectives: [{target: 1}]\n"),
            (Lines{"config.yaml:11:25: document 2.spec.objectives[0].target: must be in (0, 1)"}));
  EXPECT_EQ(Errors(std::string(kHead) + "  objectives: [{target: 0.9, targetPercent: 90}]\n"),
            (Lines{"config.yaml:11:30: document 2.spec.objectives[0].targetPercent: give either "
                   "target or targetPercent, not both"}));
}

TEST(OpenSloTest, RawRatiosAreRefused) {
  EXPECT_EQ(Errors(R"(services: [{name: web}]
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: s}
spec:
  service: web
  indicator:
    spec:
      ratioMetric: {rawType: success, raw: {metricSource: {type: x}}}
  objectives: [{target: 0.9}]
)"),
            (Lines{"config.yaml:10:20: document 2.spec.indicator.spec.ratioMetric: needs good "
                   "or bad, with total",
                   "config.yaml:10:20: document 2.spec.indicator.spec.ratioMetric: missing "
                   "required key \"total\"",
                   "config.yaml:10:21: document 2.spec.indicator.spec.ratioMetric.rawType: "
                   "precomputed ratios are not supported: ninesd counts good and total events "
                   "itself (use good or bad with total)",
                   "config.yaml:10:39: document 2.spec.indicator.spec.ratioMetric.raw: "
                   "precomputed ratios are not supported: ninesd counts good and total events "
                   "itself (use good or bad with total)"}));
}

TEST(OpenSloTest, LatencyNeedsLte) {
  EXPECT_EQ(Errors(R"(services: [{name: web}]
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: s}
spec:
  service: web
  indicator: {spec: {thresholdMetric: {metricSource: {type: ninesd}}}}
  objectives: [{op: gt, value: 300, target: 0.9}]
)"),
            (Lines{"config.yaml:9:21: document 2.spec.objectives[0].op: ninesd counts an event "
                   "good when its latency_ms <= value: op must be lte, got \"gt\""}));
}

TEST(OpenSloTest, TimeSlicesAreNotApproximated) {
  EXPECT_EQ(Errors(std::string(kHead) +
                   "  budgetingMethod: Timeslices\n"
                   "  objectives: [{target: 0.9, timeSliceTarget: 0.95, timeSliceWindow: 1m}]\n"),
            (Lines{"config.yaml:12:30: document 2.spec.objectives[0].timeSliceTarget: ninesd "
                   "measures time-based SLOs to the millisecond, not in time slices; remove it "
                   "(figures would differ from a slice-based tool's)",
                   "config.yaml:12:53: document 2.spec.objectives[0].timeSliceWindow: ninesd "
                   "measures time-based SLOs to the millisecond, not in time slices; remove it "
                   "(figures would differ from a slice-based tool's)"}));
}

TEST(OpenSloTest, TimeWindows) {
  auto window = [](const std::string& w) {
    return Errors(std::string(kHead) + "  timeWindow: [" + w +
                  "]\n  objectives: [{target: 0.9}]\n");
  };
  EXPECT_TRUE(window("{duration: 4w, isRolling: true}").empty());
  EXPECT_TRUE(window("{duration: 1Q, calendar: {startTime: '2026-04-01 00:00:00', timeZone: UTC}}")
                  .empty());
  EXPECT_TRUE(window("{duration: 1w, calendar: {startTime: '2026-11-23 00:00:00', timeZone: UTC}}")
                  .empty());
  EXPECT_EQ(window("{duration: 1M, isRolling: true}"),
            (Lines{"config.yaml:11:27: document 2.spec.timeWindow[0].duration: a rolling window in "
                   "months, quarters or years has no fixed length; give it in days or weeks (e.g. "
                   "30d), or make it a calendar window"}));
  EXPECT_EQ(window("{duration: 2M, calendar: {timeZone: UTC}}"),
            (Lines{"config.yaml:11:27: document 2.spec.timeWindow[0].duration: calendar windows "
                   "are one of 1d, 1w, 1M, 1Q, 1Y, got \"2M\""}));
  EXPECT_EQ(window("{duration: 1M, calendar: {startTime: '2020-01-21 12:30:00', timeZone: UTC}}"),
            (Lines{"config.yaml:11:53: document 2.spec.timeWindow[0].calendar.startTime: ninesd "
                   "aligns calendar windows to the start of each month in timeZone; startTime "
                   "must be such a start at 00:00:00, got \"2020-01-21 12:30:00\""}));
  EXPECT_EQ(window("{duration: 1w, calendar: {startTime: '2026-11-22 00:00:00', timeZone: UTC}}"),
            (Lines{"config.yaml:11:53: document 2.spec.timeWindow[0].calendar.startTime: ninesd "
                   "aligns calendar windows to the start of each week in timeZone; startTime "
                   "must be such a start at 00:00:00, got \"2026-11-22 00:00:00\""}));
  EXPECT_EQ(window("{duration: 1d, calendar: {timeZone: Mars/Olympus}}"),
            (Lines{"config.yaml:11:52: document 2.spec.timeWindow[0].calendar.timeZone: unknown "
                   "time zone \"Mars/Olympus\""}));
}

TEST(OpenSloTest, UnsupportedKindsAndVersions) {
  EXPECT_EQ(Errors("apiVersion: openslo/v1\nkind: DataSource\nmetadata: {name: d}\n"
                   "spec: {type: Prometheus}\n"),
            (Lines{"config.yaml:2:7: document 1.kind: kind \"DataSource\" is not supported "
                   "(ninesd reads Service, SLI and SLO; data sources and alerting are configured "
                   "in ninesd's own document)"}));
  EXPECT_EQ(Errors("apiVersion: openslo/v2alpha\nkind: SLO\n"),
            (Lines{"config.yaml:1:13: document 1.apiVersion: only openslo/v1 is supported, "
                   "got \"openslo/v2alpha\""}));
}

TEST(OpenSloTest, ReferencesAndNames) {
  EXPECT_EQ(Errors(R"(services: [{name: web}]
slos: [{name: s, service: web, objective: 99}]
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: s}
spec:
  service: wbe
  indicatorRef: nope
  objectives: [{target: 0.9}]
)"),
            (Lines{"config.yaml:4:1: document 2: duplicate SLO \"s\" (also under slos:)",
                   "config.yaml:8:12: document 2.spec.service: unknown service \"wbe\" (define "
                   "it under services: or as an OpenSLO Service document); did you mean \"web\"?",
                   "config.yaml:9:17: document 2.spec.indicatorRef: no SLI document named "
                   "\"nope\" in this file"}));
}

TEST(OpenSloTest, OnlyOneNinesdDocument) {
  EXPECT_EQ(Errors("services: [{name: a}]\n---\nservices: [{name: b}]\n"),
            (Lines{"config.yaml:3:1: a second ninesd document; further documents must be OpenSLO "
                   "(apiVersion: openslo/v1)"}));
}

}  // namespace
}  // namespace ninesd::config
