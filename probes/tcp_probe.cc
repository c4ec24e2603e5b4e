#include "probes/tcp_probe.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read_until.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/write.hpp>
#include <ctime>

namespace ninesd::probes::internal {
namespace {

constexpr size_t kMaxLine = 64 * 1024;

std::optional<double> EarliestExpiry(SSL* ssl) {
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);
  if (chain == nullptr) return std::nullopt;
  std::optional<double> earliest;
  for (int i = 0; i < sk_X509_num(chain); ++i) {
    const ASN1_TIME* t = X509_get0_notAfter(sk_X509_value(chain, i));
    std::tm tm{};
    if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) continue;
    double v = static_cast<double>(timegm(&tm));
    if (!earliest || v < *earliest) earliest = v;
  }
  return earliest;
}

class TcpAttempt : public Attempt, public std::enable_shared_from_this<TcpAttempt> {
 public:
  TcpAttempt(std::shared_ptr<const TcpPlan> plan, asio::io_context& io, Resolver& resolver)
      : plan_(std::move(plan)), resolver_(resolver), socket_(io) {}

  void Start(Done done) override {
    done_ = std::move(done);
    const config::ProbeConfig& c = plan_->config;
    resolver_.Resolve(plan_->host, c.preferred_ip_protocol, c.ip_protocol_fallback,
                      [self = shared_from_this()](Resolved r) { self->OnResolved(std::move(r)); });
  }

  void Cancel() override {
    cancelled_ = true;
    asio::error_code ec;
    socket_.close(ec);
  }

 private:
  void Finish(Outcome o) {
    if (cancelled_ || !done_) return;
    Done done = std::move(done_);
    done_ = nullptr;
    asio::error_code ec;
    if (tls_) SSL_shutdown(tls_->native_handle());  // best effort close_notify, no wait
    // Closed with a reset, as the HTTP probe does: no TIME_WAIT on either side.
    if (socket_.is_open()) socket_.set_option(asio::socket_base::linger(true, 0), ec);
    socket_.close(ec);
    done(std::move(o));
  }

  void OnResolved(Resolved r) {
    if (cancelled_) return;
    if (!r.ok) return Finish(Outcome::Fail(r.reason, r.detail));
    asio::ip::tcp::endpoint ep(r.address, plan_->port);
    socket_.async_connect(
        ep, [self = shared_from_this()](const asio::error_code& ec) { self->OnConnected(ec); });
  }

  void OnConnected(const asio::error_code& ec) {
    if (cancelled_) return;
    if (ec) {
      return Finish(Outcome::Fail(
          ec == asio::error::connection_refused ? "connection_refused" : "connect_failed",
          ec.message()));
    }
    if (!plan_->tls) return NextStep();
    tls_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(socket_, *plan_->tls);
    SSL* ssl = tls_->native_handle();
    const config::TlsProbeConfig& t = plan_->config.tls_config;
    std::string name = t.server_name.empty() ? plan_->host : t.server_name;
    asio::error_code ip_ec;
    asio::ip::make_address(name, ip_ec);
    if (ip_ec) SSL_set_tlsext_host_name(ssl, name.c_str());
    if (!t.insecure_skip_verify) {
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
      if (ip_ec) {
        X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0);
      } else {
        X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
      }
    }
    tls_->async_handshake(
        asio::ssl::stream_base::client,
        [self = shared_from_this()](const asio::error_code& e) { self->OnHandshake(e); });
  }

  void OnHandshake(const asio::error_code& ec) {
    if (cancelled_) return;
    SSL* ssl = tls_->native_handle();
    cert_expiry_ = EarliestExpiry(ssl);
    if (ec) {
      long v = SSL_get_verify_result(ssl);
      Outcome o;
      if (v == X509_V_ERR_CERT_HAS_EXPIRED) {
        o = Outcome::Fail("cert_expired", ec.message());
      } else if (v == X509_V_ERR_HOSTNAME_MISMATCH || v == X509_V_ERR_IP_ADDRESS_MISMATCH) {
        o = Outcome::Fail("cert_name_mismatch", ec.message());
      } else if (v != X509_V_OK) {
        o = Outcome::Fail("cert_untrusted", X509_verify_cert_error_string(v));
      } else {
        o = Outcome::Fail("tls_handshake_failed", ec.message());
      }
      o.cert_expiry = cert_expiry_;
      return Finish(std::move(o));
    }
    const config::ProbeConfig& c = plan_->config;
    if (c.min_cert_validity > 0 && cert_expiry_ &&
        *cert_expiry_ - static_cast<double>(std::time(nullptr)) <
            static_cast<double>(c.min_cert_validity) / 1000.0) {
      Outcome o = Outcome::Fail("cert_expires_soon");
      o.cert_expiry = cert_expiry_;
      return Finish(std::move(o));
    }
    NextStep();
  }

  void NextStep() {
    if (cancelled_) return;
    const auto& steps = plan_->config.query_response;
    if (step_ >= steps.size()) {
      Outcome o;
      o.success = true;
      o.cert_expiry = cert_expiry_;
      return Finish(std::move(o));
    }
    const config::QueryResponse& q = steps[step_];
    if (!q.send.empty()) {
      out_ = q.send;
      if (!out_.ends_with("\n")) out_ += "\n";
      auto cb = [self = shared_from_this()](const asio::error_code& ec, size_t) {
        if (self->cancelled_) return;
        if (ec) return self->Finish(Outcome::Fail("send_failed", ec.message()));
        self->Expect();
      };
      if (tls_) {
        asio::async_write(*tls_, asio::buffer(out_), cb);
      } else {
        asio::async_write(socket_, asio::buffer(out_), cb);
      }
      return;
    }
    Expect();
  }

  void Expect() {
    const auto& re = plan_->expects[step_];
    if (!re) {
      ++step_;
      return NextStep();
    }
    // A line already buffered?
    size_t nl = in_.find('\n');
    if (nl != std::string::npos) {
      std::string line = in_.substr(0, nl);
      in_.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (std::regex_search(line, *re)) {
        ++step_;
        return NextStep();
      }
      return Expect();
    }
    auto cb = [self = shared_from_this()](const asio::error_code& ec, size_t) {
      if (self->cancelled_) return;
      if (ec) {
        return self->Finish(Outcome::Fail("expect_failed", ec == asio::error::eof
                                                               ? "connection closed before a match"
                                                               : ec.message()));
      }
      self->Expect();
    };
    auto buf = asio::dynamic_buffer(in_, kMaxLine);
    if (tls_) {
      asio::async_read_until(*tls_, buf, '\n', cb);
    } else {
      asio::async_read_until(socket_, buf, '\n', cb);
    }
  }

  std::shared_ptr<const TcpPlan> plan_;
  Resolver& resolver_;
  asio::ip::tcp::socket socket_;
  std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket&>> tls_;
  Done done_;
  bool cancelled_ = false;
  size_t step_ = 0;
  std::string out_;
  std::string in_;
  std::optional<double> cert_expiry_;
};

}  // namespace

std::shared_ptr<const TcpPlan> TcpPlan::Build(const config::ProbeConfig& c, std::string* error) {
  auto plan = std::make_shared<TcpPlan>();
  plan->config = c;
  size_t colon = c.target.rfind(':');
  if (colon == std::string::npos) {
    *error = "target without port: " + c.target;
    return nullptr;
  }
  plan->host = c.target.substr(0, colon);
  if (plan->host.size() > 2 && plan->host.front() == '[') {
    plan->host = plan->host.substr(1, plan->host.size() - 2);
  }
  plan->port = static_cast<uint16_t>(std::atoi(c.target.c_str() + colon + 1));
  for (const config::QueryResponse& q : c.query_response) {
    plan->expects.push_back(q.expect.empty() ? std::nullopt
                                             : std::optional<std::regex>(std::regex(q.expect)));
  }
  if (c.tls) {
    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    asio::error_code ec;
    const config::TlsProbeConfig& t = c.tls_config;
    if (t.insecure_skip_verify) {
      ctx->set_verify_mode(asio::ssl::verify_none);
    } else {
      ctx->set_verify_mode(asio::ssl::verify_peer);
      if (!t.ca_file.empty()) {
        ctx->load_verify_file(t.ca_file, ec);
      } else {
        ctx->set_default_verify_paths(ec);
      }
      if (ec) {
        *error = "tls ca_file " + t.ca_file + ": " + ec.message();
        return nullptr;
      }
    }
    if (!t.cert_file.empty()) {
      ctx->use_certificate_chain_file(t.cert_file, ec);
      if (!ec) ctx->use_private_key_file(t.key_file, asio::ssl::context::pem, ec);
      if (ec) {
        *error = "tls client certificate: " + ec.message();
        return nullptr;
      }
    }
    plan->tls = std::move(ctx);
  }
  return plan;
}

std::shared_ptr<Attempt> NewTcpAttempt(std::shared_ptr<const TcpPlan> plan, asio::io_context& io,
                                       Resolver& resolver) {
  return std::make_shared<TcpAttempt>(std::move(plan), io, resolver);
}

}  // namespace ninesd::probes::internal
