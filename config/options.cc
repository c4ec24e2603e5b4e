#include "config/options.h"

#include <cmath>
#include <cstdio>
#include <functional>
#include <unordered_map>
#include <utility>

#include "slo/time.h"

namespace ninesd::config {
namespace {

using slo::kDay;
using slo::kHour;
using slo::kMinute;
using slo::kSecond;
using T = OptionType;

constexpr Option O(std::string_view section, std::string_view key, OptionType type,
                   std::string_view doc) {
  Option o;
  o.section = section;
  o.key = key;
  o.type = type;
  o.doc = doc;
  return o;
}

constexpr double kMs = 1;

// clang-format off
constexpr Option kOptions[] = {
  // Top level.
  O("", "server", T::kSection, "HTTP server for /metrics, /healthz and /status."),
  O("", "state", T::kSection, "Durable state (SQLite): timelines, windows, alert states, Kafka offsets."),
  O("", "kafka", T::kSection, "Kafka input of events; omit it to run on probes alone."),
  O("", "services", T::kSectionList, "The services whose availability is tracked."),
  O("", "slos", T::kSectionList, "Objectives on services."),
  O("", "maintenance", T::kSectionList, "Maintenance windows, excluded from the accounting."),
  O("", "alerting", T::kSection, "Alert evaluation and delivery."),

  O("server", "listen", T::kHostPort, "Address of the HTTP server; IPv6 as [::1]:9929.")
      .Default("127.0.0.1:9929").Restart(),
  O("server", "basic_auth", T::kSection, "Basic auth for every endpoint but /healthz.").Restart(),
  O("server", "request_timeout", T::kDuration, "Deadline of one HTTP request (slow clients are cut off).")
      .Default("2s").Min(100 * kMs).Max(kMinute).Restart(),
  O("server", "threads", T::kInt, "HTTP server worker threads.").Default("8").Min(1).Max(64).Restart(),

  O("server.basic_auth", "user", T::kString, "User name.").Required().Min(1),
  O("server.basic_auth", "password_sha256_file", T::kPath,
    "File holding the hex SHA-256 digest of the password (never the password inline).").Required()
      .Min(1),

  O("state", "path", T::kPath, "SQLite database file (relative: to the working directory).")
      .Default("state/ninesd.db").Min(1).Restart(),
  O("state", "checkpoint_interval", T::kDuration, "How often state and Kafka offsets are committed.")
      .Default("5s").Min(100 * kMs).Max(kHour),
  O("state", "history_retention", T::kDuration,
    "How long daily SLO results and outages are kept for reports and /status.")
      .Default("400d").Min(kDay).Max(10 * 366 * kDay),

  O("kafka", "bootstrap", T::kString, "Brokers as host:port,host:port, or embedded.").Required().Restart(),
  O("kafka", "group_id", T::kString, "Consumer group id.").Default("ninesd").Min(1).Restart(),
  O("kafka", "topics", T::kStringList, "Topics carrying events (at least one).").Required().Restart(),
  O("kafka", "dead_letter_topic", T::kString,
    "Topic that receives rejected events with the reason in a header; omit for none.").Restart(),
  O("kafka", "allowed_lateness", T::kDuration,
    "How late (in event time) an event may arrive and still be counted; applies without Kafka too.")
      .Default("10s").Min(0).Max(kDay),
  O("kafka", "max_event_bytes", T::kInt, "Events larger than this are rejected before parsing.")
      .Default("65536").Min(256).Max(16 * 1024 * 1024).Restart(),
  O("kafka", "properties", T::kStringMap,
    "librdkafka properties passed through (security.protocol, sasl.*, ssl.*); "
    "secrets only through *.location or *_file properties.").Restart(),

  O("services[]", "name", T::kString, "Unique name; events refer to it.").Required().Min(1),
  O("services[]", "heartbeat_timeout", T::kDuration,
    "A heartbeat keeps the service up for this long; a longer gap is down.")
      .Min(0, true).Max(30 * kDay),
  O("services[]", "quorum", T::kInt, "Locations of one probe that must fail before it counts as down.")
      .Default("1").Min(1).Max(100),
  O("services[]", "stale_after", T::kDuration,
    "Probe events from Kafka: a result older than this turns the service unknown.")
      .Default("90s").Min(0, true).Max(30 * kDay),
  O("services[]", "failure_threshold", T::kInt,
    "Probe events from Kafka: consecutive failures before down (back-dated).")
      .Default("1").Min(1).Max(100),
  O("services[]", "success_threshold", T::kInt,
    "Probe events from Kafka: consecutive successes before up (back-dated).")
      .Default("1").Min(1).Max(100),
  O("services[]", "probes", T::kSectionList, "Active probes run by this daemon."),
  O("services[]", "depends_on", T::kSection,
    "Makes this a composite of other services (no probes or heartbeats of its own)."),

  O("services[].depends_on", "all", T::kStringList, "Down when any member is down (series)."),
  O("services[].depends_on", "any", T::kStringList, "Down only when every member is down (redundancy)."),
  O("services[].depends_on", "at_least", T::kInt, "With `of`: members that must be up (k of n).")
      .Min(1),
  O("services[].depends_on", "of", T::kStringList, "With `at_least`: the members."),

  O("services[].probes[]", "type", T::kEnum, "Kind of probe.").Values("http|tcp|dns|icmp").Required(),
  O("services[].probes[]", "name", T::kString, "Unique within the service.")
      .DefaultDoc("type-n, e.g. http-1 (n counts probes of that type from 1)").Min(1),
  O("services[].probes[]", "interval", T::kDuration, "Time between two probes.")
      .Default("10s").Min(kSecond).Max(kDay),
  O("services[].probes[]", "timeout", T::kDuration, "Deadline of one probe; at most interval.")
      .Default("5s").Min(10 * kMs).Max(kHour),
  O("services[].probes[]", "failure_threshold", T::kInt, "Consecutive failures before down (back-dated).")
      .Default("1").Min(1).Max(100),
  O("services[].probes[]", "success_threshold", T::kInt, "Consecutive successes before up (back-dated).")
      .Default("1").Min(1).Max(100),
  O("services[].probes[]", "stale_after", T::kDuration,
    "A result older than this turns the probe unknown; at least interval.")
      .DefaultDoc("3 x interval").Min(0, true).Max(30 * kDay),
  O("services[].probes[]", "location", T::kString, "Location label of the results.")
      .DefaultDoc("the host name"),
  O("services[].probes[]", "url", T::kUrl, "http:// or https:// URL, without credentials.")
      .For("http").Required(),
  O("services[].probes[]", "method", T::kEnum, "HTTP method.").For("http").Default("GET")
      .Values("GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS"),
  O("services[].probes[]", "headers", T::kStringMap, "Request headers.").For("http"),
  O("services[].probes[]", "body", T::kString, "Request body.").For("http"),
  O("services[].probes[]", "expect", T::kSection, "What counts as success.").For("http"),
  O("services[].probes[]", "target", T::kHostPort, "Address to connect to.").For("tcp").Required(),
  O("services[].probes[]", "tls", T::kBool, "Complete a TLS handshake after connecting.")
      .For("tcp").Default("false"),
  O("services[].probes[]", "server", T::kHostPort, "DNS server to ask.").For("dns").Required(),
  O("services[].probes[]", "query_name", T::kString, "Name to resolve.").For("dns").Required().Min(1),
  O("services[].probes[]", "query_type", T::kEnum, "Record type to ask for.").For("dns").Default("A")
      .Values("A|AAAA|CNAME|MX|TXT|NS|SOA|SRV|PTR"),
  O("services[].probes[]", "host", T::kString, "Host to ping.").For("icmp").Required().Min(1),
  O("services[].probes[]", "preferred_ip_protocol", T::kEnum,
    "Address family tried first when a name resolves to both (blackbox meaning).")
      .For("http|tcp|dns|icmp").Default("ip6").Values("ip4|ip6"),
  O("services[].probes[]", "ip_protocol_fallback", T::kBool,
    "Use the other family when the preferred one has no address.")
      .For("http|tcp|dns|icmp").Default("true"),
  O("services[].probes[]", "follow_redirects", T::kBool, "Follow 3xx redirects.")
      .For("http").Default("true"),
  O("services[].probes[]", "max_redirects", T::kInt, "Redirects followed before the probe fails.")
      .For("http").Default("10").Min(0).Max(100),
  O("services[].probes[]", "max_body_bytes", T::kInt,
    "Body bytes read before the probe fails (enforced while streaming, chunked bodies too).")
      .For("http").Default("10485760").Min(1).Max(1073741824),
  O("services[].probes[]", "tls_config", T::kSection, "TLS settings (https URLs; tcp with tls).")
      .For("http|tcp"),
  O("services[].probes[]", "query_response", T::kSectionList,
    "Steps after connecting, in order: send a line and/or expect a line matching a regexp.")
      .For("tcp"),
  O("services[].probes[]", "transport", T::kEnum, "DNS transport.").For("dns").Default("udp")
      .Values("udp|tcp"),
  O("services[].probes[]", "recursion_desired", T::kBool, "Set the RD bit of the query.")
      .For("dns").Default("true"),
  O("services[].probes[]", "valid_rcodes", T::kEnumList, "Response codes that count as success.")
      .For("dns").DefaultDoc("[NOERROR]")
      .Values("NOERROR|FORMERR|SERVFAIL|NXDOMAIN|NOTIMP|REFUSED|YXDOMAIN|YXRRSET|NXRRSET|NOTAUTH|NOTZONE"),
  O("services[].probes[]", "validate_answer_rrs", T::kSection,
    "Regexps on the answer section, each record as \"name<TAB>ttl<TAB>IN<TAB>type<TAB>data\".")
      .For("dns"),
  O("services[].probes[]", "validate_authority_rrs", T::kSection, "Regexps on the authority section.")
      .For("dns"),
  O("services[].probes[]", "validate_additional_rrs", T::kSection,
    "Regexps on the additional section.").For("dns"),

  O("services[].probes[].expect", "status", T::kIntList, "Status codes that count as success.")
      .DefaultDoc("any 2xx").Min(100).Max(599),
  O("services[].probes[].expect", "body_regex", T::kString,
    "ECMAScript regular expression the body must match.").Min(1).Max(1000),
  O("services[].probes[].expect", "fail_if_body_matches_regexp", T::kStringList,
    "Fail when the body matches any of these regexps.").Min(1).Max(1000),
  O("services[].probes[].expect", "fail_if_body_not_matches_regexp", T::kStringList,
    "Fail unless the body matches every one of these regexps.").Min(1).Max(1000),
  O("services[].probes[].expect", "fail_if_header_matches", T::kSectionList,
    "Fail when a response header matches a regexp."),
  O("services[].probes[].expect", "fail_if_header_not_matches", T::kSectionList,
    "Fail unless a response header matches a regexp."),
  O("services[].probes[].expect", "fail_if_ssl", T::kBool, "Fail when the final response came over TLS.")
      .Default("false"),
  O("services[].probes[].expect", "fail_if_not_ssl", T::kBool,
    "Fail unless the final response came over TLS.").Default("false"),
  O("services[].probes[].expect", "max_latency", T::kDuration,
    "Fail when the probe took longer than this (a latency ceiling below timeout).")
      .DefaultDoc("none").Min(1 * kMs).Max(kHour),
  O("services[].probes[].expect", "min_cert_validity", T::kDuration,
    "Fail when the earliest certificate of the chain expires sooner than this.")
      .DefaultDoc("none").Min(0).Max(3650 * kDay),

  O("services[].probes[].expect.fail_if_header_matches[]", "header", T::kString, "Header name.")
      .Required().Min(1),
  O("services[].probes[].expect.fail_if_header_matches[]", "regexp", T::kString,
    "Regexp on the header value.").Required().Min(1).Max(1000),
  O("services[].probes[].expect.fail_if_header_matches[]", "allow_missing", T::kBool,
    "Unused here (a missing header never matches); accepted for blackbox configs.").Default("false"),
  O("services[].probes[].expect.fail_if_header_not_matches[]", "header", T::kString, "Header name.")
      .Required().Min(1),
  O("services[].probes[].expect.fail_if_header_not_matches[]", "regexp", T::kString,
    "Regexp on the header value.").Required().Min(1).Max(1000),
  O("services[].probes[].expect.fail_if_header_not_matches[]", "allow_missing", T::kBool,
    "A missing header passes instead of failing.").Default("false"),

  O("services[].probes[].tls_config", "ca_file", T::kPath, "PEM file of the CAs to trust.")
      .DefaultDoc("the system store"),
  O("services[].probes[].tls_config", "cert_file", T::kPath, "PEM client certificate (with key_file)."),
  O("services[].probes[].tls_config", "key_file", T::kPath, "PEM client key (with cert_file)."),
  O("services[].probes[].tls_config", "server_name", T::kString,
    "Name sent in SNI and checked against the certificate.").DefaultDoc("the target host").Min(1),
  O("services[].probes[].tls_config", "insecure_skip_verify", T::kBool,
    "Accept any certificate (expiry is still exported).").Default("false"),

  O("services[].probes[].query_response[]", "send", T::kString,
    "Line to send; \\n is appended unless it ends with one."),
  O("services[].probes[].query_response[]", "expect", T::kString,
    "Regexp a received line must match (lines are read until one does).").Min(1).Max(1000),

  O("services[].probes[].validate_answer_rrs", "fail_if_matches_regexp", T::kStringList,
    "Fail when any record matches one of these.").Min(1).Max(1000),
  O("services[].probes[].validate_answer_rrs", "fail_if_not_matches_regexp", T::kStringList,
    "Fail unless some record matches each of these.").Min(1).Max(1000),
  O("services[].probes[].validate_authority_rrs", "fail_if_matches_regexp", T::kStringList,
    "Fail when any record matches one of these.").Min(1).Max(1000),
  O("services[].probes[].validate_authority_rrs", "fail_if_not_matches_regexp", T::kStringList,
    "Fail unless some record matches each of these.").Min(1).Max(1000),
  O("services[].probes[].validate_additional_rrs", "fail_if_matches_regexp", T::kStringList,
    "Fail when any record matches one of these.").Min(1).Max(1000),
  O("services[].probes[].validate_additional_rrs", "fail_if_not_matches_regexp", T::kStringList,
    "Fail unless some record matches each of these.").Min(1).Max(1000),

  O("slos[]", "name", T::kString, "Unique name; the `slo` label of metrics.").Required().Min(1),
  O("slos[]", "service", T::kString, "The service the objective is on.").Required(),
  O("slos[]", "kind", T::kEnum, "availability: time-based; ratio: good/total events; "
    "latency: events within threshold.").Default("availability").Values("availability|ratio|latency"),
  O("slos[]", "objective", T::kPercent, "Target in percent, e.g. 99.95.").Required().Min(0, true)
      .Max(100, true),
  O("slos[]", "window", T::kWindow,
    "Rolling duration (whole minutes for ratio and latency) or day, week, month, quarter, year.")
      .Default("30d").Min(kMinute).Max(400 * kDay),
  O("slos[]", "time_zone", T::kTimeZone, "IANA time zone of calendar windows.").Default("UTC"),
  O("slos[]", "no_data", T::kEnum, "availability: how time without data counts.").Default("ignore")
      .Values("ignore|up|down"),
  O("slos[]", "degraded_weight", T::kNumber, "availability: share of degraded time counted as bad.")
      .Default("0").Min(0).Max(1),
  O("slos[]", "threshold", T::kDuration, "latency (required there): an event is good when its latency "
    "is at most this.").Min(0, true).Max(kDay),
  O("slos[]", "lookbacks", T::kDurationList, "Burn-rate lookback windows.")
      .DefaultDoc("5m, 30m, 1h, 2h, 6h, 1d, 3d").Min(0, true).Max(400 * kDay),
  O("slos[]", "alerts", T::kSection, "Burn-rate alert policy."),
  O("slos[]", "min_valid", T::kDuration, "availability: valid time a lookback needs before it may alert.")
      .Default("0s").Min(0).Max(400 * kDay),
  O("slos[]", "min_events", T::kInt, "ratio, latency: events a lookback needs before it may alert.")
      .Default("0").Min(0),
  O("slos[]", "agreement", T::kSection, "Contract context: SLA, SLC, OLA."),

  O("slos[].alerts", "burn_rate", T::kSectionList,
    "Multiwindow burn-rate alerts; fire when both lookbacks burn faster than factor.")
      .DefaultDoc("page 14.4 1h/5m, page 6 6h/30m, ticket 3 1d/2h, ticket 1 3d/6h"),

  O("slos[].alerts.burn_rate[]", "severity", T::kEnum, "Severity label.").Values("page|ticket").Required(),
  O("slos[].alerts.burn_rate[]", "factor", T::kNumber, "Burn rate that must be exceeded.")
      .Required().Min(0, true),
  O("slos[].alerts.burn_rate[]", "long", T::kDuration, "Long lookback.").Required().Min(0, true)
      .Max(400 * kDay),
  O("slos[].alerts.burn_rate[]", "short", T::kDuration, "Short lookback; shorter than long.")
      .Required().Min(0, true).Max(400 * kDay),

  O("slos[].agreement", "type", T::kEnum,
    "sla: with a customer; slc: published to all; ola: between teams; internal.")
      .Values("sla|slc|ola|internal").Required(),
  O("slos[].agreement", "customer", T::kString, "Customer party."),
  O("slos[].agreement", "provider", T::kString, "Provider party."),
  O("slos[].agreement", "credits", T::kSectionList, "Service credits owed per attainment tier."),

  O("slos[].agreement.credits[]", "below", T::kPercent, "Attainment below this percent owes credit.")
      .Required().Min(0, true).Max(100),
  O("slos[].agreement.credits[]", "credit", T::kPercent, "Credit in percent.").Required()
      .Min(0, true).Max(100),

  O("maintenance[]", "services", T::kStringList, "Services in maintenance.").DefaultDoc("all services"),
  O("maintenance[]", "start", T::kTimestamp, "One-off window: RFC 3339 start (inclusive)."),
  O("maintenance[]", "end", T::kTimestamp, "One-off window: RFC 3339 end (exclusive)."),
  O("maintenance[]", "weekly", T::kSection, "Recurring window on weekdays."),
  O("maintenance[]", "monthly", T::kSection, "Recurring window on a day of the month."),
  O("maintenance[]", "duration", T::kDuration, "Recurring windows: length of each occurrence.")
      .Min(0, true).Max(7 * kDay),
  O("maintenance[]", "time_zone", T::kTimeZone, "Recurring windows: IANA time zone of `at`.")
      .Default("UTC"),

  O("maintenance[].weekly", "days", T::kEnumList, "Weekdays.").Values("sun|mon|tue|wed|thu|fri|sat")
      .Required(),
  O("maintenance[].weekly", "at", T::kTimeOfDay, "Local start time, HH:MM.").Required(),
  O("maintenance[].monthly", "day", T::kDayOfMonth, "Day of the month, 1..31, or last.").Required(),
  O("maintenance[].monthly", "at", T::kTimeOfDay, "Local start time, HH:MM.").Required(),

  O("alerting", "resend_interval", T::kDuration, "Firing alerts are re-sent this often.")
      .Default("1m").Min(kSecond).Max(kDay),
  O("alerting", "runbook_url", T::kUrl, "Runbook link attached to alerts."),
  O("alerting", "evaluation_interval", T::kDuration, "Alert evaluation grid, in event time.")
      .Default("10s").Min(kSecond).Max(kHour),
  O("alerting", "for", T::kDuration,
    "Pending time: a condition must hold this long (event time) before its alert fires.")
      .Default("0s").Min(0).Max(kDay),
  O("alerting", "keep_firing_for", T::kDuration,
    "Flap guard: a firing alert resolves only after its condition stayed clear this long.")
      .Default("5m").Min(0).Max(kDay),
  O("alerting", "hooks", T::kSectionList, "Where alerts are delivered."),

  O("alerting.hooks[]", "type", T::kEnum, "Kind of hook.").Values("alertmanager|webhook|exec").Required(),
  O("alerting.hooks[]", "url", T::kUrl, "http(s) URL (alertmanager: url or urls; webhook: required).")
      .For("alertmanager|webhook"),
  O("alerting.hooks[]", "urls", T::kUrlList, "Every Alertmanager replica (never a load balancer).")
      .For("alertmanager"),
  O("alerting.hooks[]", "secret_file", T::kPath, "File holding the HMAC secret that signs each request.")
      .For("webhook").Min(1),
  O("alerting.hooks[]", "command", T::kStringList,
    "argv of the program, run without a shell; command[0] is an absolute path.").For("exec").Required(),
  O("alerting.hooks[]", "timeout", T::kDuration, "Deadline of one delivery (HTTP request or program run).")
      .Default("10s").Min(100 * kMs).Max(5 * kMinute),
  O("alerting.hooks[]", "name", T::kString, "Name in logs and in the hook label of metrics.")
      .DefaultDoc("type-n, e.g. webhook-1 (n counts hooks of that type)").Min(1),
  O("alerting.hooks[]", "max_retries", T::kInt, "Retries of a failed delivery (5xx, 429, network).")
      .For("alertmanager|webhook").Default("5").Min(0).Max(20),
  O("alerting.hooks[]", "retry_backoff", T::kDuration, "First retry delay, doubled per retry (at most 5m).")
      .For("alertmanager|webhook").Default("1s").Min(10 * kMs).Max(kMinute),
  O("alerting.hooks[]", "queue_size", T::kInt,
    "Deliveries waiting per destination; when full the oldest is dropped and counted.")
      .Default("1000").Min(1).Max(100000),
  O("alerting.hooks[]", "concurrency", T::kInt, "Programs running at once; more wait in the queue.")
      .For("exec").Default("4").Min(1).Max(64),
};
// clang-format on

std::string FormatBound(const Option& o, double v) {
  if (o.type == OptionType::kDuration || o.type == OptionType::kDurationList ||
      o.type == OptionType::kWindow) {
    return slo::FormatDuration(static_cast<slo::Millis>(v));
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

std::string EscapeCell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') {
      out += "\\|";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string_view OptionTypeName(OptionType t) {
  switch (t) {
    case OptionType::kSection:
      return "map";
    case OptionType::kSectionList:
      return "list of maps";
    case OptionType::kString:
      return "string";
    case OptionType::kBool:
      return "bool";
    case OptionType::kInt:
      return "int";
    case OptionType::kNumber:
      return "number";
    case OptionType::kPercent:
      return "percent";
    case OptionType::kDuration:
      return "duration";
    case OptionType::kEnum:
      return "enum";
    case OptionType::kStringList:
      return "list of strings";
    case OptionType::kEnumList:
      return "list of enums";
    case OptionType::kIntList:
      return "list of ints";
    case OptionType::kDurationList:
      return "list of durations";
    case OptionType::kUrlList:
      return "list of URLs";
    case OptionType::kStringMap:
      return "map of strings";
    case OptionType::kUrl:
      return "URL";
    case OptionType::kHostPort:
      return "host:port";
    case OptionType::kPath:
      return "path";
    case OptionType::kTimeZone:
      return "time zone";
    case OptionType::kTimestamp:
      return "RFC 3339 time";
    case OptionType::kTimeOfDay:
      return "HH:MM";
    case OptionType::kWindow:
      return "window";
    case OptionType::kDayOfMonth:
      return "day of month";
  }
  return "?";
}

bool Option::AppliesTo(std::string_view variant) const {
  if (variants.empty()) return true;
  std::string_view rest = variants;
  while (!rest.empty()) {
    size_t bar = rest.find('|');
    if (rest.substr(0, bar) == variant) return true;
    if (bar == std::string_view::npos) break;
    rest.remove_prefix(bar + 1);
  }
  return false;
}

std::span<const Option> Options() { return kOptions; }

std::span<const Option> SectionOptions(std::string_view section) {
  // Read for every section of the file (its keys, required keys, variants):
  // indexed once, as the table groups each section's options together.
  static const auto* const index = [] {
    auto* m = new std::unordered_map<std::string_view, std::span<const Option>>();
    const std::span<const Option> all = kOptions;
    for (size_t i = 0; i < all.size();) {
      size_t j = i;
      while (j < all.size() && all[j].section == all[i].section) ++j;
      m->try_emplace(all[i].section, all.subspan(i, j - i));
      i = j;
    }
    return m;
  }();
  auto it = index->find(section);
  return it == index->end() ? std::span<const Option>() : it->second;
}

const Option* FindOption(std::span<const Option> options, std::string_view key) {
  for (const Option& o : options) {
    if (o.key == key) return &o;  // keys are unique per section
  }
  return nullptr;
}

const Option* FindOption(std::string_view section, std::string_view key) {
  return FindOption(SectionOptions(section), key);
}

bool WithinBounds(const Option& o, double v) {
  if (std::isnan(v)) return false;
  if (o.min_open ? !(v > o.min) : !(v >= o.min)) return false;
  if (o.max_open ? !(v < o.max) : !(v <= o.max)) return false;
  return true;
}

std::string BoundsDoc(const Option& o) {
  if (o.type == OptionType::kEnum || o.type == OptionType::kEnumList) {
    std::string out;
    std::string_view rest = o.values;
    while (!rest.empty()) {
      size_t bar = rest.find('|');
      if (!out.empty()) out += ", ";
      out += "`" + std::string(rest.substr(0, bar)) + "`";
      if (bar == std::string_view::npos) break;
      rest.remove_prefix(bar + 1);
    }
    return out;
  }
  if (o.bounds_length()) {
    if (o.max != kUnbounded)
      return "length " + FormatBound(o, o.min) + ".." + FormatBound(o, o.max);
    return o.min >= 1 ? "non-empty" : "";
  }
  bool has_min = o.min != -kUnbounded;
  bool has_max = o.max != kUnbounded;
  if (has_min && has_max) {
    if (!o.min_open && !o.max_open) return FormatBound(o, o.min) + ".." + FormatBound(o, o.max);
    return std::string(o.min_open ? "(" : "[") + FormatBound(o, o.min) + ", " +
           FormatBound(o, o.max) + (o.max_open ? ")" : "]");
  }
  if (has_min) return (o.min_open ? "> " : ">= ") + FormatBound(o, o.min);
  if (has_max) return (o.max_open ? "< " : "<= ") + FormatBound(o, o.max);
  return "";
}

std::string BoundsPhrase(const Option& o) {
  bool has_min = o.min != -kUnbounded;
  bool has_max = o.max != kUnbounded;
  std::string lo = has_min ? FormatBound(o, o.min) : "";
  std::string hi = has_max ? FormatBound(o, o.max) : "";
  if (has_min && has_max) {
    if (!o.min_open && !o.max_open) return "between " + lo + " and " + hi;
    if (o.min_open && o.max_open) return "strictly between " + lo + " and " + hi;
    if (o.min_open) return "greater than " + lo + " and at most " + hi;
    return "at least " + lo + " and less than " + hi;
  }
  if (has_min) return (o.min_open ? "greater than " : "at least ") + lo;
  if (has_max) return (o.max_open ? "less than " : "at most ") + hi;
  return "any value";
}

std::string RenderOptionsMarkdown() {
  std::string out;
  std::string_view section = "\x01";
  for (const Option& o : kOptions) {
    if (o.section != section) {
      section = o.section;
      out += "\n### `" + std::string(section.empty() ? "(top level)" : section) + "`\n\n";
      out += "| key | type | default | bounds | description |\n";
      out += "|---|---|---|---|---|\n";
    }
    std::string def;
    if (o.required) {
      def = "**required**";
    } else if (!o.default_value.empty()) {
      def = "`" + std::string(o.default_value) + "`";
    } else if (!o.default_doc.empty()) {
      def = std::string(o.default_doc);
    } else {
      def = "—";
    }
    std::string doc(o.doc);
    if (!o.variants.empty()) doc = "(" + std::string(o.variants) + ") " + doc;
    if (o.restart) doc += " Restart to change.";
    out += "| `" + std::string(o.key) + "` | " + std::string(OptionTypeName(o.type)) + " | " +
           EscapeCell(def) + " | " + EscapeCell(BoundsDoc(o)) + " | " + EscapeCell(doc) + " |\n";
  }
  return out;
}

}  // namespace ninesd::config
