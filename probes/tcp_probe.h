#pragma once
// TCP probe: connect (address from c-ares), optional TLS handshake with
// certificate checks and expiry, optional query/expect steps.
// Internal to probes/. Loop thread only.

#include <asio/io_context.hpp>
#include <asio/ssl/context.hpp>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "config/config.h"
#include "probes/outcome.h"
#include "probes/resolver.h"

namespace ninesd::probes::internal {

struct TcpPlan {
  config::ProbeConfig config;
  std::string host;  // without brackets
  uint16_t port = 0;
  std::vector<std::optional<std::regex>> expects;  // per query_response step
  std::shared_ptr<asio::ssl::context> tls;         // set when config.tls

  static std::shared_ptr<const TcpPlan> Build(const config::ProbeConfig& c, std::string* error);
};

std::shared_ptr<Attempt> NewTcpAttempt(std::shared_ptr<const TcpPlan> plan, asio::io_context& io,
                                       Resolver& resolver);

}  // namespace ninesd::probes::internal
