#pragma once
// Signal: one input about a service, already resolved to indices. Small and
// trivially copyable so batches move between threads without allocation.

#include <cstdint>

#include "slo/model.h"
#include "slo/time.h"

namespace ninesd::slo {

// kGap: no probe results were taken from ts on (the daemon was not running):
// the probe's source (`probe`, `location`, or every location with
// kAllLocations) is unknown until its next result. See Engine::ProbeGaps.
enum class SignalKind : uint8_t { kState, kHeartbeat, kOutcome, kCounts, kProbe, kGap };
inline constexpr uint16_t kAllLocations = 0xffff;

struct Signal {
  Millis ts = 0;
  uint32_t service = 0;
  SignalKind kind = SignalKind::kState;
  State state = State::kUp;  // kState: kUp, kDegraded or kDown
  bool good = false;         // kOutcome: good; kProbe: success
  bool has_latency = false;
  uint16_t probe = 0;     // kProbe: index into ServiceSpec::probes (size() = event probe)
  uint16_t location = 0;  // kProbe: dense location index within the probe
  // The input can deliver it again from the positions a checkpoint saves (a
  // Kafka backlog being read): the state codec leaves it out of the
  // sequencer's row. Not part of its content (CanonicalLess ignores it).
  bool replayable = false;
  double latency_ms = 0;
  uint64_t good_count = 0;  // kCounts
  uint64_t total_count = 0;
  uint64_t id_hash = 0;  // 0: no id (no deduplication)
};

}  // namespace ninesd::slo
