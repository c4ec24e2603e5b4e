#pragma once
// A minimal blocking HTTP/1.1 client for loopback tests: one request per
// connection, reads to EOF, 5 s receive timeout.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

namespace ninesd::daemon {

struct Reply {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;
};

inline Reply Fetch(int port, const std::string& method, const std::string& path,
                   const std::string& extra_headers = "") {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  Reply reply;
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) {
    close(fd);
    return reply;
  }
  std::string request = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers +
                        "Connection: close\r\nContent-Length: 0\r\n\r\n";
  (void)!write(fd, request.data(), request.size());
  std::string raw;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) raw.append(buf, static_cast<size_t>(n));
  close(fd);
  size_t split = raw.find("\r\n\r\n");
  if (split == std::string::npos || raw.size() < 12) return reply;
  reply.head = raw.substr(0, split);
  reply.body = raw.substr(split + 4);
  reply.status = std::stoi(raw.substr(9, 3));
  return reply;
}

}  // namespace ninesd::daemon
