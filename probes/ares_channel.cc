#include "probes/ares_channel.h"

#include <asio/error.hpp>
#include <chrono>
#include <mutex>

namespace ninesd::probes::internal {

std::unique_ptr<AresChannel> AresChannel::Create(asio::io_context& io, const Options& options,
                                                 std::string* error) {
  static std::once_flag once;
  std::call_once(once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
  std::unique_ptr<AresChannel> c(new AresChannel(io));
  ares_options opts{};
  opts.flags = options.flags;
  opts.timeout = options.timeout_ms;
  opts.tries = options.tries;
  opts.sock_state_cb = &AresChannel::SockState;
  opts.sock_state_cb_data = c.get();
  int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB;
  int rc = ares_init_options(&c->channel_, &opts, mask);
  if (rc != ARES_SUCCESS) {
    *error = std::string("c-ares init: ") + ares_strerror(rc);
    return nullptr;
  }
  if (!options.servers.empty()) {
    rc = ares_set_servers_ports_csv(c->channel_, options.servers.c_str());
    if (rc != ARES_SUCCESS) {
      *error = "c-ares servers \"" + options.servers + "\": " + ares_strerror(rc);
      return nullptr;  // the destructor destroys the channel
    }
  }
  return c;
}

AresChannel::~AresChannel() {
  *alive_ = false;
  if (channel_ != nullptr) ares_destroy(channel_);  // closes sockets through SockState
  for (auto& [fd, w] : watches_) {
    w->owner = nullptr;
    w->sd.release();
  }
  timer_.cancel();
}

void AresChannel::SockState(void* data, ares_socket_t s, int readable, int writable) {
  auto* self = static_cast<AresChannel*>(data);
  auto it = self->watches_.find(s);
  if (!readable && !writable) {
    if (it != self->watches_.end()) {
      // c-ares closes the socket itself; asio must only forget it.
      it->second->owner = nullptr;
      it->second->sd.release();
      self->watches_.erase(it);
    }
    return;
  }
  if (it == self->watches_.end()) {
    auto w = std::make_shared<Watch>(self->io_, s);
    asio::error_code ec;
    w->sd.assign(s, ec);
    if (ec) return;  // c-ares times the query out
    w->owner = self;
    it = self->watches_.emplace(s, std::move(w)).first;
  }
  it->second->want_read = readable != 0;
  it->second->want_write = writable != 0;
  self->Arm(it->second);
}

void AresChannel::Arm(const std::shared_ptr<Watch>& w) {
  if (w->want_read && !w->read_pending) {
    w->read_pending = true;
    w->sd.async_wait(asio::posix::descriptor_base::wait_read, [w](const asio::error_code& ec) {
      w->read_pending = false;
      if (ec || w->owner == nullptr) return;
      AresChannel* self = w->owner;
      ares_process_fd(self->channel_, w->fd, ARES_SOCKET_BAD);
      if (w->owner != nullptr) self->Arm(w);
      self->ArmTimer();
    });
  }
  if (w->want_write && !w->write_pending) {
    w->write_pending = true;
    w->sd.async_wait(asio::posix::descriptor_base::wait_write, [w](const asio::error_code& ec) {
      w->write_pending = false;
      if (ec || w->owner == nullptr) return;
      AresChannel* self = w->owner;
      ares_process_fd(self->channel_, ARES_SOCKET_BAD, w->fd);
      if (w->owner != nullptr) self->Arm(w);
      self->ArmTimer();
    });
  }
}

void AresChannel::ArmTimer() {
  timeval max{3600, 0};
  timeval tv{};
  timeval* next = ares_timeout(channel_, &max, &tv);
  if (next == &max) {  // nothing pending
    timer_.cancel();
    return;
  }
  auto wait = std::chrono::seconds(next->tv_sec) + std::chrono::microseconds(next->tv_usec);
  timer_.expires_after(wait);
  timer_.async_wait([this, alive = alive_](const asio::error_code& ec) {
    if (ec || !*alive) return;
    ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    ArmTimer();
  });
}

}  // namespace ninesd::probes::internal
