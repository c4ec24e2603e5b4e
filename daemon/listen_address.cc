#include "daemon/listen_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>

namespace ninesd::daemon {
namespace {

bool IsIpv4Literal(const std::string& host) {
  in_addr addr{};
  return inet_pton(AF_INET, host.c_str(), &addr) == 1;
}

bool IsIpv6Literal(const std::string& host) {
  in6_addr addr{};
  return inet_pton(AF_INET6, host.c_str(), &addr) == 1;
}

}  // namespace

std::string ListenAddress::CivetwebOption() const {
  std::string port_text = std::to_string(port);
  return ipv6 ? "[" + host + "]:" + port_text : host + ":" + port_text;
}

Result<ListenAddress> ParseListenAddress(std::string_view text) {
  auto fail = [&](std::string_view why) {
    return Error{"listen address \"" + std::string(text) + "\": " + std::string(why)};
  };
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return fail("expected HOST:PORT");
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);

  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return fail("port must be a number in 0..65535");
  }

  ListenAddress out;
  out.port = static_cast<uint16_t>(port);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    out.host = std::string(host.substr(1, host.size() - 2));
    if (!IsIpv6Literal(out.host)) return fail("not an IPv6 address inside [...]");
    out.ipv6 = true;
    return out;
  }
  out.host = std::string(host);
  if (out.host == "localhost") out.host = "127.0.0.1";
  if (out.host.empty()) return fail("missing host (use 0.0.0.0 for every IPv4 interface)");
  if (IsIpv6Literal(out.host)) return fail("IPv6 addresses must be bracketed: [::1]:PORT");
  if (!IsIpv4Literal(out.host)) return fail("host must be an IP address or localhost");
  return out;
}

}  // namespace ninesd::daemon
