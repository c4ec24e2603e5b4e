#pragma once
// ExecHook: runs a program per alert transition. The program is started with
// posix_spawn (argv as configured, no shell, no PATH lookup) in its own
// process group, with a fixed environment (NINESD_* variables, no secrets of
// the daemon's), the alert JSON on stdin, stdout discarded and stderr kept
// (capped) for the log. Its exit is watched through a pidfd on the loop, so
// no SIGCHLD handler is installed and the daemon's signal_set is untouched.
// At its timeout the whole process group is killed with SIGKILL. At most
// `concurrency` programs run at once; the rest wait in a bounded queue.
//
// Thread: the io_context thread only.

#include <sys/types.h>

#include <asio/local/stream_protocol.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>
#include <deque>
#include <memory>
#include <set>
#include <string>

#include "alerts/hook.h"

namespace ninesd::alerts {

class ExecHook : public Hook {
 public:
  static constexpr size_t kMaxStderr = 4096;

  ExecHook(HookContext& ctx, config::HookConfig config);
  ~ExecHook() override;  // kills running programs' process groups
  bool delivers_once() const override { return true; }
  void Notify(const Alert& alert, uint64_t transition) override;
  size_t queue_length() const override { return queue_.size() + running_.size(); }

 private:
  struct Run;
  void MaybeStart();
  void Start(Delivery d);
  void Exited(const std::shared_ptr<Run>& run);
  void Done(const Delivery& d, prometheus::Counter* result);
  void UpdateGauge();

  HookContext& ctx_;
  AlertMetrics::Series metrics_;
  std::deque<Delivery> queue_;
  std::set<std::shared_ptr<Run>> running_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace ninesd::alerts
