#include "slo/minute_series.h"

#include <algorithm>
#include <cassert>

namespace ninesd::slo {
namespace {

void PutVarint(ByteRing& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<uint8_t>(v));
}

}  // namespace

MinuteSeries::MinuteSeries(Millis origin, std::vector<Millis> windows)
    : open_minute_(FloorTo(origin, kMinute) / kMinute), first_minute_(open_minute_) {
  for (Millis w : windows) {
    assert(w > 0 && w % kMinute == 0);
    int64_t m = w / kMinute;
    trackers_.push_back(Tracker{m, open_minute_, 0, {}});
    longest_ = std::max(longest_, m);
  }
}

void MinuteSeries::PushRecord(const Counts& c) {
  // Header: total << 1 | has_more; bad and excluded follow only when non-zero.
  bool more = c.bad != 0 || c.excluded != 0;
  PutVarint(bytes_, c.total << 1 | (more ? 1 : 0));
  if (more) {
    PutVarint(bytes_, c.bad);
    PutVarint(bytes_, c.excluded);
  }
}

Counts MinuteSeries::DecodeAt(uint64_t& pos) const {
  auto read = [&]() {
    uint64_t v = 0;
    int shift = 0;
    while (true) {
      uint8_t b = bytes_[pos - popped_];
      ++pos;
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
      shift += 7;
    }
    return v;
  };
  Counts c;
  uint64_t h = read();
  c.total = h >> 1;
  if (h & 1) {
    c.bad = read();
    c.excluded = read();
  }
  return c;
}

void MinuteSeries::CloseOpenMinute() {
  PushRecord(open_);
  for (Tracker& t : trackers_) t.sum += open_;
  if (open_minute_ >= period_first_minute_) period_sum_ += open_;
  open_ = Counts{};
  ++open_minute_;
  // Minutes leaving each window.
  for (Tracker& t : trackers_) {
    while (t.first_minute < open_minute_ - t.minutes) {
      if (t.first_minute >= first_minute_) {
        Counts c = DecodeAt(t.cursor);
        t.sum -= c;
      }
      ++t.first_minute;
    }
  }
  // Records no window needs any more.
  int64_t keep_from = open_minute_ - longest_;
  while (first_minute_ < keep_from) {
    uint64_t pos = popped_;
    DecodeAt(pos);
    size_t n = static_cast<size_t>(pos - popped_);
    bytes_.pop_front(n);
    popped_ = pos;
    ++first_minute_;
  }
}

void MinuteSeries::AdvanceTo(Millis t) {
  int64_t m = FloorTo(t, kMinute) / kMinute;
  if (m <= open_minute_) return;
  // A long silence: closing minute by minute would cost O(gap); once the gap
  // exceeds the longest window every sum is zero, so start afresh.
  if (m - open_minute_ > longest_ + 1) {
    bytes_.clear();
    popped_ = 0;
    open_ = Counts{};
    open_minute_ = m;
    first_minute_ = m;
    for (Tracker& tr : trackers_) tr = Tracker{tr.minutes, m, 0, {}};
    if (period_first_minute_ < m) period_sum_ = Counts{};
    return;
  }
  while (open_minute_ < m) CloseOpenMinute();
}

void MinuteSeries::Add(Millis t, const Counts& c) {
  AdvanceTo(t);
  open_ += c;
}

Counts MinuteSeries::Window(size_t i, Millis at) const {
  const Tracker& t = trackers_[i];
  assert(FloorTo(at, kMinute) / kMinute == open_minute_);
  Counts c = t.sum;
  if (at % kMinute != 0 && t.first_minute >= first_minute_ &&
      t.first_minute == open_minute_ - t.minutes && t.minutes > 0) {
    // The trailing edge at - window falls inside minute first_minute: that
    // bucket starts before at - window and is not counted.
    uint64_t pos = t.cursor;
    c -= DecodeAt(pos);
  }
  c += open_;
  return c;
}

Counts MinuteSeries::Since(Millis from) const {
  int64_t m = CeilTo(from, kMinute) / kMinute;
  Counts c = open_;
  if (m >= open_minute_) return c;
  int64_t start = std::max(m, first_minute_);
  // Walk from the front: callers use this for calendar periods through
  // PeriodSum below; kept for tests and small ranges.
  uint64_t pos = popped_;
  for (int64_t k = first_minute_; k < open_minute_; ++k) {
    Counts r = DecodeAt(pos);
    if (k >= start) c += r;
  }
  return c;
}

void MinuteSeries::SetPeriodStart(Millis start) {
  int64_t m = FloorTo(start, kMinute) / kMinute;
  if (m == period_first_minute_) return;
  period_first_minute_ = m;
  period_sum_ = Since(start);
  period_sum_ -= open_;
}

size_t MinuteSeries::MemoryBytes() const {
  return sizeof(*this) + bytes_.capacity() + trackers_.capacity() * sizeof(Tracker);
}

}  // namespace ninesd::slo
