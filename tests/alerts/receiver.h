#pragma once
// Test fixtures for alerts/: an HTTP receiver on 127.0.0.1 (a thread that
// records requests and can fail the first N or never answer), a loop runner
// that waits for a condition with a deadline, and a child process started
// without a shell and killed by pid.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <prometheus/registry.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asio/io_context.hpp>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace ninesd::alerts::testing {

struct Received {
  std::string method;
  std::string path;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

class Receiver {
 public:
  // The first `fail_first` requests get 500; with hang, no request is answered
  // (connections stay open until the receiver stops).
  explicit Receiver(int fail_first = 0, bool hang = false) : fail_first_(fail_first), hang_(hang) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
    listen(fd_, 64);
    socklen_t len = sizeof(sa);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~Receiver() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
    for (int c : held_) close(c);
  }

  int port() const { return port_; }
  std::string url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::vector<Received> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  size_t count() const {
    std::lock_guard lock(mu_);
    return requests_.size();
  }

 private:
  void Serve() {
    while (!stop_) {
      int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) return;
      timeval tv{5, 0};
      setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
      std::string buf;
      for (;;) {
        size_t head_end = std::string::npos;
        while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
          char tmp[4096];
          ssize_t n = read(c, tmp, sizeof(tmp));
          if (n <= 0) break;
          buf.append(tmp, static_cast<size_t>(n));
        }
        if (head_end == std::string::npos) break;
        Received r;
        std::string head = buf.substr(0, head_end);
        size_t line_end = head.find("\r\n");
        std::string first = head.substr(0, line_end);
        r.method = first.substr(0, first.find(' '));
        r.path = first.substr(first.find(' ') + 1);
        r.path = r.path.substr(0, r.path.find(' '));
        size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
        while (pos < head.size()) {
          size_t e = head.find("\r\n", pos);
          if (e == std::string::npos) e = head.size();
          std::string h = head.substr(pos, e - pos);
          size_t colon = h.find(':');
          if (colon != std::string::npos) {
            std::string name = h.substr(0, colon);
            for (char& ch : name)
              ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            size_t v = colon + 1;
            while (v < h.size() && h[v] == ' ') ++v;
            r.headers[name] = h.substr(v);
          }
          pos = e + 2;
        }
        size_t length =
            r.headers.contains("content-length") ? std::stoul(r.headers["content-length"]) : 0;
        buf.erase(0, head_end + 4);
        while (buf.size() < length) {
          char tmp[4096];
          ssize_t n = read(c, tmp, sizeof(tmp));
          if (n <= 0) break;
          buf.append(tmp, static_cast<size_t>(n));
        }
        r.body = buf.substr(0, length);
        buf.erase(0, std::min(length, buf.size()));
        int n;
        {
          std::lock_guard lock(mu_);
          requests_.push_back(std::move(r));
          n = static_cast<int>(requests_.size());
        }
        if (hang_) {
          held_.push_back(c);
          c = -1;
          break;
        }
        const char* reply =
            n <= fail_first_
                ? "HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\n"
                  "Content-Length: 4\r\n\r\nfail"
                : "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok";
        (void)!write(c, reply, std::strlen(reply));
        break;  // one request per connection, so parallel clients never wait on each other
      }
      if (c >= 0) close(c);
    }
  }

  int fail_first_;
  bool hang_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<Received> requests_;
  std::vector<int> held_;  // hang mode: open connections (receiver thread only)
};

// Runs the loop until pred() holds or the deadline passes; returns pred().
inline bool RunUntil(asio::io_context& io, const std::function<bool()>& pred,
                     std::chrono::milliseconds deadline = std::chrono::milliseconds(10'000)) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= end) return false;
    io.restart();
    io.run_for(std::chrono::milliseconds(10));
  }
  return true;
}

// A child process (argv, no shell), SIGTERM then reaped when it goes.
class Child {
 public:
  // stdout and stderr go to `log` (appended) when given.
  explicit Child(const std::vector<std::string>& argv, const std::string& log = "") {
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (!log.empty()) {
      posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      posix_spawn_file_actions_adddup2(&fa, 1, 2);
    }
    if (posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
  }
  ~Child() { Stop(); }
  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// Output of a command (argv, no shell); empty on failure.
inline std::string Output(const std::vector<std::string>& argv) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return "";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, p[1], 1);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(p[1]);
  std::string out;
  if (rc == 0) {
    char buf[4096];
    ssize_t n;
    while ((n = read(p[0], buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
    int status;
    waitpid(pid, &status, 0);
  }
  close(p[0]);
  return out;
}

// A free TCP port on 127.0.0.1 (bound and released; for peers that cannot
// report the port they bound).
inline int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
  socklen_t len = sizeof(sa);
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  close(fd);
  return ntohs(sa.sin_port);
}

// Value of one series of a family in the registry; -1 when absent.
inline double Metric(prometheus::Registry& registry, const std::string& name,
                     const std::map<std::string, std::string>& labels) {
  for (const prometheus::MetricFamily& f : registry.Collect()) {
    if (f.name != name) continue;
    for (const prometheus::ClientMetric& m : f.metric) {
      std::map<std::string, std::string> have;
      for (const auto& l : m.label) have[l.name] = l.value;
      if (have != labels) continue;
      return f.type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value;
    }
  }
  return -1;
}

inline double Sent(prometheus::Registry& registry, const std::string& hook,
                   const std::string& result) {
  return Metric(registry, "ninesd_alerts_sent_total", {{"hook", hook}, {"result", result}});
}

}  // namespace ninesd::alerts::testing
