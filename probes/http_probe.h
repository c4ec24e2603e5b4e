#pragma once
// HTTP(S) probe: name resolution through c-ares, the request through libcurl
// on the shared CurlMulti, checks with the blackbox exporter's meaning.
// Internal to probes/. Loop thread only.

#include <curl/curl.h>

#include <chrono>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "config/config.h"
#include "probes/curl_multi.h"
#include "probes/outcome.h"
#include "probes/resolver.h"

namespace ninesd::probes::internal {

// Everything about an HTTP probe that does not change between attempts.
struct HttpPlan {
  config::ProbeConfig config;
  std::string host;  // from the URL, without brackets
  int port = 0;
  bool https = false;
  bool keep_body = false;  // some check reads the body
  std::vector<std::regex> body_must_match;
  std::vector<std::regex> body_must_not_match;
  struct HeaderRule {
    std::string name_lower;
    std::regex re;
    bool allow_missing;
  };
  std::vector<HeaderRule> header_must_not_match;
  std::vector<HeaderRule> header_must_match;

  // nullptr with *error set when the URL cannot be used.
  static std::shared_ptr<const HttpPlan> Build(const config::ProbeConfig& c, std::string* error);
};

std::shared_ptr<Attempt> NewHttpAttempt(std::shared_ptr<const HttpPlan> plan, CurlMulti& multi,
                                        Resolver& resolver);

// "Nov 27 12:00:00 2027 GMT" (OpenSSL's notAfter as curl's CERTINFO prints it)
// to Unix seconds; nullopt when it does not parse.
std::optional<double> ParseCertTime(const std::string& text);

}  // namespace ninesd::probes::internal
