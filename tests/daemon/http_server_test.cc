#include "daemon/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "tests/daemon/http_client.h"

namespace ninesd::daemon {
namespace {

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpServerOptions options;
    options.listen = *ParseListenAddress("127.0.0.1:0");
    auto server = HttpServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.error().message;
    server_ = std::move(*server);
    auto ports = server_->ListeningPorts();
    ASSERT_EQ(ports.size(), 1u);
    port_ = ports[0];
    ASSERT_GT(port_, 0);
    server_->Handle(
        "/healthz", [](const HttpRequest&) { return HttpResponse::Text(200, "ok\n"); },
        Access::kPublic);
    server_->Handle("/data", [](const HttpRequest& request) {
      return HttpResponse::Text(200, "path=" + request.path + " query=" + request.query + "\n");
    });
    server_->Handle("/boom",
                    [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("boom"); });
  }

  void EnableAuth() {
    server_->SetBasicAuth(std::make_shared<BasicAuth>("prom", Sha256("s3cret")));
  }

  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
};

TEST_F(HttpServerTest, ServesGet) {
  Reply reply = Fetch(port_, "GET", "/data?x=1");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "path=/data query=x=1\n");
  EXPECT_NE(reply.head.find("Content-Length: 21"), std::string::npos) << reply.head;
}

TEST_F(HttpServerTest, ServesSubPaths) {
  EXPECT_EQ(Fetch(port_, "GET", "/data/more").body, "path=/data/more query=\n");
}

TEST_F(HttpServerTest, HeadHasHeadersButNoBody) {
  Reply reply = Fetch(port_, "HEAD", "/data");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "");
  EXPECT_NE(reply.head.find("Content-Length: 18"), std::string::npos) << reply.head;
}

TEST_F(HttpServerTest, OtherMethodsAre405) {
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    Reply reply = Fetch(port_, method, "/data");
    EXPECT_EQ(reply.status, 405) << method;
    EXPECT_NE(reply.head.find("Allow: GET, HEAD"), std::string::npos) << method;
  }
}

TEST_F(HttpServerTest, UnknownPathsAre404) {
  EXPECT_EQ(Fetch(port_, "GET", "/").status, 404);
  EXPECT_EQ(Fetch(port_, "GET", "/../../etc/passwd").status, 404);
  EXPECT_EQ(Fetch(port_, "GET", "/%2e%2e/%2e%2e/etc/passwd").status, 404);
}

TEST_F(HttpServerTest, HandlerExceptionIs500) {
  EXPECT_EQ(Fetch(port_, "GET", "/boom").status, 500);
}

TEST_F(HttpServerTest, AuthRequiredWhenConfigured) {
  EnableAuth();
  Reply reply = Fetch(port_, "GET", "/data");
  EXPECT_EQ(reply.status, 401);
  EXPECT_NE(reply.head.find("WWW-Authenticate: Basic realm=\"ninesd\""), std::string::npos);
  EXPECT_EQ(Fetch(port_, "GET", "/data", "Authorization: Basic cHJvbTpzM2NyZXM=\r\n").status, 401);
  EXPECT_EQ(Fetch(port_, "GET", "/data", "Authorization: Basic cHJvbTpzM2NyZXQ=\r\n").status, 200);
  // Unauthenticated clients learn nothing about methods either.
  EXPECT_EQ(Fetch(port_, "POST", "/data").status, 401);
}

TEST_F(HttpServerTest, PublicRoutesStayOpen) {
  EnableAuth();
  EXPECT_EQ(Fetch(port_, "GET", "/healthz").status, 200);
}

TEST_F(HttpServerTest, AuthCanBeRemoved) {
  EnableAuth();
  server_->SetBasicAuth(nullptr);
  EXPECT_EQ(Fetch(port_, "GET", "/data").status, 200);
}

TEST(HttpServerBindTest, PortInUseIsOneClearError) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t len = sizeof(sa);
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  std::string address = "127.0.0.1:" + std::to_string(ntohs(sa.sin_port));

  HttpServerOptions options;
  options.listen = *ParseListenAddress(address);
  auto server = HttpServer::Start(options);
  close(fd);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.error().message, "cannot listen on " + address + ": address already in use");
}

}  // namespace
}  // namespace ninesd::daemon
