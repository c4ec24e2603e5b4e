#include "daemon/metrics_endpoint.h"

#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

namespace ninesd::daemon {
namespace {

TEST(MetricsEndpointTest, SerializesRegistriesThenWriters) {
  MetricsEndpoint endpoint;
  auto registry = std::make_shared<prometheus::Registry>();
  prometheus::BuildCounter()
      .Name("ninesd_test_total")
      .Help("A test counter.")
      .Register(*registry)
      .Add({})
      .Increment(3);
  endpoint.AddCollectable(registry);
  endpoint.AddWriter([](std::string& out) {
    out += "# HELP ninesd_hot A hand-written family.\n# TYPE ninesd_hot gauge\nninesd_hot 1\n";
  });

  std::string text = endpoint.RenderCollectables();
  EXPECT_NE(text.find("# TYPE ninesd_test_total counter\nninesd_test_total 3"), std::string::npos)
      << text;
  ASSERT_TRUE(endpoint.HasWriters());
  endpoint.RenderWriters(text);
  EXPECT_LT(text.find("ninesd_test_total 3"), text.find("ninesd_hot 1"));
}

TEST(MetricsEndpointTest, SkipsCollectablesThatAreGone) {
  MetricsEndpoint endpoint;
  {
    auto registry = std::make_shared<prometheus::Registry>();
    prometheus::BuildCounter().Name("gone_total").Help("h").Register(*registry).Add({});
    endpoint.AddCollectable(registry);
  }
  EXPECT_EQ(endpoint.RenderCollectables(), "");
  EXPECT_FALSE(endpoint.HasWriters());
}

}  // namespace
}  // namespace ninesd::daemon
