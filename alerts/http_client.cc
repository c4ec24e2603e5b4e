#include "alerts/http_client.h"

#include <curl/curl.h>

#include <asio/posix/stream_descriptor.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <map>
#include <mutex>

namespace ninesd::alerts {
namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t WriteBody(char* data, size_t size, size_t n, void* userp) {
  auto* body = static_cast<std::string*>(userp);
  size_t len = size * n;
  size_t room = HttpClient::kMaxBody - std::min(body->size(), HttpClient::kMaxBody);
  body->append(data, std::min(len, room));
  return len;  // keep reading (and discarding) so the connection stays usable
}

}  // namespace

struct HttpClient::Impl : std::enable_shared_from_this<HttpClient::Impl> {
  struct Transfer {
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    HttpRequest request;
    std::string response_body;
    Callback done;
    char error[CURL_ERROR_SIZE] = {};
  };
  // One socket curl asked us to watch. Curl owns the descriptor: we never
  // close it, only release it from Asio when curl says REMOVE.
  struct Socket {
    explicit Socket(asio::io_context& io, int fd) : sd(io, fd) {}
    asio::posix::stream_descriptor sd;
    int what = 0;
    bool reading = false;
    bool writing = false;
    bool removed = false;
  };

  explicit Impl(asio::io_context& io) : io(io), timer(io) {}

  asio::io_context& io;
  CURLM* multi = nullptr;
  asio::steady_timer timer;
  std::map<curl_socket_t, std::shared_ptr<Socket>> sockets;
  std::map<CURL*, std::unique_ptr<Transfer>> transfers;

  static int OnSocket(CURL*, curl_socket_t fd, int what, void* userp, void*) {
    auto* self = static_cast<Impl*>(userp);
    if (what == CURL_POLL_REMOVE) {
      auto it = self->sockets.find(fd);
      if (it != self->sockets.end()) {
        it->second->removed = true;
        it->second->sd.release();  // cancels our waits; curl closes the fd
        self->sockets.erase(it);
      }
      return 0;
    }
    auto& sock = self->sockets[fd];
    if (!sock) sock = std::make_shared<Socket>(self->io, fd);
    sock->what = what;
    self->Arm(sock, fd);
    return 0;
  }

  static int OnTimer(CURLM*, long timeout_ms, void* userp) {
    auto* self = static_cast<Impl*>(userp);
    if (timeout_ms < 0) {
      self->timer.cancel();
      return 0;
    }
    // Never call back into curl from here: the wait completes on the loop.
    self->timer.expires_after(std::chrono::milliseconds(timeout_ms));
    self->timer.async_wait([weak = self->weak_from_this()](const std::error_code& ec) {
      if (ec) return;
      if (auto s = weak.lock()) s->Action(CURL_SOCKET_TIMEOUT, 0);
    });
    return 0;
  }

  void Arm(const std::shared_ptr<Socket>& sock, curl_socket_t fd) {
    if ((sock->what & CURL_POLL_IN) && !sock->reading) {
      sock->reading = true;
      sock->sd.async_wait(asio::posix::stream_descriptor::wait_read,
                          [weak = weak_from_this(), sock, fd](const std::error_code& ec) {
                            sock->reading = false;
                            if (ec || sock->removed) return;
                            auto s = weak.lock();
                            if (!s) return;
                            s->Action(fd, CURL_CSELECT_IN);
                            if (!sock->removed) s->Arm(sock, fd);
                          });
    }
    if ((sock->what & CURL_POLL_OUT) && !sock->writing) {
      sock->writing = true;
      sock->sd.async_wait(asio::posix::stream_descriptor::wait_write,
                          [weak = weak_from_this(), sock, fd](const std::error_code& ec) {
                            sock->writing = false;
                            if (ec || sock->removed) return;
                            auto s = weak.lock();
                            if (!s) return;
                            s->Action(fd, CURL_CSELECT_OUT);
                            if (!sock->removed) s->Arm(sock, fd);
                          });
    }
  }

  void Action(curl_socket_t fd, int events) {
    int running = 0;
    curl_multi_socket_action(multi, fd, events, &running);
    Drain();
  }

  void Drain() {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* easy = msg->easy_handle;
      CURLcode code = msg->data.result;
      auto it = transfers.find(easy);
      if (it == transfers.end()) continue;
      std::unique_ptr<Transfer> t = std::move(it->second);
      transfers.erase(it);
      curl_multi_remove_handle(multi, easy);
      HttpResponse r;
      r.curl_code = static_cast<int>(code);
      if (code == CURLE_OK) {
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &r.status);
      } else {
        r.error = t->error[0] != '\0' ? t->error : curl_easy_strerror(code);
      }
      r.body = std::move(t->response_body);
      curl_easy_cleanup(easy);
      curl_slist_free_all(t->headers);
      asio::post(io, [done = std::move(t->done), r = std::move(r)] { done(r); });
    }
  }

  void Start(HttpRequest request, Callback done) {
    auto t = std::make_unique<Transfer>();
    t->request = std::move(request);
    t->done = std::move(done);
    CURL* e = curl_easy_init();
    t->easy = e;
    for (const std::string& h : t->request.headers) {
      t->headers = curl_slist_append(t->headers, h.c_str());
    }
    // No "Expect: 100-continue" round trip for small bodies.
    t->headers = curl_slist_append(t->headers, "Expect:");
    curl_easy_setopt(e, CURLOPT_URL, t->request.url.c_str());
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->request.body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(t->request.body.size()));
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(t->request.timeout.count()));
    curl_easy_setopt(e, CURLOPT_USERAGENT, "ninesd");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &WriteBody);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &t->response_body);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
    transfers.emplace(e, std::move(t));
    CURLMcode rc = curl_multi_add_handle(multi, e);
    if (rc != CURLM_OK) {
      auto it = transfers.find(e);
      std::unique_ptr<Transfer> failed = std::move(it->second);
      transfers.erase(it);
      curl_easy_cleanup(e);
      curl_slist_free_all(failed->headers);
      HttpResponse r;
      r.curl_code = -1;
      r.error = curl_multi_strerror(rc);
      asio::post(io, [done = std::move(failed->done), r = std::move(r)] { done(r); });
    }
  }

  void Shutdown() {
    // Curl stops calling us; then sockets go back to curl, which closes them.
    curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, nullptr);
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, nullptr);
    timer.cancel();
    for (auto& [fd, sock] : sockets) {
      sock->removed = true;
      sock->sd.release();
    }
    sockets.clear();
    for (auto& [easy, t] : transfers) {
      curl_multi_remove_handle(multi, easy);
      curl_easy_cleanup(easy);
      curl_slist_free_all(t->headers);
    }
    transfers.clear();
    curl_multi_cleanup(multi);
    multi = nullptr;
  }
};

HttpClient::HttpClient(asio::io_context& io) : impl_(std::make_shared<Impl>(io)) {
  GlobalInit();
  impl_->multi = curl_multi_init();
  curl_multi_setopt(impl_->multi, CURLMOPT_SOCKETFUNCTION, &Impl::OnSocket);
  curl_multi_setopt(impl_->multi, CURLMOPT_SOCKETDATA, impl_.get());
  curl_multi_setopt(impl_->multi, CURLMOPT_TIMERFUNCTION, &Impl::OnTimer);
  curl_multi_setopt(impl_->multi, CURLMOPT_TIMERDATA, impl_.get());
}

HttpClient::~HttpClient() { impl_->Shutdown(); }

void HttpClient::Post(HttpRequest request, Callback done) {
  impl_->Start(std::move(request), std::move(done));
}

size_t HttpClient::in_flight() const { return impl_->transfers.size(); }

}  // namespace ninesd::alerts
