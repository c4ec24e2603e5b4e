#pragma once
// Typed configuration (SPEC section 6), loaded from YAML and fully validated.
// Every error carries FILE:LINE:COL; all errors of a file are reported at once.
// Loading is pure: no directories are made, no sockets opened.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "slo/model.h"
#include "slo/time.h"

namespace ninesd::config {

using slo::Millis;

struct Diagnostic {
  std::string file;
  int line = 0;    // 1-based
  int column = 0;  // 1-based
  std::string message;
  std::string ToString() const;  // "FILE:LINE:COL: message"
};

struct ServerConfig {
  std::string listen = "127.0.0.1:9929";  // host:port, IPv6 as [::1]:9929
  std::string host = "127.0.0.1";
  int port = 9929;
  // Basic auth for every endpoint but /healthz: user name and a file holding
  // the SHA-256 hex digest of the password (never the password inline).
  std::string basic_auth_user;
  std::string basic_auth_password_sha256_file;
  Millis request_timeout = 2000;
  int threads = 8;
};

struct StateConfig {
  std::string path = "state/ninesd.db";
  Millis checkpoint_interval = 5000;
  Millis history_retention = 400 * slo::kDay;  // daily results and outages kept
};

struct KafkaConfig {
  std::string bootstrap;  // "host:port,..." or "embedded"
  std::string group_id = "ninesd";
  std::vector<std::string> topics;
  std::string dead_letter_topic;
  Millis allowed_lateness = 10'000;
  int max_event_bytes = 65536;
  // librdkafka pass-through (security.*, sasl.*, ssl.*). A key "NAME_file"
  // means: set NAME to the content of that file (read by the Kafka input).
  std::map<std::string, std::string> properties;
};

enum class ProbeType { kHttp, kTcp, kDns, kIcmp };
enum class IpProtocol { kIp4, kIp6 };
enum class DnsTransport { kUdp, kTcp };

struct TlsProbeConfig {
  std::string ca_file;  // empty: the system store
  std::string cert_file;
  std::string key_file;
  std::string server_name;  // empty: the target host
  bool insecure_skip_verify = false;
  bool operator==(const TlsProbeConfig&) const = default;
};

struct HeaderMatch {
  std::string header;
  std::string regexp;
  bool allow_missing = false;
  bool operator==(const HeaderMatch&) const = default;
};

struct QueryResponse {
  std::string send;    // empty: send nothing in this step
  std::string expect;  // empty: expect nothing in this step
  bool operator==(const QueryResponse&) const = default;
};

struct RrValidation {
  std::vector<std::string> fail_if_matches;
  std::vector<std::string> fail_if_not_matches;
  bool operator==(const RrValidation&) const = default;
};

// One probe of a service. Type-specific fields are set only for their type.
// Its failure/success thresholds and stale_after are in the core's view:
// model.services[service_index].probes[probe_index].
struct ProbeConfig {
  ProbeType type = ProbeType::kHttp;
  std::string name;  // default: "<type>-<n>", n counting the service's probes of that type from 1
  std::string service;
  uint32_t service_index = 0;
  uint16_t probe_index = 0;  // index into ServiceSpec::probes
  Millis interval = 10'000;
  Millis timeout = 5'000;
  std::string location;  // empty: the host name (filled in by the daemon)
  IpProtocol preferred_ip_protocol = IpProtocol::kIp6;
  bool ip_protocol_fallback = true;
  TlsProbeConfig tls_config;  // http (https URLs) and tcp with tls
  // http
  std::string url;
  std::string method = "GET";
  std::map<std::string, std::string> headers;
  std::string body;
  std::vector<int> valid_status_codes;  // empty: 2xx
  std::string body_regex;               // expect.body_regex: fail if not matched
  std::vector<std::string> fail_if_body_matches;
  std::vector<std::string> fail_if_body_not_matches;
  std::vector<HeaderMatch> fail_if_header_matches;
  std::vector<HeaderMatch> fail_if_header_not_matches;
  bool fail_if_ssl = false;
  bool fail_if_not_ssl = false;
  bool follow_redirects = true;
  int max_redirects = 10;
  int64_t max_body_bytes = 10 * 1024 * 1024;
  Millis max_latency = 0;        // 0: no latency ceiling
  Millis min_cert_validity = 0;  // 0: no check
  // tcp
  std::string target;  // host:port
  bool tls = false;
  std::vector<QueryResponse> query_response;
  // dns
  std::string server;  // host:port
  std::string query_name;
  std::string query_type = "A";
  DnsTransport transport = DnsTransport::kUdp;
  bool recursion_desired = true;
  std::vector<int> valid_rcodes;  // empty: NOERROR (0)
  RrValidation validate_answer;
  RrValidation validate_authority;
  RrValidation validate_additional;
  // icmp
  std::string host;
  bool operator==(const ProbeConfig&) const = default;
};

enum class HookType { kAlertmanager, kWebhook, kExec };

struct HookConfig {
  HookType type = HookType::kAlertmanager;
  std::vector<std::string> urls;     // alertmanager (one or more), webhook (one)
  std::string secret_file;           // webhook HMAC secret
  std::vector<std::string> command;  // exec argv
  Millis timeout = 10'000;
  std::string name;              // default "<type>-<n>"
  int max_retries = 5;           // alertmanager, webhook
  Millis retry_backoff = 1'000;  // alertmanager, webhook: first retry delay, doubled
  int queue_size = 1000;         // per destination
  int concurrency = 4;           // exec
};

struct AlertingConfig {
  std::vector<HookConfig> hooks;
  Millis resend_interval = 60'000;
  std::string runbook_url;
  Millis pending_for = 0;            // `for`: condition must hold this long before firing
  Millis keep_firing_for = 300'000;  // flap guard: condition must stay clear this long to resolve
};

struct Config {
  std::string source_path;
  ServerConfig server;
  StateConfig state;
  std::optional<KafkaConfig> kafka;
  std::vector<ProbeConfig> probes;  // flattened, in file order
  AlertingConfig alerting;
  slo::ModelSpec model;  // services, SLOs, maintenance for the core
};

struct LoadResult {
  std::optional<Config> config;  // set only when errors is empty
  std::vector<Diagnostic> errors;
  bool ok() const { return errors.empty() && config.has_value(); }
};

// Reads and validates a YAML file.
LoadResult LoadConfigFile(const std::string& path);
// Same for text already in memory; `path` is used in diagnostics.
LoadResult LoadConfigText(const std::string& text, const std::string& path);

}  // namespace ninesd::config
