#pragma once
// HistoryRecorder: turns the engine's state into the durable history that
// reports and the status page read (docs/state-format.md, "History"):
//
// - one row per SLO and local day (the SLO's time_zone) with the raw figures
//   of that day (Engine::RangeFigures), written once the day is final: the
//   service's history before its end can no longer change (back-dated
//   failures, late events) — so a stored day never changes;
// - the runs of each service's timeline that are not `up` (down, degraded,
//   unknown, and maintenance as excluded), as far as they are final. A run
//   still going on is written once with an open end (RunRecord::kOpen) and
//   replaced (same start) when it ends; a day-long one is cut into a closed
//   piece and a new open run (readers join touching pieces of one state).
//   An open run went on at least until the last day row written with it,
//   so the runs of every stored day are complete.
//
// The recorder's cursors (where each SLO's next day starts, up to where each
// service's runs were written) are saved with the checkpoint that holds the
// rows, so a crash never loses or repeats a row. Only changed cursors are
// saved, and a service's run cursor moves over plain `up` time at most
// hourly, so a quiet checkpoint writes nothing here. Cursors are kept by name:
// services and SLOs added to the config start their history at their first
// collection; removed ones are forgotten.
//
// Pure: no I/O, time from the engine. Thread: the engine's owner thread.

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "slo/calendar.h"
#include "slo/engine.h"

namespace ninesd::slo {

// One final local day of one SLO.
struct DayRecord {
  uint32_t slo = 0;
  Millis start = 0;  // [start, end): local midnight to local midnight
  Millis end = 0;
  RangeRaw raw;
};

// One run of a non-up state of a service's timeline: [start, end); end is
// kOpen while the run still went on at the last collection (readers extend
// it to the end of the final history).
struct RunRecord {
  static constexpr Millis kOpen = INT64_MAX;
  uint32_t service = 0;
  Millis start = 0;
  Millis end = 0;
  State state = State::kDown;
};

class HistoryRecorder {
 public:
  static Result<HistoryRecorder> Create(const ModelSpec& spec);

  // Appends the runs of the next slice of services (all of them within 12
  // calls) and every day whose service's runs were read past its end (none
  // before the engine started). A name without a cursor starts at the
  // engine's origin, or where the engine's kept history begins. Then holds
  // the engine's history from the oldest cursor on (Engine::KeepHistoryFrom);
  // the owner holds all of it (INT64_MIN) until the first call.
  void Collect(Engine& engine, std::vector<DayRecord>* days, std::vector<RunRecord>* runs);

  // A cursor by name, as saved with the checkpoint that holds the rows.
  struct Cursor {
    bool slo = false;  // an SLO's day cursor, else a service's run cursor
    std::string name;
    Millis at = 0;
  };
  // The cursors changed since the last call.
  std::vector<Cursor> TakeChanged();
  // Restores saved cursors; names not in the model are dropped.
  void Load(const std::vector<Cursor>& cursors);

  // Where each SLO's next unrecorded day starts (kUnset: not started).
  static constexpr Millis kUnset = INT64_MIN;
  Millis day_cursor(uint32_t slo) const { return day_cursor_[slo]; }
  Millis run_cursor(uint32_t service) const { return run_cursor_[service]; }

 private:
  explicit HistoryRecorder(const ModelSpec& spec) : spec_(&spec) {}
  const ModelSpec* spec_;
  std::vector<ZoneCalendar> zones_;  // per SLO
  std::vector<Millis> day_cursor_;   // per SLO
  std::vector<Millis> day_end_;      // per SLO: end of the cursor's day (0: not computed)
  std::vector<Millis> run_cursor_;   // per service
  std::vector<bool> slo_changed_, service_changed_;
  std::vector<bool> open_;          // per service: the cursor is an open run's start, written
  std::vector<Millis> runs_until_;  // per service: runs read up to here (not saved)
  size_t next_service_ = 0;         // where the next slice of services starts
};

}  // namespace ninesd::slo
