#pragma once
// libcurl's multi-socket interface on the io_context: curl's sockets are
// watched with asio descriptors (registered with epoll once, for as long as
// curl keeps them) and its timeouts with one steady timer. Handles added in
// the same loop turn are driven by one timer expiry, which is what makes a
// tick that starts many probes cheap. Internal to probes/. Loop thread only.

#include <curl/curl.h>

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <unordered_map>

namespace ninesd::probes::internal {

class CurlMulti {
 public:
  explicit CurlMulti(asio::io_context& io);
  ~CurlMulti();
  CurlMulti(const CurlMulti&) = delete;
  CurlMulti& operator=(const CurlMulti&) = delete;

  // Starts a configured easy handle; `done` runs on the loop when it ends.
  void Add(CURL* easy, std::function<void(CURLcode)> done);
  // Stops an easy handle that has not ended; `done` is not called.
  void Remove(CURL* easy);

 private:
  struct Watch {
    CurlMulti* owner = nullptr;  // nullptr once curl dropped the socket
    curl_socket_t fd;
    asio::posix::stream_descriptor sd;
    bool want_read = false;
    bool want_write = false;
    bool read_pending = false;
    bool write_pending = false;
    Watch(asio::io_context& io, curl_socket_t s) : fd(s), sd(io) {}
  };

  static int OnSocket(CURL* easy, curl_socket_t s, int what, void* userp, void* socketp);
  static int OnTimer(CURLM* multi, long timeout_ms, void* userp);
  void Arm(const std::shared_ptr<Watch>& w);
  void Action(curl_socket_t fd, int events);
  void ProcessDone();

  asio::io_context& io_;
  asio::steady_timer timer_;
  CURLM* multi_ = nullptr;
  std::map<curl_socket_t, std::shared_ptr<Watch>> watches_;
  std::unordered_map<CURL*, std::function<void(CURLcode)>> running_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  bool timeout_posted_ = false;  // a 0 ms timeout waits in the loop's queue
};

}  // namespace ninesd::probes::internal
