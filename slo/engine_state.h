#pragma once
// Saving and restoring the core's state (Engine and Sequencer) as rows keyed
// by service and SLO name, for the state store's checkpoints and for config
// reloads. Format: docs/state-format.md.
//
// Guarantee: restoring what CollectState saved into a new engine of the same
// model, and then applying the same signals, gives the same figures and
// alerts as the engine that never stopped (tests/slo/engine_state_test.cc).
// Alert callbacks of the restored engine may come in another order within one
// grid point.
//
// Incremental: CollectState(full = false) encodes only the services and SLOs
// changed by a signal or an alert decision since the previous collection.
// Rows not collected stay valid: an older row of a service that only saw time
// pass replays to the same state (materialization depends on the signals, not
// on when it ran).
//
// Config changes: rows are matched by name. A service keeps its state unless
// it changed between leaf and composite or a composite's members or mode
// changed; probes are matched by name (sources of removed probes are
// dropped). An SLO keeps its state unless its service, kind, window (length,
// calendar unit, time zone) or latency threshold changed; a changed
// objective, lookbacks, burn-rate rules or min_valid/min_events apply from
// the next alert evaluation on, to the kept data. New and invalidated
// services and SLOs start fresh at the saved time; rows of removed ones are
// ignored (and deleted by the next full checkpoint).
//
// Thread: the engine's owner thread.

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "slo/engine.h"
#include "slo/sequencer.h"

namespace ninesd::slo {

// Version of the row encoding; rows of another version are rejected.
inline constexpr uint8_t kStateFormatVersion = 1;

struct StateRow {
  std::string key;   // service or SLO name
  std::string blob;  // encoded state (versioned, checksummed)
};

struct EngineState {
  // Collect: true when the rows are the complete set (rows stored under
  // other names are stale: delete them). Restore: ignored.
  bool full = false;
  std::string engine;     // global row (time, grid); empty: engine not started
  std::string sequencer;  // empty: no sequencer state
  std::vector<StateRow> services;
  std::vector<StateRow> slos;

  size_t bytes() const;
};

// Encodes the engine (and the sequencer, when given) and clears the change
// marks. full = false: only rows changed since the previous collection. The
// first collection after a start, a restore or a reload must be full, so
// rows of removed services and SLOs get deleted.
EngineState CollectState(Engine& engine, const Sequencer* sequencer, bool full);

struct RestoreReport {
  size_t services_restored = 0;
  size_t slos_restored = 0;
  std::vector<std::string> services_fresh;  // "name: reason"
  std::vector<std::string> slos_fresh;
  size_t services_removed = 0;  // rows whose name is no longer configured
  size_t slos_removed = 0;
  size_t signals_dropped = 0;  // held signals of removed services or probes
};

// Restores into a new engine (nothing applied yet) and its sequencer (may be
// null). An error (a corrupt or unknown-version row) leaves the engine unusable.
Result<RestoreReport> RestoreState(Engine& engine, Sequencer* sequencer, const EngineState& state);

// After a restore: the daemon's own probes did not run from `from` (the
// checkpoint's wall time) until now, so their sources are unknown from there
// until their next result (Engine::ProbeGaps), pushed through the sequencer
// at max(from, watermark) so they are never late. Returns the signals pushed.
size_t MarkProbeGap(Engine& engine, Sequencer& sequencer, Millis from);

}  // namespace ninesd::slo
