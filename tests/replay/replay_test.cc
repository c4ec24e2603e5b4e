// `ninesd replay` in-process (replay::RunReplay): the golden output worked out
// by hand in data/README.md, exit codes, rejected lines, delivery order, --at,
// the table format and line-ending tolerance.

#include "replay/replay.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "config/config.h"
#include "events/decoder.h"
#include "slo/signal.h"
#include "slo/time.h"
#include "tests/common/temp_dir.h"

namespace ninesd::replay {
namespace {

using slo::Millis;

const std::string kData = std::string(NINESD_SOURCE_DIR) + "/tests/replay/data/";
const std::string kGoldenConfig = kData + "golden.yaml";
const std::string kGoldenEvents = kData + "golden.jsonl";
const std::string kGoldenAt = "2026-10-26T12:00:00Z";
constexpr size_t kGoldenLines = 37;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Lines without their '\n'; a final line without one counts too.
std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

// Byte-for-byte comparison that points at the first difference.
void ExpectSameText(const std::string& actual, const std::string& expected) {
  if (actual == expected) return;
  size_t i = 0;
  while (i < actual.size() && i < expected.size() && actual[i] == expected[i]) ++i;
  size_t from = i < 60 ? 0 : i - 60;
  ADD_FAILURE() << "outputs differ at byte " << i << " (sizes " << actual.size() << " and "
                << expected.size() << ")\n  actual:   ..." << actual.substr(from, 140)
                << "\n  expected: ..." << expected.substr(from, 140);
}

// stderr lists these rejections (line number, reason), in this order, then
// one summary line.
void ExpectListed(const std::vector<std::string>& err, const std::string& path,
                  const std::vector<std::pair<size_t, std::string>>& expected) {
  std::string all;
  for (const std::string& line : err) all += line + "\n";
  ASSERT_EQ(err.size(), expected.size() + 1) << all;
  for (size_t k = 0; k < expected.size(); ++k) {
    std::string prefix =
        path + ":" + std::to_string(expected[k].first) + ": rejected: " + expected[k].second;
    EXPECT_EQ(err[k].rfind(prefix, 0), 0u) << "expected " << prefix << "\n got " << err[k];
  }
}

using test_support::TempDir;

struct Result {
  int code = -1;
  std::string out, err;
};

Result Replay(const std::string& config, const std::string& events,
              std::optional<std::string> at = kGoldenAt, const std::string& format = "json",
              size_t decode_threads = 0, size_t read_unit_bytes = 1 << 20) {
  ReplayOptions o;
  o.config_path = config;
  o.events_path = events;
  o.at = std::move(at);
  o.format = format;
  o.decode_threads = decode_threads;
  o.read_unit_bytes = read_unit_bytes;
  std::ostringstream out, err;
  Result r;
  r.code = RunReplay(o, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

// The event time of each golden line, read with the decoder replay uses.
std::vector<Millis> EventTimes(const std::vector<std::string>& lines) {
  config::LoadResult loaded = config::LoadConfigFile(kGoldenConfig);
  EXPECT_TRUE(loaded.ok());
  events::Decoder decoder(loaded.config->model, 65536);
  std::vector<Millis> ts;
  for (const std::string& line : lines) {
    slo::Signal s;
    EXPECT_EQ(decoder.DecodeCopy(line, std::nullopt, s), events::Reject::kNone) << line;
    ts.push_back(s.ts);
  }
  return ts;
}

class ReplayTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.path().empty()); }
  std::string Write(const std::string& name, const std::string& content) {
    std::string path = dir_.path() + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  // The golden replay as RunReplay prints it today (reference for the
  // tests that compare two runs rather than against hand-worked figures).
  static const Result& Reference() {
    static const Result r = Replay(kGoldenConfig, kGoldenEvents);
    return r;
  }
  std::vector<std::string> GoldenLines() {
    std::vector<std::string> lines = Lines(ReadFile(kGoldenEvents));
    EXPECT_EQ(lines.size(), kGoldenLines);
    return lines;
  }
  TempDir dir_;
};

// ---------------------------------------------------------------------------
// Golden output: every figure of data/golden.json is worked out by hand from
// SPEC section 3 in data/README.md.

TEST_F(ReplayTest, GoldenOutputMatchesTheHandWorkedFigures) {
  Result r = Replay(kGoldenConfig, kGoldenEvents);
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.err, "");
  ExpectSameText(r.out, ReadFile(kData + "golden.json"));
}

TEST_F(ReplayTest, AtDefaultsToTheLastEventsTime) {
  Result r = Replay(kGoldenConfig, kGoldenEvents, std::nullopt);
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out.rfind(R"({"at":"2026-10-26T11:59:59.999Z","slos":[)", 0), 0u) << r.out;
  // The last event (api, bad, at 11:59:59.999) is at exactly `at`: not yet counted.
  EXPECT_NE(r.out.find(R"("name":"api-errors","service":"api","kind":"ratio","objective":0.99,)"
                       R"("window":"30d","window_start":"2026-09-26T11:59:59.999Z",)"
                       R"("window_end":"2026-10-26T11:59:59.999Z","good":99,"bad":6,)"
                       R"("excluded":51,)"),
            std::string::npos)
      << r.out;
}

// ---------------------------------------------------------------------------
// Rejected lines: exit code 3, each named by line and reason, the rest counts.

TEST_F(ReplayTest, RejectedLinesAreListedAndTheGoodLinesStillCount) {
  std::vector<std::string> golden = GoldenLines();
  std::vector<std::string> lines;
  std::vector<std::pair<size_t, std::string>> expected;  // line number, reason
  auto bad = [&](const std::string& line, const std::string& reason) {
    lines.push_back(line);
    expected.emplace_back(lines.size(), reason);
  };
  for (size_t i = 0; i < golden.size(); ++i) {
    lines.push_back(golden[i]);
    switch (i + 1) {
      case 1:
        bad(R"({"type":"heartbeat","service":"etl","ts":"2026-10-26T10:00:05Z")", "bad_json");
        break;
      case 6:  // web at 10:04: golden line 5 (id req-2, 10:00:30) again, within the lateness
        bad(golden[4], "duplicate");
        break;
      case 8:
        bad(R"({"type":"state","service":"payments","ts":"2026-10-26T10:10:16Z","state":"down"})",
            "unknown_service");
        break;
      case 9:
        bad(R"({"type":"outcome","service":"api","ts":"2026-10-26T10:10:50Z","good":"false"})",
            "wrong_type");
        break;
      case 16:  // web at 10:28: an event from 10:05 is 23 minutes late (allowed: 5)
        bad(R"({"type":"state","service":"shop","ts":"2026-10-26T10:05:00Z","state":"down"})",
            "late");
        break;
    }
  }
  std::string path = Write("mixed.jsonl", Join(lines));
  Result r = Replay(kGoldenConfig, path);
  EXPECT_EQ(r.code, 3);
  ExpectSameText(r.out, Reference().out);

  std::vector<std::string> err = Lines(r.err);
  ASSERT_NO_FATAL_FAILURE(ExpectListed(err, path, expected));
  EXPECT_EQ(err.back(),
            "replay: 37 lines used, 5 rejected (bad_json 1, wrong_type 1, unknown_service 1, "
            "late 1, duplicate 1)");
  EXPECT_NE(r.err.find(R"(unknown_service: service "payments")"), std::string::npos) << r.err;
}

// Lines are decoded on a reading thread in batches of a few thousand; the
// rejections of both halves (decoder and sequencer) still come out in line
// order, with the right line numbers, across batch boundaries.
TEST_F(ReplayTest, RejectionsAcrossManyBatchesAreListedInLineOrder) {
  std::vector<std::string> lines;
  std::vector<std::pair<size_t, std::string>> expected;  // line number, reason
  constexpr int kBeats = 20'000;
  const Millis t0 = *slo::ParseRfc3339("2026-10-26T10:00:00Z");
  auto beat = [&](int i) {
    return R"({"type":"heartbeat","service":"etl","ts":")" +
           slo::FormatRfc3339(t0 + Millis{i} * 100) + R"(","id":"b)" + std::to_string(i) + "\"}";
  };
  for (int i = 0; i < kBeats; ++i) {
    lines.push_back(beat(i));
    if (i % 1500 == 1499) {  // the same id again: a duplicate
      lines.push_back(beat(i));
      expected.emplace_back(lines.size(), "duplicate");
    }
    if (i == 4094 || i == 4095 || i == 8191 || i == 12000) {
      lines.push_back("{\"type\":\"heartbeat\"");
      expected.emplace_back(lines.size(), "bad_json");
    }
  }
  lines.push_back("[]");
  expected.emplace_back(lines.size(), "bad_json");
  std::string path = Write("many.jsonl", Join(lines));
  Result r = Replay(kGoldenConfig, path);
  EXPECT_EQ(r.code, 3);
  std::vector<std::string> err = Lines(r.err);
  ASSERT_NO_FATAL_FAILURE(ExpectListed(err, path, expected));
  EXPECT_EQ(err.back(), "replay: 20000 lines used, 18 rejected (bad_json 5, duplicate 13)");
}

// Also with more bad lines than a batch holds: they travel in batches of
// their own (memory stays flat) and are counted and listed the same way.
TEST_F(ReplayTest, OnlyTheFirstHundredRejectedLinesAreListed) {
  for (int bad : {150, 10'000}) {
    std::vector<std::string> lines;
    for (int i = 0; i < bad; ++i) lines.push_back("not json " + std::to_string(i));
    for (const std::string& l : GoldenLines()) lines.push_back(l);
    std::string path = Write("noisy.jsonl", Join(lines));
    Result r = Replay(kGoldenConfig, path);
    EXPECT_EQ(r.code, 3);
    ExpectSameText(r.out, Reference().out);
    std::vector<std::string> err = Lines(r.err);
    ASSERT_EQ(err.size(), 102u);
    EXPECT_EQ(err[0].rfind(path + ":1: rejected: bad_json", 0), 0u) << err[0];
    EXPECT_EQ(err[99].rfind(path + ":100: rejected: bad_json", 0), 0u) << err[99];
    EXPECT_EQ(err[100],
              path + ": " + std::to_string(bad - 100) + " more rejected lines not listed");
    EXPECT_EQ(err[101], "replay: 37 lines used, " + std::to_string(bad) + " rejected (bad_json " +
                            std::to_string(bad) + ")");
  }
}

TEST_F(ReplayTest, OversizedLinesAreRejectedAndTheRestStillCounts) {
  // One line over the 64 KiB event limit, one over the reader's 8 MiB buffer.
  std::vector<std::string> golden = GoldenLines();
  const std::string head = R"({"type":"heartbeat","service":"etl","message":")";
  std::vector<std::string> lines(golden.begin(), golden.begin() + 10);
  lines.push_back(head + std::string(9 << 20, 'x') + "\"}");
  lines.insert(lines.end(), golden.begin() + 10, golden.begin() + 20);
  lines.push_back(head + std::string(100'000, 'y') + "\"}");
  lines.insert(lines.end(), golden.begin() + 20, golden.end());
  std::string path = Write("big.jsonl", Join(lines));
  Result r = Replay(kGoldenConfig, path);
  EXPECT_EQ(r.code, 3);
  ExpectSameText(r.out, Reference().out);
  EXPECT_EQ(r.err, path + ":11: rejected: too_large: line longer than 8 MiB\n" + path +
                       ":22: rejected: too_large: 100049 bytes\n"
                       "replay: 37 lines used, 2 rejected (too_large 2)\n");
}

// ---------------------------------------------------------------------------
// Decoding in parallel: units of lines go to several threads; the output and
// the rejections are the same as with one thread reading the whole file.

// Probe locations are numbered in line order, first seen first, and a
// service's 65th is refused, whichever thread decoded which line: one
// location seen first on line 1, then 100 or 1 000 more (each thread sees
// hundreds of the latter), then the first again on every thread. The first
// fails twice (web goes down) and then succeeds: only the same number clears it.
TEST_F(ReplayTest, ProbeLocationsAreNumberedInLineOrderWhicheverThreadDecodesThem) {
  for (int junk : {100, 1000}) {
    SCOPED_TRACE(testing::Message() << junk << " locations after the first");
    const Millis t0 = *slo::ParseRfc3339("2026-10-26T10:00:00Z");
    size_t line_no = 0;
    std::vector<std::string> all, taken;
    std::vector<size_t> refused;  // line numbers
    auto add = [&](const std::string& location, bool numbered, bool success) {
      ++line_no;
      std::string line = R"({"type":"probe","service":"web","ts":")" +
                         slo::FormatRfc3339(t0 + Millis(line_no) * 100) + R"(","location":")" +
                         location + R"(","success":)" + (success ? "true" : "false") + "}";
      all.push_back(line);
      if (numbered) {
        taken.push_back(line);
      } else {
        refused.push_back(line_no);
      }
    };
    add("first", true, true);
    for (int i = 0; i < junk; ++i) add("junk-" + std::to_string(i), i < 63, true);
    for (int i = 0; i < 40; ++i) {
      add("first", true, i % 10 >= 2);
      int j = i * 7 % junk;
      add("junk-" + std::to_string(j), j < 63, true);
    }
    ASSERT_EQ(refused.front(), 65u);  // junk-63, the 65th location
    const std::string at = "2026-10-26T10:05:00Z";
    const std::string path = Write("locations.jsonl", Join(all));
    // The figures are those of the numbered lines alone.
    Result only_taken = Replay(kGoldenConfig, Write("taken.jsonl", Join(taken)), at);
    ASSERT_EQ(only_taken.code, 0) << only_taken.err;
    ASSERT_NE(only_taken.out.find(R"("name":"web-avail","service":"web")"), std::string::npos);

    std::vector<std::pair<size_t, std::string>> listed;
    for (size_t k = 0; k < std::min<size_t>(100, refused.size()); ++k) {
      listed.emplace_back(refused[k], "too_many_locations");
    }
    for (auto [threads, unit] :
         {std::pair<size_t, size_t>{1, 1 << 20}, {2, 64}, {3, 200}, {4, 4096}, {0, 1 << 20}}) {
      SCOPED_TRACE(testing::Message() << threads << " threads, units of " << unit << " bytes");
      Result r = Replay(kGoldenConfig, path, at, "json", threads, unit);
      EXPECT_EQ(r.code, 3);
      ExpectSameText(r.out, only_taken.out);
      std::vector<std::string> err = Lines(r.err);
      if (refused.size() > 100) err.erase(err.end() - 2);  // "... more rejected lines not listed"
      ASSERT_NO_FATAL_FAILURE(ExpectListed(err, path, listed));
      EXPECT_NE(err[0].find(R"(location "junk-63")"), std::string::npos) << err[0];
      EXPECT_EQ(err.back(), "replay: " + std::to_string(taken.size()) + " lines used, " +
                                std::to_string(refused.size()) + " rejected (too_many_locations " +
                                std::to_string(refused.size()) + ")");
    }
  }
}

// Every other kind of line (rejected, duplicate, blank, oversized, without a
// final newline) crosses unit and thread boundaries unchanged.
TEST_F(ReplayTest, ManyThreadsAndTinyUnitsGiveTheOutputOfOne) {
  std::vector<std::string> golden = GoldenLines();
  std::string text;
  for (size_t i = 0; i < golden.size(); ++i) {
    text += golden[i] + (i % 3 == 0 ? "\r\n" : "\n");
    if (i % 4 == 0) text += "not json\n";
    if (i % 5 == 0) text += golden[i] + "\n\n  \n";  // a duplicate when it has an id
    if (i == 17)
      text += R"({"type":"heartbeat","service":"etl","m":")" + std::string(70'000, 'x') + "\"}\n";
  }
  text += "{\"type\":\"heartbeat\"";  // no final newline
  const std::string path = Write("units.jsonl", text);
  Result one = Replay(kGoldenConfig, path, kGoldenAt, "json", 1, 1 << 20);
  EXPECT_EQ(one.code, 3);
  ExpectSameText(one.out, Reference().out);
  EXPECT_NE(one.err.find("too_large"), std::string::npos) << one.err;
  EXPECT_NE(one.err.find("duplicate"), std::string::npos) << one.err;
  for (auto [threads, unit] : {std::pair<size_t, size_t>{2, 1}, {3, 100}, {4, 333}}) {
    SCOPED_TRACE(testing::Message() << threads << " threads, units of " << unit << " bytes");
    Result r = Replay(kGoldenConfig, path, kGoldenAt, "json", threads, unit);
    EXPECT_EQ(r.code, 3);
    EXPECT_EQ(r.out, one.out);
    EXPECT_EQ(r.err, one.err);
  }
}

// `--events -` reads standard input, through the same units and threads.
TEST_F(ReplayTest, EventsFromStandardInputGiveTheFilesOutput) {
  ASSERT_NE(std::freopen(kGoldenEvents.c_str(), "rb", stdin), nullptr);
  Result r = Replay(kGoldenConfig, "-", kGoldenAt, "json", 3, 256);
  ASSERT_NE(std::freopen("/dev/null", "rb", stdin), nullptr);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  ExpectSameText(r.out, ReadFile(kData + "golden.json"));
}

// ---------------------------------------------------------------------------
// Fatal errors: exit 1, a diagnostic, nothing on stdout.

TEST_F(ReplayTest, UnreadableEventsFileIsFatal) {
  Result r = Replay(kGoldenConfig, dir_.path());  // a directory opens, but cannot be read
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "replay: error reading " + dir_.path() + ": Is a directory\n");
}

TEST_F(ReplayTest, MissingEventsFileIsFatal) {
  std::string missing = dir_.path() + "/no-such.jsonl";
  Result r = Replay(kGoldenConfig, missing);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("cannot open " + missing), std::string::npos) << r.err;
}

TEST_F(ReplayTest, BadConfigIsFatalWithAPositionedDiagnostic) {
  std::string config = Write("bad.yaml",
                             "services:\n"
                             "  - name: a\n"
                             "slos:\n"
                             "  - {name: x, service: a, objective: 100.1}\n");
  Result r = Replay(config, kGoldenEvents);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find(config + ":4:38: slos[0].objective: must be strictly between 0 and 100"),
            std::string::npos)
      << r.err;

  Result missing = Replay(dir_.path() + "/no-such.yaml", kGoldenEvents);
  EXPECT_EQ(missing.code, 1);
  EXPECT_EQ(missing.out, "");
  EXPECT_NE(missing.err.find("no-such.yaml"), std::string::npos) << missing.err;
}

TEST_F(ReplayTest, BadAtIsFatal) {
  for (const char* at : {"yesterday", "2026-10-26T12:00:00", "2026-10-26", "1793016000", ""}) {
    Result r = Replay(kGoldenConfig, kGoldenEvents, std::string(at));
    EXPECT_EQ(r.code, 1) << at;
    EXPECT_EQ(r.out, "") << at;
    EXPECT_NE(r.err.find("--at"), std::string::npos) << r.err;
  }
}

TEST_F(ReplayTest, BadFormatIsFatal) {
  for (const char* format : {"xml", "JSON", ""}) {
    Result r = Replay(kGoldenConfig, kGoldenEvents, kGoldenAt, format);
    EXPECT_EQ(r.code, 1) << format;
    EXPECT_EQ(r.out, "") << format;
    EXPECT_NE(r.err.find("--format"), std::string::npos) << r.err;
  }
}

TEST_F(ReplayTest, NoEventsAndNoAtIsFatal) {
  for (const char* content : {"", "\n\n  \r\n", "not json\n{\"type\":\"heartbeat\"}\n"}) {
    std::string path = Write("few.jsonl", content);
    Result r = Replay(kGoldenConfig, path, std::nullopt);
    EXPECT_EQ(r.code, 1) << content;
    EXPECT_EQ(r.out, "") << content;
    EXPECT_NE(r.err.find("nothing to evaluate"), std::string::npos) << r.err;
  }
}

TEST_F(ReplayTest, NoEventsWithAtPrintsEmptyFigures) {
  Result r = Replay(kGoldenConfig, Write("empty.jsonl", ""));
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.err, "");
  size_t nulls = 0;
  for (size_t p = 0; (p = r.out.find(R"("attainment":null)", p)) != std::string::npos; ++p) {
    ++nulls;
  }
  EXPECT_EQ(nulls, 5u) << r.out;
  EXPECT_NE(r.out.find(R"("name":"shop-month")"), std::string::npos);
}

// ---------------------------------------------------------------------------
// Delivery order within the allowed lateness (5m) does not matter.

TEST_F(ReplayTest, ShuffledWithinTheLatenessGivesIdenticalOutput) {
  std::vector<std::string> golden = GoldenLines();
  std::vector<Millis> ts = EventTimes(golden);
  const Millis lateness = 5 * slo::kMinute;
  int reordered = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    // Sorting by ts + [0, lateness) delays no event by more than the lateness.
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<Millis> jitter(0, lateness - 1);
    std::vector<std::pair<Millis, size_t>> keys;
    for (size_t i = 0; i < golden.size(); ++i) keys.emplace_back(ts[i] + jitter(rng), i);
    std::sort(keys.begin(), keys.end());
    std::vector<std::string> lines;
    bool moved = false;
    for (size_t k = 0; k < keys.size(); ++k) {
      lines.push_back(golden[keys[k].second]);
      moved |= keys[k].second != k;
    }
    reordered += moved;
    Result r = Replay(kGoldenConfig, Write("shuffled.jsonl", Join(lines)));
    EXPECT_EQ(r.code, 0) << "seed " << seed << "\n" << r.err;
    EXPECT_EQ(r.err, "") << "seed " << seed;
    ExpectSameText(r.out, Reference().out);
  }
  EXPECT_GE(reordered, 18);
}

TEST_F(ReplayTest, BlocksDeliveredBackwardsWithinTheLatenessGiveIdenticalOutput) {
  // Each five-minute block of events newest first.
  std::vector<std::string> golden = GoldenLines();
  std::vector<Millis> ts = EventTimes(golden);
  std::vector<std::pair<std::pair<Millis, Millis>, size_t>> keys;
  for (size_t i = 0; i < golden.size(); ++i) {
    keys.push_back({{slo::FloorTo(ts[i], 5 * slo::kMinute), -ts[i]}, i});
  }
  std::sort(keys.begin(), keys.end());
  std::vector<std::string> lines;
  for (const auto& k : keys) lines.push_back(golden[k.second]);
  Result r = Replay(kGoldenConfig, Write("backwards.jsonl", Join(lines)));
  EXPECT_EQ(r.code, 0) << r.err;
  ExpectSameText(r.out, Reference().out);
}

// ---------------------------------------------------------------------------
// --at before the last event: later events are ignored.

TEST_F(ReplayTest, AtBeforeTheLastEventEqualsAFileTruncatedThere) {
  std::vector<std::string> golden = GoldenLines();
  std::vector<Millis> ts = EventTimes(golden);
  for (const char* at :
       {"2026-10-26T10:00:00.001Z", "2026-10-26T10:20:00Z", "2026-10-26T10:20:05Z",
        "2026-10-26T10:47:30.5Z", "2026-10-26T11:00:00Z", "2026-10-26T11:59:59.999Z"}) {
    Millis t = *slo::ParseRfc3339(at);
    std::vector<std::string> before;
    for (size_t i = 0; i < golden.size(); ++i) {
      if (ts[i] < t) before.push_back(golden[i]);  // a signal at exactly `at` is not counted
    }
    Result full = Replay(kGoldenConfig, kGoldenEvents, std::string(at));
    Result cut = Replay(kGoldenConfig, Write("cut.jsonl", Join(before)), std::string(at));
    EXPECT_EQ(full.code, 0) << at;
    EXPECT_EQ(cut.code, 0) << at;
    SCOPED_TRACE(at);
    ExpectSameText(full.out, cut.out);
    EXPECT_EQ(full.out.rfind(std::string(R"({"at":")") + slo::FormatRfc3339(t) + "\"", 0), 0u);
    EXPECT_NE(full.out, Reference().out);
  }
}

// ---------------------------------------------------------------------------
// --format table

TEST_F(ReplayTest, TableHasAHeaderAndOneRowPerSlo) {
  Result r = Replay(kGoldenConfig, kGoldenEvents, kGoldenAt, "table");
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.err, "");
  std::vector<std::string> lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 7u) << r.out;
  EXPECT_EQ(lines[0], "at 2026-10-26T12:00:00Z");
  std::istringstream header(lines[1]);
  std::vector<std::string> columns;
  for (std::string w; header >> w;) columns.push_back(w);
  EXPECT_EQ(columns, (std::vector<std::string>{"SLO", "SERVICE", "KIND", "OBJECTIVE", "WINDOW",
                                               "ATTAINMENT", "BUDGET", "LEFT", "BAD", "ALERTS"}));
  const std::vector<std::vector<std::string>> rows = {
      {"web-avail", "web", "availability", "99.500%", "1d", "89.7436%", "-1951.3%", "720.000s",
       "BREACHED"},
      {"etl-week", "etl", "availability", "99.000%", "7d", "88.7431%", "-1025.7%", "810.500s",
       "BREACHED"},
      {"api-errors", "api", "ratio", "99.000%", "30d", "93.3962%", "-560.4%", "7", "BREACHED"},
      {"api-fast", "api", "latency", "90.000%", "1d", "60.0000%", "-300.0%", "2", "BREACHED"},
      {"shop-month", "shop", "availability", "99.800%", "month", "86.1111%", "21.4%", "750.000s",
       "ErrorBudgetBurn/page,ErrorBudgetBurn/ticket,ErrorBudgetAtRisk/ticket"},
  };
  for (size_t i = 0; i < rows.size(); ++i) {
    std::istringstream row(lines[i + 2]);
    std::vector<std::string> cells;
    for (std::string w; row >> w;) cells.push_back(w);
    ASSERT_GE(cells.size(), rows[i].size()) << lines[i + 2];
    cells.resize(rows[i].size());
    EXPECT_EQ(cells, rows[i]) << lines[i + 2];
    // Columns line up under the header.
    EXPECT_EQ(lines[i + 2].find(" " + rows[i][1] + " ") + 1, lines[1].find("SERVICE"))
        << lines[i + 2];
  }
}

// ---------------------------------------------------------------------------
// Line endings and blank lines.

TEST_F(ReplayTest, BlankLinesAndCrlfAreAccepted) {
  std::vector<std::string> golden = GoldenLines();
  std::string text = "\r\n\n";
  for (size_t i = 0; i < golden.size(); ++i) {
    if (i % 5 == 0) text += "  ";  // leading blanks
    text += golden[i];
    if (i % 7 == 0) text += " \t";      // trailing blanks
    if (i + 1 == golden.size()) break;  // no line end after the last line
    text += "\r\n";
    if (i % 4 == 0) text += "\r\n";
    if (i % 9 == 0) text += "   \t\r\n\n";
  }
  Result r = Replay(kGoldenConfig, Write("crlf.jsonl", text));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  ExpectSameText(r.out, Reference().out);
}

}  // namespace
}  // namespace ninesd::replay
