#pragma once
// StateStore: the durable state of a ninesd instance in one SQLite file (WAL,
// synchronous=FULL): the core's rows (slo/engine_state.h), the Kafka offsets
// that produced them, and named opaque blobs of other modules (alert hook
// state, the decoder's location table), written together in one transaction
// per checkpoint. Schema and format: docs/state-format.md.
//
// Errors are one line naming the file; a file that is corrupt, truncated, not
// ours, or from a newer schema is refused before anything is written to it.
// Only Open(reset = true) (`ninesd run --reset-state`) starts over, and it
// moves the old file aside instead of deleting it.
//
// Lifecycle: Open() at start, Load() once, then a checkpoint every interval
// (WriteAsync, which hands the encoded rows to the store's writer thread so
// the loop never waits on the disk) and a final Write() at shutdown.
//
// Threads: every method is called from one owner thread (the io_context
// thread); `done` callbacks of WriteAsync run on the writer thread.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "slo/engine.h"
#include "slo/engine_state.h"
#include "slo/history.h"

namespace ninesd::store {

// Schema version this build writes (PRAGMA user_version). 2: history.
inline constexpr int kSchemaVersion = 2;

struct KafkaOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t next_offset = 0;  // the first message not yet reflected in the state
  bool operator==(const KafkaOffset&) const = default;
};

// History rows (slo/history.h), by name.
struct HistoryDay {
  std::string slo;
  int64_t start = 0;  // [start, end): one local day of the SLO's time zone
  int64_t end = 0;
  slo::RangeRaw raw;
};
struct HistoryRun {
  std::string service;
  int64_t start = 0;  // [start, end)
  int64_t end = 0;
  slo::State state = slo::State::kDown;
  bool operator==(const HistoryRun&) const = default;
};

// One checkpoint: what a transaction writes.
struct CheckpointData {
  slo::EngineState engine;           // from slo::CollectState
  std::vector<KafkaOffset> offsets;  // upserted by (topic, partition)
  // Upserted by name; an empty value deletes the blob.
  std::map<std::string, std::string> blobs;
  int64_t wall_time_ms = 0;  // system clock when the checkpoint was taken
  // History: upserted by (slo, start) and (service, start).
  std::vector<HistoryDay> days;
  std::vector<HistoryRun> runs;
  std::vector<slo::HistoryRecorder::Cursor> cursors;  // upserted by (kind, name)
  // Days that ended before this are deleted (0: none): retention. Runs are
  // kept two days longer, so the oldest kept day still has its outages.
  int64_t prune_before = 0;
};

struct LoadedState {
  bool empty = true;         // no checkpoint was ever written
  uint64_t sequence = 0;     // number of the last checkpoint (1, 2, ...)
  int64_t wall_time_ms = 0;  // its wall time
  slo::EngineState engine;   // all rows (full)
  std::vector<KafkaOffset> offsets;
  std::map<std::string, std::string> blobs;
  std::vector<slo::HistoryRecorder::Cursor> cursors;
};

struct CheckpointStats {
  uint64_t sequence = 0;
  size_t history_rows = 0;  // days and runs written
  double seconds = 0;       // transaction time on the writer thread, commit included
  size_t bytes = 0;         // encoded bytes handed to SQLite
  size_t rows = 0;          // service and SLO rows written
};

struct StoreOptions {
  // Move an existing file aside (PATH.reset-YYYYMMDDTHHMMSSZ) and start empty.
  bool reset = false;
  // PRAGMA quick_check at open (catches damaged pages before we build on them).
  bool verify = true;
};

class StateStore {
 public:
  static Result<std::unique_ptr<StateStore>> Open(const std::string& path,
                                                  const StoreOptions& options = {});
  // Waits for an in-flight write, then closes.
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  const std::string& path() const { return path_; }
  // The file moved aside by StoreOptions::reset ("" when none).
  const std::string& reset_backup() const { return reset_backup_; }

  // Everything as of the last checkpoint, in one read transaction.
  Result<LoadedState> Load();

  // Writes one checkpoint and waits for the commit (shutdown, tests). Waits
  // for an in-flight asynchronous write first.
  Result<CheckpointStats> Write(CheckpointData data);

  // Hands a checkpoint to the writer thread and returns at once; false (data
  // untouched) while the previous one is still being written: call again at
  // the next interval. `done` runs on the writer thread with the outcome.
  // A checkpoint that fails (disk full, I/O error) is rolled back entirely
  // and kept: its rows go into the next transaction with the newer ones, so
  // incremental checkpoints lose nothing across a failure.
  using Done = std::function<void(const Result<CheckpointStats>&)>;
  bool WriteAsync(CheckpointData&& data, Done done);
  bool busy() const;
  // Blocks until no write is in flight.
  void WaitIdle();

 private:
  struct Impl;
  StateStore(std::string path, std::unique_ptr<Impl> impl);
  std::string path_;
  std::string reset_backup_;
  std::unique_ptr<Impl> impl_;
};

// Reads the history of a state file, read-only: the daemon may be writing
// it meanwhile (WAL: each read sees one committed checkpoint).
// Thread: one owner thread.
class HistoryReader {
 public:
  static Result<std::unique_ptr<HistoryReader>> Open(const std::string& path);
  ~HistoryReader();
  HistoryReader(const HistoryReader&) = delete;
  HistoryReader& operator=(const HistoryReader&) = delete;

  // Every read below sees the same checkpoint until End().
  Status Begin();
  void End();

  // The SLO's days that start in [from, to), in time order.
  Result<std::vector<HistoryDay>> Days(const std::string& slo, int64_t from, int64_t to);
  // Starts of the SLO's first and last stored days; nullopt when it has none.
  Result<std::optional<std::pair<int64_t, int64_t>>> DayRange(const std::string& slo);
  // The service's runs that overlap [from, to), in time order.
  Result<std::vector<HistoryRun>> Runs(const std::string& service, int64_t from, int64_t to);

 private:
  struct Impl;
  explicit HistoryReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ninesd::store
