// SloMetricsWriter: exact samples from a real engine, label escaping, and the
// text accepted by promtool.

#include "export/slo_metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "tests/slo/helpers.h"

namespace ninesd::exporter {
namespace {

using namespace slo::testing;
using slo::kHour;
using slo::kMinute;

slo::ModelSpec TwoSlos() {
  slo::ModelSpec m;
  m.services.push_back(Leaf("check\"out"));
  m.slos.push_back(Availability("avail", 0, 99.9, 1 * kHour));
  m.slos.back().agreement_type = "sla";
  m.slos.back().customer = "acme\\corp";
  m.slos.push_back(Ratio("errors", 0, 99, 1 * kHour));
  // As config/ stores them: 99.9 / 100 in binary is 0.9990000000000001.
  m.slos[0].objective = 0.999;
  m.slos[1].objective = 0.99;
  return m;
}

std::string Line(const std::string& text, const std::string& prefix) {
  size_t p = text.find("\n" + prefix);
  if (p == std::string::npos) return {};
  size_t e = text.find('\n', p + 1);
  return text.substr(p + 1, e - p - 1);
}

class SloMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto e = slo::Engine::Create(TwoSlos());
    ASSERT_TRUE(e) << e.error().message;
    engine = std::move(*e);
    // One hour: up, then 36 s down, then up again; 3 of 10 outcomes bad.
    ASSERT_TRUE(engine->Apply(StateAt(0, kT0, slo::State::kUp)));
    ASSERT_TRUE(engine->Apply(StateAt(0, kT0 + 10 * kMinute, slo::State::kDown)));
    ASSERT_TRUE(engine->Apply(StateAt(0, kT0 + 10 * kMinute + 36'000, slo::State::kUp)));
    for (int i = 0; i < 10; ++i) {
      slo::Signal s;
      s.ts = kT0 + 20 * kMinute + i;
      s.kind = slo::SignalKind::kOutcome;
      s.good = i >= 3;
      ASSERT_TRUE(engine->Apply(s));
    }
    figures.slos = engine->Snapshot(kT0 + kHour);
    figures.services = {engine->ServiceState(0)};
    figures.downtime_seconds = {36};
    figures.breaches = {2, 0};
  }
  std::unique_ptr<slo::Engine> engine;
  SloFigures figures;
};

TEST_F(SloMetricsTest, SamplesCarryTheFiguresOfTheCore) {
  SloMetricsWriter w(engine->spec());
  std::string out = "\n";
  w.Write(figures, out);
  const std::string avail =
      R"(slo="avail",service="check\"out",agreement="sla",customer="acme\\corp")";
  const std::string errors = R"(slo="errors",service="check\"out")";
  EXPECT_EQ(Line(out, "ninesd_slo_objective_ratio{" + avail),
            "ninesd_slo_objective_ratio{" + avail + "} 0.999");
  // 36 s bad of 3600 s: attainment 0.99, budget 3.6 s, all of it and 32.4 s more spent.
  EXPECT_EQ(Line(out, "ninesd_slo_attainment_ratio{" + avail),
            "ninesd_slo_attainment_ratio{" + avail + "} 0.99");
  EXPECT_EQ(Line(out, "ninesd_slo_error_budget_total_seconds{" + avail),
            "ninesd_slo_error_budget_total_seconds{" + avail + "} 3.6");
  EXPECT_EQ(Line(out, "ninesd_slo_error_budget_consumed_seconds{" + avail),
            "ninesd_slo_error_budget_consumed_seconds{" + avail + "} 36");
  EXPECT_EQ(Line(out, "ninesd_slo_error_budget_remaining_ratio{" + avail),
            "ninesd_slo_error_budget_remaining_ratio{" + avail + "} -9");
  EXPECT_EQ(Line(out, "ninesd_slo_breached{" + avail), "ninesd_slo_breached{" + avail + "} 1");
  EXPECT_EQ(Line(out, "ninesd_slo_breaches_total{" + avail),
            "ninesd_slo_breaches_total{" + avail + "} 2");
  // Ratio SLO: 7 of 10 good, budget 1 % of 10 events.
  EXPECT_EQ(Line(out, "ninesd_slo_attainment_ratio{" + errors),
            "ninesd_slo_attainment_ratio{" + errors + "} 0.7");
  EXPECT_EQ(Line(out, "ninesd_slo_error_budget_total_events{" + errors),
            "ninesd_slo_error_budget_total_events{" + errors + "} 0.1");
  EXPECT_EQ(Line(out, "ninesd_slo_error_budget_consumed_events{" + errors),
            "ninesd_slo_error_budget_consumed_events{" + errors + "} 3");
  // No seconds family for the ratio SLO, no events family for availability.
  EXPECT_EQ(Line(out, "ninesd_slo_error_budget_total_seconds{" + errors), "");
  EXPECT_EQ(Line(out, "ninesd_slo_error_budget_total_events{" + avail), "");
  // Burn rate over 1h of the availability SLO: 0.01 bad / 0.001 allowed.
  EXPECT_EQ(Line(out, "ninesd_slo_burn_rate{" + avail + ",lookback=\"1h\""),
            "ninesd_slo_burn_rate{" + avail + ",lookback=\"1h\"} 10");
  EXPECT_EQ(Line(out, "ninesd_service_state{service=\"check\\\"out\",state=\"up\""),
            "ninesd_service_state{service=\"check\\\"out\",state=\"up\"} 1");
  EXPECT_EQ(Line(out, "ninesd_service_state{service=\"check\\\"out\",state=\"down\""),
            "ninesd_service_state{service=\"check\\\"out\",state=\"down\"} 0");
  EXPECT_EQ(Line(out, "ninesd_service_downtime_seconds_total{"),
            "ninesd_service_downtime_seconds_total{service=\"check\\\"out\"} 36");
}

TEST_F(SloMetricsTest, AlertFiringHasOneSeriesPerFiringAlert) {
  SloMetricsWriter w(engine->spec());
  std::string out;
  figures.slos[0].alerts = {{slo::AlertKind::kBurnPage, kT0}, {slo::AlertKind::kBreached, kT0}};
  figures.slos[1].alerts.clear();
  w.Write(figures, out);
  EXPECT_NE(
      out.find(
          R"(ninesd_slo_alert_firing{slo="avail",service="check\"out",agreement="sla",customer="acme\\corp",alert="SLOBreached",severity="page"} 1)"),
      std::string::npos)
      << out;
  size_t n = 0;
  for (size_t p = out.find("\nninesd_slo_alert_firing{"); p != std::string::npos;
       p = out.find("\nninesd_slo_alert_firing{", p + 1)) {
    ++n;
  }
  EXPECT_EQ(n, 2u);
}

TEST_F(SloMetricsTest, BeforeTheFirstEvaluationOnlyStaticFamilies) {
  SloMetricsWriter w(engine->spec());
  std::string out;
  w.Write(SloFigures{}, out);
  EXPECT_NE(out.find("ninesd_slo_objective_ratio{"), std::string::npos);
  EXPECT_EQ(out.find("ninesd_slo_attainment_ratio"), std::string::npos);
  EXPECT_NE(out.find("state=\"unknown\"} 1"), std::string::npos);
}

TEST(AppendNumber, PrometheusSpellings) {
  std::string s;
  AppendNumber(s, std::nan(""));
  s += ' ';
  AppendNumber(s, HUGE_VAL);
  s += ' ';
  AppendNumber(s, -HUGE_VAL);
  s += ' ';
  AppendNumber(s, 0.1);
  s += ' ';
  AppendNumber(s, 25.92);
  EXPECT_EQ(s, "NaN +Inf -Inf 0.1 25.92");
}

TEST_F(SloMetricsTest, PromtoolAcceptsTheText) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) GTEST_SKIP() << "no promtool";
  SloMetricsWriter w(engine->spec());
  std::string out;
  w.Write(figures, out);
  std::string path = ::testing::TempDir() + "/slo_metrics.prom";
  std::ofstream(path) << out;
  std::string cmd = "promtool check metrics < " + path + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string report;
  char buf[256];
  while (fgets(buf, sizeof buf, p)) report += buf;
  int rc = pclose(p);
  EXPECT_EQ(rc, 0) << report;
}

}  // namespace
}  // namespace ninesd::exporter
