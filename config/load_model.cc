// services (with probes), slos and maintenance: the core's slo::ModelSpec.
// Names are resolved to dense indices here; references and dependency cycles
// are checked once every service is known.

#include <algorithm>
#include <cmath>
#include <map>
#include <regex>
#include <set>
#include <unordered_map>

#include "config/loader.h"

namespace ninesd::config::internal {
namespace {

using slo::kMinute;
using slo::Millis;

// Services by name, for references from depends_on, slos and maintenance.
class ServiceIndex {
 public:
  // False (and *first_line set) when the name is taken.
  bool Add(const std::string& name, uint32_t index, int line, int* first_line) {
    auto [it, inserted] = by_name_.try_emplace(name, Entry{index, line});
    if (!inserted) *first_line = it->second.line;
    return inserted;
  }
  std::optional<uint32_t> Find(const std::string& name) const {
    auto it = by_name_.find(name);
    if (it == by_name_.end()) return std::nullopt;
    return it->second.index;
  }
  // `unknown service "x"<context>; did you mean "y"?`
  std::string Unknown(const Diagnostics& diag, const std::string& name,
                      const std::string& context = "") const {
    std::vector<std::string_view> names;
    if (!diag.full()) {  // the message is dropped anyway: spare the search
      for (const auto& [n, e] : by_name_) names.push_back(n);
      std::sort(names.begin(), names.end());  // the same suggestion on every run
    }
    return "unknown service " + Quote(name) + context + DidYouMean(name, names);
  }

 private:
  struct Entry {
    uint32_t index;
    int line;
  };
  std::unordered_map<std::string, Entry> by_name_;
};

// Names end up in metric labels, logs and event matching.
bool CheckName(const Section& s, std::string_view key, const std::string& name) {
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) {
      s.ErrorAt(key, "must not contain control characters");
      return false;
    }
  }
  if (name.front() == ' ' || name.back() == ' ') {
    s.ErrorAt(key, "must not start or end with a space");
    return false;
  }
  return true;
}

bool WholeMinutes(Millis d) { return d % kMinute == 0; }

std::string MinutesMessage(Millis d) {
  return "must be whole minutes for ratio and latency SLOs (events are counted in one-minute "
         "buckets), got " +
         slo::FormatDuration(d);
}

bool ValidHeaderName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// std::regex compiles recursively; keep patterns small and shallow.
bool RegexTooDeep(std::string_view re) {
  int depth = 0;
  for (size_t i = 0; i < re.size(); ++i) {
    if (re[i] == '\\') {
      ++i;
    } else if (re[i] == '(') {
      if (++depth > 32) return true;
    } else if (re[i] == ')') {
      --depth;
    }
  }
  return false;
}

// Compiles re as the probes will (ECMAScript); reports at mark under path.
bool CheckRegex(Diagnostics& diag, const yaml::Mark& mark, const std::string& path,
                const std::string& re) {
  if (RegexTooDeep(re)) {
    diag.Add(mark, path + ": regular expression nested too deeply (more than 32 groups)");
    return false;
  }
  try {
    std::regex compiled(re, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    diag.Add(mark, path + ": invalid regular expression " + Quote(re) + ": " + e.what());
    return false;
  }
  return true;
}

std::optional<std::string> ReadRegex(const Section& s, std::string_view key) {
  auto re = s.String(key);
  if (!re || !CheckRegex(s.diag(), s.MarkOf(key), s.PathOf(key), *re)) return std::nullopt;
  return re;
}

std::vector<std::string> ReadRegexList(const Section& s, std::string_view key) {
  std::vector<std::string> out;
  if (auto list = s.Strings(key, /*non_empty=*/false)) {
    for (const Located& re : *list) {
      if (CheckRegex(s.diag(), re.mark, re.path, re.value)) out.push_back(re.value);
    }
  }
  return out;
}

std::vector<HeaderMatch> ReadHeaderMatches(const Section& expect, std::string_view key) {
  std::vector<HeaderMatch> out;
  for (const Section& m : expect.SubList(key)) {
    HeaderMatch h;
    if (auto v = m.String("header")) {
      if (!ValidHeaderName(*v)) {
        m.ErrorAt("header", "invalid header name " + Quote(*v));
        continue;
      }
      h.header = *v;
    }
    auto re = ReadRegex(m, "regexp");
    if (!re) continue;
    h.regexp = *re;
    if (auto v = m.Bool("allow_missing")) h.allow_missing = *v;
    if (!h.header.empty()) out.push_back(std::move(h));
  }
  return out;
}

void ReadTlsConfig(const Section& p, ProbeConfig& out) {
  Section t = p.Sub("tls_config");
  if (!t.present()) return;
  if (auto v = t.String("ca_file")) out.tls_config.ca_file = *v;
  if (auto v = t.String("cert_file")) out.tls_config.cert_file = *v;
  if (auto v = t.String("key_file")) out.tls_config.key_file = *v;
  if (auto v = t.String("server_name")) {
    if (IsHostName(*v)) {
      out.tls_config.server_name = *v;
    } else {
      t.ErrorAt("server_name", "invalid name " + Quote(*v));
    }
  }
  if (auto v = t.Bool("insecure_skip_verify")) out.tls_config.insecure_skip_verify = *v;
  if (out.tls_config.cert_file.empty() != out.tls_config.key_file.empty()) {
    t.Error("cert_file and key_file go together (a client certificate needs its key)");
  }
}

void ReadHttpProbe(const Section& p, ProbeConfig& out) {
  if (auto v = p.Url("url")) out.url = *v;
  if (auto v = p.Enum("method")) {
    static constexpr std::string_view kMethods[] = {"GET",   "HEAD",   "POST",   "PUT",
                                                    "PATCH", "DELETE", "OPTIONS"};
    out.method = kMethods[*v];
  }
  if (auto headers = p.StringMap("headers")) {
    for (const Section::Pair& h : *headers) {
      if (!ValidHeaderName(h.key)) {
        p.diag().Add(h.key_mark, p.PathOf("headers") + ": invalid header name " + Quote(h.key));
      } else if (h.value.find_first_of("\r\n") != std::string::npos) {
        p.diag().Add(h.value_mark, p.PathOf("headers") + "." + h.key +
                                       ": header values must not contain line breaks");
      } else {
        out.headers[h.key] = h.value;
      }
    }
  }
  if (auto v = p.String("body")) out.body = *v;
  if (auto v = p.Bool("follow_redirects")) out.follow_redirects = *v;
  if (auto v = p.Int("max_redirects")) out.max_redirects = static_cast<int>(*v);
  if (auto v = p.Int("max_body_bytes")) out.max_body_bytes = *v;
  ReadTlsConfig(p, out);
  Section expect = p.Sub("expect");
  if (auto codes = expect.Ints("status")) {
    if (codes->empty()) expect.ErrorAt("status", "must not be empty (omit it for any 2xx)");
    for (const At<int64_t>& c : *codes) {
      if (std::find(out.valid_status_codes.begin(), out.valid_status_codes.end(), c.value) !=
          out.valid_status_codes.end()) {
        p.diag().Add(c.mark, c.path + ": duplicate status code " + std::to_string(c.value));
      } else {
        out.valid_status_codes.push_back(static_cast<int>(c.value));
      }
    }
  }
  if (auto re = ReadRegex(expect, "body_regex")) out.body_regex = *re;
  out.fail_if_body_matches = ReadRegexList(expect, "fail_if_body_matches_regexp");
  out.fail_if_body_not_matches = ReadRegexList(expect, "fail_if_body_not_matches_regexp");
  out.fail_if_header_matches = ReadHeaderMatches(expect, "fail_if_header_matches");
  out.fail_if_header_not_matches = ReadHeaderMatches(expect, "fail_if_header_not_matches");
  if (auto v = expect.Bool("fail_if_ssl")) out.fail_if_ssl = *v;
  if (auto v = expect.Bool("fail_if_not_ssl")) out.fail_if_not_ssl = *v;
  if (out.fail_if_ssl && out.fail_if_not_ssl) {
    expect.ErrorAt("fail_if_not_ssl", "contradicts fail_if_ssl: every response would fail");
  }
  if (auto v = expect.Duration("max_latency")) {
    out.max_latency = *v;
    if (*v > out.timeout) {
      expect.ErrorAt("max_latency", "must not exceed timeout (" + slo::FormatDuration(out.timeout) +
                                        "), got " + slo::FormatDuration(*v));
    }
  }
  if (auto v = expect.Duration("min_cert_validity")) out.min_cert_validity = *v;
}

void ReadTcpProbe(const Section& p, ProbeConfig& out) {
  if (auto hp = p.Address("target")) out.target = hp->text;
  if (auto v = p.Bool("tls")) out.tls = *v;
  if (p.Has("tls_config") && !out.tls) {
    p.ErrorAt("tls_config", "needs tls: true on a tcp probe");
  }
  ReadTlsConfig(p, out);
  for (const Section& step : p.SubList("query_response")) {
    QueryResponse q;
    if (auto v = step.String("send")) {
      if (v->find_first_of("\r\n") != std::string::npos && !v->ends_with("\n")) {
        step.ErrorAt("send", "only the end of a line may hold a line break");
      }
      q.send = *v;
    }
    if (auto re = ReadRegex(step, "expect")) q.expect = *re;
    if (!step.Has("send") && !step.Has("expect")) step.Error("needs send, expect or both");
    out.query_response.push_back(std::move(q));
  }
}

RrValidation ReadRrValidation(const Section& p, std::string_view key) {
  RrValidation v;
  Section s = p.Sub(key);
  if (!s.present()) return v;
  v.fail_if_matches = ReadRegexList(s, "fail_if_matches_regexp");
  v.fail_if_not_matches = ReadRegexList(s, "fail_if_not_matches_regexp");
  return v;
}

void ReadDnsProbe(const Section& p, ProbeConfig& out) {
  if (auto hp = p.Address("server")) out.server = hp->text;
  if (auto v = p.String("query_name")) {
    if (IsHostName(*v)) {
      out.query_name = *v;
    } else {
      p.ErrorAt("query_name", "invalid name " + Quote(*v));
    }
  }
  static constexpr std::string_view kQueryTypes[] = {"A",  "AAAA", "CNAME", "MX", "TXT",
                                                     "NS", "SOA",  "SRV",   "PTR"};
  if (auto v = p.Enum("query_type")) out.query_type = kQueryTypes[*v];
  if (auto v = p.Enum("transport"))
    out.transport = *v == 0 ? DnsTransport::kUdp : DnsTransport::kTcp;
  if (auto v = p.Bool("recursion_desired")) out.recursion_desired = *v;
  if (auto codes = p.Enums("valid_rcodes")) {
    if (p.Node("valid_rcodes").size() == 0) {
      p.ErrorAt("valid_rcodes", "must not be empty (omit it for NOERROR)");
    }
    // The enum lists rcodes 0..10 in order, so the index is the rcode.
    for (const At<size_t>& c : *codes) out.valid_rcodes.push_back(static_cast<int>(c.value));
  }
  out.validate_answer = ReadRrValidation(p, "validate_answer_rrs");
  out.validate_authority = ReadRrValidation(p, "validate_authority_rrs");
  out.validate_additional = ReadRrValidation(p, "validate_additional_rrs");
}

// One probe of service `service`; returns its source spec for the core.
slo::ProbeSourceSpec ReadProbe(const Section& p, ProbeConfig& out,
                               std::map<std::string, int>& per_type) {
  static constexpr ProbeType kTypes[] = {ProbeType::kHttp, ProbeType::kTcp, ProbeType::kDns,
                                         ProbeType::kIcmp};
  static constexpr std::string_view kNames[] = {"http", "tcp", "dns", "icmp"};
  slo::ProbeSourceSpec src;
  std::optional<size_t> type = p.Enum("type");
  if (!type) return src;
  out.type = kTypes[*type];
  std::string type_name(kNames[*type]);
  p.CheckVariant(type_name, "probes");
  int nth = ++per_type[type_name];
  out.name = type_name + "-" + std::to_string(nth);
  if (auto v = p.String("name")) {
    if (CheckName(p, "name", *v)) out.name = *v;
  }
  src.name = out.name;
  if (auto v = p.Duration("interval")) out.interval = *v;
  if (auto v = p.Duration("timeout")) {
    out.timeout = *v;
    if (out.timeout > out.interval) {
      p.ErrorAt("timeout", "must not exceed interval (" + slo::FormatDuration(out.interval) +
                               "), got " + slo::FormatDuration(out.timeout));
    }
  }
  if (auto v = p.Int("failure_threshold")) src.failure_threshold = static_cast<int>(*v);
  if (auto v = p.Int("success_threshold")) src.success_threshold = static_cast<int>(*v);
  src.stale_after = 3 * out.interval;
  if (auto v = p.Duration("stale_after")) {
    src.stale_after = *v;
    if (*v < out.interval) {
      p.ErrorAt("stale_after", "must be at least interval (" + slo::FormatDuration(out.interval) +
                                   "), got " + slo::FormatDuration(*v));
    }
  }
  if (auto v = p.String("location")) out.location = *v;
  if (auto v = p.Enum("preferred_ip_protocol")) {
    out.preferred_ip_protocol = *v == 0 ? IpProtocol::kIp4 : IpProtocol::kIp6;
  }
  if (auto v = p.Bool("ip_protocol_fallback")) out.ip_protocol_fallback = *v;
  switch (out.type) {
    case ProbeType::kHttp:
      ReadHttpProbe(p, out);
      break;
    case ProbeType::kTcp:
      ReadTcpProbe(p, out);
      break;
    case ProbeType::kDns:
      ReadDnsProbe(p, out);
      break;
    case ProbeType::kIcmp:
      if (auto v = p.String("host")) {
        if (IsHostName(*v) || IsIpv6Literal(*v)) {
          out.host = *v;
        } else {
          p.ErrorAt("host", "invalid host " + Quote(*v));
        }
      }
      break;
  }
  return src;
}

struct PendingComposite {
  uint32_t service;
  std::vector<Located> members;
};

// depends_on of services[index]; members are resolved once all services are read.
void ReadComposite(const Section& s, const Section& d, slo::ServiceSpec& spec,
                   std::vector<Located>& members) {
  if (s.Has("probes")) {
    s.ErrorAtKey("probes", "a composite service (depends_on) cannot also have probes");
  }
  if (s.Has("heartbeat_timeout")) {
    s.ErrorAtKey("heartbeat_timeout",
                 "a composite service (depends_on) cannot also have a heartbeat_timeout");
  }
  int forms = d.Has("all") + d.Has("any") + (d.Has("at_least") || d.Has("of"));
  if (forms != 1) {
    d.Error(forms == 0 ? "give all, any, or at_least with of"
                       : "give only one of all, any, or at_least with of");
    return;
  }
  std::optional<std::vector<Located>> list;
  if (d.Has("all")) {
    spec.composite = slo::CompositeMode::kAll;
    list = d.Strings("all", /*non_empty=*/true);
  } else if (d.Has("any")) {
    spec.composite = slo::CompositeMode::kAny;
    list = d.Strings("any", /*non_empty=*/true);
  } else {
    spec.composite = slo::CompositeMode::kAtLeast;
    if (!d.Has("of")) d.Error("missing required key \"of\" with at_least");
    if (!d.Has("at_least")) d.Error("missing required key \"at_least\" with of");
    list = d.Strings("of", /*non_empty=*/true);
    if (auto k = d.Int("at_least")) {
      spec.at_least = static_cast<int>(*k);
      size_t n = list ? list->size() : 0;
      if (list && !list->empty() && static_cast<size_t>(*k) > n) {
        d.ErrorAt("at_least", "must be between 1 and " + std::to_string(n) +
                                  " (the number of services in of), got " + std::to_string(*k));
      }
    }
  }
  if (list) members = std::move(*list);
}

// Reports every cycle among composites once, at the member that closes it.
void CheckCycles(Diagnostics& diag, const slo::ModelSpec& model,
                 const std::vector<std::vector<std::pair<uint32_t, yaml::Mark>>>& edges) {
  const size_t n = model.services.size();
  std::vector<int> state(n, 0);  // 0 new, 1 on the path, 2 done
  struct Frame {
    uint32_t node;
    size_t next;
  };
  for (uint32_t root = 0; root < n; ++root) {
    if (state[root] != 0) continue;
    std::vector<Frame> path{{root, 0}};
    state[root] = 1;
    while (!path.empty()) {
      Frame& f = path.back();
      if (f.next == edges[f.node].size()) {
        state[f.node] = 2;
        path.pop_back();
        continue;
      }
      auto [to, mark] = edges[f.node][f.next++];
      if (state[to] == 1) {
        auto start = std::find_if(path.begin(), path.end(),
                                  [to = to](const Frame& p) { return p.node == to; });
        std::string cycle;
        for (auto it = start; it != path.end(); ++it)
          cycle += model.services[it->node].name + " -> ";
        diag.Add(mark, "dependency cycle: " + cycle + model.services[to].name);
      } else if (state[to] == 0) {
        state[to] = 1;
        path.push_back(Frame{to, 0});
      }
    }
  }
}

ServiceIndex ReadServices(const Section& top, Config& cfg) {
  ServiceIndex index;
  std::vector<PendingComposite> composites;
  std::vector<Section> items = top.SubList("services");
  cfg.model.services.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    const Section& s = items[i];
    const auto si = static_cast<uint32_t>(i);
    slo::ServiceSpec spec;
    if (auto name = s.String("name"); name && CheckName(s, "name", *name)) {
      spec.name = *name;
      int first = 0;
      if (!index.Add(*name, si, s.MarkOf("name").line + 1, &first)) {
        s.ErrorAt("name", "duplicate service " + Quote(*name) + " (first at line " +
                              std::to_string(first) + ")");
      }
    }
    if (s.Has("heartbeat_timeout")) spec.heartbeat_timeout = s.Duration("heartbeat_timeout");
    if (auto v = s.Int("quorum")) spec.quorum = static_cast<int>(*v);
    spec.event_probe.name = "events";
    if (auto v = s.Duration("stale_after")) spec.event_probe.stale_after = *v;
    if (auto v = s.Int("failure_threshold"))
      spec.event_probe.failure_threshold = static_cast<int>(*v);
    if (auto v = s.Int("success_threshold"))
      spec.event_probe.success_threshold = static_cast<int>(*v);

    Section depends = s.Sub("depends_on");
    if (depends.present()) {
      PendingComposite pc{si, {}};
      ReadComposite(s, depends, spec, pc.members);
      composites.push_back(std::move(pc));
    }

    std::map<std::string, int> per_type;
    std::map<std::string, int> probe_lines;
    std::vector<Section> probes = s.SubList("probes");
    for (size_t j = 0; j < probes.size(); ++j) {
      const Section& p = probes[j];
      ProbeConfig pc;
      pc.service = spec.name;
      pc.service_index = si;
      pc.probe_index = static_cast<uint16_t>(j);
      slo::ProbeSourceSpec src = ReadProbe(p, pc, per_type);
      if (j >= 1000 && j == probes.size() - 1) p.Error("too many probes in one service (max 1000)");
      yaml::Mark where = p.Has("name") ? p.MarkOf("name") : p.mark();
      if (pc.name == spec.event_probe.name) {
        p.diag().Add(where, p.path() +
                                ": probe name \"events\" is reserved for probe events "
                                "from Kafka");
      }
      auto [it, inserted] = probe_lines.try_emplace(pc.name, where.line + 1);
      if (!inserted) {
        p.diag().Add(where, p.path() + ": duplicate probe name " + Quote(pc.name) + " in service " +
                                Quote(spec.name) + " (first at line " + std::to_string(it->second) +
                                ")");
      }
      spec.probes.push_back(std::move(src));
      cfg.probes.push_back(std::move(pc));
    }
    cfg.model.services.push_back(std::move(spec));
  }

  // References and cycles, now that every name is known.
  std::vector<std::vector<std::pair<uint32_t, yaml::Mark>>> edges(cfg.model.services.size());
  for (const PendingComposite& pc : composites) {
    slo::ServiceSpec& spec = cfg.model.services[pc.service];
    std::set<uint32_t> seen;
    for (const Located& m : pc.members) {
      std::optional<uint32_t> target = index.Find(m.value);
      if (!target) {
        top.diag().Add(m.mark,
                       index.Unknown(top.diag(), m.value, " in depends_on of " + Quote(spec.name)));
      } else if (!seen.insert(*target).second) {
        top.diag().Add(m.mark, m.path + ": " + Quote(m.value) + " is listed twice");
      } else {
        spec.members.push_back(*target);
        edges[pc.service].emplace_back(*target, m.mark);
      }
    }
  }
  CheckCycles(top.diag(), cfg.model, edges);
  return index;
}

std::optional<slo::Window> ReadWindow(const Section& s, slo::SloKind kind) {
  std::optional<std::string> text = s.String("window");
  if (!text) return std::nullopt;
  static constexpr std::pair<std::string_view, slo::CalendarUnit> kUnits[] = {
      {"day", slo::CalendarUnit::kDay},     {"week", slo::CalendarUnit::kWeek},
      {"month", slo::CalendarUnit::kMonth}, {"quarter", slo::CalendarUnit::kQuarter},
      {"year", slo::CalendarUnit::kYear},
  };
  slo::Window w;
  w.text = *text;
  for (auto [name, unit] : kUnits) {
    if (*text == name) {
      w.calendar = unit;
      return w;
    }
  }
  std::optional<Millis> d = slo::ParseDuration(*text);
  if (!d) {
    s.ErrorAt("window", "invalid window " + Quote(*text) +
                            " (use a duration such as 30d, or day, week, month, quarter, year)");
    return std::nullopt;
  }
  const Option& o = *FindOption("slos[]", "window");
  if (!WithinBounds(o, static_cast<double>(*d))) {
    s.ErrorAt("window", "must be " + BoundsPhrase(o) + ", got " + *text);
    return std::nullopt;
  }
  if (kind != slo::SloKind::kAvailability && !WholeMinutes(*d)) {
    s.ErrorAt("window", MinutesMessage(*d));
    return std::nullopt;
  }
  w.rolling = *d;
  return w;
}

void ReadAgreement(const Section& a, slo::SloSpec& spec) {
  static constexpr std::string_view kTypes[] = {"sla", "slc", "ola", "internal"};
  if (auto v = a.Enum("type")) spec.agreement_type = kTypes[*v];
  if (auto v = a.String("customer")) spec.customer = *v;
  if (auto v = a.String("provider")) spec.provider = *v;
  std::set<double> seen;
  for (const Section& c : a.SubList("credits")) {
    std::optional<double> below = c.Number("below");
    std::optional<double> credit = c.Number("credit");
    if (!below || !credit) continue;
    if (!seen.insert(*below).second) {
      c.ErrorAt("below", "duplicate tier below " + std::string(c.Node("below").Scalar()));
      continue;
    }
    spec.credits.push_back(slo::Credit{*below, *credit});
  }
  std::sort(
      spec.credits.begin(), spec.credits.end(),
      [](const slo::Credit& x, const slo::Credit& y) { return x.below_percent < y.below_percent; });
}

void ReadBurnAlerts(const Section& a, slo::SloSpec& spec) {
  if (!a.Has("burn_rate")) return;
  spec.burn_alerts.clear();
  for (const Section& b : a.SubList("burn_rate")) {
    static constexpr std::string_view kSeverities[] = {"page", "ticket"};
    slo::BurnAlertSpec alert;
    if (auto v = b.Enum("severity")) alert.severity = kSeverities[*v];
    if (auto v = b.Number("factor")) alert.factor = *v;
    std::optional<Millis> lw = b.Duration("long");
    std::optional<Millis> sw = b.Duration("short");
    for (auto [key, value] : {std::pair{"long", lw}, std::pair{"short", sw}}) {
      if (value && spec.kind != slo::SloKind::kAvailability && !WholeMinutes(*value)) {
        b.ErrorAt(key, MinutesMessage(*value));
      }
    }
    if (lw && sw && *sw >= *lw) {
      b.ErrorAt("short", "must be shorter than long (" + slo::FormatDuration(*lw) + "), got " +
                             slo::FormatDuration(*sw));
    }
    alert.long_window = lw.value_or(0);
    alert.short_window = sw.value_or(0);
    spec.burn_alerts.push_back(std::move(alert));
  }
}

void ReadSlos(const Section& top, const ServiceIndex& services, slo::ModelSpec& model) {
  std::unordered_map<std::string, int> names;
  const std::vector<Section> items = top.SubList("slos");
  model.slos.reserve(items.size());
  names.reserve(items.size());
  for (const Section& s : items) {
    slo::SloSpec spec;
    if (auto name = s.String("name"); name && CheckName(s, "name", *name)) {
      spec.name = *name;
      auto [it, inserted] = names.try_emplace(*name, s.MarkOf("name").line + 1);
      if (!inserted) {
        s.ErrorAt("name", "duplicate SLO " + Quote(*name) + " (first at line " +
                              std::to_string(it->second) + ")");
      }
    }
    if (auto svc = s.String("service")) {
      if (auto i = services.Find(*svc)) {
        spec.service = *i;
      } else {
        s.ErrorAt("service", services.Unknown(s.diag(), *svc));
      }
    }
    static constexpr slo::SloKind kKinds[] = {slo::SloKind::kAvailability, slo::SloKind::kRatio,
                                              slo::SloKind::kLatency};
    if (auto v = s.Enum("kind")) spec.kind = kKinds[*v];
    const bool availability = spec.kind == slo::SloKind::kAvailability;
    const std::string kind_name = slo::SloKindName(spec.kind);
    if (auto v = s.Number("objective")) {
      // Percent to ratio, exact to 1e-9 (99.9 -> 0.999, not 0.9990000000000001).
      spec.objective = std::round(*v * 1e7) / 1e9;
    }
    if (auto w = ReadWindow(s, spec.kind)) spec.window = *w;
    if (s.Has("time_zone") && spec.window.rolling > 0) {
      s.ErrorAtKey("time_zone",
                   "only applies to calendar windows (day, week, month, quarter, year), not to a "
                   "rolling window of " +
                       spec.window.text);
    }
    if (auto v = s.TimeZone("time_zone")) spec.time_zone = *v;

    // Options of one kind only.
    for (std::string_view key : {"no_data", "degraded_weight", "min_valid"}) {
      if (!availability && s.Has(key)) {
        s.ErrorAtKey(key, "only applies to availability SLOs, not " + kind_name);
      }
    }
    if (availability && s.Has("min_events")) {
      s.ErrorAtKey("min_events", "only applies to ratio and latency SLOs, not availability");
    }
    if (spec.kind != slo::SloKind::kLatency && s.Has("threshold")) {
      s.ErrorAtKey("threshold", "only latency SLOs have a threshold, not " + kind_name);
    }
    if (spec.kind == slo::SloKind::kLatency && !s.Has("threshold")) {
      s.Error("latency SLOs need a threshold (e.g. threshold: 300ms)");
    }
    static constexpr slo::NoData kNoData[] = {slo::NoData::kIgnore, slo::NoData::kUp,
                                              slo::NoData::kDown};
    if (auto v = s.Enum("no_data")) spec.no_data = kNoData[*v];
    if (auto v = s.Number("degraded_weight")) spec.degraded_weight = *v;
    if (auto v = s.Duration("threshold")) spec.latency_threshold_ms = static_cast<double>(*v);
    if (auto v = s.Duration("min_valid")) spec.min_valid = *v;
    if (auto v = s.Int("min_events")) spec.min_events = static_cast<uint64_t>(*v);

    if (auto lookbacks = s.Durations("lookbacks")) {
      spec.lookbacks.clear();
      std::set<Millis> seen;
      for (const At<Millis>& l : *lookbacks) {
        if (!availability && !WholeMinutes(l.value)) {
          s.diag().Add(l.mark, l.path + ": " + MinutesMessage(l.value));
        } else if (!seen.insert(l.value).second) {
          s.diag().Add(l.mark, l.path + ": duplicate lookback " + slo::FormatDuration(l.value));
        } else {
          spec.lookbacks.push_back(l.value);
        }
      }
    }
    ReadBurnAlerts(s.Sub("alerts"), spec);
    Section agreement = s.Sub("agreement");
    if (agreement.present()) ReadAgreement(agreement, spec);
    model.slos.push_back(std::move(spec));
  }
}

// "last" or 1..31.
std::optional<int> ReadDayOfMonth(const Section& m) {
  if (!m.Has("day")) return std::nullopt;
  yaml::Node n = m.Node("day");
  if (n.IsScalar()) {
    const std::string s(n.Scalar());
    if (s == "last") return -1;
    if (!s.empty() && s.size() <= 2 && s.find_first_not_of("0123456789") == std::string::npos) {
      int d = std::stoi(s);
      if (d >= 1 && d <= 31) return d;
    }
  }
  m.ErrorAt("day", "expected a day of the month 1..31 or last, got " + Describe(n));
  return std::nullopt;
}

void ReadMaintenance(const Section& top, const ServiceIndex& services, slo::ModelSpec& model) {
  using Kind = slo::MaintenanceSpec::Kind;
  for (const Section& s : top.SubList("maintenance")) {
    slo::MaintenanceSpec spec;
    if (auto names = s.Strings("services", /*non_empty=*/false)) {
      if (names->empty() && s.Node("services").size() == 0) {
        s.ErrorAt("services", "must not be empty (omit it for every service)");
      }
      std::set<uint32_t> seen;
      for (const Located& n : *names) {
        std::optional<uint32_t> i = services.Find(n.value);
        if (!i) {
          s.diag().Add(n.mark, n.path + ": " + services.Unknown(s.diag(), n.value));
        } else if (!seen.insert(*i).second) {
          s.diag().Add(n.mark, n.path + ": " + Quote(n.value) + " is listed twice");
        } else {
          spec.services.push_back(*i);
        }
      }
    }
    const bool once = s.Has("start") || s.Has("end");
    const int forms = once + s.Has("weekly") + s.Has("monthly");
    if (forms != 1) {
      s.Error(forms == 0 ? "give start and end (one-off), weekly, or monthly"
                         : "give only one of start and end (one-off), weekly, or monthly");
      continue;
    }
    if (once) {
      spec.kind = Kind::kOnce;
      if (!s.Has("start")) s.Error("missing required key \"start\"");
      if (!s.Has("end")) s.Error("missing required key \"end\"");
      std::optional<Millis> start = s.Timestamp("start");
      std::optional<Millis> end = s.Timestamp("end");
      if (start && end && *end <= *start) s.ErrorAt("end", "must be after start");
      spec.start = start.value_or(0);
      spec.end = end.value_or(0);
      for (std::string_view key : {"duration", "time_zone"}) {
        if (s.Has(key)) {
          s.ErrorAtKey(key,
                       "only applies to weekly and monthly windows (start and end carry "
                       "their own offset)");
        }
      }
    } else {
      if (s.Has("weekly")) {
        spec.kind = Kind::kWeekly;
        Section w = s.Sub("weekly");
        if (auto days = w.Enums("days")) {
          if (days->empty()) w.ErrorAt("days", "must not be empty");
          for (const At<size_t>& d : *days) {
            int wd = static_cast<int>(d.value);  // values are listed from sun = 0
            if (std::find(spec.weekdays.begin(), spec.weekdays.end(), wd) != spec.weekdays.end()) {
              s.diag().Add(d.mark, d.path + ": day listed twice");
            } else {
              spec.weekdays.push_back(wd);
            }
          }
        }
        if (auto at = w.TimeOfDay("at")) spec.minute_of_day = *at;
        if (s.Node("weekly").IsNull()) s.ErrorAt("weekly", "expected a map with days and at");
      } else {
        spec.kind = Kind::kMonthly;
        Section m = s.Sub("monthly");
        if (auto day = ReadDayOfMonth(m)) spec.day_of_month = *day;
        if (auto at = m.TimeOfDay("at")) spec.minute_of_day = *at;
        if (s.Node("monthly").IsNull()) s.ErrorAt("monthly", "expected a map with day and at");
      }
      if (!s.Has("duration"))
        s.Error("missing required key \"duration\" for weekly and monthly windows");
      if (auto d = s.Duration("duration")) spec.duration = *d;
      if (auto tz = s.TimeZone("time_zone")) spec.time_zone = *tz;
    }
    model.maintenance.push_back(std::move(spec));
  }
}

}  // namespace

void ReadModel(const Section& top, Config& cfg) {
  ServiceIndex services = ReadServices(top, cfg);
  ReadSlos(top, services, cfg.model);
  ReadMaintenance(top, services, cfg.model);
}

}  // namespace ninesd::config::internal
