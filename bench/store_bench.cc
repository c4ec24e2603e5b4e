// Checkpoint and restore cost of the state store with N SLOs (default
// 100 000): half availability SLOs fed by probe results with 50 outages over
// 30 days, half ratio SLOs with events in every minute of the last 2 hours.
//
//   store_bench [N] [DIR]
//
// Prints, as the median of 5 interleaved rounds:
//   - full checkpoint: CollectState (on the loop) + the SQLite transaction,
//     against a plain SQLite bulk insert of the same rows in one transaction
//     (same pragmas: WAL, synchronous=FULL) — the floor for writing them;
//   - incremental checkpoint after 1 % of the SLOs changed;
//   - restore: Open (with quick_check) + Load + RestoreState into a new
//     engine, against a plain SELECT of every row.

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "slo/engine.h"
#include "slo/engine_state.h"
#include "slo/history.h"
#include "slo/sequencer.h"
#include "store/state_store.h"

using namespace ninesd;
using namespace ninesd::slo;

namespace {

constexpr Millis kStart = 1'793'577'600'000;
constexpr Millis kSpan = 30 * kDay;

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// CPU time of the calling thread: on a shared machine wall time also counts
// the time other processes hold the cores.
double Cpu() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

ModelSpec Model(int n) {
  ModelSpec spec;
  for (int i = 0; i < n; ++i) {
    ServiceSpec svc;
    svc.name = "svc-" + std::to_string(i);
    const bool avail = i % 2 == 0;
    if (avail) svc.probes.push_back({"http", 90'000, 1, 1});
    spec.services.push_back(svc);
    SloSpec slo;
    slo.name = "slo-" + std::to_string(i);
    slo.service = static_cast<uint32_t>(i);
    slo.kind = avail ? SloKind::kAvailability : SloKind::kRatio;
    slo.objective = 0.999;
    slo.window.rolling = avail ? 30 * kDay : kHour;
    // The alert grid is not what is measured: one point a day keeps the
    // 30 days of history quick to build.
    if (!avail) {
      slo.lookbacks = {5 * kMinute, 30 * kMinute, kHour};
      slo.burn_alerts = {{"page", 14.4, kHour, 5 * kMinute}};
    }
    spec.slos.push_back(slo);
  }
  spec.evaluation_interval = kDay;
  return spec;
}

Signal ProbeAt(uint32_t svc, Millis t, bool ok) {
  Signal s;
  s.ts = t;
  s.service = svc;
  s.kind = SignalKind::kProbe;
  s.good = ok;
  return s;
}

Signal OutcomeAt(uint32_t svc, Millis t, bool ok) {
  Signal s;
  s.ts = t;
  s.service = svc;
  s.kind = SignalKind::kOutcome;
  s.good = ok;
  return s;
}

// 30 days of history: per availability service 50 outages (a failed and a
// recovering probe result), per ratio service one event a minute in the last
// two hours.
std::vector<Signal> History(int n) {
  std::mt19937_64 rng(1);
  std::vector<Signal> sig;
  for (int i = 0; i < n; i += 2) {
    const uint32_t svc = static_cast<uint32_t>(i);
    sig.push_back(ProbeAt(svc, kStart, true));
    for (int k = 0; k < 50; ++k) {
      Millis t = kStart + static_cast<Millis>(rng() % static_cast<uint64_t>(kSpan - kHour));
      sig.push_back(ProbeAt(svc, t, false));
      sig.push_back(ProbeAt(svc, t + static_cast<Millis>(60'000 + rng() % 540'000), true));
    }
    // Results keep coming (else probes go stale): one every 80 s at the end.
    for (Millis t = kStart + kSpan - 2 * kHour; t < kStart + kSpan; t += 80'000) {
      sig.push_back(ProbeAt(svc, t + i % 80'000, true));
    }
  }
  for (int i = 1; i < n; i += 2) {
    for (Millis t = kStart + kSpan - 2 * kHour; t < kStart + kSpan; t += kMinute) {
      sig.push_back(OutcomeAt(static_cast<uint32_t>(i), t + i % kMinute, rng() % 100 != 0));
    }
  }
  std::sort(sig.begin(), sig.end(), [](const Signal& a, const Signal& b) { return a.ts < b.ts; });
  return sig;
}

// The floor: the same rows into a bare table, one transaction.
double PeerInsert(const std::string& path, const EngineState& st) {
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db,
               "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
               "CREATE TABLE t(name TEXT PRIMARY KEY, state BLOB NOT NULL) WITHOUT ROWID;",
               nullptr, nullptr, nullptr);
  double t0 = Now();
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO t VALUES(?1, ?2)", -1, &s, nullptr);
  for (const auto* rows : {&st.services, &st.slos}) {
    for (const StateRow& r : *rows) {
      sqlite3_bind_text(s, 1, r.key.data(), static_cast<int>(r.key.size()), SQLITE_STATIC);
      sqlite3_bind_blob(s, 2, r.blob.data(), static_cast<int>(r.blob.size()), SQLITE_STATIC);
      sqlite3_step(s);
      sqlite3_reset(s);
    }
  }
  sqlite3_finalize(s);
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  double t = Now() - t0;
  sqlite3_close(db);
  return t;
}

double PeerSelect(const std::string& path) {
  double t0 = Now();
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, "SELECT name, state FROM t", -1, &s, nullptr);
  std::vector<StateRow> rows;
  while (sqlite3_step(s) == SQLITE_ROW) {
    rows.push_back({reinterpret_cast<const char*>(sqlite3_column_text(s, 0)),
                    std::string(static_cast<const char*>(sqlite3_column_blob(s, 1)),
                                static_cast<size_t>(sqlite3_column_bytes(s, 1)))});
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  return Now() - t0;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 100'000;
  const std::string dir = argc > 2 ? argv[2] : "/tmp";
  const std::string path = dir + "/store_bench.db", peer = dir + "/store_bench_peer.db";
  constexpr int kRounds = 5;

  ModelSpec spec = Model(n);
  auto engine = std::move(Engine::Create(spec)).value();
  Sequencer seq(*engine, spec.allowed_lateness);
  double t0 = Now();
  std::vector<Signal> hist = History(n);
  engine->ApplyBatch(hist.data(), hist.size());
  seq.ReleaseUpTo(kStart + kSpan);
  std::printf("state: %d SLOs, %zu signals of history applied in %.1f s\n", n, hist.size(),
              Now() - t0);
  hist.clear();
  hist.shrink_to_fit();

  // The daily history: the first collection reads every day the engine
  // still holds (a fresh state file on an old engine), later ones what
  // became final since (on the loop, at each checkpoint).
  HistoryRecorder recorder = std::move(HistoryRecorder::Create(engine->spec())).value();
  std::vector<DayRecord> days;
  std::vector<RunRecord> runs;
  t0 = Now();
  double slowest = 0;
  for (int k = 0; k < 12; ++k) {  // every service once (12 slices)
    const double a = Now();
    recorder.Collect(*engine, &days, &runs);
    slowest = std::max(slowest, Now() - a);
  }
  std::printf(
      "history: first collections (12 slices) %zu days and %zu runs in %.0f ms, slowest "
      "%.0f ms\n",
      days.size(), runs.size(), (Now() - t0) * 1e3, slowest * 1e3);
  std::vector<double> history_collect;
  size_t history_rows = 0;

  std::mt19937_64 rng(2);
  Millis now = kStart + kSpan;
  std::vector<double> full_encode, full_write, peer_write, inc_encode, inc_write;
  std::vector<double> open_s, load_s, create_s, restore_s, peer_read;
  std::map<std::string, std::vector<double>> cpu;
  size_t full_bytes = 0, inc_bytes = 0, inc_rows = 0;
  for (int round = 0; round < kRounds; ++round) {
    std::filesystem::remove(path);
    std::filesystem::remove(path + "-wal");
    auto store = std::move(store::StateStore::Open(path)).value();
    // Full checkpoint (first after a start).
    double a = Now(), c = Cpu();
    store::CheckpointData d;
    d.engine = CollectState(*engine, &seq, true);
    full_encode.push_back(Now() - a);
    cpu["full_encode"].push_back(Cpu() - c);
    full_bytes = d.engine.bytes();
    // The peer on the same rows, interleaved.
    peer_write.push_back(PeerInsert(peer, d.engine));
    c = Cpu();
    auto w = store->Write(std::move(d));
    cpu["full_write"].push_back(Cpu() - c);
    if (!w.ok()) {
      std::fprintf(stderr, "%s\n", w.error().message.c_str());
      return 1;
    }
    full_write.push_back(w->seconds);

    // 1 % of the SLOs change: a signal each, a minute of event time later.
    now += 60'000;
    size_t accepted = 0;
    for (int k = 0; k < n / 100; ++k) {
      uint32_t svc = static_cast<uint32_t>(rng() % static_cast<uint64_t>(n));
      accepted += seq.Push(svc % 2 == 0 ? ProbeAt(svc, now, rng() % 2)
                                        : OutcomeAt(svc, now, rng() % 2)) == Verdict::kAccepted;
    }
    if (accepted != static_cast<size_t>(n / 100)) {
      std::fprintf(stderr, "only %zu of %d changes accepted (watermark %lld, at %lld)\n", accepted,
                   n / 100, static_cast<long long>(seq.watermark()), static_cast<long long>(now));
      return 1;
    }
    seq.ReleaseUpTo(now + spec.allowed_lateness + 1000);
    days.clear();
    runs.clear();
    a = Now();
    recorder.Collect(*engine, &days, &runs);
    history_collect.push_back(Now() - a);
    history_rows = days.size() + runs.size();
    a = Now();
    c = Cpu();
    d = {};
    d.engine = CollectState(*engine, &seq, false);
    inc_encode.push_back(Now() - a);
    cpu["inc_encode"].push_back(Cpu() - c);
    inc_bytes = d.engine.bytes();
    inc_rows = d.engine.services.size() + d.engine.slos.size();
    c = Cpu();
    w = store->Write(std::move(d));
    cpu["inc_write"].push_back(Cpu() - c);
    if (!w.ok()) return 1;
    inc_write.push_back(w->seconds);
    store.reset();

    // Restore: as a restart does it.
    a = Now();
    c = Cpu();
    auto reopened = std::move(store::StateStore::Open(path)).value();
    open_s.push_back(Now() - a);
    cpu["open_s"].push_back(Cpu() - c);
    a = Now();
    c = Cpu();
    auto loaded = std::move(reopened->Load()).value();
    load_s.push_back(Now() - a);
    cpu["load_s"].push_back(Cpu() - c);
    a = Now();
    c = Cpu();
    auto fresh = std::move(Engine::Create(spec)).value();
    Sequencer fresh_seq(*fresh, spec.allowed_lateness);
    create_s.push_back(Now() - a);
    cpu["create_s"].push_back(Cpu() - c);
    a = Now();
    c = Cpu();
    auto rep = RestoreState(*fresh, &fresh_seq, loaded.engine);
    restore_s.push_back(Now() - a);
    cpu["restore_s"].push_back(Cpu() - c);
    if (!rep.ok() || rep->slos_restored != static_cast<size_t>(n)) {
      std::fprintf(stderr, "restore failed\n");
      return 1;
    }
    peer_read.push_back(PeerSelect(peer));
  }
  const double fe = Median(full_encode), fw = Median(full_write), pw = Median(peer_write);
  const double ie = Median(inc_encode), iw = Median(inc_write);
  const double os = Median(open_s), ls = Median(load_s), rs = Median(restore_s);
  const double cs = Median(create_s);
  const double pr = Median(peer_read);
  std::printf("file: %.1f MiB\n",
              static_cast<double>(std::filesystem::file_size(path)) / (1 << 20));
  std::printf(
      "full checkpoint: %.1f MiB, %zu rows: encode %.0f ms + write %.0f ms = %.0f ms; "
      "peer bulk insert %.0f ms; write / peer = %.2f\n",
      static_cast<double>(full_bytes) / (1 << 20), static_cast<size_t>(2 * n), fe * 1e3, fw * 1e3,
      (fe + fw) * 1e3, pw * 1e3, fw / pw);
  std::printf(
      "incremental checkpoint (1%% changed): %zu rows, %.1f KiB: encode %.1f ms + write "
      "%.1f ms = %.1f ms\n",
      inc_rows, static_cast<double>(inc_bytes) / 1024, ie * 1e3, iw * 1e3, (ie + iw) * 1e3);
  std::printf(
      "restore: open+quick_check %.0f ms + load %.0f ms + decode %.0f ms = %.0f ms; "
      "peer select-all %.0f ms; load / peer = %.2f (Engine::Create of the model, "
      "needed anyway: %.0f ms)\n",
      os * 1e3, ls * 1e3, rs * 1e3, (os + ls + rs) * 1e3, pr * 1e3, ls / pr, cs * 1e3);
  std::printf("history collection per checkpoint: %.1f ms (%zu rows)\n",
              Median(history_collect) * 1e3, history_rows);
  std::printf("cpu time (ms, this thread; the writes run on it here):");
  for (auto& [k, v] : cpu) std::printf(" %s %.1f", k.c_str(), Median(v) * 1e3);
  std::printf("\n");
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(peer);
  std::filesystem::remove(peer + "-wal");
  return 0;
}
