#pragma once
// Host name to address through c-ares on the loop, with the blackbox
// exporter's preferred_ip_protocol / ip_protocol_fallback semantics.
// Internal to probes/. Loop thread only.

#include <asio/ip/address.hpp>
#include <functional>
#include <memory>
#include <string>

#include "config/config.h"
#include "probes/ares_channel.h"

namespace ninesd::probes::internal {

struct Resolved {
  bool ok = false;
  asio::ip::address address;
  std::string reason;  // "dns_error", "nxdomain", "no_address" when !ok
  std::string detail;
};

class Resolver {
 public:
  // Uses /etc/resolv.conf and /etc/hosts as c-ares reads them.
  explicit Resolver(asio::io_context& io);
  // IP literals complete immediately (still through a posted handler).
  // The callback runs on the loop exactly once, unless the Resolver is destroyed first.
  void Resolve(const std::string& host, config::IpProtocol preferred, bool fallback,
               std::function<void(Resolved)> done);

 private:
  asio::io_context& io_;
  std::unique_ptr<AresChannel> channel_;
  std::string init_error_;
};

}  // namespace ninesd::probes::internal
