#pragma once
// MinuteSeries: good/bad/excluded event counts of one ratio or latency SLO in
// one-minute buckets aligned to UTC minutes, with running sums for a fixed set
// of trailing windows so that any window or lookback costs O(1) to read.
//
// Closed minutes are stored as variable-length records in a byte FIFO:
// a healthy minute with fewer than 64 events takes one byte, so 30 days of
// minutes fit in 43-90 KB. Each tracked window keeps a cursor on the oldest
// minute it still covers and subtracts minutes as they leave.

#include <cstdint>
#include <deque>
#include <vector>

#include "slo/time.h"

namespace ninesd::slo {

struct Counts {
  uint64_t total = 0;     // valid events (not in maintenance)
  uint64_t bad = 0;       // of total
  uint64_t excluded = 0;  // events in maintenance
  Counts& operator+=(const Counts& o) {
    total += o.total;
    bad += o.bad;
    excluded += o.excluded;
    return *this;
  }
  Counts& operator-=(const Counts& o) {
    total -= o.total;
    bad -= o.bad;
    excluded -= o.excluded;
    return *this;
  }
};

class MinuteSeries {
 public:
  // windows: lengths in whole minutes (> 0) to keep running sums for.
  MinuteSeries(Millis origin, std::vector<Millis> windows);

  // Moves the open minute to the one containing t (t >= current).
  void AdvanceTo(Millis t);
  // Adds events at time t (t >= the open minute's start; advances first).
  void Add(Millis t, const Counts& c);

  // Counts in [at - window, at) by the bucket rule: the closed minutes that
  // start at or after at - window, plus the open minute. Requires that the
  // series was advanced to at and holds no event at or after at.
  // `window_index` refers to the constructor's list.
  Counts Window(size_t window_index, Millis at) const;
  // Sum of the minutes starting at or after `from` (a minute boundary within
  // the longest window, or the start of a calendar period), plus the open one.
  Counts Since(Millis from) const;

  // Calendar period: running sum of the minutes from `start` (a minute
  // boundary at or before the open minute) on, plus the open minute.
  void SetPeriodStart(Millis start);
  Counts PeriodSum() const {
    Counts c = period_sum_;
    c += open_;
    return c;
  }

  Millis open_minute() const { return open_minute_; }
  size_t MemoryBytes() const;

 private:
  struct Tracker {
    int64_t minutes;       // window length in minutes
    int64_t first_minute;  // oldest minute index included
    uint64_t cursor;       // absolute byte position of first_minute's record
    Counts sum;            // closed minutes in [first_minute, open_minute)
  };

  void CloseOpenMinute();
  void PushRecord(const Counts& c);
  Counts DecodeAt(uint64_t& pos) const;

  // The open minute first: it is all that most events touch.
  int64_t open_minute_;  // minute index (t / 60000) of the open minute
  Counts open_;
  std::deque<uint8_t> bytes_;
  uint64_t popped_ = 0;   // bytes dropped from the front
  int64_t first_minute_;  // minute index of the first stored record
  std::vector<Tracker> trackers_;
  int64_t longest_ = 0;
  int64_t period_first_minute_ = INT64_MAX;
  Counts period_sum_;
};

}  // namespace ninesd::slo
