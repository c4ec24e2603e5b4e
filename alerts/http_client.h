#pragma once
// HttpClient: HTTP POSTs through libcurl's multi interface, driven by Asio
// (CURLMOPT_SOCKETFUNCTION / TIMERFUNCTION), so no request ever blocks the
// loop. No redirects are followed, only http and https, response bodies are
// capped, and CURLOPT_NOSIGNAL keeps curl away from signals.
//
// Lifecycle: lives on the io_context it is given; destroying it aborts
// transfers in flight without calling their callbacks.
// Thread: the io_context thread only.

#include <asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ninesd::alerts {

struct HttpRequest {
  std::string url;
  std::string body;
  std::vector<std::string> headers;  // "Name: value"
  std::chrono::milliseconds timeout{10'000};
};

struct HttpResponse {
  int curl_code = 0;  // CURLcode; 0 when a response arrived
  std::string error;  // curl's message when curl_code != 0
  long status = 0;    // HTTP status when curl_code == 0
  std::string body;   // at most kMaxBody bytes
};

class HttpClient {
 public:
  static constexpr size_t kMaxBody = 16 * 1024;
  using Callback = std::function<void(const HttpResponse&)>;

  explicit HttpClient(asio::io_context& io);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Starts a POST; `done` runs later on the loop (never inside Post).
  void Post(HttpRequest request, Callback done);
  size_t in_flight() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace ninesd::alerts
