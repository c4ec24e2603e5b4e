#include "daemon/http_server.h"

#include <CivetServer.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <exception>
#include <thread>

#include "daemon/logging.h"

namespace ninesd::daemon {
namespace {

// Set while CivetServer's constructor runs on this thread: civetweb's own
// messages about a failed bind are then only debug detail, because Start()
// reports the failure in one line of its own.
thread_local bool t_starting = false;

int LogCivetwebMessage(const mg_connection*, const char* message) {
  auto level = t_starting ? spdlog::level::debug : spdlog::level::warn;
  std::string_view text(message == nullptr ? "" : message);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  Logger("http")->log(level, "civetweb message=\"{}\"", text);
  return 1;  // handled: civetweb writes no log file of its own
}

// A socket address for `host` (a numeric literal, as ListenAddress holds) and `port`.
struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

SocketAddress MakeSocketAddress(bool ipv6, const std::string& host, uint16_t port) {
  SocketAddress out;
  if (ipv6) {
    auto* sa = reinterpret_cast<sockaddr_in6*>(&out.storage);
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons(port);
    inet_pton(AF_INET6, host.c_str(), &sa->sin6_addr);
    out.length = sizeof(sockaddr_in6);
  } else {
    auto* sa = reinterpret_cast<sockaddr_in*>(&out.storage);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(port);
    inet_pton(AF_INET, host.c_str(), &sa->sin_addr);
    out.length = sizeof(sockaddr_in);
  }
  return out;
}

// Why a bind to `address` fails, found by trying it; civetweb only says
// "null context". Best effort: the port may have been freed in between.
std::string BindFailureReason(const ListenAddress& address) {
  std::string reason = "address in use or not permitted";
  int fd = socket(address.ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return reason;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));  // as civetweb does
  SocketAddress sa = MakeSocketAddress(address.ipv6, address.host, address.port);
  if (bind(fd, sa.get(), sa.length) != 0) {
    reason = std::strerror(errno);
    if (!reason.empty()) reason[0] = static_cast<char>(std::tolower(reason[0]));
  }
  close(fd);
  return reason;
}

void WriteResponse(mg_connection* conn, const HttpResponse& response, bool head) {
  std::string header = "HTTP/1.1 " + std::to_string(response.status) + " " +
                       mg_get_response_code_text(conn, response.status) + "\r\n";
  header += "Content-Type: " + response.content_type + "\r\n";
  header += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  header += "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n";
  for (const auto& [name, value] : response.headers) header += name + ": " + value + "\r\n";
  header += "\r\n";
  mg_write(conn, header.data(), header.size());
  if (!head && !response.body.empty()) mg_write(conn, response.body.data(), response.body.size());
}

}  // namespace

HttpResponse HttpResponse::Text(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

// Adapts one route to civetweb: every method ends up in Serve(), which always
// answers (so civetweb never falls back to its file handler).
class HttpServer::Route final : public CivetHandler {
 public:
  Route(const HttpServer* owner, HttpHandler handler, Access access)
      : owner_(owner), handler_(std::move(handler)), access_(access) {}

  const HttpHandler& handler() const { return handler_; }
  Access access() const { return access_; }

  bool handleGet(CivetServer*, mg_connection* conn, int* status) override {
    return Serve(conn, status);
  }
  bool handleHead(CivetServer*, mg_connection* conn, int* status) override {
    return Serve(conn, status);
  }
  bool handlePost(CivetServer*, mg_connection* conn, int* status) override {
    return Serve(conn, status);
  }
  bool handlePut(CivetServer*, mg_connection* conn, int* status) override {
    return Serve(conn, status);
  }
  bool handleDelete(CivetServer*, mg_connection* conn, int* status) override {
    return Serve(conn, status);
  }
  bool handleOptions(CivetServer*, mg_connection* conn, int* status) override {
    return Serve(conn, status);
  }
  bool handlePatch(CivetServer*, mg_connection* conn, int* status) override {
    return Serve(conn, status);
  }

 private:
  bool Serve(mg_connection* conn, int* status) {
    const mg_request_info* info = mg_get_request_info(conn);
    HttpRequest request;
    request.method = info->request_method != nullptr ? info->request_method : "";
    request.path = info->local_uri != nullptr ? info->local_uri : "";
    request.query = info->query_string != nullptr ? info->query_string : "";
    request.remote_addr = info->remote_addr;
    HttpResponse response = owner_->Dispatch(*this, request, mg_get_header(conn, "Authorization"));
    WriteResponse(conn, response, request.method == "HEAD");
    if (status != nullptr) *status = response.status;
    return true;
  }

  const HttpServer* owner_;
  HttpHandler handler_;
  Access access_;
};

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options) {
  std::vector<std::string> civet_options = {
      "listening_ports",    options.listen.CivetwebOption(),
      "num_threads",        std::to_string(options.threads),
      "request_timeout_ms", std::to_string(options.request_timeout.count()),
  };
  CivetCallbacks callbacks;
  callbacks.log_message = &LogCivetwebMessage;

  std::unique_ptr<HttpServer> server(new HttpServer());
  server->listen_ = options.listen;
  t_starting = true;
  try {
    server->server_ = std::make_unique<CivetServer>(civet_options, &callbacks);
  } catch (const CivetException&) {
    t_starting = false;
    return Error{"cannot listen on " + options.listen.ToString() + ": " +
                 BindFailureReason(options.listen)};
  }
  t_starting = false;
  if (server->listen_.port == 0) {
    auto ports = server->ListeningPorts();
    if (!ports.empty()) server->listen_.port = static_cast<uint16_t>(ports.front());
  }
  return server;
}

HttpServer::~HttpServer() { Close(); }

void HttpServer::Handle(const std::string& path, HttpHandler handler, Access access) {
  routes_.push_back(std::make_unique<Route>(this, std::move(handler), access));
  if (server_) server_->addHandler(path, routes_.back().get());
}

void HttpServer::SetBasicAuth(std::shared_ptr<const BasicAuth> auth) {
  std::lock_guard lock(auth_mu_);
  auth_ = std::move(auth);
}

void HttpServer::Close() {
  if (!server_) return;
  // civetweb's accept thread polls its listening sockets in 2 s quanta
  // (SOCKET_TIMEOUT_QUANTUM, fixed at build time) and only then sees the stop
  // flag, so a plain close() takes up to 2 s. Connecting to ourselves wakes it
  // at once; keep poking until close() returns, since a poke that lands before
  // the flag is set is simply accepted and the poll starts over.
  std::atomic<bool> closed{false};
  std::thread waker([this, &closed] {
    while (!closed.load()) {
      PokeListener();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  server_->close();
  closed.store(true);
  waker.join();
  server_.reset();
}

void HttpServer::PokeListener() const {
  // A wildcard listener is reached through loopback.
  std::string host = listen_.host;
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  int fd = socket(listen_.ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  SocketAddress sa = MakeSocketAddress(listen_.ipv6, host, listen_.port);
  connect(fd, sa.get(), sa.length);  // the attempt is the point; the result does not matter
  close(fd);
}

std::vector<int> HttpServer::ListeningPorts() const {
  return server_ ? server_->getListeningPorts() : std::vector<int>{};
}

HttpResponse HttpServer::Dispatch(const Route& route, const HttpRequest& request,
                                  const char* authorization) const {
  if (route.access() == Access::kAuthenticated) {
    std::shared_ptr<const BasicAuth> auth;
    {
      std::lock_guard lock(auth_mu_);
      auth = auth_;
    }
    if (auth && !auth->CheckHeader(authorization != nullptr ? authorization : "")) {
      HttpResponse response = HttpResponse::Text(401, "unauthorized\n");
      response.headers.emplace_back("WWW-Authenticate", "Basic realm=\"ninesd\"");
      return response;
    }
  }
  if (request.method != "GET" && request.method != "HEAD") {
    HttpResponse response = HttpResponse::Text(405, "method not allowed\n");
    response.headers.emplace_back("Allow", "GET, HEAD");
    return response;
  }
  try {
    return route.handler()(request);
  } catch (const std::exception& e) {
    Logger("http")->error("handler failed path={} error=\"{}\"", request.path, e.what());
  } catch (...) {
    Logger("http")->error("handler failed path={} error=unknown", request.path);
  }
  return HttpResponse::Text(500, "internal error\n");
}

}  // namespace ninesd::daemon
