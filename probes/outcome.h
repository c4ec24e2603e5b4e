#pragma once
// What one probe attempt found, and the interface every probe type implements
// (internal to probes/).

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace ninesd::probes::internal {

// Phases of an HTTP probe as in blackbox's probe_http_duration_seconds{phase}.
enum Phase { kResolve, kConnect, kTls, kProcessing, kTransfer, kPhaseCount };
inline constexpr std::array<const char*, kPhaseCount> kPhaseNames = {"resolve", "connect", "tls",
                                                                     "processing", "transfer"};

struct Outcome {
  bool success = false;
  // Short, stable token ("timeout", "connection_refused", "status_code"); empty on success.
  std::string reason;
  std::string detail;  // human detail for logs ("got 503"); may be empty
  int http_status = -1;
  std::optional<std::array<double, kPhaseCount>> phases;  // seconds
  std::optional<double> cert_expiry;                      // earliest notAfter, Unix seconds
  int dns_rcode = -1;

  static Outcome Fail(std::string reason, std::string detail = {}) {
    Outcome o;
    o.reason = std::move(reason);
    o.detail = std::move(detail);
    return o;
  }
};

using Done = std::function<void(Outcome)>;

// One running probe. Start() is called once; the attempt calls `done` at most
// once, always from a handler on the loop (never from inside Start()). Cancel()
// stops all I/O; `done` is not called after it. Loop thread only.
class Attempt {
 public:
  virtual ~Attempt() = default;
  virtual void Start(Done done) = 0;
  virtual void Cancel() = 0;
};

}  // namespace ninesd::probes::internal
