#include "probes/curl_multi.h"

#include <asio/error.hpp>
#include <asio/post.hpp>
#include <mutex>

namespace ninesd::probes::internal {

CurlMulti::CurlMulti(asio::io_context& io) : io_(io), timer_(io) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  multi_ = curl_multi_init();
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlMulti::OnSocket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlMulti::OnTimer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
}

CurlMulti::~CurlMulti() {
  *alive_ = false;
  for (auto& [easy, done] : running_) curl_multi_remove_handle(multi_, easy);
  running_.clear();
  curl_multi_cleanup(multi_);
  for (auto& [fd, w] : watches_) {
    w->owner = nullptr;
    w->sd.release();
  }
  timer_.cancel();
}

void CurlMulti::Add(CURL* easy, std::function<void(CURLcode)> done) {
  running_[easy] = std::move(done);
  curl_multi_add_handle(multi_, easy);  // curl asks for a 0 ms timeout: the next loop turn
}

void CurlMulti::Remove(CURL* easy) {
  if (running_.erase(easy) > 0) curl_multi_remove_handle(multi_, easy);
}

int CurlMulti::OnSocket(CURL* /*easy*/, curl_socket_t s, int what, void* userp, void* /*socketp*/) {
  auto* self = static_cast<CurlMulti*>(userp);
  auto it = self->watches_.find(s);
  if (what == CURL_POLL_REMOVE) {
    if (it != self->watches_.end()) {
      // curl closes the socket itself; asio must only forget it.
      it->second->owner = nullptr;
      it->second->sd.release();
      self->watches_.erase(it);
    }
    return 0;
  }
  if (it == self->watches_.end()) {
    auto w = std::make_shared<Watch>(self->io_, s);
    asio::error_code ec;
    w->sd.assign(s, ec);
    if (ec) return -1;
    w->owner = self;
    it = self->watches_.emplace(s, std::move(w)).first;
  }
  it->second->want_read = what == CURL_POLL_IN || what == CURL_POLL_INOUT;
  it->second->want_write = what == CURL_POLL_OUT || what == CURL_POLL_INOUT;
  self->Arm(it->second);
  return 0;
}

int CurlMulti::OnTimer(CURLM* /*multi*/, long timeout_ms, void* userp) {
  auto* self = static_cast<CurlMulti*>(userp);
  if (timeout_ms < 0) {
    self->timer_.cancel();
    return 0;
  }
  if (timeout_ms == 0) {
    // As soon as possible: the next loop turn. Arming the timer for it would
    // cost a timerfd write and an epoll wake-up for every handle added. An
    // armed timer stays: firing early only makes curl check and ask again.
    if (!self->timeout_posted_) {
      self->timeout_posted_ = true;
      asio::post(self->io_, [self, alive = self->alive_] {
        if (!*alive) return;
        self->timeout_posted_ = false;
        self->Action(CURL_SOCKET_TIMEOUT, 0);
      });
    }
    return 0;
  }
  self->timer_.expires_after(std::chrono::milliseconds(timeout_ms));
  self->timer_.async_wait([self, alive = self->alive_](const asio::error_code& ec) {
    if (ec || !*alive) return;
    self->Action(CURL_SOCKET_TIMEOUT, 0);
  });
  return 0;
}

void CurlMulti::Arm(const std::shared_ptr<Watch>& w) {
  if (w->want_read && !w->read_pending) {
    w->read_pending = true;
    w->sd.async_wait(asio::posix::descriptor_base::wait_read, [w](const asio::error_code& ec) {
      w->read_pending = false;
      if (ec || w->owner == nullptr || !w->want_read) return;
      CurlMulti* self = w->owner;
      self->Action(w->fd, CURL_CSELECT_IN);
      if (w->owner != nullptr) self->Arm(w);
    });
  }
  if (w->want_write && !w->write_pending) {
    w->write_pending = true;
    w->sd.async_wait(asio::posix::descriptor_base::wait_write, [w](const asio::error_code& ec) {
      w->write_pending = false;
      if (ec || w->owner == nullptr || !w->want_write) return;
      CurlMulti* self = w->owner;
      self->Action(w->fd, CURL_CSELECT_OUT);
      if (w->owner != nullptr) self->Arm(w);
    });
  }
}

void CurlMulti::Action(curl_socket_t fd, int events) {
  int running = 0;
  curl_multi_socket_action(multi_, fd, events, &running);
  ProcessDone();
}

void CurlMulti::ProcessDone() {
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* easy = msg->easy_handle;
    CURLcode code = msg->data.result;
    curl_multi_remove_handle(multi_, easy);
    auto it = running_.find(easy);
    if (it == running_.end()) continue;
    auto done = std::move(it->second);
    running_.erase(it);
    done(code);
  }
}

}  // namespace ninesd::probes::internal
