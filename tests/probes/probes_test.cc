// Unit tests of the prober: schedule, in-flight limit, reload, metrics text,
// and the DNS and certificate parsers. Targets are sockets of the test itself
// on 127.0.0.1 (port 0).

#include <gtest/gtest.h>

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <set>

#include "probes/dns_message.h"
#include "probes/http_probe.h"
#include "probes/prober.h"

namespace ninesd::probes {
namespace {

using namespace std::chrono_literals;

config::ProbeConfig Tcp(const std::string& name, int port, slo::Millis interval = 1000,
                        slo::Millis timeout = 500) {
  config::ProbeConfig c;
  c.type = config::ProbeType::kTcp;
  c.service = "svc";
  c.name = name;
  c.target = "127.0.0.1:" + std::to_string(port);
  c.interval = interval;
  c.timeout = timeout;
  return c;
}

// Runs io until pred() holds or the limit passes; returns pred().
template <typename Pred>
bool RunUntil(asio::io_context& io, Pred pred, std::chrono::milliseconds limit = 5s) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!pred() && std::chrono::steady_clock::now() < end) {
    io.run_for(5ms);
    if (io.stopped()) io.restart();
  }
  return pred();
}

TEST(ProbeOffsetTest, IsDeterministicWithinIntervalOnTheTick) {
  std::set<slo::Millis> seen;
  for (int i = 0; i < 100; ++i) {
    std::string name = "p" + std::to_string(i);
    slo::Millis o = ProbeOffset("svc", name, 10'000, 100);
    EXPECT_EQ(o, ProbeOffset("svc", name, 10'000, 100));
    EXPECT_GE(o, 0);
    EXPECT_LT(o, 10'000);
    EXPECT_EQ(o % 100, 0);
    seen.insert(o);
  }
  EXPECT_GT(seen.size(), 50u);  // spread, not bunched
  // The service/name boundary is part of the key.
  EXPECT_NE(ProbeOffset("a", "bc", 1'000'000, 1), ProbeOffset("ab", "c", 1'000'000, 1));
}

TEST(ProberTest, ReportsEachProbeWithIndicesLocationAndWallClockStart) {
  asio::io_context io;
  asio::ip::tcp::acceptor acc(io, {asio::ip::make_address("127.0.0.1"), 0});
  int port = acc.local_endpoint().port();
  std::vector<ProbeResult> results;
  ProberOptions opts;
  opts.default_location = "here";
  Prober prober(io, opts, [&](const ProbeResult& r) { results.push_back(r); });
  auto a = Tcp("open", port);
  a.service_index = 3;
  a.probe_index = 1;
  auto b = Tcp("closed", 1);  // nothing listens on port 1 here
  b.location = "eu-1";
  slo::Millis before = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  prober.Start({a, b});
  prober.RunAllNow();
  ASSERT_TRUE(RunUntil(io, [&] { return results.size() >= 2; }));
  std::sort(results.begin(), results.end(),
            [](const ProbeResult& x, const ProbeResult& y) { return x.success > y.success; });
  EXPECT_TRUE(results[0].success);
  EXPECT_EQ(results[0].reason, "");
  EXPECT_EQ(results[0].service_index, 3u);
  EXPECT_EQ(results[0].probe_index, 1u);
  EXPECT_EQ(results[0].location, "here");
  EXPECT_GE(results[0].start_ms, before);
  EXPECT_FALSE(results[1].success);
  EXPECT_EQ(results[1].reason, "connection_refused");
  EXPECT_EQ(results[1].location, "eu-1");
}

TEST(ProberTest, StartsProbesDueInTheSameTickInOneWakeup) {
  asio::io_context io;
  asio::ip::tcp::acceptor acc(io, {asio::ip::make_address("127.0.0.1"), 0});
  int port = acc.local_endpoint().port();
  std::vector<config::ProbeConfig> probes;
  std::set<slo::Millis> offsets;
  for (int i = 0; i < 60; ++i) {
    probes.push_back(Tcp("p" + std::to_string(i), port));
    offsets.insert(ProbeOffset("svc", probes.back().name, 1000, 100));
  }
  size_t n = 0;
  Prober prober(io, {}, [&](const ProbeResult& r) {
    EXPECT_TRUE(r.success) << r.reason;
    ++n;
  });
  prober.Start(probes);
  ASSERT_TRUE(RunUntil(
      io, [&] { return prober.stats().started >= 60; }, 3s));
  // One wake-up per distinct tick, not one per probe.
  EXPECT_LE(prober.stats().wakeups, offsets.size() + 1);
  EXPECT_LT(offsets.size(), 11u);
  EXPECT_EQ(prober.stats().late_starts, 0u);
}

TEST(ProberTest, InFlightLimitQueuesAndHardTimeoutFires) {
  asio::io_context io;
  // Accepts (kernel backlog) and never answers: the expect step hangs.
  asio::ip::tcp::acceptor acc(io, {asio::ip::make_address("127.0.0.1"), 0});
  int port = acc.local_endpoint().port();
  std::vector<config::ProbeConfig> probes;
  for (int i = 0; i < 5; ++i) {
    auto c = Tcp("hang" + std::to_string(i), port, 10'000, 200);
    c.query_response.push_back({"", "^never"});
    probes.push_back(c);
  }
  size_t max_seen = 0;
  std::vector<ProbeResult> results;
  Prober* self = nullptr;
  ProberOptions opts;
  opts.max_in_flight = 2;
  Prober prober(io, opts, [&](const ProbeResult& r) {
    results.push_back(r);
    max_seen = std::max(max_seen, self->in_flight());
  });
  self = &prober;
  prober.Start(probes);
  prober.RunAllNow();
  EXPECT_EQ(prober.in_flight(), 2u);
  ASSERT_TRUE(RunUntil(io, [&] { return results.size() >= 5; }));
  EXPECT_LE(max_seen, 2u);
  for (const ProbeResult& r : results) {
    EXPECT_FALSE(r.success);
    EXPECT_EQ(r.reason, "timeout");
    EXPECT_GE(r.duration, 200ms);
    EXPECT_LT(r.duration, 300ms);  // hard deadline: timeout + 100 ms at most
  }
}

TEST(ProberTest, ReloadKeepsUnchangedProbesAndDropsRemovedOnes) {
  asio::io_context io;
  asio::ip::tcp::acceptor acc(io, {asio::ip::make_address("127.0.0.1"), 0});
  int port = acc.local_endpoint().port();
  size_t n = 0;
  Prober prober(io, {}, [&](const ProbeResult&) { ++n; });
  auto keep = Tcp("keep", port);
  auto gone = Tcp("gone", port);
  prober.Start({keep, gone});
  prober.RunAllNow();
  ASSERT_TRUE(RunUntil(io, [&] { return n >= 2; }));
  auto moved = keep;
  moved.probe_index = 7;  // indices may move; the probe is the same
  auto fresh = Tcp("fresh", port);
  prober.Reload({moved, fresh});
  std::string text;
  prober.WriteMetrics(text);
  EXPECT_NE(text.find("ninesd_probe_success{service=\"svc\",probe=\"keep\"} 1"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("probe=\"gone\""), std::string::npos);
  EXPECT_EQ(text.find("probe=\"fresh\""), std::string::npos);  // no result yet
}

TEST(ProberTest, MetricsCarryHistogramAndEscapedLabels) {
  asio::io_context io;
  asio::ip::tcp::acceptor acc(io, {asio::ip::make_address("127.0.0.1"), 0});
  size_t n = 0;
  Prober prober(io, {}, [&](const ProbeResult&) { ++n; });
  auto c = Tcp("a\"b", acc.local_endpoint().port());
  prober.Start({c});
  prober.RunAllNow();
  ASSERT_TRUE(RunUntil(io, [&] { return n >= 1; }));
  std::string text;
  prober.WriteMetrics(text);
  EXPECT_NE(text.find("# TYPE ninesd_probe_duration_seconds histogram"), std::string::npos);
  EXPECT_NE(text.find("ninesd_probe_duration_seconds_bucket{service=\"svc\",probe=\"a\\\"b\","
                      "le=\"+Inf\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("ninesd_probe_duration_seconds_count{service=\"svc\",probe=\"a\\\"b\"} 1"),
            std::string::npos);
}

TEST(DnsMessageTest, ParsesSectionsLikeMiekgDns) {
  // id 1, QR RD RA, rcode 3 (NXDOMAIN); 1 question, 1 answer, 1 authority.
  std::vector<uint8_t> m = {0, 1, 0x81, 0x83, 0, 1, 0, 1, 0, 1, 0, 0,
                            // question: ok.test A IN
                            2, 'o', 'k', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1,
                            // answer: pointer to 12, A IN ttl 300, 127.0.0.1
                            0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 0x2c, 0, 4, 127, 0, 0, 1,
                            // authority: pointer to 15 ("test."), TXT IN ttl 5, "hi"
                            0xc0, 15, 0, 16, 0, 1, 0, 0, 0, 5, 0, 3, 2, 'h', 'i'};
  auto parsed = internal::ParseDnsMessage(m.data(), m.size());
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->rcode, 3);
  EXPECT_EQ(parsed->answer, std::vector<std::string>{"ok.test.\t300\tIN\tA\t127.0.0.1"});
  EXPECT_EQ(parsed->authority, std::vector<std::string>{"test.\t5\tIN\tTXT\t\"hi\""});
}

TEST(DnsMessageTest, RejectsTruncatedAndLoopingMessages) {
  std::vector<uint8_t> m = {0, 1, 0x81, 0x80, 0, 0, 0, 1, 0, 0, 0, 0, 0xc0, 12};
  EXPECT_FALSE(internal::ParseDnsMessage(m.data(), m.size()).has_value());  // pointer loop
  EXPECT_FALSE(internal::ParseDnsMessage(m.data(), 5).has_value());
}

TEST(CertTimeTest, ParsesOpenSslNotAfter) {
  EXPECT_EQ(internal::ParseCertTime("Jan  1 00:00:00 2030 GMT"), 1893456000.0);
  EXPECT_EQ(internal::ParseCertTime("Nov 27 12:00:00 2026 GMT"), 1795780800.0);
  EXPECT_FALSE(internal::ParseCertTime("yesterday").has_value());
}

}  // namespace
}  // namespace ninesd::probes
