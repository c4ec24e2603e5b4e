#pragma once
// Sequencer: turns a stream whose signals may arrive out of order (within
// allowed_lateness) and more than once (same id) into the ordered stream the
// Engine needs. Signals wait in one-second buckets until the watermark passes
// them, and leave in a canonical order (time, then content), so any delivery
// order within the lateness gives the same result as sorted delivery.
// Buckets are released a second at a time: O(1) per signal plus a sort of
// each released batch, which is nearly sorted already.
//
// Memory: the signals of the last allowed_lateness, and the ids seen in it.
// Thread: the engine's owner thread.

#include <climits>
#include <cstdint>
#include <map>
#include <vector>

#include "slo/engine.h"
#include "slo/signal.h"

namespace ninesd::slo {

enum class Verdict : uint8_t { kAccepted, kLate, kDuplicate };

class Sequencer {
 public:
  Sequencer(Engine& engine, Millis allowed_lateness);
  Sequencer(const Sequencer&) = delete;
  Sequencer& operator=(const Sequencer&) = delete;

  // Takes a signal; releases what the new watermark allows.
  Verdict Push(const Signal& s);
  // A hint that s comes soon: loads its id's slot, a cache miss per signal
  // once millions of ids are live (a backlog read). Pushing a batch, call
  // it a few signals ahead.
  void Prefetch(const Signal& s) const {
    if (s.id_hash != 0) ids_.Prefetch(s.id_hash);
  }
  // Releases every held signal before t, in order, and moves the engine to t.
  void ReleaseUpTo(Millis t);

  // Automatic releases never go past t (replay --at: later signals are ignored).
  void LimitReleaseTo(Millis t) { release_limit_ = t; }

  // Hold: nothing is released automatically, and only signals before the
  // last ReleaseUpTo are late. For a backlog read from several Kafka
  // partitions at different speeds: one partition running ahead in event
  // time must not make the others late. The owner releases (ReleaseUpTo)
  // once the backlog is read; memory grows with the held backlog meanwhile.
  void Hold(bool on);
  bool holding() const { return hold_; }

  // Signals before this time are late (while holding: before the last
  // ReleaseUpTo).
  Millis watermark() const;
  Millis max_ts() const { return max_ts_; }
  // "No time": no signal yet, nothing held.
  static constexpr Millis kNone = INT64_MIN;
  // Start of the first second holding a signal; kNone when nothing is held.
  Millis first_held() const;
  bool empty() const { return max_ts_ == kNone; }
  size_t held() const { return held_; }
  // Held signals marked replayable (Signal::replayable).
  size_t held_replayable() const { return replayable_; }
  // Clears the replayable mark of every held signal: from now on the state
  // codec saves them (the input's saved positions moved past them). O(held).
  void MakeDurable();
  // Bytes of the held signals and the id table.
  size_t memory_bytes() const;

 private:
  friend struct internal::StateAccess;
  static constexpr Millis kBucket = 1000;

  // Ids of taken signals with their event time, in a flat open-addressing
  // table (no node per id); ids older than the watermark are swept when it
  // fills up.
  class IdSet {
   public:
    // False when the id is already present.
    bool Insert(uint64_t id, Millis ts, Millis watermark);
    void Prefetch(uint64_t id) const {
      if (!slots_.empty()) __builtin_prefetch(&slots_[Home(id, slots_.size() - 1)]);
    }
    // Ids are FNV hashes already; the multiply spreads their low bits.
    static size_t Home(uint64_t id, size_t mask) {
      return static_cast<size_t>((id * 0x9E3779B97F4A7C15ull) >> 20) & mask;
    }
    size_t size() const { return size_; }
    size_t capacity() const { return slots_.size(); }
    void Clear() {
      slots_.clear();
      size_ = 0;
    }
    struct Slot {
      uint64_t id = 0;  // 0: empty (HashId never returns 0)
      Millis ts = 0;
    };

   private:
    void Rebuild(size_t capacity, Millis watermark);
    std::vector<Slot> slots_;
    size_t size_ = 0;
  };

  std::vector<Signal>& BucketFor(Millis second_start);

  // For the state codec (engine_state.cc): held buckets as (start, signals)
  // in time order, and their restoration with their ids.
  // Ring and far_ merged: while holding, far_ also takes seconds before the
  // ring's (a restore put held signals in the ring), and a restore needs
  // ascending starts (a second may come twice: ring, then far_).
  template <class F>
  void ForEachBucket(F f) const {
    const Millis span = static_cast<Millis>(ring_.size()) * kBucket;
    auto far = far_.begin();
    for (Millis sec = base_; ring_held_ > 0 && sec - base_ < span; sec += kBucket) {
      for (; far != far_.end() && far->first < sec; ++far) f(far->first, far->second);
      const auto& v = ring_[static_cast<size_t>(sec / kBucket) & (ring_.size() - 1)];
      if (!v.empty()) f(sec, v);
    }
    for (; far != far_.end(); ++far) f(far->first, far->second);
  }
  void ClearHeld();
  // Buckets in ascending order of start, after the times were restored.
  void RestoreBucket(Millis start, std::vector<Signal>&& signals);
  // Ids are swept only before the last release (see Push).
  void RestoreId(uint64_t id, Millis ts) { ids_.Insert(id, ts, released_); }

  Engine& engine_;
  Millis lateness_;
  Millis max_ts_ = kNone;
  Millis released_ = kNone;
  Millis release_limit_ = INT64_MAX;
  bool hold_ = false;
  // Held signals: a ring of one-second buckets covering [base_, base_ + ring
  // span), reused from second to second, and the rare signals beyond it
  // (a jump ahead, or held behind a release limit) in an ordered map.
  std::vector<std::vector<Signal>> ring_;
  Millis base_ = kNone;  // start of the ring's first second; no held signal is before it
  size_t ring_held_ = 0;
  std::map<Millis, std::vector<Signal>> far_;  // bucket start -> signals, unsorted
  size_t held_ = 0;
  size_t replayable_ = 0;      // of held_
  std::vector<Signal> batch_;  // released signals, reused
  IdSet ids_;
};

// Canonical order of signals: time first, then every field, so that ties are
// broken the same way whatever order they arrived in.
bool CanonicalLess(const Signal& a, const Signal& b);

}  // namespace ninesd::slo
