#include "slo/minute_series.h"

#include <cassert>

namespace ninesd::slo {

MinuteSeries::MinuteSeries(Millis origin, Millis retention)
    : open_minute_(FloorTo(origin, kMinute) / kMinute),
      first_minute_(open_minute_),
      origin_minute_(open_minute_),
      retention_minutes_(CeilTo(retention, kMinute) / kMinute + 1) {}

Counts MinuteSeries::DecodeAt(uint64_t& pos) const {
  auto read = [&]() {
    uint64_t v = 0;
    int shift = 0;
    while (true) {
      uint8_t b = bytes_[static_cast<size_t>(pos - popped_)];
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
  if ((open_minute_ - first_minute_) % kBlock == 0) blocks_.push_back({closed_, written_});
  // Header: total << 1 | more; bad and excluded follow only when non-zero.
  auto put = [&](uint64_t v) {
    while (v >= 0x80) {
      bytes_.push_back(static_cast<uint8_t>(v | 0x80));
      ++written_;
      v >>= 7;
    }
    bytes_.push_back(static_cast<uint8_t>(v));
    ++written_;
  };
  bool more = open_.bad != 0 || open_.excluded != 0;
  put(open_.total << 1 | (more ? 1 : 0));
  if (more) {
    put(open_.bad);
    put(open_.excluded);
  }
  closed_ += open_;
  if (open_minute_ >= period_first_minute_) period_sum_ += open_;
  open_ = Counts{};
  ++open_minute_;
  // Whole blocks no read can reach any more.
  while (blocks_.size() >= 2 && first_minute_ + 2 * kBlock <= open_minute_ - retention_minutes_ &&
         first_minute_ + kBlock <= keep_from_minute_) {
    uint64_t next = blocks_[1].pos;
    bytes_.pop_front(static_cast<size_t>(next - popped_));
    popped_ = next;
    blocks_.erase(blocks_.begin());
    first_minute_ += kBlock;
  }
}

void MinuteSeries::AdvanceTo(Millis t) {
  int64_t m = FloorTo(t, kMinute) / kMinute;
  if (m <= open_minute_) return;
  // A silence longer than the retention: nothing before it can be read, so
  // start afresh instead of writing a record per empty minute.
  // (Unless minutes with events must be kept for the history.)
  if (m - open_minute_ > retention_minutes_ + 2 * kBlock && keep_from_minute_ > open_minute_) {
    closed_ += open_;
    if (open_minute_ >= period_first_minute_) period_sum_ += open_;
    open_ = Counts{};
    bytes_.clear();
    blocks_.clear();
    popped_ = written_;
    open_minute_ = m;
    first_minute_ = m;
    return;
  }
  while (open_minute_ < m) CloseOpenMinute();
}

Counts MinuteSeries::Before(int64_t m) const {
  if (m >= open_minute_) return closed_;
  if (m <= first_minute_) {
    return blocks_.empty() ? closed_ : blocks_.front().before;
  }
  size_t b = static_cast<size_t>((m - first_minute_) / kBlock);
  Counts c = blocks_[b].before;
  uint64_t pos = blocks_[b].pos;
  for (int64_t k = first_minute_ + static_cast<int64_t>(b) * kBlock; k < m; ++k) {
    c += DecodeAt(pos);
  }
  return c;
}

Counts MinuteSeries::BeforeFrom(Cursor& cur, int64_t m) const {
  if (m >= open_minute_) return closed_;
  if (m <= first_minute_) return Before(m);
  int64_t block_start = first_minute_ + (m - first_minute_) / kBlock * kBlock;
  if (cur.minute < block_start || cur.minute > m) {
    // Start from the block's checkpoint.
    size_t b = static_cast<size_t>((block_start - first_minute_) / kBlock);
    cur.minute = block_start;
    cur.pos = blocks_[b].pos;
    cur.before = blocks_[b].before;
  }
  while (cur.minute < m) {
    cur.before += DecodeAt(cur.pos);
    ++cur.minute;
  }
  return cur.before;
}

MinuteSeries::Cursor* MinuteSeries::FindCursor(Millis window) const {
  for (Cursor& c : cursors_) {
    if (c.window == window) return &c;
  }
  return nullptr;
}

Counts MinuteSeries::Window(Millis window, Millis at) const {
  int64_t m = CeilTo(at - window, kMinute) / kMinute;
  Counts c = open_;
  if (m >= open_minute_) return c;
  Cursor* cur = FindCursor(window);
  if (!cur) {
    cursors_.push_back(Cursor{window, INT64_MIN, 0, {}});
    cur = &cursors_.back();
  }
  Counts total = closed_;
  total -= BeforeFrom(*cur, std::max(m, first_minute_));
  c += total;
  return c;
}

Millis MinuteSeries::NextLeave(Millis window, Millis at, int64_t max_minutes) const {
  // Minute k is in the window at t while k * kMinute >= CeilTo(t - window).
  auto leaves = [&](int64_t k) { return k * kMinute + window + 1; };
  // An empty window stays empty until events come, and leaves nothing.
  const Counts now = Window(window, at);
  if (now.total == 0 && now.bad == 0 && now.excluded == 0) return INT64_MAX;
  int64_t k = std::max(CeilTo(at - window, kMinute) / kMinute, first_minute_);
  if (k < open_minute_) {
    int64_t minute = 0;
    uint64_t pos = 0;
    // Window() above left this window's cursor at minute k, as a rule: the
    // scan starts there, not at the block's first record.
    const Cursor* cur = FindCursor(window);
    if (cur != nullptr && cur->minute == k) {
      minute = k;
      pos = cur->pos;
    } else {
      const size_t b = static_cast<size_t>((k - first_minute_) / kBlock);
      minute = first_minute_ + static_cast<int64_t>(b) * kBlock;
      pos = blocks_[b].pos;
      for (; minute < k; ++minute) DecodeAt(pos);
    }
    const int64_t stop = std::min(open_minute_, k + max_minutes);
    for (; minute < stop; ++minute) {
      const Counts c = DecodeAt(pos);
      if (c.total != 0 || c.bad != 0 || c.excluded != 0) return leaves(minute);
    }
    if (minute < open_minute_) return leaves(minute);
  }
  return leaves(std::max(k, open_minute_));
}

Counts MinuteSeries::Between(Millis from, Millis to) const {
  auto before = [&](Millis t) {
    int64_t m = FloorTo(t, kMinute) / kMinute;
    if (m <= open_minute_) return Before(std::max(m, first_minute_));
    Counts c = closed_;
    c += open_;
    return c;
  };
  Counts c = before(to);
  c -= before(from);
  return c;
}

Counts MinuteSeries::Since(Millis from) const {
  int64_t m = CeilTo(from, kMinute) / kMinute;
  Counts c = open_;
  if (m >= open_minute_) return c;
  assert(m >= first_minute_ || m <= origin_minute_ || blocks_.empty());
  Counts total = closed_;
  total -= Before(std::max(m, first_minute_));
  c += total;
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
  return sizeof(*this) + bytes_.capacity() + blocks_.capacity() * sizeof(Checkpoint) +
         cursors_.capacity() * sizeof(Cursor);
}

}  // namespace ninesd::slo
