#include "store/state_store.h"

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>

namespace ninesd::store {
namespace {

namespace fs = std::filesystem;

constexpr int32_t kApplicationId = 0x4e494e45;  // "NINE": refuses other programs' databases

// kMigrations[v] takes the schema from version v to v + 1, in the same
// transaction as the user_version bump: an interrupted migration is rolled
// back and runs again at the next start.
const char* const kMigrations[] = {
    // 0 -> 1
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE service_state(name TEXT PRIMARY KEY, state BLOB NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE slo_state(name TEXT PRIMARY KEY, state BLOB NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE kafka_offsets(topic TEXT NOT NULL, partition INTEGER NOT NULL,"
    " next_offset INTEGER NOT NULL, PRIMARY KEY(topic, partition)) WITHOUT ROWID;"
    "CREATE TABLE blobs(name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;",
    // 1 -> 2: history (slo/history.h). Availability days keep milliseconds
    // per state, ratio and latency days event counts.
    "CREATE TABLE slo_days(slo TEXT NOT NULL, day_start INTEGER NOT NULL,"
    " day_end INTEGER NOT NULL, up_ms INTEGER NOT NULL, degraded_ms INTEGER NOT NULL,"
    " down_ms INTEGER NOT NULL, unknown_ms INTEGER NOT NULL, excluded_ms INTEGER NOT NULL,"
    " events INTEGER NOT NULL, bad_events INTEGER NOT NULL, excluded_events INTEGER NOT NULL,"
    " PRIMARY KEY(slo, day_start)) WITHOUT ROWID;"
    "CREATE INDEX slo_days_by_end ON slo_days(day_end);"
    "CREATE TABLE service_runs(service TEXT NOT NULL, start INTEGER NOT NULL,"
    " end INTEGER NOT NULL, state TEXT NOT NULL, PRIMARY KEY(service, start)) WITHOUT ROWID;"
    "CREATE INDEX service_runs_by_end ON service_runs(end);"
    "CREATE TABLE history_cursors(kind TEXT NOT NULL, name TEXT NOT NULL, at INTEGER NOT NULL,"
    " PRIMARY KEY(kind, name)) WITHOUT ROWID;",
};
static_assert(std::size(kMigrations) == kSchemaVersion);

constexpr const char* kAdvice =
    "nothing was changed: move it away, or start over with --reset-state";

std::string SqliteError(sqlite3* db, int rc) {
  std::string m = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string s = sqlite3_errstr(rc);
  return m == s ? m : m + " (" + s + ")";
}

bool IsCorruption(int rc) {
  int primary = rc & 0xff;
  return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
}

class Stmt {
 public:
  Stmt() = default;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() { sqlite3_finalize(s_); }
  int Prepare(sqlite3* db, const char* sql) {
    sqlite3_finalize(s_);
    s_ = nullptr;
    return sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s_, nullptr);
  }
  sqlite3_stmt* get() const { return s_; }
  void BindText(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  }
  void BindBlob(int i, std::string_view v) {
    sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  }
  void BindInt(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
  // Runs a statement that returns no rows; resets it for the next use.
  int Run() {
    int rc = sqlite3_step(s_);
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
  }

 private:
  sqlite3_stmt* s_ = nullptr;
};

std::string ColumnBytes(sqlite3_stmt* s, int i) {
  const void* p = sqlite3_column_blob(s, i);
  int n = sqlite3_column_bytes(s, i);
  return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}

// Steps a bound query to its end; `row` per result row; resets it.
int Each(Stmt& s, const std::function<bool(sqlite3_stmt*)>& row) {
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    if (!row(s.get())) {
      rc = SQLITE_CORRUPT;
      break;
    }
  }
  sqlite3_reset(s.get());
  sqlite3_clear_bindings(s.get());
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

// The first column of the first row of `sql` as an integer; rc tells why not.
Result<int64_t> QueryInt(sqlite3* db, const char* sql, int& rc) {
  Stmt s;
  rc = s.Prepare(db, sql);
  if (rc != SQLITE_OK) return Error{""};
  rc = sqlite3_step(s.get());
  if (rc != SQLITE_ROW) return Error{""};
  rc = SQLITE_OK;
  return static_cast<int64_t>(sqlite3_column_int64(s.get(), 0));
}

std::string UtcStamp() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

// Adds `rows` on top of `into`: later rows win, as they are written later.
void Merge(CheckpointData& into, CheckpointData&& next) {
  if (next.engine.full) {
    into.engine = std::move(next.engine);
  } else {
    into.engine.engine = std::move(next.engine.engine);
    into.engine.sequencer = std::move(next.engine.sequencer);
    // A later deletion wins over an earlier row of that name.
    auto drop = [](std::vector<slo::StateRow>& rows, const std::vector<std::string>& names) {
      if (names.empty()) return;
      std::erase_if(rows, [&](const slo::StateRow& r) {
        return std::find(names.begin(), names.end(), r.key) != names.end();
      });
    };
    drop(into.engine.services, next.engine.deleted_services);
    drop(into.engine.slos, next.engine.deleted_slos);
    for (auto& k : next.engine.deleted_services) into.engine.deleted_services.push_back(k);
    for (auto& k : next.engine.deleted_slos) into.engine.deleted_slos.push_back(k);
    for (auto& r : next.engine.services) into.engine.services.push_back(std::move(r));
    for (auto& r : next.engine.slos) into.engine.slos.push_back(std::move(r));
  }
  for (auto& o : next.offsets) into.offsets.push_back(std::move(o));
  for (auto& [k, v] : next.blobs) into.blobs[k] = std::move(v);
  into.wall_time_ms = next.wall_time_ms;
  for (auto& d : next.days) into.days.push_back(std::move(d));
  for (auto& r : next.runs) into.runs.push_back(std::move(r));
  for (auto& c : next.cursors) into.cursors.push_back(std::move(c));
  into.prune_before = std::max(into.prune_before, next.prune_before);
}

std::optional<slo::State> ParseState(std::string_view name) {
  for (int i = 0; i < slo::kNumStates; ++i) {
    if (name == slo::StateName(static_cast<slo::State>(i))) return static_cast<slo::State>(i);
  }
  return std::nullopt;
}

}  // namespace

struct StateStore::Impl {
  std::string path;
  sqlite3* db = nullptr;
  uint64_t sequence = 0;
  Stmt put_meta, put_service, put_slo, put_offset, put_blob, del_blob, del_service, del_slo;
  Stmt put_day, put_run, put_cursor, prune_days, prune_runs, del_cursor, del_open_runs;

  std::mutex db_mu;                     // one user of the connection at a time
  std::optional<CheckpointData> carry;  // a failed checkpoint, written with the next

  std::mutex mu;
  std::condition_variable cv;
  bool in_flight = false;
  bool stop = false;
  std::optional<CheckpointData> job;
  Done job_done;
  std::thread worker;

  ~Impl() {
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return !in_flight; });
      stop = true;
    }
    cv.notify_all();
    if (worker.joinable()) worker.join();
    // close_v2: the statements (members) are finalized after this body.
    sqlite3_close_v2(db);
  }

  Error Fail(const std::string& what, int rc) const {
    return Error{"state file " + path + ": " + what + ": " + SqliteError(db, rc)};
  }

  Status Exec(const char* sql, const char* what) {
    char* msg = nullptr;
    int rc = sqlite3_exec(db, sql, nullptr, nullptr, &msg);
    sqlite3_free(msg);
    if (rc != SQLITE_OK) return Fail(what, rc);
    return Ok{};
  }

  Result<int64_t> PragmaInt(const char* sql, int& rc) { return QueryInt(db, sql, rc); }

  Result<CheckpointStats> DoWrite(CheckpointData data) {
    std::lock_guard lock(db_mu);
    if (carry) {
      Merge(*carry, std::move(data));
      data = std::move(*carry);
      carry.reset();
    }
    auto t0 = std::chrono::steady_clock::now();
    CheckpointStats st;
    st.sequence = sequence + 1;
    st.bytes = data.engine.bytes();
    st.rows = data.engine.services.size() + data.engine.slos.size();
    st.history_rows = data.days.size() + data.runs.size();
    int rc = Transaction(data, st.sequence);
    if (rc != SQLITE_OK) {
      Error e = Fail("checkpoint failed (kept for the next one)", rc);
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      carry = std::move(data);
      return e;
    }
    sequence = st.sequence;
    st.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return st;
  }

  int Transaction(const CheckpointData& d, uint64_t seq) {
    int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return rc;
    if (d.engine.full) {
      rc = sqlite3_exec(db, "DELETE FROM service_state; DELETE FROM slo_state;", nullptr, nullptr,
                        nullptr);
      if (rc != SQLITE_OK) return rc;
    }
    auto rows = [&](Stmt& s, const std::vector<slo::StateRow>& v) {
      for (const slo::StateRow& r : v) {
        s.BindText(1, r.key);
        s.BindBlob(2, r.blob);
        if (int e = s.Run(); e != SQLITE_OK) return e;
      }
      return SQLITE_OK;
    };
    auto deletes = [&](Stmt& s, const std::vector<std::string>& v) {
      for (const std::string& k : v) {
        s.BindText(1, k);
        if (int e = s.Run(); e != SQLITE_OK) return e;
      }
      return SQLITE_OK;
    };
    if ((rc = deletes(del_service, d.engine.deleted_services)) != SQLITE_OK) return rc;
    if ((rc = deletes(del_slo, d.engine.deleted_slos)) != SQLITE_OK) return rc;
    if ((rc = rows(put_service, d.engine.services)) != SQLITE_OK) return rc;
    if ((rc = rows(put_slo, d.engine.slos)) != SQLITE_OK) return rc;
    auto meta_blob = [&](const char* key, std::string_view v) {
      put_meta.BindText(1, key);
      put_meta.BindBlob(2, v);
      return put_meta.Run();
    };
    auto meta_int = [&](const char* key, int64_t v) {
      put_meta.BindText(1, key);
      put_meta.BindInt(2, v);
      return put_meta.Run();
    };
    if ((rc = meta_blob("engine", d.engine.engine)) != SQLITE_OK) return rc;
    if ((rc = meta_blob("sequencer", d.engine.sequencer)) != SQLITE_OK) return rc;
    if ((rc = meta_int("sequence", static_cast<int64_t>(seq))) != SQLITE_OK) return rc;
    if ((rc = meta_int("wall_time_ms", d.wall_time_ms)) != SQLITE_OK) return rc;
    for (const KafkaOffset& o : d.offsets) {
      put_offset.BindText(1, o.topic);
      put_offset.BindInt(2, o.partition);
      put_offset.BindInt(3, o.next_offset);
      if ((rc = put_offset.Run()) != SQLITE_OK) return rc;
    }
    for (const auto& [name, value] : d.blobs) {
      Stmt& s = value.empty() ? del_blob : put_blob;
      s.BindText(1, name);
      if (!value.empty()) s.BindBlob(2, value);
      if ((rc = s.Run()) != SQLITE_OK) return rc;
    }
    for (const HistoryDay& day : d.days) {
      put_day.BindText(1, day.slo);
      put_day.BindInt(2, day.start);
      put_day.BindInt(3, day.end);
      for (int i = 0; i < slo::kNumStates; ++i) {
        put_day.BindInt(4 + i, day.raw.durations[static_cast<size_t>(i)]);
      }
      put_day.BindInt(9, static_cast<int64_t>(day.raw.counts.total));
      put_day.BindInt(10, static_cast<int64_t>(day.raw.counts.bad));
      put_day.BindInt(11, static_cast<int64_t>(day.raw.counts.excluded));
      if ((rc = put_day.Run()) != SQLITE_OK) return rc;
    }
    for (const HistoryRun& run : d.runs) {
      put_run.BindText(1, run.service);
      put_run.BindInt(2, run.start);
      put_run.BindInt(3, run.end);
      put_run.BindText(4, slo::StateName(run.state));
      if ((rc = put_run.Run()) != SQLITE_OK) return rc;
    }
    for (const slo::HistoryRecorder::Cursor& c : d.cursors) {
      put_cursor.BindText(1, c.slo ? "slo" : "service");
      put_cursor.BindText(2, c.name);
      put_cursor.BindInt(3, c.at);
      if ((rc = put_cursor.Run()) != SQLITE_OK) return rc;
    }
    if (d.prune_before > 0) {
      prune_days.BindInt(1, d.prune_before);
      if ((rc = prune_days.Run()) != SQLITE_OK) return rc;
      prune_runs.BindInt(1, d.prune_before - 2 * slo::kDay);
      if ((rc = prune_runs.Run()) != SQLITE_OK) return rc;
    }
    // The history of names no longer configured: their cursors go (a name
    // added again later starts afresh) and so do their open runs.
    for (const std::string& name : d.engine.deleted_slos) {
      del_cursor.BindText(1, "slo");
      del_cursor.BindText(2, name);
      if ((rc = del_cursor.Run()) != SQLITE_OK) return rc;
    }
    for (const std::string& name : d.engine.deleted_services) {
      del_cursor.BindText(1, "service");
      del_cursor.BindText(2, name);
      if ((rc = del_cursor.Run()) != SQLITE_OK) return rc;
      del_open_runs.BindText(1, name);
      if ((rc = del_open_runs.Run()) != SQLITE_OK) return rc;
    }
    return sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  }

  void Run() {
    std::unique_lock lock(mu);
    while (true) {
      cv.wait(lock, [&] { return stop || job.has_value(); });
      if (job) {
        CheckpointData data = std::move(*job);
        Done done = std::move(job_done);
        job.reset();
        lock.unlock();
        Result<CheckpointStats> r = DoWrite(std::move(data));
        if (done) done(r);
        lock.lock();
        in_flight = false;
        cv.notify_all();
        continue;
      }
      if (stop) return;
    }
  }
};

StateStore::StateStore(std::string path, std::unique_ptr<Impl> impl)
    : path_(std::move(path)), impl_(std::move(impl)) {}

StateStore::~StateStore() = default;

Result<std::unique_ptr<StateStore>> StateStore::Open(const std::string& path,
                                                     const StoreOptions& options) {
  const std::string where = "state file " + path;
  fs::path p(path);
  fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Error{"state directory " + dir.string() + " does not exist"};
  }
  std::string backup;
  if (options.reset && fs::exists(p, ec)) {
    backup = path + ".reset-" + UtcStamp();
    for (int i = 1; fs::exists(backup, ec); ++i) {
      backup = path + ".reset-" + UtcStamp() + "-" + std::to_string(i);
    }
    fs::rename(p, backup, ec);
    if (ec) return Error{where + ": cannot move it aside for --reset-state: " + ec.message()};
    // The WAL belongs to the file: it moves with it (it may hold its last commits).
    if (fs::exists(path + "-wal", ec)) fs::rename(path + "-wal", backup + "-wal", ec);
    fs::remove(path + "-shm", ec);
  }
  const bool existed = fs::exists(p, ec) && fs::file_size(p, ec) > 0;
  if (access(dir.c_str(), W_OK) != 0) {
    return Error{"state directory " + dir.string() + " is not writable: " + std::strerror(errno)};
  }
  if (existed) {
    if (access(path.c_str(), R_OK | W_OK) != 0) {
      return Error{where + " is not readable and writable: " + std::strerror(errno)};
    }
    std::ifstream f(path, std::ios::binary);
    char header[16] = {};
    f.read(header, sizeof header);
    if (f.gcount() != sizeof header || std::memcmp(header, "SQLite format 3", 16) != 0) {
      return Error{where + " is not an SQLite database (damaged or not ours); " + kAdvice};
    }
  }

  auto impl = std::make_unique<Impl>();
  impl->path = path;
  int rc =
      sqlite3_open_v2(path.c_str(), &impl->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) return impl->Fail("cannot open", rc);
  sqlite3_extended_result_codes(impl->db, 1);
  sqlite3_busy_timeout(impl->db, 2000);

  if (existed) {
    // Read-only checks first: a file we refuse is never written to.
    auto app = impl->PragmaInt("PRAGMA application_id", rc);
    if (!app.ok()) {
      if (IsCorruption(rc)) return impl->Fail(std::string("is corrupt; ") + kAdvice, rc);
      return impl->Fail("cannot read", rc);
    }
    auto version = impl->PragmaInt("PRAGMA user_version", rc);
    if (!version.ok()) return impl->Fail("cannot read", rc);
    auto tables = impl->PragmaInt("SELECT count(*) FROM sqlite_schema", rc);
    if (!tables.ok()) {
      if (IsCorruption(rc)) return impl->Fail(std::string("is corrupt; ") + kAdvice, rc);
      return impl->Fail("cannot read", rc);
    }
    if (*app != kApplicationId && (*app != 0 || *version != 0 || *tables != 0)) {
      return Error{where + " is not a ninesd state file (another program's SQLite database); " +
                   kAdvice};
    }
    if (*version > kSchemaVersion) {
      return Error{where + " was written by a newer ninesd (schema version " +
                   std::to_string(*version) + ", this build knows up to " +
                   std::to_string(kSchemaVersion) + "); nothing was changed: upgrade ninesd, " +
                   "or start over with --reset-state"};
    }
    if (options.verify) {
      Stmt s;
      rc = s.Prepare(impl->db, "PRAGMA quick_check(1)");
      if (rc == SQLITE_OK) rc = sqlite3_step(s.get());
      if (rc != SQLITE_ROW) {
        if (IsCorruption(rc)) return impl->Fail(std::string("is corrupt; ") + kAdvice, rc);
        return impl->Fail("cannot check", rc);
      }
      std::string verdict = reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0));
      if (verdict != "ok") {
        return Error{where + " is corrupt (quick_check: " + verdict + "); " + kAdvice};
      }
    }
  }

  // WAL: readers never block the writer, and a commit is one append and one
  // fsync. synchronous=FULL syncs the WAL at every commit, so a checkpoint
  // that returned survives a power loss, not only a crash; at one commit per
  // checkpoint interval the fsync costs nothing that matters.
  {
    Stmt s;
    rc = s.Prepare(impl->db, "PRAGMA journal_mode=WAL");
    if (rc == SQLITE_OK) rc = sqlite3_step(s.get());
    if (rc != SQLITE_ROW) return impl->Fail("cannot switch to WAL", rc);
    std::string mode = reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0));
    if (mode != "wal") return Error{where + ": cannot switch to WAL (journal mode " + mode + ")"};
  }
  if (Status s = impl->Exec("PRAGMA synchronous=FULL; PRAGMA journal_size_limit=67108864;",
                            "cannot configure");
      !s.ok()) {
    return s.error();
  }

  // Migrations, in one transaction with the version bump.
  if (Status s = impl->Exec("BEGIN IMMEDIATE", "cannot start the schema migration"); !s.ok()) {
    return s.error();
  }
  auto version = impl->PragmaInt("PRAGMA user_version", rc);
  if (!version.ok()) {
    sqlite3_exec(impl->db, "ROLLBACK", nullptr, nullptr, nullptr);
    return impl->Fail("cannot read", rc);
  }
  for (int64_t v = *version; v < kSchemaVersion; ++v) {
    if (Status s = impl->Exec(kMigrations[v], "schema migration failed"); !s.ok()) {
      sqlite3_exec(impl->db, "ROLLBACK", nullptr, nullptr, nullptr);
      return s.error();
    }
  }
  std::string bump = "PRAGMA user_version=" + std::to_string(kSchemaVersion) +
                     "; PRAGMA application_id=" + std::to_string(kApplicationId) + "; COMMIT";
  if (Status s = impl->Exec(bump.c_str(), "schema migration failed"); !s.ok()) {
    sqlite3_exec(impl->db, "ROLLBACK", nullptr, nullptr, nullptr);
    return s.error();
  }

  struct {
    Stmt* stmt;
    const char* sql;
  } prepared[] = {
      {&impl->put_meta, "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)"},
      {&impl->put_service, "INSERT OR REPLACE INTO service_state(name, state) VALUES(?1, ?2)"},
      {&impl->put_slo, "INSERT OR REPLACE INTO slo_state(name, state) VALUES(?1, ?2)"},
      {&impl->put_offset,
       "INSERT OR REPLACE INTO kafka_offsets(topic, partition, next_offset) VALUES(?1, ?2, ?3)"},
      {&impl->put_blob, "INSERT OR REPLACE INTO blobs(name, value) VALUES(?1, ?2)"},
      {&impl->del_blob, "DELETE FROM blobs WHERE name = ?1"},
      {&impl->del_service, "DELETE FROM service_state WHERE name = ?1"},
      {&impl->del_slo, "DELETE FROM slo_state WHERE name = ?1"},
      {&impl->put_day,
       "INSERT OR REPLACE INTO slo_days(slo, day_start, day_end, up_ms, degraded_ms, down_ms,"
       " unknown_ms, excluded_ms, events, bad_events, excluded_events)"
       " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"},
      {&impl->put_run,
       "INSERT OR REPLACE INTO service_runs(service, start, end, state) VALUES(?1, ?2, ?3, ?4)"},
      {&impl->put_cursor,
       "INSERT OR REPLACE INTO history_cursors(kind, name, at) VALUES(?1, ?2, ?3)"},
      {&impl->del_cursor, "DELETE FROM history_cursors WHERE kind = ?1 AND name = ?2"},
      {&impl->del_open_runs,
       "DELETE FROM service_runs WHERE service = ?1 AND end = 9223372036854775807"},
      {&impl->prune_days, "DELETE FROM slo_days WHERE day_end < ?1"},
      {&impl->prune_runs, "DELETE FROM service_runs WHERE end < ?1"},
  };
  for (auto& [stmt, sql] : prepared) {
    rc = stmt->Prepare(impl->db, sql);
    if (rc != SQLITE_OK) return impl->Fail("cannot prepare", rc);
  }
  auto seq = impl->PragmaInt("SELECT value FROM meta WHERE key = 'sequence'", rc);
  impl->sequence = seq.ok() ? static_cast<uint64_t>(*seq) : 0;
  if (!seq.ok() && rc != SQLITE_DONE) return impl->Fail("cannot read", rc);

  Impl* raw = impl.get();
  impl->worker = std::thread([raw] { raw->Run(); });
  std::unique_ptr<StateStore> store(new StateStore(path, std::move(impl)));
  store->reset_backup_ = backup;
  return store;
}

Result<LoadedState> StateStore::Load() {
  WaitIdle();
  Impl& im = *impl_;
  std::lock_guard lock(im.db_mu);
  LoadedState out;
  int rc = sqlite3_exec(im.db, "BEGIN", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return im.Fail("cannot read", rc);
  auto read = [&](const char* sql, const std::function<void(sqlite3_stmt*)>& row) -> int {
    Stmt s;
    int r = s.Prepare(im.db, sql);
    if (r != SQLITE_OK) return r;
    return Each(s, [&](sqlite3_stmt* st) {
      row(st);
      return true;
    });
  };
  rc = read("SELECT key, value FROM meta", [&](sqlite3_stmt* s) {
    std::string key = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    if (key == "engine") out.engine.engine = ColumnBytes(s, 1);
    if (key == "sequencer") out.engine.sequencer = ColumnBytes(s, 1);
    if (key == "sequence") out.sequence = static_cast<uint64_t>(sqlite3_column_int64(s, 1));
    if (key == "wall_time_ms") out.wall_time_ms = sqlite3_column_int64(s, 1);
  });
  if (rc == SQLITE_OK) {
    rc = read("SELECT name, state FROM service_state", [&](sqlite3_stmt* s) {
      out.engine.services.push_back({ColumnBytes(s, 0), ColumnBytes(s, 1)});
    });
  }
  if (rc == SQLITE_OK) {
    rc = read("SELECT name, state FROM slo_state", [&](sqlite3_stmt* s) {
      out.engine.slos.push_back({ColumnBytes(s, 0), ColumnBytes(s, 1)});
    });
  }
  if (rc == SQLITE_OK) {
    rc = read("SELECT topic, partition, next_offset FROM kafka_offsets", [&](sqlite3_stmt* s) {
      out.offsets.push_back({ColumnBytes(s, 0), static_cast<int32_t>(sqlite3_column_int(s, 1)),
                             sqlite3_column_int64(s, 2)});
    });
  }
  if (rc == SQLITE_OK) {
    rc = read("SELECT name, value FROM blobs",
              [&](sqlite3_stmt* s) { out.blobs[ColumnBytes(s, 0)] = ColumnBytes(s, 1); });
  }
  if (rc == SQLITE_OK) {
    rc = read("SELECT kind, name, at FROM history_cursors", [&](sqlite3_stmt* s) {
      out.cursors.push_back(
          {ColumnBytes(s, 0) == "slo", ColumnBytes(s, 1), sqlite3_column_int64(s, 2)});
    });
  }
  sqlite3_exec(im.db, "COMMIT", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    if (IsCorruption(rc)) return im.Fail(std::string("is corrupt; ") + kAdvice, rc);
    return im.Fail("cannot read", rc);
  }
  out.empty = out.sequence == 0;
  out.engine.full = true;
  return out;
}

Result<CheckpointStats> StateStore::Write(CheckpointData data) {
  WaitIdle();
  return impl_->DoWrite(std::move(data));
}

bool StateStore::WriteAsync(CheckpointData&& data, Done done) {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->in_flight) return false;
    impl_->in_flight = true;
    impl_->job = std::move(data);
    impl_->job_done = std::move(done);
  }
  impl_->cv.notify_all();
  return true;
}

bool StateStore::busy() const {
  std::lock_guard lock(impl_->mu);
  return impl_->in_flight;
}

void StateStore::WaitIdle() {
  std::unique_lock lock(impl_->mu);
  impl_->cv.wait(lock, [&] { return !impl_->in_flight; });
}

// ---------------------------------------------------------------------------
// HistoryReader

struct HistoryReader::Impl {
  std::string path;
  sqlite3* db = nullptr;
  Stmt days, day_range, runs;
  bool in_read = false;
  ~Impl() {
    if (in_read) sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_close_v2(db);
  }
  Error Fail(const std::string& what, int rc) const {
    return Error{"state file " + path + ": " + what + ": " + SqliteError(db, rc)};
  }
};

HistoryReader::HistoryReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HistoryReader::~HistoryReader() = default;

Result<std::unique_ptr<HistoryReader>> HistoryReader::Open(const std::string& path) {
  const std::string where = "state file " + path;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return Error{where + " does not exist (no history yet: run the daemon with this config)"};
  }
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  int rc = sqlite3_open_v2(path.c_str(), &impl->db, SQLITE_OPEN_READONLY, nullptr);
  if (rc != SQLITE_OK) return impl->Fail("cannot open", rc);
  sqlite3_extended_result_codes(impl->db, 1);
  sqlite3_busy_timeout(impl->db, 2000);
  auto pragma = [&](const char* sql) -> Result<int64_t> {
    int r = SQLITE_OK;
    auto v = QueryInt(impl->db, sql, r);
    if (!v.ok()) return impl->Fail(IsCorruption(r) ? "is corrupt" : "cannot read", r);
    return v;
  };
  auto app = pragma("PRAGMA application_id");
  if (!app.ok()) return app.error();
  if (*app != kApplicationId) return Error{where + " is not a ninesd state file"};
  auto version = pragma("PRAGMA user_version");
  if (!version.ok()) return version.error();
  if (*version > kSchemaVersion) {
    return Error{where + " was written by a newer ninesd (schema version " +
                 std::to_string(*version) + "): upgrade ninesd to read it"};
  }
  if (*version < 2) {
    return Error{where + " has no history yet (written by an older ninesd; the daemon " +
                 "upgrades it at its next start)"};
  }
  struct {
    Stmt* stmt;
    const char* sql;
  } prepared[] = {
      {&impl->days,
       "SELECT day_start, day_end, up_ms, degraded_ms, down_ms, unknown_ms, excluded_ms, events,"
       " bad_events, excluded_events FROM slo_days WHERE slo = ?1 AND day_start >= ?2"
       " AND day_start < ?3 ORDER BY day_start"},
      {&impl->day_range, "SELECT min(day_start), max(day_start) FROM slo_days WHERE slo = ?1"},
      {&impl->runs,
       "SELECT start, end, state FROM service_runs WHERE service = ?1 AND end > ?2"
       " AND start < ?3 ORDER BY start"},
  };
  for (auto& [stmt, sql] : prepared) {
    rc = stmt->Prepare(impl->db, sql);
    if (rc != SQLITE_OK) return impl->Fail("cannot prepare", rc);
  }
  return std::unique_ptr<HistoryReader>(new HistoryReader(std::move(impl)));
}

Status HistoryReader::Begin() {
  End();
  int rc = sqlite3_exec(impl_->db, "BEGIN", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return impl_->Fail("cannot read", rc);
  impl_->in_read = true;
  return Ok{};
}

void HistoryReader::End() {
  if (!impl_->in_read) return;
  sqlite3_exec(impl_->db, "COMMIT", nullptr, nullptr, nullptr);
  impl_->in_read = false;
}

Result<std::vector<HistoryDay>> HistoryReader::Days(const std::string& slo, int64_t from,
                                                    int64_t to) {
  std::vector<HistoryDay> out;
  Stmt& s = impl_->days;
  s.BindText(1, slo);
  s.BindInt(2, from);
  s.BindInt(3, to);
  int rc = Each(s, [&](sqlite3_stmt* r) {
    HistoryDay d;
    d.slo = slo;
    d.start = sqlite3_column_int64(r, 0);
    d.end = sqlite3_column_int64(r, 1);
    for (int i = 0; i < slo::kNumStates; ++i) {
      d.raw.durations[static_cast<size_t>(i)] = sqlite3_column_int64(r, 2 + i);
    }
    d.raw.counts.total = static_cast<uint64_t>(sqlite3_column_int64(r, 7));
    d.raw.counts.bad = static_cast<uint64_t>(sqlite3_column_int64(r, 8));
    d.raw.counts.excluded = static_cast<uint64_t>(sqlite3_column_int64(r, 9));
    out.push_back(d);
    return d.end > d.start;
  });
  if (rc != SQLITE_OK) return impl_->Fail("cannot read the daily history", rc);
  return out;
}

Result<std::optional<std::pair<int64_t, int64_t>>> HistoryReader::DayRange(const std::string& slo) {
  std::optional<std::pair<int64_t, int64_t>> out;
  Stmt& s = impl_->day_range;
  s.BindText(1, slo);
  int rc = Each(s, [&](sqlite3_stmt* r) {
    if (sqlite3_column_type(r, 0) != SQLITE_NULL) {
      out.emplace(sqlite3_column_int64(r, 0), sqlite3_column_int64(r, 1));
    }
    return true;
  });
  if (rc != SQLITE_OK) return impl_->Fail("cannot read the daily history", rc);
  return out;
}

Result<std::vector<HistoryRun>> HistoryReader::Runs(const std::string& service, int64_t from,
                                                    int64_t to) {
  std::vector<HistoryRun> out;
  Stmt& s = impl_->runs;
  s.BindText(1, service);
  s.BindInt(2, from);
  s.BindInt(3, to);
  int rc = Each(s, [&](sqlite3_stmt* r) {
    HistoryRun run;
    run.service = service;
    run.start = sqlite3_column_int64(r, 0);
    run.end = sqlite3_column_int64(r, 1);
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(r, 2));
    auto state = ParseState(text ? text : "");
    if (!state || run.end <= run.start) return false;
    run.state = *state;
    out.push_back(run);
    return true;
  });
  if (rc != SQLITE_OK) return impl_->Fail("cannot read the outage history", rc);
  return out;
}

}  // namespace ninesd::store
