// Every example in config/examples/ loads without a single diagnostic.

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>

#include "config/config.h"
#include "slo/engine.h"

namespace ninesd::config {
namespace {

const std::filesystem::path kExamples =
    std::filesystem::path(NINESD_SOURCE_DIR) / "config/examples";

TEST(ExamplesTest, EveryExampleLoadsWithoutErrors) {
  std::set<std::string> seen;
  for (const auto& entry : std::filesystem::directory_iterator(kExamples)) {
    if (entry.path().extension() != ".yaml") continue;
    seen.insert(entry.path().filename().string());
    LoadResult r = LoadConfigFile(entry.path().string());
    for (const Diagnostic& d : r.errors) ADD_FAILURE() << d.ToString();
    ASSERT_TRUE(r.ok()) << entry.path();
    // What the loader accepts, the core accepts.
    auto engine = slo::Engine::Create(r.config->model);
    EXPECT_TRUE(engine.ok()) << entry.path() << ": " << (engine.ok() ? "" : engine.error().message);
  }
  for (const char* name :
       {"default.yaml", "availability.yaml", "ratio-latency.yaml", "composite.yaml",
        "maintenance.yaml", "calendar-sla.yaml", "probes.yaml", "alerting.yaml", "kafka.yaml"}) {
    EXPECT_TRUE(seen.count(name)) << "missing example " << name;
  }
}

TEST(ExamplesTest, DefaultIsTheBundledDaemonConfig) {
  LoadResult r = LoadConfigFile((kExamples / "default.yaml").string());
  ASSERT_TRUE(r.ok());
  const Config& c = *r.config;
  EXPECT_EQ(c.server.host, "127.0.0.1");
  EXPECT_EQ(c.server.port, 9929);
  EXPECT_TRUE(c.state.path.starts_with("state/"));
  ASSERT_TRUE(c.kafka.has_value());
  EXPECT_EQ(c.kafka->bootstrap, "embedded");
  EXPECT_EQ(c.kafka->topics, std::vector<std::string>{"events"});
  ASSERT_FALSE(c.probes.empty());
  EXPECT_EQ(c.probes[0].service, "ninesd-self");
  EXPECT_EQ(c.probes[0].url, "http://127.0.0.1:9929/healthz");
  bool ratio_on_api = false;
  for (const slo::SloSpec& s : c.model.slos) {
    if (c.model.services[s.service].name == "api" && s.kind == slo::SloKind::kRatio) {
      ratio_on_api = true;
    }
  }
  EXPECT_TRUE(ratio_on_api);
  bool heartbeat = false;
  for (const slo::ServiceSpec& s : c.model.services) {
    if (s.name == "batch-etl") heartbeat = s.heartbeat_timeout.has_value();
  }
  EXPECT_TRUE(heartbeat);
}

}  // namespace
}  // namespace ninesd::config
