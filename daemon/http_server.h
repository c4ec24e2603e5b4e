#pragma once
// The HTTP endpoint: civetweb's CivetServer with a small routing layer, so
// modules add plain functions (`HttpHandler`) without touching civetweb.
//
// Every route accepts GET and HEAD (HEAD: same headers, no body) and answers
// 405 to any other method. Routes are `Access::kAuthenticated` unless said
// otherwise: when Basic auth is configured they answer 401 without valid
// credentials. Unknown paths get civetweb's 404 (no document root is set, so
// no file is ever served). No TLS: see docs/operations.md.
//
// Threads: handlers run on civetweb worker threads (server.threads of them),
// concurrently. A handler that needs io_context-owned state must hop to the
// loop (Daemon::AddHttpHandler does that for HandlerThread::kLoop).
// Start(), Handle() and Close() are called from the owning thread;
// SetBasicAuth() from any thread.

#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "daemon/basic_auth.h"
#include "daemon/listen_address.h"

class CivetServer;

namespace ninesd::daemon {

struct HttpRequest {
  std::string method;  // "GET" or "HEAD"
  std::string path;    // decoded, without the query string
  std::string query;   // raw query string, without '?'
  std::string remote_addr;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers

  static HttpResponse Text(int status, std::string body);
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

enum class Access { kPublic, kAuthenticated };

struct HttpServerOptions {
  ListenAddress listen;
  int threads = 4;
  std::chrono::milliseconds request_timeout{2000};
};

class HttpServer {
 public:
  // Binds and starts the worker threads. Fails with "cannot listen on ADDR:
  // REASON" when the address is in use or not permitted.
  static Result<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Serves `path` and everything below it ("/api/v1" also gets "/api/v1/x").
  void Handle(const std::string& path, HttpHandler handler, Access access = Access::kAuthenticated);

  // nullptr: no authentication. Takes effect for the next request.
  void SetBasicAuth(std::shared_ptr<const BasicAuth> auth);

  // Stops accepting, waits for in-flight requests (bounded by the request
  // timeout) and joins the worker threads. Idempotent.
  void Close();

  // The bound ports (the real port when 0 was asked for).
  std::vector<int> ListeningPorts() const;
  // The bound address, with the real port when 0 was asked for.
  const ListenAddress& listen() const { return listen_; }

 private:
  class Route;
  HttpServer() = default;
  void PokeListener() const;
  HttpResponse Dispatch(const Route& route, const HttpRequest& request,
                        const char* authorization) const;

  ListenAddress listen_;
  std::unique_ptr<CivetServer> server_;
  std::list<std::unique_ptr<Route>> routes_;  // stable addresses for civetweb
  mutable std::mutex auth_mu_;
  std::shared_ptr<const BasicAuth> auth_;
};

}  // namespace ninesd::daemon
