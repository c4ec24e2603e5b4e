#include "alerts/exec_hook.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asio/write.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "alerts/log.h"

namespace ninesd::alerts {
namespace {

int PidfdOpen(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

std::string OneLine(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

struct ExecHook::Run {
  Run(asio::io_context& io, int pidfd, int stdin_fd, int stderr_fd)
      : exit_watch(io, pidfd), in(io), err(io, stderr_fd), timer(io) {
    in.assign(asio::local::stream_protocol(), stdin_fd);
  }
  Delivery delivery;
  pid_t pid = -1;
  asio::posix::stream_descriptor exit_watch;  // the pidfd: readable once the child exited
  asio::local::stream_protocol::socket in;    // a socket, so a closed reader is EPIPE, not SIGPIPE
  asio::posix::stream_descriptor err;
  asio::steady_timer timer;
  std::string stderr_text;
  char buf[1024];
  bool timed_out = false;
  std::chrono::steady_clock::time_point started;
};

ExecHook::ExecHook(HookContext& ctx, config::HookConfig config)
    : Hook(std::move(config)), ctx_(ctx), metrics_(ctx.metrics.ForHook(config_.name)) {}

ExecHook::~ExecHook() {
  *alive_ = false;
  for (const auto& run : running_) {
    kill(-run->pid, SIGKILL);
    std::error_code ignored;
    run->timer.cancel();
    run->exit_watch.close(ignored);
    run->err.close(ignored);
    run->in.close(ignored);
    // The child is gone or going; reap it so no zombie is left.
    int status = 0;
    waitpid(run->pid, &status, 0);
  }
  running_.clear();
  ctx_.metrics.Remove(metrics_);
}

void ExecHook::UpdateGauge() { metrics_.queue->Set(static_cast<double>(queue_length())); }

void ExecHook::Notify(const Alert& alert, uint64_t transition) {
  Delivery d;
  d.key = AlertKey(alert.info.slo, alert.info.kind);
  d.transition = transition;
  d.firing = alert.phase != Phase::kResolved;
  d.body = WebhookBody(alert, ctx_.payload);
  d.body.push_back('\n');
  d.env = ExecEnvironment(alert, ctx_.payload);
  while (queue_.size() >= static_cast<size_t>(config_.queue_size)) {
    Delivery dropped = std::move(queue_.front());
    queue_.pop_front();
    Log()->warn("alert delivery dropped hook={} reason=\"queue full\" queue_size={}", name(),
                config_.queue_size);
    Done(dropped, metrics_.dropped);
  }
  queue_.push_back(std::move(d));
  UpdateGauge();
  MaybeStart();
}

void ExecHook::MaybeStart() {
  while (!queue_.empty() && running_.size() < static_cast<size_t>(config_.concurrency)) {
    Delivery d = std::move(queue_.front());
    queue_.pop_front();
    Start(std::move(d));
  }
  UpdateGauge();
}

void ExecHook::Done(const Delivery& d, prometheus::Counter* result) {
  result->Increment();
  if (ctx_.on_done) ctx_.on_done(d.key, d.transition, name());
}

void ExecHook::Start(Delivery d) {
  int in_pair[2];
  int err_pipe[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in_pair) != 0) {
    Log()->error("exec hook failed hook={} error=\"socketpair: {}\"", name(), std::strerror(errno));
    Done(d, metrics_.failed);
    return;
  }
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    Log()->error("exec hook failed hook={} error=\"pipe: {}\"", name(), std::strerror(errno));
    close(in_pair[0]);
    close(in_pair[1]);
    Done(d, metrics_.failed);
    return;
  }

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in_pair[1], STDIN_FILENO);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, err_pipe[1], STDERR_FILENO);
  // Nothing of the daemon's (sockets, the state database) leaks into the hook.
  posix_spawn_file_actions_addclosefrom_np(&fa, 3);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);  // its own group, so a timeout kills its children too
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> argv;
  for (std::string& a : config_.command) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (std::string& e : d.env) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close(in_pair[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    Log()->error("exec hook failed hook={} command={} error=\"spawn: {}\"", name(),
                 config_.command[0], std::strerror(rc));
    close(in_pair[0]);
    close(err_pipe[0]);
    Done(d, metrics_.failed);
    return;
  }
  int pidfd = PidfdOpen(pid);
  if (pidfd < 0) {
    // Without a pidfd (Linux < 5.3) the exit cannot be awaited without
    // SIGCHLD; refuse rather than block.
    Log()->error("exec hook failed hook={} error=\"pidfd_open: {}\"", name(), std::strerror(errno));
    kill(-pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    close(in_pair[0]);
    close(err_pipe[0]);
    Done(d, metrics_.failed);
    return;
  }

  auto run = std::make_shared<Run>(ctx_.io, pidfd, in_pair[0], err_pipe[0]);
  run->pid = pid;
  run->delivery = std::move(d);
  run->started = std::chrono::steady_clock::now();
  running_.insert(run);
  std::weak_ptr<bool> alive = alive_;

  asio::async_write(run->in, asio::buffer(run->delivery.body),
                    [run](const std::error_code&, size_t) {
                      // EPIPE (the program does not read stdin) is fine.
                      std::error_code ignored;
                      run->in.close(ignored);
                    });

  auto read_err = std::make_shared<std::function<void()>>();
  *read_err = [run, read_err_weak = std::weak_ptr<std::function<void()>>(read_err)] {
    run->err.async_read_some(
        asio::buffer(run->buf), [run, read_err_weak](const std::error_code& ec, size_t n) {
          if (ec) return;
          size_t room = kMaxStderr - std::min(run->stderr_text.size(), kMaxStderr);
          run->stderr_text.append(run->buf, std::min(n, room));
          if (auto next = read_err_weak.lock()) (*next)();
        });
  };
  (*read_err)();

  run->timer.expires_after(std::chrono::milliseconds(config_.timeout));
  run->timer.async_wait([run, alive](const std::error_code& ec) {
    if (ec || alive.expired()) return;
    run->timed_out = true;
    kill(-run->pid, SIGKILL);
  });

  run->exit_watch.async_wait(asio::posix::stream_descriptor::wait_read,
                             [this, run, alive, read_err](const std::error_code& ec) {
                               if (ec || alive.expired()) return;
                               Exited(run);
                             });
}

void ExecHook::Exited(const std::shared_ptr<Run>& run) {
  int status = 0;
  pid_t r = waitpid(run->pid, &status, WNOHANG);
  std::error_code ignored;
  run->timer.cancel();
  // Take what the program wrote to stderr before it exited, without waiting
  // for children that may still hold the pipe open.
  run->err.non_blocking(true, ignored);
  for (;;) {
    std::error_code ec;
    size_t n = run->err.read_some(asio::buffer(run->buf), ec);
    if (ec || n == 0) break;
    size_t room = kMaxStderr - std::min(run->stderr_text.size(), kMaxStderr);
    run->stderr_text.append(run->buf, std::min(n, room));
  }
  run->err.close(ignored);
  run->in.close(ignored);
  run->exit_watch.close(ignored);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  run->started)
                .count();
  std::string err = OneLine(run->stderr_text);
  prometheus::Counter* result = metrics_.failed;
  if (run->timed_out) {
    Log()->warn("exec hook timed out hook={} pid={} timeout_ms={} stderr=\"{}\"", name(), run->pid,
                config_.timeout, err);
    result = metrics_.timeout;
  } else if (r == run->pid && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    Log()->info("exec hook done hook={} pid={} exit=0 ms={} stderr=\"{}\"", name(), run->pid, ms,
                err);
    result = metrics_.success;
  } else if (r == run->pid && WIFEXITED(status)) {
    Log()->warn("exec hook failed hook={} pid={} exit={} ms={} stderr=\"{}\"", name(), run->pid,
                WEXITSTATUS(status), ms, err);
  } else if (r == run->pid && WIFSIGNALED(status)) {
    Log()->warn("exec hook failed hook={} pid={} signal={} ms={} stderr=\"{}\"", name(), run->pid,
                WTERMSIG(status), ms, err);
  } else {
    Log()->warn("exec hook failed hook={} pid={} error=\"no exit status\" stderr=\"{}\"", name(),
                run->pid, err);
  }
  running_.erase(run);
  Done(run->delivery, result);
  MaybeStart();
}

}  // namespace ninesd::alerts
