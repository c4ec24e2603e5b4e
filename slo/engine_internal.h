#pragma once
// The engine's per-service and per-SLO runtime structs, shared by engine.cc
// and the state codec (engine_state.cc), which saves and restores them.
// Not part of the core's public interface.

#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "slo/engine.h"

namespace ninesd::slo {
namespace internal {
inline constexpr Millis kNever = std::numeric_limits<Millis>::min();
inline constexpr Millis kForever = std::numeric_limits<Millis>::max();
}  // namespace internal

// One location of one probe: its state at the service's finalized point F.
struct Engine::ProbeSourceState {
  uint16_t probe = 0;
  uint16_t location = 0;
  State state = State::kUnknown;
  Millis last = internal::kNever;       // time of the last result
  State streak_want = State::kUnknown;  // kUnknown: no streak
  int streak_count = 0;
  Millis streak_start = 0;
};

struct Engine::Service {
  // Changed since the last checkpoint collected it (engine_state.h). Set
  // where a signal or an alert-grid decision changes the service; time
  // passing alone (materializing further) does not count: it is replayed
  // the same way from the older state.
  bool ckpt_dirty = true;
  // Hot: read for every signal (kept in the first cache line).
  bool composite = false;
  bool dirty = false;  // signals buffered since the last materialization
  // Probe results are its only possible source (no heartbeat, no
  // maintenance, not a composite): a result that repeats the state of its
  // one source can skip the buffer (Engine::ApplyEvent).
  bool probe_only = false;
  bool has_maintenance = false;  // maintenance.has_value(), kept hot
  uint32_t ratio_first = 0;      // ratio/latency SLOs: ratio_slos_[first, first + count)
  uint32_t ratio_count = 0;
  Millis heartbeat_timeout = 0;  // 0: no heartbeat source
  // Shortest stale_after of the probe sources this service can have now (for
  // activation): the configured probes, and the implicit event probe once a
  // result for it arrived (or when there are no configured probes).
  Millis min_stale_after = 0;
  uint16_t event_probe = 0;  // index of the implicit event probe (= configured count)
  // The probe source of the results so far, until a second one appears
  // (multi_source, for good): the staleness deadline of a single source is
  // its last result's, of several the earliest (Engine::ApplyEvent).
  uint16_t src_probe = 0, src_location = 0;
  bool src_seen = false, multi_source = false;
  std::vector<Signal> buffer;                      // availability signals at or after F, in order
  Millis heartbeat_deadline = internal::kForever;  // last heartbeat + timeout
  Millis probe_deadline = internal::kForever;      // at or before the next change by itself
  Millis deadline_registered = internal::kForever;
  // Warm: read for a probe result folded at once (Engine::FoldRepeatedResult),
  // right after the hot part.
  const ServiceSpec* spec = nullptr;
  Millis src_stale_after = 0;               // stale_after of src_probe
  Millis final_until = 0;                   // F: the timeline before F never changes again
  Millis next_change = internal::kForever;  // the state may change without a signal here
  std::vector<ProbeSourceState> probes;     // leaf probe sources at F
  Timeline timeline;
  // Cold. Leaf sources at F.
  State state_source = State::kUnknown;
  Millis last_heartbeat = internal::kNever;
  // Maintenance.
  std::optional<MaintenanceSchedule> maintenance;
  std::vector<Interval> maint_cache;
  Millis maint_from = 0, maint_to = 0;
  // Graph and SLOs.
  std::vector<uint32_t> dependents;
  std::vector<uint32_t> slos;
  Millis retention = 0;  // history kept behind now
  // Neither it nor a member has maintenance: time passing can only add up
  // or unknown time, and unknown comes through a deadline (Activate).
  bool quiet_ok = true;
  Millis deadline() const { return std::min(heartbeat_deadline, probe_deadline); }
  // The spec of probe source `probe` (index probes.size(): the event probe).
  const ProbeSourceSpec& ProbeSpec(uint16_t probe) const {
    return probe < spec->probes.size() ? spec->probes[probe] : spec->event_probe;
  }
  // A result of `probe` at `location` arrived (or was restored): the event
  // probe's staleness counts for activation from then on, and the first
  // source seen stays the only one until another appears.
  void NoteResult(uint16_t probe, uint16_t location) {
    if (probe == event_probe)
      min_stale_after = std::min(min_stale_after, spec->event_probe.stale_after);
    if (!src_seen) {
      src_seen = true;
      src_probe = probe;
      src_location = location;
      src_stale_after = ProbeSpec(probe).stale_after;
    } else if (probe != src_probe || location != src_location) {
      multi_source = true;
    }
  }
  Millis pruned_at = 0;
};

struct Engine::SloRt {
  bool ckpt_dirty = true;  // as Service::ckpt_dirty
  // Hot: read for every outcome or counts event of the service.
  SloKind kind = SloKind::kAvailability;
  bool active = false;
  double latency_threshold_ms = 0;
  // The alert grid skips the SLO before this time: with only good time or
  // good events arriving, no alert of it can start or stop before it
  // (Engine::QuietUntil). A bad signal or a deadline resets it (kNever).
  Millis quiet_until = internal::kNever;
  Millis last_bad = internal::kNever;  // ratio / latency
  Millis period_end = 0;               // calendar windows
  std::optional<MinuteSeries> series;  // ratio / latency
  // Cold.
  const SloSpec* spec = nullptr;
  std::optional<ZoneCalendar> zone;
  Millis period_start = 0;
  Millis horizon = 0;
  // Burn-rate lookbacks: the configured ones, then those only the alert
  // rules use.
  std::vector<Millis> rate_windows;
  // The burn-rate alert rules, by index into rate_windows (and into the
  // burn_rates of a computed status, which follow its order).
  struct BurnRule {
    uint32_t long_index, short_index;
    double factor;
    AlertKind kind;
  };
  std::vector<BurnRule> burn_rules;
  bool firing[kNumAlertKinds] = {};
  Millis since[kNumAlertKinds] = {};
};

}  // namespace ninesd::slo
