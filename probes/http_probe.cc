#include "probes/http_probe.h"

#include <strings.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

namespace ninesd::probes::internal {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxHeaderBytes = 64 * 1024;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return std::string(s);
}

// Reason token for a curl error, refined with what curl saw.
Outcome CurlFailure(CURL* easy, CURLcode code, bool body_capped, bool headers_capped) {
  std::string detail = curl_easy_strerror(code);
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return Outcome::Fail("timeout", detail);
    case CURLE_COULDNT_CONNECT: {
      long os_errno = 0;
      curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &os_errno);
      if (os_errno == ECONNREFUSED) return Outcome::Fail("connection_refused", detail);
      return Outcome::Fail("connect_failed", detail);
    }
    case CURLE_COULDNT_RESOLVE_HOST:
      return Outcome::Fail("dns_error", detail);
    case CURLE_TOO_MANY_REDIRECTS:
      return Outcome::Fail("redirect_loop", detail);
    case CURLE_WRITE_ERROR:
      if (body_capped) return Outcome::Fail("body_too_large", detail);
      if (headers_capped) return Outcome::Fail("headers_too_large", detail);
      return Outcome::Fail("http_error", detail);
    case CURLE_PEER_FAILED_VERIFICATION: {
      long verify = 0;
      curl_easy_getinfo(easy, CURLINFO_SSL_VERIFYRESULT, &verify);
      // X509_V_ERR_* values; curl checks the host name itself (verify stays 0).
      if (verify == 10) return Outcome::Fail("cert_expired", detail);
      if (verify == 9) return Outcome::Fail("cert_not_yet_valid", detail);
      // 62: X509_V_ERR_HOSTNAME_MISMATCH; curl 7.88 reports its own name check as 1 or 0.
      if (verify == 0 || verify == 1 || verify == 62)
        return Outcome::Fail("cert_name_mismatch", detail);
      return Outcome::Fail("cert_untrusted",
                           detail + " (verify result " + std::to_string(verify) + ")");
    }
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
      return Outcome::Fail("tls_handshake_failed", detail);
    case CURLE_GOT_NOTHING:
      return Outcome::Fail("empty_reply", detail);
    case CURLE_PARTIAL_FILE:
      return Outcome::Fail("partial_body", detail);
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
      return Outcome::Fail("connection_reset", detail);
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_WEIRD_SERVER_REPLY:
      return Outcome::Fail("bad_response", detail);
    default:
      return Outcome::Fail("http_error", detail);
  }
}

class HttpAttempt : public Attempt, public std::enable_shared_from_this<HttpAttempt> {
 public:
  HttpAttempt(std::shared_ptr<const HttpPlan> plan, std::shared_ptr<HttpEasy> handle,
              CurlMulti& multi, Resolver& resolver)
      : plan_(std::move(plan)), handle_(std::move(handle)), multi_(multi), resolver_(resolver) {}

  ~HttpAttempt() override { Cleanup(); }

  void Start(Done done) override {
    done_ = std::move(done);
    start_ = Clock::now();
    const config::ProbeConfig& c = plan_->config;
    resolver_.Resolve(plan_->host, c.preferred_ip_protocol, c.ip_protocol_fallback,
                      [weak = weak_from_this()](Resolved r) {
                        if (auto self = weak.lock()) self->OnResolved(std::move(r));
                      });
  }

  void Cancel() override {
    cancelled_ = true;
    Cleanup();
  }

 private:
  void Cleanup() {
    if (easy_ != nullptr && handle_->busy) {
      multi_.Remove(easy_);
      handle_->busy = false;
    }
    easy_ = nullptr;
  }

  void Finish(Outcome o) {
    if (cancelled_ || !done_) return;
    Done done = std::move(done_);
    done_ = nullptr;
    done(std::move(o));
  }

  void OnResolved(Resolved r) {
    if (cancelled_) return;
    resolved_at_ = Clock::now();
    if (!r.ok) {
      Finish(Outcome::Fail(r.reason, r.detail));
      return;
    }
    const config::ProbeConfig& c = plan_->config;
    if (handle_->easy == nullptr && !Configure()) {
      Finish(Outcome::Fail("internal_error", "curl_easy_init"));
      return;
    }
    easy_ = handle_->easy;
    // An IP literal in the URL needs no redirection; otherwise connect where
    // c-ares said (unless that is where the handle points already).
    const bool literal = plan_->host_is_ip && plan_->curl_host == plan_->host;
    if (!literal && handle_->connect_address != r.address) {
      handle_->connect_address = r.address;
      std::string addr =
          r.address.is_v6() ? "[" + r.address.to_string() + "]" : r.address.to_string();
      std::string port = std::to_string(plan_->port);
      const std::string& h = plan_->curl_host;
      std::string host = h.find(':') != std::string::npos ? "[" + h + "]" : h;
      std::string entry = host + ":" + port + ":" + addr + ":" + port;
      // Connect where c-ares said; curl keeps the URL's host for Host, SNI and verification.
      curl_slist_free_all(handle_->connect_to);
      handle_->connect_to = curl_slist_append(nullptr, entry.c_str());
      curl_easy_setopt(easy_, CURLOPT_CONNECT_TO, handle_->connect_to);
      curl_easy_setopt(easy_, CURLOPT_IPRESOLVE,
                       r.address.is_v6() ? CURL_IPRESOLVE_V6 : CURL_IPRESOLVE_V4);
    }
    long left_ms = std::max<long>(
        1,
        static_cast<long>(
            c.timeout -
            std::chrono::duration_cast<std::chrono::milliseconds>(resolved_at_ - start_).count()));
    curl_easy_setopt(easy_, CURLOPT_TIMEOUT_MS, left_ms);
    curl_easy_setopt(easy_, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(easy_, CURLOPT_HEADERDATA, this);
    handle_->busy = true;
    multi_.Add(easy_, [weak = weak_from_this(), handle = handle_](CURLcode code) {
      handle->busy = false;
      if (auto self = weak.lock()) self->OnDone(code);
    });
  }

  // Options that stay the same for every attempt of the probe.
  bool Configure() {
    const config::ProbeConfig& c = plan_->config;
    CURL* e = curl_easy_init();
    if (e == nullptr) return false;
    handle_->easy = e;
    curl_easy_setopt(e, CURLOPT_URL, plan_->request_url.c_str());
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    // Every probe measures a fresh connection, as the blackbox exporter does.
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(e, CURLOPT_SOCKOPTFUNCTION, &HttpAttempt::OnSocketCreated);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, c.follow_redirects ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, static_cast<long>(c.max_redirects));
    curl_easy_setopt(e, CURLOPT_USERAGENT, "ninesd");
    // The receive buffer lives as long as the handle (one per probe): keep it
    // small; probe bodies are small and the cap is enforced anyway.
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 8192L);
    if (c.method == "HEAD") {
      curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (c.method != "GET") {
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, c.method.c_str());
    }
    if (!c.body.empty()) {
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, static_cast<long>(c.body.size()));
      curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, c.body.c_str());
      if (c.method != "POST") curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, c.method.c_str());
    }
    for (const auto& [k, v] : c.headers) {
      handle_->headers = curl_slist_append(handle_->headers, (k + ": " + v).c_str());
    }
    if (!plan_->host_header.empty()) {
      handle_->headers = curl_slist_append(handle_->headers, plan_->host_header.c_str());
    }
    if (handle_->headers != nullptr) curl_easy_setopt(e, CURLOPT_HTTPHEADER, handle_->headers);
    if (plan_->https || c.follow_redirects) {
      const config::TlsProbeConfig& t = c.tls_config;
      if (!t.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, t.ca_file.c_str());
      if (!t.cert_file.empty()) curl_easy_setopt(e, CURLOPT_SSLCERT, t.cert_file.c_str());
      if (!t.key_file.empty()) curl_easy_setopt(e, CURLOPT_SSLKEY, t.key_file.c_str());
      if (t.insecure_skip_verify) {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
      }
      curl_easy_setopt(e, CURLOPT_CERTINFO, 1L);
    }
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &HttpAttempt::OnBody);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &HttpAttempt::OnHeader);
    return true;
  }

  // A probe's connection ends with a reset, not a FIN handshake: neither
  // side keeps it in TIME_WAIT (a minute each, by the thousand at scale,
  // and the prober's local ports with them), and the kernel does a third of
  // the closing work. HAProxy's health checks close the same way.
  static int OnSocketCreated(void* /*user*/, curl_socket_t fd, curlsocktype purpose) {
    if (purpose == CURLSOCKTYPE_IPCXN) {
      linger abort{1, 0};
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
    }
    return CURL_SOCKOPT_OK;
  }

  static size_t OnBody(char* data, size_t size, size_t n, void* user) {
    auto* self = static_cast<HttpAttempt*>(user);
    size_t len = size * n;
    self->body_bytes_ += len;
    // curl's own size limit does not stop chunked bodies; this does.
    if (self->body_bytes_ > static_cast<uint64_t>(self->plan_->config.max_body_bytes)) {
      self->body_capped_ = true;
      return 0;
    }
    if (self->plan_->keep_body) self->body_.append(data, len);
    return len;
  }

  static size_t OnHeader(char* data, size_t size, size_t n, void* user) {
    auto* self = static_cast<HttpAttempt*>(user);
    size_t len = size * n;
    std::string_view line(data, len);
    if (line.starts_with("HTTP/")) {  // a new response (redirect hop or 1xx)
      self->response_headers_.clear();
      self->header_bytes_ = 0;
      self->headers_complete_ = false;
    }
    self->header_bytes_ += len;
    if (self->header_bytes_ > kMaxHeaderBytes) {
      self->headers_capped_ = true;
      return 0;
    }
    if (line == "\r\n" || line == "\n") {
      self->headers_complete_ = true;
    } else if (!self->plan_->keep_headers) {
      // No header rule: nothing to keep (about ten allocations a probe).
    } else if (size_t colon = line.find(':'); colon != std::string_view::npos) {
      self->response_headers_.emplace_back(Lower(std::string(line.substr(0, colon))),
                                           Trim(line.substr(colon + 1)));
    }
    return len;
  }

  void OnDone(CURLcode code) {
    if (cancelled_) return;
    Outcome o = Evaluate(code);
    Finish(std::move(o));
  }

  Outcome Evaluate(CURLcode code) {
    const config::ProbeConfig& c = plan_->config;
    Outcome o;
    long status = 0;
    curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
    o.http_status = static_cast<int>(status);
    o.phases = Phases();
    o.cert_expiry = EarliestCertExpiry();
    auto fail = [&](std::string reason, std::string detail) {
      o.success = false;
      o.reason = std::move(reason);
      o.detail = std::move(detail);
      return o;
    };
    if (code != CURLE_OK) {
      Outcome f = CurlFailure(easy_, code, body_capped_, headers_capped_);
      return fail(f.reason, f.detail);
    }
    if (!headers_complete_) return fail("incomplete_headers", "connection closed in the headers");
    bool valid = c.valid_status_codes.empty()
                     ? (status >= 200 && status < 300)
                     : std::find(c.valid_status_codes.begin(), c.valid_status_codes.end(),
                                 status) != c.valid_status_codes.end();
    if (!valid) return fail("status_code", "got " + std::to_string(status));
    char* scheme = nullptr;
    curl_easy_getinfo(easy_, CURLINFO_SCHEME, &scheme);
    bool ssl = scheme != nullptr && strcasecmp(scheme, "https") == 0;
    if (c.fail_if_ssl && ssl) return fail("ssl", "the response came over TLS");
    if (c.fail_if_not_ssl && !ssl) return fail("not_ssl", "the response did not come over TLS");
    for (const std::regex& re : plan_->body_must_not_match) {
      if (std::regex_search(body_, re)) return fail("body_matched", "fail_if_body_matches_regexp");
    }
    for (const std::regex& re : plan_->body_must_match) {
      if (!std::regex_search(body_, re)) {
        return fail("body_not_matched", "fail_if_body_not_matches_regexp");
      }
    }
    for (const HttpPlan::HeaderRule& rule : plan_->header_must_not_match) {
      for (const auto& [name, value] : response_headers_) {
        if (name == rule.name_lower && std::regex_search(value, rule.re)) {
          return fail("header_matched", "header " + rule.name_lower);
        }
      }
    }
    for (const HttpPlan::HeaderRule& rule : plan_->header_must_match) {
      bool present = false, matched = false;
      for (const auto& [name, value] : response_headers_) {
        if (name != rule.name_lower) continue;
        present = true;
        if (std::regex_search(value, rule.re)) matched = true;
      }
      if (!present && !rule.allow_missing)
        return fail("header_missing", "header " + rule.name_lower);
      if (present && !matched) return fail("header_not_matched", "header " + rule.name_lower);
    }
    if (c.min_cert_validity > 0 && ssl && o.cert_expiry) {
      double now = static_cast<double>(std::time(nullptr));
      if (*o.cert_expiry - now < static_cast<double>(c.min_cert_validity) / 1000.0) {
        return fail("cert_expires_soon", "earliest certificate expires within min_cert_validity");
      }
    }
    if (c.max_latency > 0) {
      auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start_);
      if (took.count() > c.max_latency) {
        return fail("too_slow", "took " + std::to_string(took.count()) + " ms");
      }
    }
    o.success = true;
    return o;
  }

  std::array<double, kPhaseCount> Phases() const {
    curl_off_t name = 0, conn = 0, app = 0, pre = 0, first = 0, total = 0;
    curl_easy_getinfo(easy_, CURLINFO_NAMELOOKUP_TIME_T, &name);
    curl_easy_getinfo(easy_, CURLINFO_CONNECT_TIME_T, &conn);
    curl_easy_getinfo(easy_, CURLINFO_APPCONNECT_TIME_T, &app);
    curl_easy_getinfo(easy_, CURLINFO_PRETRANSFER_TIME_T, &pre);
    curl_easy_getinfo(easy_, CURLINFO_STARTTRANSFER_TIME_T, &first);
    curl_easy_getinfo(easy_, CURLINFO_TOTAL_TIME_T, &total);
    auto sec = [](curl_off_t us) { return us > 0 ? static_cast<double>(us) / 1e6 : 0.0; };
    std::array<double, kPhaseCount> p{};
    p[kResolve] = std::chrono::duration<double>(resolved_at_ - start_).count() + sec(name);
    p[kConnect] = sec(conn - name);
    p[kTls] = app > 0 ? sec(app - conn) : 0.0;
    p[kProcessing] = first > 0 ? sec(first - std::max(pre, app > 0 ? app : conn)) : 0.0;
    p[kTransfer] = first > 0 ? sec(total - first) : 0.0;
    return p;
  }

  std::optional<double> EarliestCertExpiry() const {
    curl_certinfo* ci = nullptr;
    if (curl_easy_getinfo(easy_, CURLINFO_CERTINFO, &ci) != CURLE_OK || ci == nullptr) {
      return std::nullopt;
    }
    std::optional<double> earliest;
    for (int i = 0; i < ci->num_of_certs; ++i) {
      for (curl_slist* s = ci->certinfo[i]; s != nullptr; s = s->next) {
        std::string_view line(s->data);
        if (!line.starts_with("Expire date:")) continue;
        if (auto t = ParseCertTime(std::string(line.substr(12)))) {
          if (!earliest || *t < *earliest) earliest = t;
        }
      }
    }
    return earliest;
  }

  std::shared_ptr<const HttpPlan> plan_;
  std::shared_ptr<HttpEasy> handle_;
  CurlMulti& multi_;
  Resolver& resolver_;
  Done done_;
  bool cancelled_ = false;
  Clock::time_point start_;
  Clock::time_point resolved_at_;
  CURL* easy_ = nullptr;  // handle_->easy while this attempt uses it
  uint64_t body_bytes_ = 0;
  bool body_capped_ = false;
  std::string body_;
  size_t header_bytes_ = 0;
  bool headers_capped_ = false;
  bool headers_complete_ = false;
  std::vector<std::pair<std::string, std::string>> response_headers_;
};

}  // namespace

std::optional<double> ParseCertTime(const std::string& text) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), " %b %d %H:%M:%S %Y", &tm);
  if (end == nullptr) return std::nullopt;
  return static_cast<double>(timegm(&tm));
}

std::shared_ptr<const HttpPlan> HttpPlan::Build(const config::ProbeConfig& c, std::string* error) {
  auto plan = std::make_shared<HttpPlan>();
  plan->config = c;
  CURLU* u = curl_url();
  if (curl_url_set(u, CURLUPART_URL, c.url.c_str(), 0) != CURLUE_OK) {
    curl_url_cleanup(u);
    *error = "invalid URL " + c.url;
    return nullptr;
  }
  char* host = nullptr;
  char* port = nullptr;
  char* scheme = nullptr;
  curl_url_get(u, CURLUPART_HOST, &host, 0);
  curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
  curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
  if (host != nullptr) plan->host = host;
  if (port != nullptr) plan->port = std::atoi(port);
  plan->https = scheme != nullptr && strcasecmp(scheme, "https") == 0;
  plan->request_url = c.url;
  const std::string& sni = c.tls_config.server_name;
  if (!sni.empty() && host != nullptr && sni != host) {
    bool custom_host = false;
    for (const auto& [k, v] : c.headers) custom_host = custom_host || Lower(k) == "host";
    char* given_port = nullptr;
    curl_url_get(u, CURLUPART_PORT, &given_port, 0);
    if (!custom_host) {
      plan->host_header = std::string("Host: ") + host +
                          (given_port != nullptr ? std::string(":") + given_port : "");
    }
    curl_free(given_port);
    char* rewritten = nullptr;
    curl_url_set(u, CURLUPART_HOST, sni.c_str(), 0);
    if (curl_url_get(u, CURLUPART_URL, &rewritten, 0) == CURLUE_OK) plan->request_url = rewritten;
    curl_free(rewritten);
  }
  curl_free(host);
  curl_free(port);
  curl_free(scheme);
  curl_url_cleanup(u);
  if (plan->host.size() > 2 && plan->host.front() == '[') {
    plan->host = plan->host.substr(1, plan->host.size() - 2);
  }
  plan->curl_host = sni.empty() ? plan->host : sni;
  asio::error_code ip_ec;
  asio::ip::make_address(plan->host, ip_ec);
  plan->host_is_ip = !ip_ec;
  if (plan->host.empty() || plan->port <= 0) {
    *error = "URL without host or port: " + c.url;
    return nullptr;
  }
  // The config loader compiled every pattern already; these cannot throw.
  auto compile = [](const std::string& re) { return std::regex(re, std::regex::ECMAScript); };
  if (!c.body_regex.empty()) plan->body_must_match.push_back(compile(c.body_regex));
  for (const std::string& re : c.fail_if_body_not_matches) {
    plan->body_must_match.push_back(compile(re));
  }
  for (const std::string& re : c.fail_if_body_matches)
    plan->body_must_not_match.push_back(compile(re));
  for (const config::HeaderMatch& h : c.fail_if_header_matches) {
    plan->header_must_not_match.push_back({Lower(h.header), compile(h.regexp), h.allow_missing});
  }
  for (const config::HeaderMatch& h : c.fail_if_header_not_matches) {
    plan->header_must_match.push_back({Lower(h.header), compile(h.regexp), h.allow_missing});
  }
  plan->keep_body = !plan->body_must_match.empty() || !plan->body_must_not_match.empty();
  plan->keep_headers = !plan->header_must_match.empty() || !plan->header_must_not_match.empty();
  return plan;
}

HttpEasy::~HttpEasy() {
  if (easy != nullptr) curl_easy_cleanup(easy);
  curl_slist_free_all(headers);
  curl_slist_free_all(connect_to);
}

std::shared_ptr<Attempt> NewHttpAttempt(std::shared_ptr<const HttpPlan> plan,
                                        std::shared_ptr<HttpEasy> easy, CurlMulti& multi,
                                        Resolver& resolver) {
  return std::make_shared<HttpAttempt>(std::move(plan), std::move(easy), multi, resolver);
}

}  // namespace ninesd::probes::internal
