#include "slo/history.h"

#include <algorithm>
#include <unordered_map>

namespace ninesd::slo {
namespace {

// A run still going on is written in pieces of at most this much.
constexpr Millis kMaxOpenRun = kDay;
// A service's run cursor moves over plain up time in steps of at least this.
constexpr Millis kQuietCursorStep = kHour;
// Services read per collection: all of them in this many collections, and
// at least this many each time.
constexpr size_t kSlices = 12;
constexpr size_t kMinSlice = 4096;

}  // namespace

Result<HistoryRecorder> HistoryRecorder::Create(const ModelSpec& spec) {
  HistoryRecorder r(spec);
  for (const SloSpec& sp : spec.slos) {
    auto zone = ZoneCalendar::Create(sp.time_zone);
    if (!zone.ok()) return zone.error().Wrap("slo " + sp.name);
    r.zones_.push_back(*zone);
  }
  r.day_cursor_.assign(spec.slos.size(), kUnset);
  r.day_end_.assign(spec.slos.size(), 0);
  r.slo_changed_.assign(spec.slos.size(), false);
  r.service_changed_.assign(spec.services.size(), false);
  r.open_.assign(spec.services.size(), false);
  r.runs_until_.assign(spec.services.size(), INT64_MIN);
  r.run_cursor_.assign(spec.services.size(), kUnset);
  return r;
}

void HistoryRecorder::Collect(Engine& e, std::vector<DayRecord>* days,
                              std::vector<RunRecord>* runs) {
  if (!e.started()) return;
  const Millis now = e.now();
  // Services in slices: each one read at least every kSlices collections
  // (a minute at the default checkpoint interval), so a collection touches
  // a bounded part of a large model. A day is written once its service's
  // runs are read past its end (runs_until_), so stored days always come
  // with their runs.
  const size_t n = run_cursor_.size();
  const size_t slice = std::min(n, std::max(kMinSlice, (n + kSlices - 1) / kSlices));
  for (size_t k = 0; k < slice; ++k) {
    const auto s = static_cast<uint32_t>(next_service_);
    next_service_ = next_service_ + 1 == n ? 0 : next_service_ + 1;
    Millis& cursor = run_cursor_[s];
    const Millis kept = e.ServiceKeptFrom(s);
    if (cursor != kUnset && cursor < kept && kept > e.origin()) {
      // The engine started this service afresh (its composition changed):
      // continue from its new history; the reader sees no data in between.
      cursor = kept;
      open_[s] = false;
      service_changed_[s] = true;
    }
    if (cursor == kUnset) {
      // From a day before the origin's day in any time zone (the no-data
      // time before the origin is part of the history), or from where the
      // engine still holds the service's history.
      cursor = kept > e.origin() ? kept : FloorTo(kept, kDay) - kDay;
      service_changed_[s] = true;
    }
    const Millis final_until = e.ServiceFinalUntil(s);
    runs_until_[s] = final_until;
    if (final_until <= cursor) continue;
    if (open_[s]) {
      // The open run at the cursor still goes on, unchanged: its row says so.
      if (final_until - cursor < kMaxOpenRun && e.CurrentSince(s) <= cursor) continue;
    } else if (final_until - cursor < kQuietCursorStep && e.LastNotUp(s) <= cursor) {
      // Plain up time since the cursor: nothing to write, and the cursor
      // moves over it at most hourly (a quiet checkpoint writes nothing).
      continue;
    }
    std::vector<StateInterval> iv = e.ServiceIntervals(s, cursor, final_until);
    Millis next = final_until;
    bool wrote = false;
    open_[s] = false;
    for (size_t k = 0; k < iv.size(); ++k) {
      const StateInterval& r = iv[k];
      const bool last = k + 1 == iv.size();
      if (r.state == State::kUp) continue;
      if (last && final_until - r.start < kMaxOpenRun) {
        // May go on: written open once; replaced (same start) when it ends,
        // or cut once it is a day long.
        runs->push_back({s, r.start, RunRecord::kOpen, r.state});
        next = r.start;
        open_[s] = true;
      } else {
        runs->push_back({s, r.start, r.end, r.state});
      }
      wrote = true;
    }
    if (!wrote && next == final_until && final_until - cursor < kQuietCursorStep) continue;
    if (next != cursor) {
      cursor = next;
      service_changed_[s] = true;
    }
  }
  for (uint32_t i = 0; i < day_cursor_.size(); ++i) {
    Millis& cursor = day_cursor_[i];
    Millis& end = day_end_[i];
    const ZoneCalendar& zone = zones_[i];
    auto day_start = [&](Millis t) { return zone.Period(CalendarUnit::kDay, t).first; };
    // The first local midnight at or after t.
    auto next_midnight = [&](Millis t) {
      auto [a, b] = zone.Period(CalendarUnit::kDay, t);
      return a == t ? a : b;
    };
    if (cursor != kUnset && end == 0) {
      // A restored cursor that no longer fits: the engine restarted the SLO
      // (new window, kind or time zone) so it no longer holds the day, or
      // the time zone changed so the cursor is no local midnight. Go on from
      // the next whole day the engine holds; the reader sees no data between.
      const Millis kept = e.KeptFrom(i);
      if (day_start(cursor) != cursor || (cursor < kept && kept > e.origin())) {
        cursor = next_midnight(std::max(cursor, kept));
        slo_changed_[i] = true;
      }
    }
    if (cursor == kUnset) {
      // From the day of the origin (its time before the origin is no
      // data), or the first whole day the engine still holds.
      const Millis kept = e.KeptFrom(i);
      cursor = kept > e.origin() ? next_midnight(kept) : day_start(kept);
      end = 0;
      slo_changed_[i] = true;
    }
    if (end == 0) end = zone.Period(CalendarUnit::kDay, cursor).second;
    if (end > now) continue;  // cheap test first: most calls end here
    const Millis final_until = std::min(e.SloFinalUntil(i), runs_until_[spec_->slos[i].service]);
    while (end <= final_until) {
      days->push_back({i, cursor, end, e.RangeFigures(i, cursor, end)});
      cursor = end;
      end = zone.Period(CalendarUnit::kDay, cursor).second;
      slo_changed_[i] = true;
    }
  }
  // Whatever is not recorded yet stays in the engine until it is.
  Millis floor = Engine::kNoHistoryFloor;
  for (Millis c : day_cursor_) floor = std::min(floor, c);
  for (Millis c : run_cursor_) floor = std::min(floor, c);
  e.KeepHistoryFrom(floor);
}

std::vector<HistoryRecorder::Cursor> HistoryRecorder::TakeChanged() {
  std::vector<Cursor> out;
  for (size_t i = 0; i < day_cursor_.size(); ++i) {
    if (!slo_changed_[i]) continue;
    slo_changed_[i] = false;
    out.push_back({true, spec_->slos[i].name, day_cursor_[i]});
  }
  for (size_t i = 0; i < run_cursor_.size(); ++i) {
    if (!service_changed_[i]) continue;
    service_changed_[i] = false;
    out.push_back({false, spec_->services[i].name, run_cursor_[i]});
  }
  return out;
}

void HistoryRecorder::Load(const std::vector<Cursor>& cursors) {
  std::unordered_map<std::string_view, uint32_t> slos, services;
  for (uint32_t i = 0; i < spec_->slos.size(); ++i) slos[spec_->slos[i].name] = i;
  for (uint32_t i = 0; i < spec_->services.size(); ++i) services[spec_->services[i].name] = i;
  for (const Cursor& c : cursors) {
    if (c.slo) {
      auto it = slos.find(c.name);
      if (it == slos.end()) continue;
      day_cursor_[it->second] = c.at;
      day_end_[it->second] = 0;
    } else {
      auto it = services.find(c.name);
      if (it == services.end()) continue;
      run_cursor_[it->second] = c.at;
      open_[it->second] = false;  // read again (and the open row rewritten) once
    }
  }
}

}  // namespace ninesd::slo
