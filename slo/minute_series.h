#pragma once
// MinuteSeries: good/bad/excluded event counts of one ratio or latency SLO in
// one-minute buckets aligned to UTC minutes.
//
// Closed minutes are variable-length records in a byte ring: a healthy
// minute with fewer than 64 events takes one byte, so 30 days of minutes fit
// in 43-90 KB. Every 128 minutes a checkpoint keeps the running totals, so the
// count over any window is two lookups and a walk of at most 127 records,
// while an event costs one addition and a closing minute one record: the
// work lands on the (rare) reads, not on the stream.

#include <algorithm>
#include <cstdint>
#include <memory>
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

// A FIFO of bytes in a power-of-two ring: no allocation until the first
// closed minute.
class ByteRing {
 public:
  ByteRing() = default;
  ByteRing(const ByteRing& o) : cap_(o.cap_), head_(o.head_), size_(o.size_) {
    if (cap_) {
      buf_ = std::make_unique<uint8_t[]>(cap_);
      std::copy(o.buf_.get(), o.buf_.get() + cap_, buf_.get());
    }
  }
  ByteRing(ByteRing&&) noexcept = default;
  ByteRing& operator=(ByteRing&&) noexcept = default;

  size_t size() const { return size_; }
  size_t capacity() const { return cap_; }
  uint8_t operator[](size_t i) const { return buf_[(head_ + i) & (cap_ - 1)]; }
  void push_back(uint8_t b) {
    if (size_ == cap_) Grow();
    buf_[(head_ + size_) & (cap_ - 1)] = b;
    ++size_;
  }
  void pop_front(size_t n) {
    head_ = (head_ + n) & (cap_ - 1);
    size_ -= n;
  }
  void clear() { head_ = size_ = 0; }

 private:
  void Grow() {
    size_t cap = cap_ ? cap_ * 2 : 64;
    auto buf = std::make_unique<uint8_t[]>(cap);
    for (size_t i = 0; i < size_; ++i) buf[i] = (*this)[i];
    buf_ = std::move(buf);
    cap_ = cap;
    head_ = 0;
  }
  std::unique_ptr<uint8_t[]> buf_;
  size_t cap_ = 0, head_ = 0, size_ = 0;
};

namespace internal {
struct StateAccess;
}  // namespace internal

class MinuteSeries {
 public:
  // Keeps the minutes of the last `retention` (at least the longest window
  // or lookback read from it).
  MinuteSeries(Millis origin, Millis retention);

  // Moves the open minute to the one containing t (t >= current).
  void AdvanceTo(Millis t);
  // Adds events at time t (t >= the open minute's start; advances first).
  void Add(Millis t, const Counts& c) {
    AdvanceTo(t);
    open_ += c;
  }

  // Counts in [at - window, at) by the bucket rule: the closed minutes that
  // start at or after at - window, plus the open minute. Requires that the
  // series was advanced to at and holds no event at or after at.
  Counts Window(Millis window, Millis at) const;
  // The first time after `at` at which a minute holding events leaves that
  // window (Window(window, t) for t before it equals Window(window, at) but
  // for events added meanwhile). Looks at most `max_minutes` minutes ahead:
  // past them it returns when the first unread one leaves, a lower bound.
  // INT64_MAX when the window holds no events.
  Millis NextLeave(Millis window, Millis at, int64_t max_minutes) const;
  // Counts of the minutes in [from, to) (whole minutes), to at or before the
  // series' time; minutes no longer kept count as empty.
  Counts Between(Millis from, Millis to) const;
  // Keeps every minute from t on, whatever the retention, until moved on
  // (the history recorder's floor); INT64_MAX: the retention alone decides.
  void KeepFrom(Millis t) {
    // INT64_MIN and INT64_MAX (hold all, hold nothing) as they are: flooring
    // INT64_MIN to a minute would overflow.
    keep_from_minute_ = t == INT64_MAX || t == INT64_MIN ? t : FloorTo(t, kMinute) / kMinute;
  }
  // The first minute still kept (Between is exact from here on).
  Millis kept_from() const { return first_minute_ * kMinute; }
  // The minutes starting at or after `from`, plus the open minute.
  Counts Since(Millis from) const;

  // Calendar period: running sum of the minutes from `start` (a minute
  // boundary at or before the open minute) on, plus the open minute.
  void SetPeriodStart(Millis start);
  Counts PeriodSum() const {
    Counts c = period_sum_;
    c += open_;
    return c;
  }

  size_t MemoryBytes() const;
  // Brings what a window read touches first towards the cache.
  void Prefetch() const {
    __builtin_prefetch(cursors_.data());
    if (!blocks_.empty()) __builtin_prefetch(&blocks_.back());
  }

 private:
  friend struct internal::StateAccess;    // the state codec (engine_state.cc)
  static constexpr int64_t kBlock = 128;  // minutes per checkpoint
  struct Checkpoint {
    Counts before;  // totals of the minutes before the block
    uint64_t pos;   // absolute byte position of the block's first record
  };

  void CloseOpenMinute();
  Counts DecodeAt(uint64_t& pos) const;
  // Totals of the closed minutes before minute m (first_minute_ <= m <= open).
  Counts Before(int64_t m) const;
  // Before(m) starting from a remembered position at or before m (the
  // trailing edge of a window moves forward a minute at a time).
  struct Cursor {
    Millis window = 0;
    int64_t minute = INT64_MIN;
    uint64_t pos = 0;
    Counts before;
  };
  Counts BeforeFrom(Cursor& cursor, int64_t m) const;
  // The cursor of this window length, or null before its first read.
  Cursor* FindCursor(Millis window) const;

  // The open minute first: it is all that most events touch.
  int64_t open_minute_;  // minute index (t / 60000) of the open minute
  Counts open_;
  Counts closed_;         // totals of every closed minute since the origin
  int64_t first_minute_;  // minute of the first kept record (a block start)
  int64_t origin_minute_;
  uint64_t popped_ = 0;   // bytes dropped from the front of the ring
  uint64_t written_ = 0;  // bytes ever written
  ByteRing bytes_;
  std::vector<Checkpoint> blocks_;  // blocks_[k]: block starting at first_minute_ + k * kBlock
  int64_t retention_minutes_;
  int64_t keep_from_minute_ = INT64_MAX;
  int64_t period_first_minute_ = INT64_MAX;
  Counts period_sum_;
  mutable std::vector<Cursor> cursors_;  // one per window read; empty until read
};

}  // namespace ninesd::slo
