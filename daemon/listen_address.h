#pragma once
// Parsing of `server.listen` ("127.0.0.1:9929", "[::1]:9929", "localhost:9929")
// into the form civetweb's `listening_ports` option takes. Pure functions.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ninesd::daemon {

struct ListenAddress {
  std::string host;  // numeric IPv4 or IPv6 literal (IPv6 without brackets)
  uint16_t port = 0;
  bool ipv6 = false;

  // civetweb `listening_ports` value: "127.0.0.1:9929" or "[::1]:9929". Never
  // carries civetweb's "s" (TLS) or "r" (redirect) suffixes.
  std::string CivetwebOption() const;
  // For messages and the systemd status line; same text as CivetwebOption().
  std::string ToString() const { return CivetwebOption(); }
};

// Accepts "HOST:PORT" where HOST is an IPv4 literal, a bracketed IPv6 literal
// or "localhost" (taken as 127.0.0.1, so the bind never depends on resolver
// configuration). PORT is 0..65535; 0 asks the kernel for a free port (tests).
Result<ListenAddress> ParseListenAddress(std::string_view text);

}  // namespace ninesd::daemon
