// StateStore on real SQLite files: round trips, incremental rows, the
// asynchronous writer, every refusal of a bad file (nothing overwritten),
// read-only directory, full disk, reset, and kill -9 at random points.

#include "store/state_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <sstream>

#include "slo/sequencer.h"
#include "tests/common/temp_dir.h"
#include "tests/slo/helpers.h"

namespace ninesd::store {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << bytes;
}

CheckpointData Rows(int n, const std::string& value, bool full) {
  CheckpointData d;
  d.engine.full = full;
  d.engine.engine = "engine-" + value;
  d.engine.sequencer = "seq-" + value;
  for (int i = 0; i < n; ++i) {
    d.engine.services.push_back({"svc" + std::to_string(i), value});
    d.engine.slos.push_back({"slo" + std::to_string(i), value});
  }
  return d;
}

std::unique_ptr<StateStore> MustOpen(const std::string& path, StoreOptions o = {}) {
  auto s = StateStore::Open(path, o);
  if (!s.ok()) {
    ADD_FAILURE() << s.error().message;
    return nullptr;
  }
  return std::move(*s);
}

// A file with a real checkpoint in it, closed (WAL folded into the file).
std::string MakeStateFile(const std::string& dir, int rows = 2000) {
  std::string path = dir + "/state.db";
  auto s = MustOpen(path);
  CheckpointData d = Rows(rows, std::string(100, 'x'), true);
  d.offsets = {{"events", 0, 42}};
  EXPECT_TRUE(s->Write(std::move(d)).ok());
  return path;
}

TEST(StateStoreTest, NewFileLoadsEmpty) {
  test_support::TempDir dir;
  auto s = MustOpen(dir.path() + "/state.db");
  auto l = s->Load();
  ASSERT_TRUE(l.ok());
  EXPECT_TRUE(l->empty);
  EXPECT_EQ(l->sequence, 0u);
}

TEST(StateStoreTest, CheckpointRoundTripsAcrossReopen) {
  test_support::TempDir dir;
  const std::string path = dir.path() + "/state.db";
  {
    auto s = MustOpen(path);
    CheckpointData d = Rows(3, "v1", true);
    d.offsets = {{"events", 0, 100}, {"events", 1, 7}};
    d.blobs["alerts"] = std::string("\0\1\2", 3);
    d.wall_time_ms = 1234;
    auto st = s->Write(std::move(d));
    ASSERT_TRUE(st.ok()) << st.error().message;
    EXPECT_EQ(st->sequence, 1u);
    EXPECT_EQ(st->rows, 6u);
  }
  auto s = MustOpen(path);
  auto l = s->Load();
  ASSERT_TRUE(l.ok());
  EXPECT_FALSE(l->empty);
  EXPECT_EQ(l->sequence, 1u);
  EXPECT_EQ(l->wall_time_ms, 1234);
  EXPECT_EQ(l->engine.engine, "engine-v1");
  EXPECT_EQ(l->engine.sequencer, "seq-v1");
  EXPECT_EQ(l->engine.services.size(), 3u);
  EXPECT_EQ(l->engine.slos.size(), 3u);
  EXPECT_EQ(l->offsets, (std::vector<KafkaOffset>{{"events", 0, 100}, {"events", 1, 7}}));
  EXPECT_EQ(l->blobs.at("alerts"), std::string("\0\1\2", 3));
}

TEST(StateStoreTest, IncrementalRowsReplaceByNameAndFullDropsTheRest) {
  test_support::TempDir dir;
  auto s = MustOpen(dir.path() + "/state.db");
  ASSERT_TRUE(s->Write(Rows(3, "a", true)).ok());
  CheckpointData inc = Rows(0, "b", false);
  inc.engine.services = {{"svc1", "b"}};
  inc.engine.deleted_services = {"svc2"};
  inc.engine.deleted_slos = {"slo0", "nonexistent"};
  inc.offsets = {{"events", 0, 5}};
  inc.blobs["x"] = "1";
  ASSERT_TRUE(s->Write(std::move(inc)).ok());
  auto l = s->Load();
  ASSERT_TRUE(l.ok());
  std::map<std::string, std::string> svc;
  for (auto& r : l->engine.services) svc[r.key] = r.blob;
  EXPECT_EQ(svc, (std::map<std::string, std::string>{{"svc0", "a"}, {"svc1", "b"}}));
  EXPECT_EQ(l->engine.slos.size(), 2u);
  EXPECT_EQ(l->sequence, 2u);

  CheckpointData full = Rows(1, "c", true);
  full.blobs["x"] = "";  // deletes
  ASSERT_TRUE(s->Write(std::move(full)).ok());
  l = s->Load();
  ASSERT_TRUE(l.ok());
  ASSERT_EQ(l->engine.services.size(), 1u);
  EXPECT_EQ(l->engine.services[0].blob, "c");
  EXPECT_EQ(l->offsets, (std::vector<KafkaOffset>{{"events", 0, 5}}));  // offsets persist
  EXPECT_EQ(l->blobs.count("x"), 0u);
}

TEST(StateStoreTest, AsyncWriteHandsOffAndRefusesASecondWhileBusy) {
  test_support::TempDir dir;
  auto s = MustOpen(dir.path() + "/state.db");
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<Result<CheckpointStats>> result;
  ASSERT_TRUE(s->WriteAsync(Rows(10, "a", true), [&](const Result<CheckpointStats>& r) {
    result.set_value(r);
    released.wait();  // hold the writer: the store stays busy
  }));
  auto r = result.get_future().get();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->sequence, 1u);
  EXPECT_TRUE(s->busy());
  CheckpointData second = Rows(1, "b", false);
  EXPECT_FALSE(s->WriteAsync(std::move(second), nullptr));
  EXPECT_EQ(second.engine.services.size(), 1u);  // untouched: the caller keeps it
  release.set_value();
  s->WaitIdle();
  EXPECT_FALSE(s->busy());
  EXPECT_TRUE(s->WriteAsync(std::move(second), nullptr));
  s->WaitIdle();
  EXPECT_EQ(s->Load()->sequence, 2u);
}

TEST(StateStoreTest, EngineStateSurvivesTheStore) {
  using namespace slo::testing;
  slo::ModelSpec spec;
  slo::ServiceSpec web = Leaf("web");
  web.probes = {{"http", 30 * slo::kSecond, 2, 1}};
  spec.services = {web, Leaf("api")};
  spec.slos = {Availability("web", 0, 99.9, slo::kHour), Ratio("api", 1, 99, slo::kHour)};
  auto run = [&](slo::Sequencer& q, slo::Millis from, slo::Millis to) {
    for (slo::Millis t = from; t < to; t += 5 * slo::kSecond) {
      q.Push(Probe(0, t, (t / slo::kSecond) % 200 > 30));
      q.Push(Outcome(1, t, (t / slo::kSecond) % 7 != 0));
    }
  };
  auto a = MakeEngine(spec);
  slo::Sequencer qa(*a, spec.allowed_lateness);
  run(qa, kT0, kT0 + slo::kHour);
  test_support::TempDir dir;
  {
    auto s = MustOpen(dir.path() + "/state.db");
    CheckpointData d;
    d.engine = slo::CollectState(*a, &qa, true);
    ASSERT_TRUE(s->Write(std::move(d)).ok());
  }
  auto s = MustOpen(dir.path() + "/state.db");
  auto l = s->Load();
  ASSERT_TRUE(l.ok());
  auto b = MakeEngine(spec);
  slo::Sequencer qb(*b, spec.allowed_lateness);
  ASSERT_TRUE(slo::RestoreState(*b, &qb, l->engine).ok());
  run(qa, kT0 + slo::kHour, kT0 + 2 * slo::kHour);
  run(qb, kT0 + slo::kHour, kT0 + 2 * slo::kHour);
  const slo::Millis at = kT0 + 2 * slo::kHour;
  qa.ReleaseUpTo(at);
  qb.ReleaseUpTo(at);
  auto sa = a->Snapshot(at), sb = b->Snapshot(at);
  for (size_t i = 0; i < sa.size(); ++i) {
    EXPECT_EQ(sa[i].good, sb[i].good);
    EXPECT_EQ(sa[i].bad, sb[i].bad);
    EXPECT_EQ(sa[i].alerts.size(), sb[i].alerts.size());
  }
}

// ---------------------------------------------------------------------------
// Files we must refuse, untouched.

void ExpectRefused(const std::string& path, const std::string& message_part) {
  std::string before = ReadFile(path);
  auto s = StateStore::Open(path);
  ASSERT_FALSE(s.ok()) << "opened " << path;
  EXPECT_THAT(s.error().message, HasSubstr(message_part));
  EXPECT_THAT(s.error().message, HasSubstr(path));
  EXPECT_EQ(ReadFile(path), before) << "the refused file was changed";
  EXPECT_FALSE(fs::exists(path + "-wal") && fs::file_size(path + "-wal") > 0);
}

TEST(StateStoreTest, CorruptHeaderIsRefused) {
  test_support::TempDir dir;
  std::string path = MakeStateFile(dir.path());
  std::string bytes = ReadFile(path);
  for (int i = 0; i < 16; ++i) bytes[static_cast<size_t>(i)] = 'Z';
  WriteFile(path, bytes);
  ExpectRefused(path, "is not an SQLite database");
}

TEST(StateStoreTest, CorruptPagesAreRefused) {
  test_support::TempDir dir;
  std::string path = MakeStateFile(dir.path());
  std::string bytes = ReadFile(path);
  ASSERT_GT(bytes.size(), 64u * 1024);
  std::mt19937_64 rng(1);
  // Damage pages in the middle (the header and schema page stay intact).
  for (size_t i = bytes.size() / 2; i < bytes.size() / 2 + 16384; ++i) {
    bytes[i] = static_cast<char>(rng());
  }
  WriteFile(path, bytes);
  ExpectRefused(path, "is corrupt");
}

TEST(StateStoreTest, TruncatedFileIsRefused) {
  test_support::TempDir dir;
  std::string path = MakeStateFile(dir.path());
  fs::resize_file(path, fs::file_size(path) / 2);
  ExpectRefused(path, "is corrupt");
}

TEST(StateStoreTest, NewerSchemaIsRefused) {
  test_support::TempDir dir;
  std::string path = MakeStateFile(dir.path());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version=7", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  ExpectRefused(path, "was written by a newer ninesd (schema version 7, this build knows up to " +
                          std::to_string(kSchemaVersion) + ")");
}

TEST(StateStoreTest, AnotherProgramsDatabaseIsRefused) {
  test_support::TempDir dir;
  std::string path = dir.path() + "/state.db";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  ExpectRefused(path, "is not a ninesd state file");
}

TEST(StateStoreTest, ResetMovesTheOldFileAsideAndStartsEmpty) {
  test_support::TempDir dir;
  std::string path = MakeStateFile(dir.path());
  std::string bytes = ReadFile(path);
  bytes[0] = 'Z';
  WriteFile(path, bytes);
  StoreOptions o;
  o.reset = true;
  auto s = MustOpen(path, o);
  ASSERT_NE(s, nullptr);
  EXPECT_THAT(s->reset_backup(), HasSubstr(path + ".reset-"));
  EXPECT_EQ(ReadFile(s->reset_backup()), bytes);
  EXPECT_TRUE(s->Load()->empty);
}

TEST(StateStoreTest, EmptyFileIsANewStore) {
  test_support::TempDir dir;
  std::string path = dir.path() + "/state.db";
  WriteFile(path, "");
  auto s = MustOpen(path);
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->Load()->empty);
}

// Runs `body` in a child with its own mount namespace (as root); the child's
// exit code is the result: 0 pass, 77 skip, other: fail with its stderr.
int InMountNamespace(const std::function<int()>& body) {
  pid_t pid = fork();
  if (pid == 0) {
    if (unshare(CLONE_NEWNS) != 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr)) {
      _exit(77);
    }
    _exit(body());
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

#define CHILD_CHECK(cond)                                                      \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      return 1;                                                                \
    }                                                                          \
  } while (0)

TEST(StateStoreTest, ReadOnlyDirectoryIsAClearError) {
  test_support::TempDir dir;
  std::string path = MakeStateFile(dir.path());
  std::string before = ReadFile(path);
  int rc = InMountNamespace([&] {
    // A read-only bind mount: refused even for root.
    if (mount(dir.path().c_str(), dir.path().c_str(), nullptr, MS_BIND, nullptr) != 0 ||
        mount(nullptr, dir.path().c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr)) {
      return 77;
    }
    auto s = StateStore::Open(path);
    CHILD_CHECK(!s.ok());
    fprintf(stderr, "%s\n", s.error().message.c_str());
    CHILD_CHECK(s.error().message.find("is not writable") != std::string::npos);
    return 0;
  });
  if (rc == 77) GTEST_SKIP() << "mount namespaces are not permitted here";
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(ReadFile(path), before);
}

TEST(StateStoreTest, FullDiskFailsACheckpointWithoutLosingOrTearingAnything) {
  test_support::TempDir dir;
  int rc = InMountNamespace([&] {
    if (mount("tmpfs", dir.path().c_str(), "tmpfs", 0, "size=8m") != 0) return 77;
    const std::string path = dir.path() + "/state.db";
    const std::string filler = dir.path() + "/filler";
    auto s = StateStore::Open(path);
    CHILD_CHECK(s.ok());
    CHILD_CHECK((*s)->Write(Rows(10, "first", true)).ok());
    // Fill the disk, then checkpoint more than fits.
    {
      std::ofstream f(filler, std::ios::binary);
      std::string mb(4096, 'f');
      for (int i = 0; i < 2048 && f; ++i) f << mb;
    }
    CheckpointData big = Rows(2000, std::string(400, 'b'), false);
    big.offsets = {{"events", 0, 99}};
    big.runs = {{"svc0", 1000, 2000, slo::State::kDown}};
    auto w = (*s)->Write(std::move(big));
    CHILD_CHECK(!w.ok());
    fprintf(stderr, "%s\n", w.error().message.c_str());
    CHILD_CHECK(w.error().message.find("disk is full") != std::string::npos);
    // The last good checkpoint is intact: nothing of the failed one.
    auto l = (*s)->Load();
    CHILD_CHECK(l.ok());
    CHILD_CHECK(l->sequence == 1);
    CHILD_CHECK(l->offsets.empty());
    CHILD_CHECK(l->engine.services.size() == 10);
    // Space comes back: the next checkpoint carries the failed one's rows.
    fs::remove(filler);
    CheckpointData next = Rows(0, "n", false);
    next.engine.services = {{"late", "n"}};
    auto w2 = (*s)->Write(std::move(next));
    CHILD_CHECK(w2.ok());
    l = (*s)->Load();
    CHILD_CHECK(l.ok());
    CHILD_CHECK(l->engine.services.size() == 2001);  // svc0..1999 and "late"
    CHILD_CHECK(l->offsets.size() == 1 && l->offsets[0].next_offset == 99);
    CHILD_CHECK(l->sequence == 2);
    auto reader = HistoryReader::Open(path);
    CHILD_CHECK(reader.ok());
    auto runs = (*reader)->Runs("svc0", 0, 5000);
    CHILD_CHECK(runs.ok() && runs->size() == 1);  // the failed checkpoint's history too
    s->reset();
    umount2(dir.path().c_str(), MNT_DETACH);
    return 0;
  });
  if (rc == 77) GTEST_SKIP() << "mounting a tmpfs is not permitted here";
  EXPECT_EQ(rc, 0);
}

// ---------------------------------------------------------------------------
// History (schema 2)

HistoryDay Day(const std::string& slo, int64_t start, int64_t end, int64_t down_ms) {
  HistoryDay d;
  d.slo = slo;
  d.start = start;
  d.end = end;
  d.raw.durations[static_cast<size_t>(slo::State::kUp)] = end - start - down_ms;
  d.raw.durations[static_cast<size_t>(slo::State::kDown)] = down_ms;
  d.raw.counts = slo::Counts{100, 3, 7};
  return d;
}

std::unique_ptr<HistoryReader> MustRead(const std::string& path) {
  auto r = HistoryReader::Open(path);
  if (!r.ok()) {
    ADD_FAILURE() << r.error().message;
    return nullptr;
  }
  return std::move(*r);
}

TEST(HistoryStoreTest, DaysRunsAndCursorsRoundTripAndRowsReplaceByKey) {
  test_support::TempDir dir;
  const std::string path = dir.path() + "/state.db";
  constexpr int64_t D = slo::kDay;
  {
    auto s = MustOpen(path);
    CheckpointData d = Rows(1, "a", true);
    d.days = {Day("web", 0, D, 5), Day("web", D, 2 * D, 0), Day("api", 0, D, 1)};
    d.runs = {{"web", 100, 200, slo::State::kDown}, {"web", 500, 900, slo::State::kDegraded}};
    d.cursors = {{true, "web", 2 * D}, {false, "web", 900}};
    ASSERT_TRUE(s->Write(std::move(d)).ok());
    // The ongoing run is rewritten with its new end; a cursor moves on.
    CheckpointData next = Rows(0, "b", false);
    next.runs = {{"web", 500, 1500, slo::State::kDegraded},
                 {"web", 3000, slo::RunRecord::kOpen, slo::State::kUnknown}};
    next.cursors = {{false, "web", 1500}};
    ASSERT_TRUE(s->Write(std::move(next)).ok());
  }
  auto s = MustOpen(path);
  auto loaded = s->Load();
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->cursors.size(), 2u);
  for (const auto& c : loaded->cursors) {
    EXPECT_EQ(c.name, "web");
    EXPECT_EQ(c.at, c.slo ? 2 * D : 1500);
  }
  auto r = MustRead(path);
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->Begin().ok());
  auto days = r->Days("web", 0, 2 * D);
  ASSERT_TRUE(days.ok());
  ASSERT_EQ(days->size(), 2u);
  EXPECT_EQ((*days)[0].raw.durations[static_cast<size_t>(slo::State::kDown)], 5);
  EXPECT_EQ((*days)[0].raw.durations[static_cast<size_t>(slo::State::kUp)], D - 5);
  EXPECT_EQ((*days)[1].start, D);
  EXPECT_EQ((*days)[0].raw.counts.total, 100u);
  EXPECT_EQ((*days)[0].raw.counts.bad, 3u);
  EXPECT_EQ((*days)[0].raw.counts.excluded, 7u);
  EXPECT_EQ(r->Days("web", D, 2 * D)->size(), 1u);  // days that start in the range
  EXPECT_EQ(**r->DayRange("web"), std::make_pair(int64_t{0}, D));
  EXPECT_FALSE(r->DayRange("nope")->has_value());
  auto runs = r->Runs("web", 150, 1000);
  ASSERT_TRUE(runs.ok());
  const std::vector<HistoryRun> want = {{"web", 100, 200, slo::State::kDown},
                                        {"web", 500, 1500, slo::State::kDegraded}};
  EXPECT_EQ(*runs, want);
  EXPECT_EQ(r->Runs("web", 200, 500)->size(), 0u);  // end exclusive, start exclusive of 500
  auto open = r->Runs("web", 1500, 5000);           // an open run reaches any time after its start
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ(open->front().end, slo::RunRecord::kOpen);
  r->End();
}

TEST(HistoryStoreTest, RowsThatEndedBeforeTheRetentionArePruned) {
  test_support::TempDir dir;
  const std::string path = dir.path() + "/state.db";
  constexpr int64_t D = slo::kDay;
  auto s = MustOpen(path);
  CheckpointData d = Rows(0, "a", true);
  for (int64_t i = 0; i < 10; ++i) d.days.push_back(Day("web", i * D, (i + 1) * D, 0));
  d.runs = {{"web", 0, 10, slo::State::kDown}, {"web", 5 * D, 6 * D, slo::State::kDown}};
  ASSERT_TRUE(s->Write(std::move(d)).ok());
  CheckpointData prune = Rows(0, "b", false);
  prune.prune_before = 4 * D;
  ASSERT_TRUE(s->Write(std::move(prune)).ok());
  auto r = MustRead(path);
  ASSERT_TRUE(r);
  auto days = r->Days("web", 0, 100 * D);
  ASSERT_TRUE(days.ok());
  ASSERT_EQ(days->size(), 7u);  // the day ending exactly at the cut stays
  EXPECT_EQ(days->front().start, 3 * D);
  // Runs are kept two days longer: the oldest kept day keeps its outages.
  EXPECT_EQ(r->Runs("web", 0, 100 * D)->size(), 1u);
  CheckpointData later = Rows(0, "c", false);
  later.runs = {{"web", 2 * D + 5, 2 * D + 9, slo::State::kDown}};
  later.prune_before = 4 * D;
  ASSERT_TRUE(s->Write(std::move(later)).ok());
  EXPECT_EQ(r->Runs("web", 0, 100 * D)->size(), 2u);
}

TEST(HistoryStoreTest, RemovedNamesLoseTheirCursorsAndOpenRuns) {
  test_support::TempDir dir;
  const std::string path = dir.path() + "/state.db";
  auto s = MustOpen(path);
  CheckpointData d = Rows(0, "a", true);
  d.runs = {{"old", 10, 20, slo::State::kDown},
            {"old", 30, slo::RunRecord::kOpen, slo::State::kDown},
            {"kept", 30, slo::RunRecord::kOpen, slo::State::kDown}};
  d.cursors = {{false, "old", 30}, {true, "old-slo", 0}, {false, "kept", 30}};
  ASSERT_TRUE(s->Write(std::move(d)).ok());
  CheckpointData next = Rows(0, "b", false);
  next.engine.deleted_services = {"old"};
  next.engine.deleted_slos = {"old-slo"};
  ASSERT_TRUE(s->Write(std::move(next)).ok());
  auto l = s->Load();
  ASSERT_TRUE(l.ok());
  ASSERT_EQ(l->cursors.size(), 1u);
  EXPECT_EQ(l->cursors[0].name, "kept");
  auto r = MustRead(path);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Runs("old", 0, 1000)->size(), 1u);  // the closed outage stays history
  EXPECT_EQ(r->Runs("kept", 0, 1000)->size(), 1u);
}

// A state file from before the history (schema 1) is migrated at open,
// keeping every row; the history reader asks for that first.
TEST(HistoryStoreTest, ASchemaOneFileIsMigratedKeepingItsState) {
  test_support::TempDir dir;
  const std::string path = dir.path() + "/state.db";
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    const char* v1 =
        "CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;"
        "CREATE TABLE service_state(name TEXT PRIMARY KEY, state BLOB NOT NULL) WITHOUT ROWID;"
        "CREATE TABLE slo_state(name TEXT PRIMARY KEY, state BLOB NOT NULL) WITHOUT ROWID;"
        "CREATE TABLE kafka_offsets(topic TEXT NOT NULL, partition INTEGER NOT NULL,"
        " next_offset INTEGER NOT NULL, PRIMARY KEY(topic, partition)) WITHOUT ROWID;"
        "CREATE TABLE blobs(name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;"
        "INSERT INTO meta VALUES('sequence', 7), ('engine', x'01');"
        "INSERT INTO service_state VALUES('web', x'02');"
        "INSERT INTO kafka_offsets VALUES('events', 0, 42);"
        "PRAGMA application_id=1313427013; PRAGMA user_version=1;";
    ASSERT_EQ(sqlite3_exec(db, v1, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  auto refused = HistoryReader::Open(path);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.error().message, HasSubstr("has no history yet"));
  auto s = MustOpen(path);
  auto l = s->Load();
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->sequence, 7u);
  ASSERT_EQ(l->engine.services.size(), 1u);
  EXPECT_EQ(l->engine.services[0].key, "web");
  ASSERT_EQ(l->offsets.size(), 1u);
  EXPECT_EQ(l->offsets[0].next_offset, 42);
  CheckpointData d = Rows(0, "a", false);
  d.days = {Day("web", 0, slo::kDay, 0)};
  ASSERT_TRUE(s->Write(std::move(d)).ok());
  auto r = MustRead(path);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Days("web", 0, slo::kDay)->size(), 1u);
}

TEST(HistoryStoreTest, TheReaderRefusesWhatItCannotRead) {
  test_support::TempDir dir;
  auto missing = HistoryReader::Open(dir.path() + "/none.db");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message, HasSubstr("does not exist"));
  std::string path = MakeStateFile(dir.path(), 1);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version=9", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto newer = HistoryReader::Open(path);
  ASSERT_FALSE(newer.ok());
  EXPECT_THAT(newer.error().message, HasSubstr("newer ninesd"));
  const std::string other = dir.path() + "/other.db";
  ASSERT_EQ(sqlite3_open(other.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto foreign = HistoryReader::Open(other);
  ASSERT_FALSE(foreign.ok());
  EXPECT_THAT(foreign.error().message, HasSubstr("not a ninesd state file"));
}

// ---------------------------------------------------------------------------
// kill -9 while checkpointing

// The child checkpoints forever: every checkpoint k sets the "all" row, the
// offset, the sequencer and a blob to k, plus k % 97 other rows, through the
// asynchronous writer as the daemon does. It reports each commit on a pipe.
[[noreturn]] void CheckpointForever(const std::string& path, int report_fd) {
  auto s = StateStore::Open(path);
  if (!s.ok()) _exit(3);
  auto l = (*s)->Load();
  if (!l.ok()) _exit(4);
  uint64_t k = l->sequence;
  std::mt19937_64 rng(static_cast<uint64_t>(getpid()));
  while (true) {
    ++k;
    std::string v = std::to_string(k);
    CheckpointData d;
    d.engine.engine = v;
    d.engine.sequencer = v;
    d.engine.services.push_back({"all", v});
    int extra = static_cast<int>(k % 97) * 20;
    for (int i = 0; i < extra; ++i) {
      d.engine.slos.push_back({"slo" + std::to_string(rng() % 5000), v + std::string(200, '.')});
    }
    d.offsets = {{"events", 0, static_cast<int64_t>(k)}};
    d.blobs["hook"] = v;
    uint64_t committed = 0;
    (*s)->WriteAsync(std::move(d), [&](const Result<CheckpointStats>& r) {
      if (r.ok()) committed = r->sequence;
    });
    (*s)->WaitIdle();
    if (committed != k) _exit(5);
    if (write(report_fd, &k, sizeof k) != sizeof k) _exit(6);
  }
}

TEST(StateStoreTest, KillDashNineAtRandomPointsAlwaysLeavesTheLastCommit) {
  test_support::TempDir dir;
  const std::string path = dir.path() + "/state.db";
  std::mt19937_64 rng(2026);
  uint64_t last_reported = 0;
  const int kRounds = 12;
  for (int round = 0; round < kRounds; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
      close(fds[0]);
      CheckpointForever(path, fds[1]);
    }
    close(fds[1]);
    // Let it commit a few, then kill it at a random moment of a later one.
    uint64_t k = 0;
    const int wait_for = 2 + static_cast<int>(rng() % 20);
    for (int i = 0; i < wait_for; ++i) {
      ASSERT_EQ(read(fds[0], &k, sizeof k), static_cast<ssize_t>(sizeof k)) << "child died";
    }
    auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(rng() % 20000);
    while (std::chrono::steady_clock::now() < until) {
    }
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    // Commits reported after the ones we waited for count too.
    while (read(fds[0], &k, sizeof k) == static_cast<ssize_t>(sizeof k)) {
    }
    close(fds[0]);
    last_reported = std::max(last_reported, k);

    auto s = StateStore::Open(path);
    ASSERT_TRUE(s.ok()) << "round " << round << ": " << s.error().message;
    auto l = (*s)->Load();
    ASSERT_TRUE(l.ok());
    // One checkpoint, whole: every part carries the same number, and no
    // acknowledged commit was lost.
    const std::string v = std::to_string(l->sequence);
    EXPECT_GE(l->sequence, last_reported) << "round " << round;
    EXPECT_EQ(l->engine.engine, v);
    EXPECT_EQ(l->engine.sequencer, v);
    ASSERT_EQ(l->offsets.size(), 1u);
    EXPECT_EQ(l->offsets[0].next_offset, static_cast<int64_t>(l->sequence));
    EXPECT_EQ(l->blobs.at("hook"), v);
    for (const auto& r : l->engine.services) EXPECT_EQ(r.blob, v);
    for (const auto& r : l->engine.slos) {
      EXPECT_LE(std::stoull(r.blob), l->sequence);
    }
    last_reported = l->sequence;
  }
}

}  // namespace
}  // namespace ninesd::store
