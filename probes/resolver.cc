#include "probes/resolver.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <asio/post.hpp>
#include <cstring>

namespace ninesd::probes::internal {
namespace {

struct Pending {
  config::IpProtocol preferred;
  bool fallback;
  std::function<void(Resolved)> done;
};

void OnAddrInfo(void* arg, int status, int /*timeouts*/, ares_addrinfo* result) {
  std::unique_ptr<Pending> p(static_cast<Pending*>(arg));
  Resolved r;
  if (status == ARES_EDESTRUCTION) {
    if (result != nullptr) ares_freeaddrinfo(result);
    return;
  }
  if (status != ARES_SUCCESS || result == nullptr) {
    r.reason = status == ARES_ENOTFOUND ? "nxdomain" : "dns_error";
    r.detail = ares_strerror(status);
    if (result != nullptr) ares_freeaddrinfo(result);
    p->done(std::move(r));
    return;
  }
  int want = p->preferred == config::IpProtocol::kIp6 ? AF_INET6 : AF_INET;
  std::optional<asio::ip::address> preferred, other;
  for (ares_addrinfo_node* n = result->nodes; n != nullptr; n = n->ai_next) {
    asio::ip::address a;
    if (n->ai_family == AF_INET) {
      auto* sin = reinterpret_cast<sockaddr_in*>(n->ai_addr);
      a = asio::ip::address_v4(ntohl(sin->sin_addr.s_addr));
    } else if (n->ai_family == AF_INET6) {
      auto* sin6 = reinterpret_cast<sockaddr_in6*>(n->ai_addr);
      asio::ip::address_v6::bytes_type b;
      std::memcpy(b.data(), &sin6->sin6_addr, 16);
      a = asio::ip::address_v6(b, sin6->sin6_scope_id);
    } else {
      continue;
    }
    if (n->ai_family == want) {
      if (!preferred) preferred = a;
    } else if (!other) {
      other = a;
    }
  }
  ares_freeaddrinfo(result);
  if (preferred) {
    r.ok = true;
    r.address = *preferred;
  } else if (other && p->fallback) {
    r.ok = true;
    r.address = *other;
  } else {
    r.reason = "no_address";
    r.detail = want == AF_INET6 ? "no AAAA record" : "no A record";
  }
  p->done(std::move(r));
}

}  // namespace

Resolver::Resolver(asio::io_context& io) : io_(io) {
  AresChannel::Options o;
  o.timeout_ms = 2000;
  o.tries = 2;
  channel_ = AresChannel::Create(io, o, &init_error_);
}

void Resolver::Resolve(const std::string& host, config::IpProtocol preferred, bool fallback,
                       std::function<void(Resolved)> done) {
  std::string bare = host;
  if (bare.size() > 2 && bare.front() == '[' && bare.back() == ']') {
    bare = bare.substr(1, bare.size() - 2);
  }
  asio::error_code ec;
  asio::ip::address literal = asio::ip::make_address(bare, ec);
  if (!ec) {
    asio::post(io_, [literal, done = std::move(done)] {
      Resolved r;
      r.ok = true;
      r.address = literal;
      done(std::move(r));
    });
    return;
  }
  if (!channel_) {
    asio::post(io_, [this, done = std::move(done)] {
      Resolved r;
      r.reason = "dns_error";
      r.detail = init_error_;
      done(std::move(r));
    });
    return;
  }
  ares_addrinfo_hints hints{};
  hints.ai_family =
      fallback ? AF_UNSPEC : (preferred == config::IpProtocol::kIp6 ? AF_INET6 : AF_INET);
  hints.ai_socktype = SOCK_STREAM;
  // c-ares may complete synchronously (hosts file); post so callers never re-enter.
  auto* p = new Pending{preferred, fallback, [this, done = std::move(done)](Resolved r) {
                          asio::post(io_, [done, r = std::move(r)] { done(r); });
                        }};
  ares_getaddrinfo(channel_->get(), bare.c_str(), nullptr, &hints, &OnAddrInfo, p);
  channel_->Kick();
}

}  // namespace ninesd::probes::internal
