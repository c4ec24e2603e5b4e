#pragma once
// Active probes on the caller's io_context: one scheduler for every probe of
// the configuration, no thread per probe.
//
// Scheduling: each probe runs every `interval` at a fixed phase, a
// deterministic offset hashed from (service, probe name) and rounded to the
// tick, so restarts keep the spread. One steady timer wakes the loop once
// per tick that has work and starts every probe due in it (coalesced
// wake-ups). A global in-flight limit queues the excess in due order. Every
// attempt has a hard deadline (`timeout`) after which its I/O is cancelled.
//
// Results go to the sink on the loop thread, one call per finished probe,
// and into per-probe metrics (WriteMetrics, Prometheus text).
//
// Lifecycle: construct, Start(probes), Reload(probes) any number of times,
// Stop() or destroy. Thread: the io_context thread only.

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "config/config.h"
#include "slo/time.h"

namespace ninesd::probes {

struct ProbeResult {
  uint32_t service_index = 0;  // config::ProbeConfig::service_index
  uint16_t probe_index = 0;    // index into slo::ServiceSpec::probes
  std::string location;        // the probe's location, or the prober's default
  slo::Millis start_ms = 0;    // wall clock, ms since the Unix epoch
  bool success = false;
  std::chrono::nanoseconds duration{0};
  std::string reason;  // short token ("timeout", "status_code", ...); empty on success
  std::string detail;  // human detail ("got 503"); may be empty
};

using Sink = std::function<void(const ProbeResult&)>;

struct ProberOptions {
  std::string default_location;  // empty: the host name
  size_t max_in_flight = 1000;
  std::chrono::milliseconds tick{100};
  // false: probes run only through RunAllNow (test driver); no timer schedule.
  bool schedule = true;
};

// Counters for benchmarks and /metrics.
struct ProberStats {
  uint64_t started = 0;
  uint64_t finished = 0;
  uint64_t late_starts = 0;  // started more than 100 ms after their due time
  uint64_t skipped = 0;      // due while the previous attempt still ran
  uint64_t wakeups = 0;      // scheduler timer expiries (coalesced ticks)
  int64_t max_lateness_us = 0;
  std::vector<int64_t> lateness_us;  // every start, when record_lateness is set
};

namespace internal {
class Engine;
}

class Prober {
 public:
  Prober(asio::io_context& io, ProberOptions options, Sink sink);
  ~Prober();
  Prober(const Prober&) = delete;
  Prober& operator=(const Prober&) = delete;

  // Schedules the probes (each at its next due time). Probes that cannot be
  // set up (e.g. a URL curl rejects) report a failure with reason "config".
  void Start(const std::vector<config::ProbeConfig>& probes);
  // Applies a new configuration: a probe with the same service, name and
  // settings keeps its schedule, its metrics and any attempt in flight (its
  // indices are updated); every other probe stops (an attempt in flight is
  // cancelled without a result) and new ones are scheduled.
  void Reload(const std::vector<config::ProbeConfig>& probes);
  // Runs every probe once now, ignoring the schedule (test driver, --once).
  void RunAllNow();
  // Cancels everything in flight without results and stops the timer.
  void Stop();

  // Prometheus text of the per-probe families; passes `promtool check metrics`.
  void WriteMetrics(std::string& out) const;
  const ProberStats& stats() const;
  void set_record_lateness(bool on);
  size_t in_flight() const;

 private:
  std::unique_ptr<internal::Engine> engine_;
};

// Deterministic phase of a probe within its interval, a multiple of `tick`.
slo::Millis ProbeOffset(const std::string& service, const std::string& name, slo::Millis interval,
                        slo::Millis tick);

// Default location: the host name.
std::string HostName();

}  // namespace ninesd::probes
