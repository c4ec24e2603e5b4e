#include "daemon/listen_address.h"

#include <gtest/gtest.h>

namespace ninesd::daemon {
namespace {

TEST(ListenAddressTest, ParsesIpv4) {
  auto address = ParseListenAddress("127.0.0.1:9929");
  ASSERT_TRUE(address.ok()) << address.error().message;
  EXPECT_EQ(address->host, "127.0.0.1");
  EXPECT_EQ(address->port, 9929);
  EXPECT_FALSE(address->ipv6);
  EXPECT_EQ(address->CivetwebOption(), "127.0.0.1:9929");
}

TEST(ListenAddressTest, ParsesBracketedIpv6IntoCivetwebSyntax) {
  auto address = ParseListenAddress("[::1]:9929");
  ASSERT_TRUE(address.ok()) << address.error().message;
  EXPECT_EQ(address->host, "::1");
  EXPECT_TRUE(address->ipv6);
  EXPECT_EQ(address->CivetwebOption(), "[::1]:9929");
}

TEST(ListenAddressTest, ParsesIpv6Wildcard) {
  auto address = ParseListenAddress("[::]:80");
  ASSERT_TRUE(address.ok());
  EXPECT_EQ(address->CivetwebOption(), "[::]:80");
}

TEST(ListenAddressTest, LocalhostIsIpv4Loopback) {
  auto address = ParseListenAddress("localhost:9929");
  ASSERT_TRUE(address.ok());
  EXPECT_EQ(address->CivetwebOption(), "127.0.0.1:9929");
}

TEST(ListenAddressTest, AllInterfaces) {
  auto address = ParseListenAddress("0.0.0.0:9929");
  ASSERT_TRUE(address.ok());
  EXPECT_EQ(address->CivetwebOption(), "0.0.0.0:9929");
}

TEST(ListenAddressTest, PortBounds) {
  EXPECT_TRUE(ParseListenAddress("127.0.0.1:0").ok());
  EXPECT_TRUE(ParseListenAddress("127.0.0.1:65535").ok());
  EXPECT_FALSE(ParseListenAddress("127.0.0.1:65536").ok());
  EXPECT_FALSE(ParseListenAddress("127.0.0.1:-1").ok());
  EXPECT_FALSE(ParseListenAddress("127.0.0.1:").ok());
  EXPECT_FALSE(ParseListenAddress("127.0.0.1:80x").ok());
}

TEST(ListenAddressTest, RejectsCivetwebSuffixesThatWouldEnableTls) {
  EXPECT_FALSE(ParseListenAddress("127.0.0.1:443s").ok());
  EXPECT_FALSE(ParseListenAddress("127.0.0.1:80r").ok());
  EXPECT_FALSE(ParseListenAddress("127.0.0.1:80,443s").ok());
}

TEST(ListenAddressTest, RejectsMalformedHosts) {
  EXPECT_FALSE(ParseListenAddress("9929").ok());
  EXPECT_FALSE(ParseListenAddress(":9929").ok());
  EXPECT_FALSE(ParseListenAddress("::1:9929").ok());  // unbracketed IPv6
  EXPECT_FALSE(ParseListenAddress("[127.0.0.1]:9929").ok());
  EXPECT_FALSE(ParseListenAddress("[::1:9929").ok());
  EXPECT_FALSE(ParseListenAddress("example.com:9929").ok());
  EXPECT_FALSE(ParseListenAddress("127.1:9929").ok());
  EXPECT_FALSE(ParseListenAddress("").ok());
}

TEST(ListenAddressTest, ErrorQuotesTheInput) {
  auto address = ParseListenAddress("nope:1");
  ASSERT_FALSE(address.ok());
  EXPECT_NE(address.error().message.find("\"nope:1\""), std::string::npos);
}

}  // namespace
}  // namespace ninesd::daemon
