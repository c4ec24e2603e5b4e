#pragma once
// A c-ares channel driven by the io_context: c-ares' sockets are watched
// with asio descriptors and its retransmit timeouts with one steady timer, so
// name resolution never blocks the loop (glibc's resolver blocks for 10 s on
// a silent server). Internal to probes/. Loop thread only.

#include <ares.h>

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <string>

namespace ninesd::probes::internal {

class AresChannel {
 public:
  struct Options {
    std::string servers;  // "host:port,..." ; empty: /etc/resolv.conf
    int flags = 0;        // ARES_FLAG_*
    int timeout_ms = 2000;
    int tries = 2;
  };
  // nullptr with *error set when c-ares refuses the options.
  static std::unique_ptr<AresChannel> Create(asio::io_context& io, const Options& options,
                                             std::string* error);
  ~AresChannel();
  AresChannel(const AresChannel&) = delete;
  AresChannel& operator=(const AresChannel&) = delete;

  ares_channel get() const { return channel_; }
  asio::io_context& io() const { return io_; }
  // Call after handing c-ares a query: arms the retransmit timer.
  void Kick() { ArmTimer(); }

 private:
  struct Watch {
    AresChannel* owner = nullptr;  // nullptr once c-ares closed the socket
    ares_socket_t fd;
    asio::posix::stream_descriptor sd;
    bool want_read = false;
    bool want_write = false;
    bool read_pending = false;
    bool write_pending = false;
    Watch(asio::io_context& io, ares_socket_t s) : fd(s), sd(io) {}
  };

  explicit AresChannel(asio::io_context& io) : io_(io), timer_(io) {}
  static void SockState(void* data, ares_socket_t s, int readable, int writable);
  void Arm(const std::shared_ptr<Watch>& w);
  void ArmTimer();

  asio::io_context& io_;
  asio::steady_timer timer_;
  ares_channel channel_ = nullptr;
  std::map<ares_socket_t, std::shared_ptr<Watch>> watches_;
  // A timer handler already queued when the channel dies must not touch it.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace ninesd::probes::internal
