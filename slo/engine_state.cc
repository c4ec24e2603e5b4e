#include "slo/engine_state.h"

#include <algorithm>
#include <functional>
#include <unordered_map>

#include "slo/engine_internal.h"
#include "slo/state_codec.h"

namespace ninesd::slo {
namespace internal {
namespace {

using codec::Reader;
using codec::Writer;

constexpr uint8_t kFlagGood = 1, kFlagLatency = 2, kFlagId = 4;

// Maps a probe index of the saved config to the current one: the saved row
// carries the probe names, the event probe is the index past the last name.
class ProbeMap {
 public:
  ProbeMap() = default;
  ProbeMap(const std::vector<std::string_view>& saved, const ServiceSpec& now) {
    for (std::string_view name : saved) {
      int to = -1;
      for (size_t i = 0; i < now.probes.size(); ++i) {
        if (now.probes[i].name == name) to = static_cast<int>(i);
      }
      map_.push_back(to);
    }
    map_.push_back(static_cast<int>(now.probes.size()));  // the event probe
  }
  // -1: the probe no longer exists.
  int operator()(uint64_t saved) const {
    return saved < map_.size() ? map_[static_cast<size_t>(saved)] : -1;
  }

 private:
  std::vector<int> map_;
};

void PutTime(Writer& w, Millis t) { w.I64(t); }

void PutSignal(Writer& w, const Signal& s, Millis& prev) {
  w.I64(s.ts - prev);
  prev = s.ts;
  w.U8(static_cast<uint8_t>(s.kind));
  uint8_t flags = (s.good ? kFlagGood : 0) | (s.has_latency ? kFlagLatency : 0) |
                  (s.id_hash != 0 ? kFlagId : 0);
  w.U8(flags);
  switch (s.kind) {
    case SignalKind::kState:
      w.U8(static_cast<uint8_t>(s.state));
      break;
    case SignalKind::kProbe:
    case SignalKind::kGap:
      w.U64(s.probe);
      w.U64(s.location);
      break;
    case SignalKind::kCounts:
      w.U64(s.good_count);
      w.U64(s.total_count);
      break;
    case SignalKind::kHeartbeat:
    case SignalKind::kOutcome:
      break;
  }
  if (s.has_latency) w.F64(s.latency_ms);
  if (s.id_hash != 0) {
    for (int i = 0; i < 8; ++i) w.U8(static_cast<uint8_t>(s.id_hash >> (8 * i)));
  }
}

// Reads a signal; its probe is the saved index (the caller maps it).
Signal GetSignal(Reader& r, Millis& prev) {
  Signal s;
  s.ts = prev + r.I64();
  prev = s.ts;
  uint8_t kind = r.U8();
  if (kind > static_cast<uint8_t>(SignalKind::kGap)) r.Fail();
  s.kind = static_cast<SignalKind>(kind);
  uint8_t flags = r.U8();
  s.good = flags & kFlagGood;
  s.has_latency = flags & kFlagLatency;
  switch (s.kind) {
    case SignalKind::kState: {
      uint8_t st = r.U8();
      if (st >= kNumStates) r.Fail();
      s.state = static_cast<State>(st);
      break;
    }
    case SignalKind::kProbe:
    case SignalKind::kGap: {
      uint64_t probe = r.U64(), location = r.U64();
      if (probe > 0xffff || location > 0xffff) r.Fail();
      s.probe = static_cast<uint16_t>(probe);
      s.location = static_cast<uint16_t>(location);
      break;
    }
    case SignalKind::kCounts:
      s.good_count = r.U64();
      s.total_count = r.U64();
      break;
    case SignalKind::kHeartbeat:
    case SignalKind::kOutcome:
      break;
  }
  if (s.has_latency) s.latency_ms = r.F64();
  if (flags & kFlagId) {
    for (int i = 0; i < 8; ++i) s.id_hash |= static_cast<uint64_t>(r.U8()) << (8 * i);
  }
  return s;
}

State GetState(Reader& r) {
  uint8_t v = r.U8();
  if (v >= kNumStates) r.Fail();
  return static_cast<State>(v);
}

void PutCounts(Writer& w, const Counts& c) {
  w.U64(c.total);
  w.U64(c.bad);
  w.U64(c.excluded);
}

Counts GetCounts(Reader& r) {
  Counts c;
  c.total = r.U64();
  c.bad = r.U64();
  c.excluded = r.U64();
  return c;
}

Error Corrupt(const std::string& what) {
  return Error{"state row " + what + " is corrupt or of an unknown format"};
}

}  // namespace

struct StateAccess {
  using Service = Engine::Service;
  using SloRt = Engine::SloRt;
  using Probe = Engine::ProbeSourceState;

  // ---- engine row --------------------------------------------------------

  static std::string EncodeEngine(const Engine& e) {
    std::string out;
    Writer w(out);
    w.U8(kStateFormatVersion);
    w.U8(e.started_ ? 1 : 0);
    PutTime(w, e.origin_);
    PutTime(w, e.now_);
    PutTime(w, e.next_eval_);
    PutTime(w, e.spec_.evaluation_interval);
    w.Seal(0);
    return out;
  }

  // ---- services ----------------------------------------------------------

  static std::string EncodeService(const Engine& e, const Service& svc) {
    const ServiceSpec& sp = *svc.spec;
    std::string out;
    out.reserve(96 + 6 * svc.timeline.segment_count() + 24 * svc.buffer.size() +
                40 * svc.probes.size());
    Writer w(out);
    w.U8(kStateFormatVersion);
    w.U8(svc.composite ? 1 : 0);
    if (svc.composite) {
      w.U8(static_cast<uint8_t>(sp.composite));
      w.I64(sp.at_least);
      w.U64(sp.members.size());
      for (uint32_t m : sp.members) w.Str(e.spec_.services[m].name);
    } else {
      w.U64(sp.probes.size());
      for (const ProbeSourceSpec& p : sp.probes) w.Str(p.name);
    }
    w.U8(svc.dirty ? 1 : 0);
    PutTime(w, svc.heartbeat_deadline);
    PutTime(w, svc.probe_deadline);
    PutTime(w, svc.deadline_registered);
    const Timeline& tl = svc.timeline;
    PutTime(w, tl.origin());
    PutTime(w, tl.end());
    w.U64(tl.segment_count());
    Millis prev = tl.origin();
    for (size_t i = 0; i < tl.segment_count(); ++i) {
      w.I64(tl.SegmentStart(i) - prev);
      prev = tl.SegmentStart(i);
      w.U8(static_cast<uint8_t>(tl.SegmentState(i)));
    }
    PutTime(w, svc.final_until);
    PutTime(w, svc.next_change);
    PutTime(w, svc.pruned_at);
    w.U8(static_cast<uint8_t>(svc.state_source));
    PutTime(w, svc.last_heartbeat);
    w.U64(svc.probes.size());
    for (const Probe& p : svc.probes) {
      w.U64(p.probe);
      w.U64(p.location);
      w.U8(static_cast<uint8_t>(p.state));
      PutTime(w, p.last);
      w.U8(static_cast<uint8_t>(p.streak_want));
      w.I64(p.streak_count);
      PutTime(w, p.streak_start);
    }
    w.U64(svc.buffer.size());
    prev = svc.final_until;
    for (const Signal& s : svc.buffer) PutSignal(w, s, prev);
    w.Seal(0);
    return out;
  }

  // Restores one service; "" when restored, else why it starts fresh.
  static Result<std::string> DecodeService(Engine& e, uint32_t index, std::string_view blob,
                                           size_t& dropped) {
    Service& svc = e.services_[index];
    const ServiceSpec& sp = *svc.spec;
    Reader r(blob);
    if (!r.Unseal() || r.U8() != kStateFormatVersion) return Corrupt("of service " + sp.name);
    bool composite = r.U8() != 0;
    ProbeMap probes;
    if (composite != svc.composite) {
      return std::string(composite ? "was a composite" : "is now a composite");
    }
    if (composite) {
      uint8_t mode = r.U8();
      int64_t at_least = r.I64();
      uint64_t n = r.Count();
      bool same = mode == static_cast<uint8_t>(sp.composite) && at_least == sp.at_least &&
                  n == sp.members.size();
      for (uint64_t i = 0; i < n; ++i) {
        std::string_view name = r.Str();
        same = same && name == e.spec_.services[sp.members[static_cast<size_t>(i)]].name;
      }
      if (!r.ok()) return Corrupt("of service " + sp.name);
      if (!same) return std::string("composition changed");
    } else {
      std::vector<std::string_view> names(static_cast<size_t>(r.Count()));
      for (auto& n : names) n = r.Str();
      probes = ProbeMap(names, sp);
    }
    svc.dirty = r.U8() != 0;
    svc.heartbeat_deadline = r.I64();
    svc.probe_deadline = r.I64();
    svc.deadline_registered = r.I64();
    Millis origin = r.I64(), end = r.I64();
    uint64_t nseg = r.Count(2);
    Timeline tl(origin);
    Millis prev = origin;
    for (uint64_t i = 0; i < nseg && r.ok(); ++i) {
      Millis start = prev + r.I64();
      State st = GetState(r);
      if (start < origin || (i > 0 && start <= prev) || start > end) r.Fail();
      if (r.ok()) tl.Set(start, st);
      prev = start;
    }
    if (!r.ok() || end < origin) return Corrupt("of service " + sp.name);
    tl.ExtendTo(end);
    svc.timeline = std::move(tl);
    svc.final_until = r.I64();
    svc.next_change = r.I64();
    svc.pruned_at = r.I64();
    svc.state_source = GetState(r);
    svc.last_heartbeat = r.I64();
    svc.probes.clear();
    uint64_t np = r.Count(8);
    for (uint64_t i = 0; i < np && r.ok(); ++i) {
      Probe p;
      uint64_t probe = r.U64(), location = r.U64();
      p.state = GetState(r);
      p.last = r.I64();
      p.streak_want = GetState(r);
      p.streak_count = static_cast<int>(r.I64());
      p.streak_start = r.I64();
      int to = probes(probe);
      if (location > 0xffff) r.Fail();
      if (to < 0) continue;  // the probe was removed from the config
      p.probe = static_cast<uint16_t>(to);
      p.location = static_cast<uint16_t>(location);
      svc.probes.push_back(p);
    }
    svc.buffer.clear();
    uint64_t nb = r.Count(3);
    prev = svc.final_until;
    for (uint64_t i = 0; i < nb && r.ok(); ++i) {
      Signal s = GetSignal(r, prev);
      s.service = index;
      if (s.kind == SignalKind::kProbe || s.kind == SignalKind::kGap) {
        int to = probes(s.probe);
        if (to < 0) {
          ++dropped;
          continue;
        }
        s.probe = static_cast<uint16_t>(to);
      }
      svc.buffer.push_back(s);
    }
    if (!r.done() || svc.final_until < origin) return Corrupt("of service " + sp.name);
    // Event-probe sources restored or buffered count for activation, and
    // every source for the staleness deadline.
    svc.src_seen = svc.multi_source = false;
    for (const Probe& p : svc.probes) svc.NoteResult(p.probe, p.location);
    for (const Signal& s : svc.buffer) {
      if (s.kind == SignalKind::kProbe) svc.NoteResult(s.probe, s.location);
    }
    // A cache: rebuilt on first use.
    svc.maint_cache.clear();
    svc.maint_from = svc.maint_to = 0;
    svc.ckpt_dirty = false;
    return std::string();
  }

  static void FreshService(Engine& e, Service& svc) {
    const Millis now = e.now_;
    svc.timeline = Timeline(now);
    svc.final_until = now;
    svc.next_change = now;
    svc.dirty = true;
    svc.buffer.clear();
    svc.probes.clear();
    svc.src_seen = svc.multi_source = false;
    svc.state_source = State::kUnknown;
    svc.last_heartbeat = kNever;
    svc.heartbeat_deadline = svc.probe_deadline = svc.deadline_registered = kForever;
    svc.pruned_at = now;
    svc.ckpt_dirty = true;
  }

  // ---- SLOs --------------------------------------------------------------

  static void EncodeSloShape(Writer& w, const Engine& e, const SloSpec& sp) {
    w.Str(e.spec_.services[sp.service].name);
    w.U8(static_cast<uint8_t>(sp.kind));
    w.I64(sp.window.rolling);
    w.U8(static_cast<uint8_t>(sp.window.calendar));
    w.Str(sp.window.calendar != CalendarUnit::kNone ? sp.time_zone : "");
    w.F64(sp.kind == SloKind::kLatency ? sp.latency_threshold_ms : 0);
  }

  static std::string EncodeSlo(const Engine& e, const SloRt& slo) {
    std::string out;
    if (slo.series) out.reserve(160 + slo.series->bytes_.size() + 40 * slo.series->blocks_.size());
    Writer w(out);
    w.U8(kStateFormatVersion);
    EncodeSloShape(w, e, *slo.spec);
    w.U8(slo.active ? 1 : 0);
    PutTime(w, slo.last_bad);
    PutTime(w, slo.period_start);
    PutTime(w, slo.period_end);
    uint8_t firing = 0;
    for (int a = 0; a < kNumAlertKinds; ++a) firing |= slo.firing[a] ? (1u << a) : 0;
    w.U8(firing);
    for (int a = 0; a < kNumAlertKinds; ++a) PutTime(w, slo.since[a]);
    w.U8(slo.series ? 1 : 0);
    if (slo.series) {
      const MinuteSeries& m = *slo.series;
      w.I64(m.open_minute_);
      PutCounts(w, m.open_);
      PutCounts(w, m.closed_);
      w.I64(m.first_minute_);
      w.I64(m.origin_minute_);
      w.U64(m.popped_);
      w.U64(m.written_);
      w.I64(m.period_first_minute_);
      PutCounts(w, m.period_sum_);
      w.U64(m.blocks_.size());
      for (const auto& b : m.blocks_) {
        PutCounts(w, b.before);
        w.U64(b.pos);
      }
      w.U64(m.bytes_.size());
      for (size_t i = 0; i < m.bytes_.size(); ++i) w.U8(m.bytes_[i]);
    }
    w.Seal(0);
    return out;
  }

  static Result<std::string> DecodeSlo(Engine& e, SloRt& slo, std::string_view blob) {
    const SloSpec& sp = *slo.spec;
    Reader r(blob);
    if (!r.Unseal() || r.U8() != kStateFormatVersion) return Corrupt("of SLO " + sp.name);
    std::string want;
    Writer ww(want);
    EncodeSloShape(ww, e, sp);
    std::string_view have = r.Bytes(want.size());
    if (!r.ok()) return Corrupt("of SLO " + sp.name);
    if (have != want) return std::string("service, kind, window or threshold changed");
    slo.active = r.U8() != 0;
    slo.last_bad = r.I64();
    slo.period_start = r.I64();
    slo.period_end = r.I64();
    uint8_t firing = r.U8();
    for (int a = 0; a < kNumAlertKinds; ++a) {
      slo.firing[a] = firing & (1u << a);
      slo.since[a] = r.I64();
    }
    bool has_series = r.U8() != 0;
    if (has_series != slo.series.has_value()) return Corrupt("of SLO " + sp.name);
    if (has_series) {
      // Keep the retention of the current config (lookbacks may have changed).
      MinuteSeries& m = *slo.series;
      m.open_minute_ = r.I64();
      m.open_ = GetCounts(r);
      m.closed_ = GetCounts(r);
      m.first_minute_ = r.I64();
      m.origin_minute_ = r.I64();
      m.popped_ = r.U64();
      m.written_ = r.U64();
      m.period_first_minute_ = r.I64();
      m.period_sum_ = GetCounts(r);
      m.blocks_.resize(static_cast<size_t>(r.Count(4)));
      for (auto& b : m.blocks_) {
        b.before = GetCounts(r);
        b.pos = r.U64();
        if (b.pos < m.popped_ || b.pos > m.written_) r.Fail();
      }
      uint64_t n = r.Count(1);
      std::string_view bytes = r.Bytes(static_cast<size_t>(n));
      m.bytes_.clear();
      for (char c : bytes) m.bytes_.push_back(static_cast<uint8_t>(c));
      m.cursors_.clear();
      if (m.written_ < m.popped_ || m.written_ - m.popped_ != n ||
          m.first_minute_ > m.open_minute_ ||
          m.blocks_.size() > static_cast<size_t>(m.open_minute_ - m.first_minute_) / 128 + 1) {
        r.Fail();
      }
    }
    if (!r.done()) return Corrupt("of SLO " + sp.name);
    slo.ckpt_dirty = false;
    return std::string();
  }

  static void FreshSlo(Engine& e, SloRt& slo) {
    const SloSpec& sp = *slo.spec;
    const Millis now = e.now_;
    slo.active = false;
    slo.last_bad = kNever;
    for (int a = 0; a < kNumAlertKinds; ++a) {
      slo.firing[a] = false;
      slo.since[a] = 0;
    }
    if (slo.zone) {
      auto [a, b] = slo.zone->Period(sp.window.calendar, now);
      slo.period_start = a;
      slo.period_end = b;
    }
    if (sp.kind != SloKind::kAvailability) {
      e.NewSeries(slo, now);
    }
    slo.ckpt_dirty = true;
  }

  // ---- sequencer ---------------------------------------------------------

  static std::string EncodeSequencer(const Engine& e, const Sequencer& q) {
    std::string out;
    Writer w(out);
    w.U8(kStateFormatVersion);
    w.I64(q.max_ts_);
    w.I64(q.released_);
    w.I64(q.release_limit_);
    // Replayable signals are left out: the input delivers them again from
    // the positions saved with this row (Signal::replayable).
    // Ids of released signals can only come back late (rejected before the
    // id check): the ids kept are those of the held signals — all of them,
    // since a restored sequencer that holds (a backlog read) takes signals
    // back to the last release, not only after the watermark — and those of
    // signals left out go with them. Times are saved relative to the
    // watermark.
    const Millis wm = q.watermark();
    // Services the saved signals name, with their probe names; the buckets
    // and ids saved.
    constexpr uint32_t kUnseen = UINT32_MAX;
    std::vector<uint32_t> table(e.spec_.services.size(), kUnseen);  // service -> saved index
    std::vector<uint32_t> order;
    size_t buckets = 0;
    size_t live = 0;
    q.ForEachBucket([&](Millis, const std::vector<Signal>& v) {
      bool any = false;
      for (const Signal& s : v) {
        if (s.replayable) continue;
        any = true;
        live += s.id_hash != 0;
        if (table[s.service] == kUnseen) {
          table[s.service] = static_cast<uint32_t>(order.size());
          order.push_back(s.service);
        }
      }
      buckets += any;
    });
    out.reserve(out.size() + (q.held() - q.held_replayable()) * 24);
    w.U64(order.size());
    for (uint32_t i : order) {
      const ServiceSpec& sp = e.spec_.services[i];
      w.Str(sp.name);
      w.U64(sp.probes.size());
      for (const ProbeSourceSpec& p : sp.probes) w.Str(p.name);
    }
    w.U64(buckets);
    const bool all = q.held_replayable() == 0;
    q.ForEachBucket([&](Millis start, const std::vector<Signal>& v) {
      const size_t n =
          all ? v.size()
              : static_cast<size_t>(std::count_if(v.begin(), v.end(),
                                                  [](const Signal& s) { return !s.replayable; }));
      if (n == 0) return;
      w.I64(start);
      w.U64(n);
      Millis prev = start;
      for (const Signal& s : v) {
        if (s.replayable) continue;
        w.U64(table[s.service]);
        PutSignal(w, s, prev);
      }
    });
    w.U64(live);
    q.ForEachBucket([&](Millis, const std::vector<Signal>& v) {
      for (const Signal& s : v) {
        if (s.replayable || s.id_hash == 0) continue;
        for (int i = 0; i < 8; ++i) w.U8(static_cast<uint8_t>(s.id_hash >> (8 * i)));
        w.I64(s.ts - wm);
      }
    });
    w.Seal(0);
    return out;
  }

  static Status DecodeSequencer(Engine& e, Sequencer& q, std::string_view blob,
                                const std::unordered_map<std::string_view, uint32_t>& by_name,
                                size_t& dropped) {
    Reader r(blob);
    if (!r.Unseal() || r.U8() != kStateFormatVersion) return Corrupt("of the sequencer");
    q.max_ts_ = r.I64();
    q.released_ = r.I64();
    q.release_limit_ = r.I64();
    struct Ref {
      int64_t service;
      ProbeMap probes;
    };
    std::vector<Ref> refs(static_cast<size_t>(r.Count(2)));
    for (Ref& ref : refs) {
      std::string_view name = r.Str();
      std::vector<std::string_view> probes(static_cast<size_t>(r.Count()));
      for (auto& p : probes) p = r.Str();
      auto it = by_name.find(name);
      ref.service = -1;
      if (it != by_name.end()) {
        ref.service = static_cast<int64_t>(it->second);
        ref.probes = ProbeMap(probes, e.spec_.services[it->second]);
      }
    }
    q.ClearHeld();
    uint64_t nb = r.Count(2);
    for (uint64_t b = 0; b < nb && r.ok(); ++b) {
      Millis start = r.I64();
      uint64_t n = r.Count(4);
      std::vector<Signal> v;
      Millis prev = start;
      for (uint64_t i = 0; i < n && r.ok(); ++i) {
        uint64_t ref = r.U64();
        Signal s = GetSignal(r, prev);
        if (ref >= refs.size()) {
          r.Fail();
          break;
        }
        const Ref& to = refs[static_cast<size_t>(ref)];
        if (to.service < 0) {
          ++dropped;
          continue;
        }
        s.service = static_cast<uint32_t>(to.service);
        if (s.kind == SignalKind::kProbe || s.kind == SignalKind::kGap) {
          int p = to.probes(s.probe);
          if (p < 0) {
            ++dropped;
            continue;
          }
          s.probe = static_cast<uint16_t>(p);
        }
        v.push_back(s);
      }
      q.RestoreBucket(start, std::move(v));
    }
    Millis wm = q.watermark();
    uint64_t nid = r.Count(9);
    for (uint64_t i = 0; i < nid && r.ok(); ++i) {
      uint64_t id = 0;
      for (int k = 0; k < 8; ++k) id |= static_cast<uint64_t>(r.U8()) << (8 * k);
      Millis ts = wm + r.I64();
      q.RestoreId(id, ts);
    }
    if (!r.done()) return Corrupt("of the sequencer");
    return Ok{};
  }

  // ---- whole engine ------------------------------------------------------

  static EngineState Collect(Engine& e, const Sequencer* q, bool full) {
    EngineState st;
    st.full = full;
    st.engine = EncodeEngine(e);
    if (q) st.sequencer = EncodeSequencer(e, *q);
    if (!e.started_) return st;
    // A composite's timeline is derived from its members': save it with them.
    std::function<void(uint32_t)> mark = [&](uint32_t i) {
      for (uint32_t d : e.services_[i].dependents) {
        if (!e.services_[d].ckpt_dirty) {
          e.services_[d].ckpt_dirty = true;
          mark(d);
        }
      }
    };
    for (uint32_t i = 0; i < e.services_.size(); ++i) {
      if (e.services_[i].ckpt_dirty) mark(i);
    }
    for (Service& svc : e.services_) {
      if (!full && !svc.ckpt_dirty) continue;
      st.services.push_back({svc.spec->name, EncodeService(e, svc)});
      svc.ckpt_dirty = false;
    }
    for (SloRt& slo : e.slos_) {
      if (!full && !slo.ckpt_dirty) continue;
      st.slos.push_back({slo.spec->name, EncodeSlo(e, slo)});
      slo.ckpt_dirty = false;
    }
    return st;
  }

  static Result<RestoreReport> Restore(Engine& e, Sequencer* q, const EngineState& st) {
    RestoreReport rep;
    if (e.started_) return Error{"restore needs a new engine"};
    std::unordered_map<std::string_view, uint32_t> service_index, slo_index;
    service_index.reserve(e.spec_.services.size());
    slo_index.reserve(e.spec_.slos.size());
    for (uint32_t i = 0; i < e.spec_.services.size(); ++i) {
      service_index.emplace(e.spec_.services[i].name, i);
    }
    for (uint32_t i = 0; i < e.spec_.slos.size(); ++i) slo_index.emplace(e.spec_.slos[i].name, i);

    if (!st.engine.empty()) {
      Reader r(st.engine);
      if (!r.Unseal() || r.U8() != kStateFormatVersion) return Corrupt("of the engine");
      bool started = r.U8() != 0;
      Millis origin = r.I64(), now = r.I64(), next_eval = r.I64(), interval = r.I64();
      if (!r.done() || now < origin) return Corrupt("of the engine");
      if (started) {
        e.Start(origin);
        e.now_ = now;
        // A changed grid: the first point of the new grid after now.
        e.next_eval_ = interval == e.spec_.evaluation_interval
                           ? next_eval
                           : CeilTo(now + 1, e.spec_.evaluation_interval);
        std::vector<bool> done(e.services_.size(), false);
        for (const StateRow& row : st.services) {
          auto it = service_index.find(row.key);
          if (it == service_index.end()) {
            rep.services_removed.push_back(row.key);
            continue;
          }
          auto why = DecodeService(e, it->second, row.blob, rep.signals_dropped);
          if (!why.ok()) return why.error();
          if (why->empty()) {
            done[it->second] = true;
            ++rep.services_restored;
          } else {
            FreshService(e, e.services_[it->second]);
            rep.services_fresh.push_back(row.key + ": " + *why);
            done[it->second] = true;
          }
        }
        for (uint32_t i = 0; i < e.services_.size(); ++i) {
          if (done[i]) continue;
          FreshService(e, e.services_[i]);
          rep.services_fresh.push_back(e.spec_.services[i].name + ": new");
        }
        std::vector<bool> slo_done(e.slos_.size(), false);
        for (const StateRow& row : st.slos) {
          auto it = slo_index.find(row.key);
          if (it == slo_index.end()) {
            rep.slos_removed.push_back(row.key);
            continue;
          }
          SloRt& slo = e.slos_[it->second];
          auto why = DecodeSlo(e, slo, row.blob);
          if (!why.ok()) return why.error();
          slo_done[it->second] = true;
          if (why->empty()) {
            ++rep.slos_restored;
          } else {
            FreshSlo(e, slo);
            rep.slos_fresh.push_back(row.key + ": " + *why);
          }
        }
        for (uint32_t i = 0; i < e.slos_.size(); ++i) {
          if (slo_done[i]) continue;
          FreshSlo(e, e.slos_[i]);
          rep.slos_fresh.push_back(e.spec_.slos[i].name + ": new");
        }
        // Derived indexes: the active set and the deadline wheel.
        e.active_.clear();
        for (uint32_t i = 0; i < e.slos_.size(); ++i) {
          if (e.slos_[i].active) e.active_.push_back(i);
        }
        e.wake_ = kNever;  // every active SLO is due at the next grid point
        e.wheel_.clear();
        for (uint32_t i = 0; i < e.services_.size(); ++i) {
          if (e.services_[i].deadline_registered != kForever) {
            e.wheel_.emplace_back(e.services_[i].deadline_registered, i);
          }
        }
        std::make_heap(e.wheel_.begin(), e.wheel_.end(), std::greater<>());
      }
    }
    if (q && !st.sequencer.empty()) {
      Status s = DecodeSequencer(e, *q, st.sequencer, service_index, rep.signals_dropped);
      if (!s.ok()) return s.error();
    }
    return rep;
  }
};

}  // namespace internal

size_t EngineState::bytes() const {
  size_t n = engine.size() + sequencer.size();
  for (const StateRow& r : services) n += r.key.size() + r.blob.size();
  for (const StateRow& r : slos) n += r.key.size() + r.blob.size();
  return n;
}

EngineState CollectState(Engine& engine, const Sequencer* sequencer, bool full) {
  return internal::StateAccess::Collect(engine, sequencer, full);
}

Result<RestoreReport> RestoreState(Engine& engine, Sequencer* sequencer, const EngineState& state) {
  return internal::StateAccess::Restore(engine, sequencer, state);
}

size_t MarkProbeGap(Engine& engine, Sequencer& sequencer, Millis from) {
  const Millis at = std::max({from, sequencer.watermark(), engine.now()});
  size_t n = 0;
  for (const Signal& s : engine.ProbeGaps(at)) n += sequencer.Push(s) == Verdict::kAccepted;
  return n;
}

}  // namespace ninesd::slo
