#pragma once
// App: wires the modules of `ninesd run` onto a Daemon — the core runtime,
// the state store (restore at start, a checkpoint every
// state.checkpoint_interval and at shutdown), the Kafka input (or the
// embedded broker), the probes and the alert hooks. Data flows one way:
// probes and Kafka feed the core; /metrics, /api/v1/slos and the alert hooks
// read it; the store saves it together with the Kafka offsets.
//
// Thread: built and used on the main thread, which becomes the loop thread.

#include <chrono>
#include <memory>
#include <string>

#include "common/result.h"
#include "daemon/daemon.h"

namespace ninesd::daemon {

struct AppOptions {
  bool reset_state = false;  // --reset-state
};

class App {
 public:
  // Registers every hook on `daemon`; nothing runs until daemon.Start().
  static Result<std::unique_ptr<App>> Wire(Daemon& daemon, AppOptions options);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // After daemon.Start(): starts ticking, probing and checkpointing.
  void Run();

 private:
  struct Impl;
  explicit App(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ninesd::daemon
