#pragma once
// Minimal DNS response parser: header, and every record of the answer,
// authority and additional sections rendered like the blackbox exporter's
// (miekg/dns) text form "name.\tttl\tIN\tTYPE\tdata", which its regexps and
// ours run against. Internal to probes/.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ninesd::probes::internal {

struct DnsMessage {
  int rcode = 0;
  bool truncated = false;
  std::vector<std::string> answer;
  std::vector<std::string> authority;
  std::vector<std::string> additional;
};

// nullopt for a malformed message.
std::optional<DnsMessage> ParseDnsMessage(const uint8_t* data, size_t size);
// "A" -> 1 ... ; 0 for unknown names.
int DnsTypeCode(const std::string& name);

}  // namespace ninesd::probes::internal
