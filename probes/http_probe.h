#pragma once
// HTTP(S) probe: name resolution through c-ares, the request through libcurl
// on the shared CurlMulti, checks with the blackbox exporter's meaning.
// Internal to probes/. Loop thread only.

#include <curl/curl.h>

#include <chrono>
#include <memory>
#include <optional>
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
  std::string host;  // from the URL, without brackets; what is resolved
  // What curl is given: the URL with tls_config.server_name as its host (so
  // SNI and verification use it) and the Host header it replaces.
  std::string request_url;
  std::string curl_host;
  std::string host_header;  // "Host: ..." or empty
  int port = 0;
  bool https = false;
  bool host_is_ip = false;    // no name resolution: curl's timeout alone bounds the attempt
  bool keep_body = false;     // some check reads the body
  bool keep_headers = false;  // some check reads the response headers
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

// The easy handle of one probe, kept across attempts: allocating and setting
// up a handle per attempt costs more than the probe's own work.
struct HttpEasy {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  curl_slist* connect_to = nullptr;
  std::optional<asio::ip::address> connect_address;  // where connect_to points
  bool busy = false;                                 // in the multi handle
  HttpEasy() = default;
  HttpEasy(const HttpEasy&) = delete;
  HttpEasy& operator=(const HttpEasy&) = delete;
  ~HttpEasy();
};

std::shared_ptr<Attempt> NewHttpAttempt(std::shared_ptr<const HttpPlan> plan,
                                        std::shared_ptr<HttpEasy> easy, CurlMulti& multi,
                                        Resolver& resolver);

// "Nov 27 12:00:00 2027 GMT" (OpenSSL's notAfter as curl's CERTINFO prints it)
// to Unix seconds; nullopt when it does not parse.
std::optional<double> ParseCertTime(const std::string& text);

}  // namespace ninesd::probes::internal
