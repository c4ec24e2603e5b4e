#pragma once
// DNS probe through c-ares: one channel per probe, aimed at its server, UDP
// or TCP, raw response parsed for rcode and record checks.
// Internal to probes/. Loop thread only.

#include <asio/io_context.hpp>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "config/config.h"
#include "probes/ares_channel.h"
#include "probes/outcome.h"

namespace ninesd::probes::internal {

class DnsProbe {
 public:
  // nullptr with *error set when c-ares refuses the server.
  static std::unique_ptr<DnsProbe> Create(asio::io_context& io, const config::ProbeConfig& c,
                                          std::string* error);
  std::shared_ptr<Attempt> NewAttempt();

  struct Rules {
    std::vector<std::regex> fail_if_matches;
    std::vector<std::regex> fail_if_not_matches;
  };
  const config::ProbeConfig& config() const { return config_; }
  AresChannel& channel() { return *channel_; }
  const Rules& answer() const { return answer_; }
  const Rules& authority() const { return authority_; }
  const Rules& additional() const { return additional_; }

 private:
  config::ProbeConfig config_;
  std::unique_ptr<AresChannel> channel_;
  Rules answer_, authority_, additional_;
};

}  // namespace ninesd::probes::internal
