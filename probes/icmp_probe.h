#pragma once
// ICMP echo probes. One socket per address family shared by every ICMP
// probe: an unprivileged ping socket (SOCK_DGRAM) when the kernel allows it
// (net.ipv4.ping_group_range), a raw socket (CAP_NET_RAW) otherwise. Replies
// are matched on type (echo reply), identifier, sequence and a per-process
// cookie in the payload: a raw socket on loopback reads our own echo request
// first. Internal to probes/. Loop thread only.

#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "config/config.h"
#include "probes/outcome.h"
#include "probes/resolver.h"

namespace ninesd::probes::internal {

class IcmpService {
 public:
  explicit IcmpService(asio::io_context& io);
  ~IcmpService();
  // Sends one echo request; `reply` runs on the first matching reply. Returns
  // the sequence number, or -1 with *error set (e.g. no permission).
  int Send(const asio::ip::address& to, std::function<void()> reply, std::string* error);
  // Closes the sockets and forgets pending requests; Send() reopens them.
  void Close();
  // Forgets a pending request (after its deadline).
  void Forget(bool v6, int seq);

 private:
  struct Family {
    int fd = -1;
    bool dgram = false;
    uint16_t id = 0;
    uint16_t next_seq = 0;
    std::unique_ptr<asio::posix::stream_descriptor> sd;
    std::map<uint16_t, std::function<void()>> pending;
    std::string open_error;
    bool opened = false;
  };
  bool Open(Family& f, bool v6);
  void Read(Family& f, bool v6);
  void OnReadable(Family& f, bool v6);

  asio::io_context& io_;
  Family v4_, v6_;
  uint64_t cookie_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

std::shared_ptr<Attempt> NewIcmpAttempt(const config::ProbeConfig& c, IcmpService& icmp,
                                        Resolver& resolver);

}  // namespace ninesd::probes::internal
