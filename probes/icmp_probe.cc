#include "probes/icmp_probe.h"

#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <random>

namespace ninesd::probes::internal {
namespace {

constexpr size_t kPayload = 16;  // cookie (8) + padding

uint16_t Checksum(const uint8_t* data, size_t len) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
  if (len % 2) sum += static_cast<uint32_t>(data[len - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

}  // namespace

IcmpService::IcmpService(asio::io_context& io) : io_(io) {
  std::random_device rd;
  cookie_ = (static_cast<uint64_t>(rd()) << 32) | rd();
}

IcmpService::~IcmpService() {
  *alive_ = false;
  Close();
}

void IcmpService::Close() {
  for (Family* f : {&v4_, &v6_}) {
    if (f->sd) {
      asio::error_code ec;
      f->sd->close(ec);
      f->sd.reset();
    }
    f->fd = -1;
    f->opened = false;
    f->pending.clear();
  }
}

bool IcmpService::Open(Family& f, bool v6) {
  if (f.opened) return f.fd >= 0;
  f.opened = true;
  int domain = v6 ? AF_INET6 : AF_INET;
  int proto = v6 ? static_cast<int>(IPPROTO_ICMPV6) : static_cast<int>(IPPROTO_ICMP);
  // An unprivileged ping socket first; a raw socket (CAP_NET_RAW) otherwise.
  int fd = socket(domain, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
  int dgram_errno = errno;
  if (fd >= 0) {
    f.dgram = true;
  } else {
    fd = socket(domain, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
    if (fd < 0) {
      f.open_error = std::string("cannot open an ICMP socket: ping socket: ") +
                     std::strerror(dgram_errno) + ", raw socket: " + std::strerror(errno) +
                     " (needs CAP_NET_RAW or net.ipv4.ping_group_range)";
      return false;
    }
    if (v6) {
      icmp6_filter filter;
      ICMP6_FILTER_SETBLOCKALL(&filter);
      ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter);
      setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof(filter));
    } else {
      // Linux ICMP_FILTER: a bit set drops that type; keep only echo replies.
      uint32_t mask = ~(1u << ICMP_ECHOREPLY);
      setsockopt(fd, SOL_RAW, 1 /*ICMP_FILTER*/, &mask, sizeof(mask));
    }
  }
  f.fd = fd;
  f.id = static_cast<uint16_t>(cookie_ ^ static_cast<uint64_t>(getpid()));
  f.sd = std::make_unique<asio::posix::stream_descriptor>(io_, fd);
  Read(f, v6);
  return true;
}

int IcmpService::Send(const asio::ip::address& to, std::function<void()> reply,
                      std::string* error) {
  bool v6 = to.is_v6();
  Family& f = v6 ? v6_ : v4_;
  if (!Open(f, v6)) {
    *error = f.open_error;
    return -1;
  }
  uint16_t seq = ++f.next_seq;
  uint8_t pkt[8 + kPayload] = {};
  pkt[0] = v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
  pkt[4] = static_cast<uint8_t>(f.id >> 8);
  pkt[5] = static_cast<uint8_t>(f.id);
  pkt[6] = static_cast<uint8_t>(seq >> 8);
  pkt[7] = static_cast<uint8_t>(seq);
  std::memcpy(pkt + 8, &cookie_, sizeof(cookie_));
  if (!v6) {  // the kernel computes ICMPv6 checksums
    uint16_t sum = Checksum(pkt, sizeof(pkt));
    pkt[2] = static_cast<uint8_t>(sum >> 8);
    pkt[3] = static_cast<uint8_t>(sum);
  }
  sockaddr_storage ss{};
  socklen_t sl = 0;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    auto b = to.to_v6().to_bytes();
    std::memcpy(&a->sin6_addr, b.data(), 16);
    a->sin6_scope_id = to.to_v6().scope_id();
    sl = sizeof(*a);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(to.to_v4().to_uint());
    sl = sizeof(*a);
  }
  if (sendto(f.fd, pkt, sizeof(pkt), 0, reinterpret_cast<sockaddr*>(&ss), sl) < 0) {
    *error = std::string("sendto: ") + std::strerror(errno);
    return -1;
  }
  f.pending[seq] = std::move(reply);
  return seq;
}

void IcmpService::Forget(bool v6, int seq) {
  (v6 ? v6_ : v4_).pending.erase(static_cast<uint16_t>(seq));
}

void IcmpService::Read(Family& f, bool v6) {
  if (!f.sd) return;  // closed by a callback
  f.sd->async_wait(asio::posix::descriptor_base::wait_read,
                   [this, &f, v6, alive = alive_](const asio::error_code& ec) {
                     if (ec || !*alive) return;
                     OnReadable(f, v6);
                     Read(f, v6);
                   });
}

void IcmpService::OnReadable(Family& f, bool v6) {
  uint8_t buf[2048];
  // Drain: epoll is edge-triggered under asio.
  for (int i = 0; i < 1024 && f.fd >= 0; ++i) {
    ssize_t n = recv(f.fd, buf, sizeof(buf), 0);
    if (n < 0) return;  // EAGAIN or an error: wait for the next readiness
    const uint8_t* icmp = buf;
    size_t len = static_cast<size_t>(n);
    if (!v6 && !f.dgram) {  // raw IPv4 sockets deliver the IP header
      size_t ihl = static_cast<size_t>(buf[0] & 0x0f) * 4;
      if (len < ihl) continue;
      icmp += ihl;
      len -= ihl;
    }
    if (len < 8 + sizeof(cookie_)) continue;
    uint8_t want_type = v6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY;
    if (icmp[0] != want_type) continue;  // e.g. our own echo request on loopback
    uint16_t id = static_cast<uint16_t>(icmp[4] << 8 | icmp[5]);
    uint16_t seq = static_cast<uint16_t>(icmp[6] << 8 | icmp[7]);
    // Ping sockets rewrite the identifier; the kernel already matched it.
    if (!f.dgram && id != f.id) continue;
    if (std::memcmp(icmp + 8, &cookie_, sizeof(cookie_)) != 0) continue;
    auto it = f.pending.find(seq);
    if (it == f.pending.end()) continue;
    auto cb = std::move(it->second);
    f.pending.erase(it);
    cb();
  }
}

namespace {

class IcmpAttempt : public Attempt, public std::enable_shared_from_this<IcmpAttempt> {
 public:
  // c outlives the attempt: its slot cancels the attempt before it goes.
  IcmpAttempt(const config::ProbeConfig& c, IcmpService& icmp, Resolver& resolver)
      : config_(c), icmp_(icmp), resolver_(resolver) {}

  void Start(Done done) override {
    done_ = std::move(done);
    resolver_.Resolve(config_.host, config_.preferred_ip_protocol, config_.ip_protocol_fallback,
                      [self = shared_from_this()](Resolved r) { self->OnResolved(std::move(r)); });
  }

  void Cancel() override {
    cancelled_ = true;
    if (seq_ >= 0) icmp_.Forget(v6_, seq_);
    seq_ = -1;
  }

 private:
  void OnResolved(Resolved r) {
    if (cancelled_) return;
    if (!r.ok) return Finish(Outcome::Fail(r.reason, r.detail));
    v6_ = r.address.is_v6();
    std::string error;
    std::weak_ptr<IcmpAttempt> weak = shared_from_this();
    seq_ = icmp_.Send(
        r.address,
        [weak] {
          if (auto self = weak.lock()) {
            self->seq_ = -1;
            Outcome o;
            o.success = true;
            self->Finish(std::move(o));
          }
        },
        &error);
    if (seq_ < 0) Finish(Outcome::Fail("icmp_error", error));
  }

  void Finish(Outcome o) {
    if (cancelled_ || !done_) return;
    Done done = std::move(done_);
    done_ = nullptr;
    done(std::move(o));
  }

  const config::ProbeConfig& config_;
  IcmpService& icmp_;
  Resolver& resolver_;
  Done done_;
  bool cancelled_ = false;
  bool v6_ = false;
  int seq_ = -1;
};

}  // namespace

std::shared_ptr<Attempt> NewIcmpAttempt(const config::ProbeConfig& c, IcmpService& icmp,
                                        Resolver& resolver) {
  return std::make_shared<IcmpAttempt>(c, icmp, resolver);
}

}  // namespace ninesd::probes::internal
