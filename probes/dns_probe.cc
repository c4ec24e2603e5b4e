#include "probes/dns_probe.h"

#include <algorithm>
#include <asio/post.hpp>

#include "probes/dns_message.h"

namespace ninesd::probes::internal {
namespace {

const char* kRcodeNames[] = {"NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
                             "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE"};

std::string RcodeName(int rcode) {
  if (rcode >= 0 && rcode < 11) return kRcodeNames[rcode];
  return "RCODE" + std::to_string(rcode);
}

// blackbox: fail when any record matches a fail_if_matches regexp, or when
// some fail_if_not_matches regexp matches no record.
bool Check(const std::vector<std::string>& rrs, const DnsProbe::Rules& rules, std::string* why) {
  for (const std::regex& re : rules.fail_if_matches) {
    for (const std::string& rr : rrs) {
      if (std::regex_search(rr, re)) {
        *why = "record matched: " + rr;
        return false;
      }
    }
  }
  for (const std::regex& re : rules.fail_if_not_matches) {
    bool any = false;
    for (const std::string& rr : rrs) any = any || std::regex_search(rr, re);
    if (!any) {
      *why = "no record matched";
      return false;
    }
  }
  return true;
}

class DnsAttempt : public Attempt, public std::enable_shared_from_this<DnsAttempt> {
 public:
  explicit DnsAttempt(DnsProbe& probe) : probe_(probe) {}

  ~DnsAttempt() override {
    if (query_ != nullptr) query_->attempt = nullptr;
  }

  void Start(Done done) override {
    done_ = std::move(done);
    const config::ProbeConfig& c = probe_.config();
    unsigned char* buf = nullptr;
    int len = 0;
    int rc = ares_create_query(c.query_name.c_str(), 1 /*IN*/, DnsTypeCode(c.query_type), 0,
                               c.recursion_desired ? 1 : 0, &buf, &len, 0);
    if (rc != ARES_SUCCESS) {
      query_ = nullptr;
      Outcome o = Outcome::Fail("dns_error", ares_strerror(rc));
      asio::post(probe_.channel().io(), [self = shared_from_this(), o] { self->Finish(o); });
      return;
    }
    query_ = new Query{this};
    ares_send(probe_.channel().get(), buf, len, &DnsAttempt::OnAnswer, query_);
    ares_free_string(buf);
    probe_.channel().Kick();
  }

  void Cancel() override {
    cancelled_ = true;
    if (query_ != nullptr) query_->attempt = nullptr;  // the c-ares query times out on its own
    query_ = nullptr;
  }

 private:
  struct Query {
    DnsAttempt* attempt;
  };

  static void OnAnswer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
    std::unique_ptr<Query> q(static_cast<Query*>(arg));
    if (q->attempt == nullptr) return;
    DnsAttempt* self = q->attempt;
    self->query_ = nullptr;
    // c-ares may call back synchronously; hand the result to the loop.
    std::string answer;
    if (abuf != nullptr && alen > 0) answer.assign(reinterpret_cast<char*>(abuf), alen);
    asio::post(self->probe_.channel().io(),
               [s = self->shared_from_this(), status, answer = std::move(answer)] {
                 s->OnResult(status, answer);
               });
  }

  void OnResult(int status, const std::string& answer) {
    if (cancelled_) return;
    if (answer.empty()) {
      return Finish(
          Outcome::Fail(status == ARES_ETIMEOUT ? "timeout" : "dns_error", ares_strerror(status)));
    }
    auto m = ParseDnsMessage(reinterpret_cast<const uint8_t*>(answer.data()), answer.size());
    if (!m) return Finish(Outcome::Fail("bad_response", "malformed DNS message"));
    const config::ProbeConfig& c = probe_.config();
    Outcome o;
    o.dns_rcode = m->rcode;
    bool valid = c.valid_rcodes.empty() ? m->rcode == 0
                                        : std::find(c.valid_rcodes.begin(), c.valid_rcodes.end(),
                                                    m->rcode) != c.valid_rcodes.end();
    if (!valid) {
      o.reason = "rcode";
      o.detail = "got " + RcodeName(m->rcode);
      return Finish(std::move(o));
    }
    std::string why;
    if (!Check(m->answer, probe_.answer(), &why)) {
      o.reason = "answer_rrs";
      o.detail = why;
    } else if (!Check(m->authority, probe_.authority(), &why)) {
      o.reason = "authority_rrs";
      o.detail = why;
    } else if (!Check(m->additional, probe_.additional(), &why)) {
      o.reason = "additional_rrs";
      o.detail = why;
    } else {
      o.success = true;
    }
    Finish(std::move(o));
  }

  void Finish(Outcome o) {
    if (cancelled_ || !done_) return;
    Done done = std::move(done_);
    done_ = nullptr;
    done(std::move(o));
  }

  DnsProbe& probe_;
  Done done_;
  bool cancelled_ = false;
  Query* query_ = nullptr;
};

DnsProbe::Rules Compile(const config::RrValidation& v) {
  DnsProbe::Rules r;
  for (const std::string& re : v.fail_if_matches) r.fail_if_matches.emplace_back(re);
  for (const std::string& re : v.fail_if_not_matches) r.fail_if_not_matches.emplace_back(re);
  return r;
}

}  // namespace

std::unique_ptr<DnsProbe> DnsProbe::Create(asio::io_context& io, const config::ProbeConfig& c,
                                           std::string* error) {
  auto p = std::unique_ptr<DnsProbe>(new DnsProbe());
  p->config_ = c;
  AresChannel::Options o;
  o.servers = c.server;
  // NOCHECKRESP: hand SERVFAIL/REFUSED answers to us instead of trying the next server.
  o.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
  if (c.transport == config::DnsTransport::kTcp) o.flags |= ARES_FLAG_USEVC;
  if (!c.recursion_desired) o.flags |= ARES_FLAG_NORECURSE;
  // One try within the probe's own deadline, which cancels anything slower.
  o.timeout_ms = static_cast<int>(c.timeout);
  o.tries = 1;
  p->channel_ = AresChannel::Create(io, o, error);
  if (!p->channel_) return nullptr;
  p->answer_ = Compile(c.validate_answer);
  p->authority_ = Compile(c.validate_authority);
  p->additional_ = Compile(c.validate_additional);
  return p;
}

std::shared_ptr<Attempt> DnsProbe::NewAttempt() { return std::make_shared<DnsAttempt>(*this); }

}  // namespace ninesd::probes::internal
