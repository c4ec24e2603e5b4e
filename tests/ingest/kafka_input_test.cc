// KafkaInput against librdkafka's mock cluster (the real Kafka protocol on
// 127.0.0.1, in this process so faults can be injected), with kcat as the
// producer and dead-letter reader: everything produced is consumed exactly
// once, restarts from given offsets lose and repeat nothing, every reject
// reason reaches the dead-letter topic, broker outages and request errors
// recover with exact counts, and a position below the log start is counted.

#include "ingest/kafka_input.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <prometheus/registry.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "events/decoder.h"
#include "ingest/embedded_broker.h"
#include "ingest/ingest_metrics.h"
#include "simdjson.h"
#include "slo/model.h"
#include "slo/signal.h"
#include "tests/common/temp_dir.h"

namespace ninesd::ingest {
namespace {

using namespace std::chrono_literals;
using slo::Signal;

constexpr int kServices = 50;
constexpr int64_t kT0 = 1'795'766'400'000;  // 2026-11-27T08:00:00Z

slo::ModelSpec Model() {
  slo::ModelSpec spec;
  for (int i = 0; i < kServices; ++i) {
    slo::ServiceSpec s;
    s.name = "s" + std::to_string(i);
    spec.services.push_back(s);
  }
  return spec;
}

// Events with unique ids, every type the decoder takes without probes.
void WriteEvents(const std::string& path, int first, int n) {
  std::ofstream out(path, std::ios::trunc);
  for (int i = first; i < first + n; ++i) {
    std::string svc = "s" + std::to_string(i % kServices);
    double ts = static_cast<double>(kT0 + int64_t{i} * 7) / 1000.0;
    char tsbuf[32];
    std::snprintf(tsbuf, sizeof tsbuf, "%.3f", ts);
    out << "{\"id\":\"e" << i << "\",\"service\":\"" << svc << "\",\"ts\":" << tsbuf;
    switch (i % 4) {
      case 0:
        out << ",\"type\":\"state\",\"state\":\"" << (i % 3 ? "up" : "down") << "\"}\n";
        break;
      case 1:
        out << ",\"type\":\"heartbeat\"}\n";
        break;
      case 2:
        out << ",\"type\":\"outcome\",\"good\":" << (i % 5 ? "true" : "false")
            << ",\"latency_ms\":" << (i % 1000) << ".5}\n";
        break;
      default:
        out << ",\"type\":\"counts\",\"good\":" << (i % 90) << ",\"total\":100}\n";
        break;
    }
  }
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

std::vector<Signal> DecodeFile(const std::string& path) {
  slo::ModelSpec spec = Model();
  events::Decoder d(spec, 65536);
  std::vector<Signal> out;
  for (const std::string& l : ReadLines(path)) {
    Signal s;
    if (d.DecodeCopy(l, std::nullopt, s) == events::Reject::kNone) out.push_back(s);
  }
  return out;
}

auto Key(const Signal& s) {
  return std::make_tuple(s.id_hash, s.ts, s.service, static_cast<int>(s.kind),
                         static_cast<int>(s.state), s.good, s.has_latency, s.latency_ms,
                         s.good_count, s.total_count, s.probe, s.location);
}

std::vector<Signal> Sorted(std::vector<Signal> v) {
  std::sort(v.begin(), v.end(), [](const Signal& a, const Signal& b) { return Key(a) < Key(b); });
  return v;
}

bool SameSignals(const std::vector<Signal>& a, const std::vector<Signal>& b) {
  if (a.size() != b.size()) return false;
  std::vector<Signal> x = Sorted(a), y = Sorted(b);
  for (size_t i = 0; i < x.size(); ++i) {
    if (Key(x[i]) != Key(y[i])) return false;
  }
  return true;
}

// Runs a shell command; returns its exit status and stdout.
std::pair<int, std::string> Shell(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return {-1, out};
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

void KcatProduce(const std::string& boot, const std::string& topic, const std::string& file) {
  // Keyless messages would stick to one partition while a batch fills; on a
  // loaded machine one partition then passes the mock broker's 5 MiB
  // retention and its oldest messages are deleted before they are read.
  // Per-message random partitions keep every partition far below it.
  auto [rc, out] = Shell("kcat -P -X sticky.partitioning.linger.ms=0 -b " + boot + " -t " + topic +
                         " -l " + file + " 2>&1");
  ASSERT_EQ(rc, 0) << out;
}

// Collects what the input hands over, as the daemon's loop would.
class Collector {
 public:
  KafkaInput::Sink Sink() {
    return [this](IngestBatch&& b) {
      std::lock_guard lock(mu_);
      ++batches_;
      caught_up_ = b.caught_up;
      if (!frozen_) {
        signals_.insert(signals_.end(), b.signals.begin(), b.signals.end());
        sources_.insert(sources_.end(), b.sources.begin(), b.sources.end());
        for (const auto& [tp, off] : b.next_offsets) offsets_[tp] = off;
        for (size_t i = 0; i < b.rejected.size(); ++i) rejected_[i] += b.rejected[i];
        messages_ += b.messages;
        if (freeze_after_ > 0 && signals_.size() >= freeze_after_) frozen_ = true;
      }
      cv_.notify_all();
    };
  }
  // Stops taking batches once `n` signals are in (a checkpoint at a batch boundary).
  void FreezeAfter(size_t n) { freeze_after_ = n; }

  bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout = 30s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, done);
  }
  bool WaitForSignals(size_t n, std::chrono::milliseconds timeout = 30s) {
    return WaitFor([&] { return signals_.size() >= n; }, timeout);
  }
  bool WaitForMessages(uint64_t n, std::chrono::milliseconds timeout = 30s) {
    return WaitFor([&] { return messages_ >= n; }, timeout);
  }
  bool WaitForCaughtUp(std::chrono::milliseconds timeout = 30s) {
    return WaitFor([&] { return caught_up_; }, timeout);
  }
  bool WaitForBatches(int n, std::chrono::milliseconds timeout = 30s) {
    return WaitFor([&] { return batches_ >= n; }, timeout);
  }

  std::vector<Signal> signals() {
    std::lock_guard lock(mu_);
    return signals_;
  }
  std::vector<MessageRef> sources() {
    std::lock_guard lock(mu_);
    return sources_;
  }
  OffsetMap offsets() {
    std::lock_guard lock(mu_);
    return offsets_;
  }
  uint64_t rejected(events::Reject r) {
    std::lock_guard lock(mu_);
    return rejected_[static_cast<size_t>(r)];
  }
  uint64_t messages() {
    std::lock_guard lock(mu_);
    return messages_;
  }
  int batches() {
    std::lock_guard lock(mu_);
    return batches_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Signal> signals_;
  std::vector<MessageRef> sources_;
  OffsetMap offsets_;
  std::array<uint64_t, events::kNumRejects> rejected_{};
  uint64_t messages_ = 0;
  int batches_ = 0;
  size_t freeze_after_ = 0;
  bool caught_up_ = false;
  bool frozen_ = false;
};

// Polls a condition that is not signalled (metrics, connection state).
bool Eventually(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (cond()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return cond();
}

// The records of a dead-letter topic, read back with kcat: payload and headers.
struct DeadLetter {
  std::string payload;
  std::map<std::string, std::string> headers;
};

std::vector<DeadLetter> ReadDeadLetters(const std::string& boot, const std::string& topic) {
  auto [rc, out] =
      Shell("kcat -C -b " + boot + " -t " + topic + " -e -o beginning -q -J 2>/dev/null");
  EXPECT_EQ(rc, 0);
  std::vector<DeadLetter> records;
  simdjson::dom::parser parser;
  for (size_t pos = 0; pos < out.size();) {
    size_t nl = out.find('\n', pos);
    std::string line = out.substr(pos, nl - pos);
    pos = nl == std::string::npos ? out.size() : nl + 1;
    if (line.empty()) continue;
    simdjson::dom::element rec;
    std::string_view payload;
    simdjson::dom::array headers;
    if (parser.parse(line).get(rec) != simdjson::SUCCESS ||
        rec["payload"].get(payload) != simdjson::SUCCESS ||
        rec["headers"].get(headers) != simdjson::SUCCESS) {
      ADD_FAILURE() << "unexpected kcat record " << line;
      continue;
    }
    DeadLetter d;
    d.payload = std::string(payload);
    std::string key;
    bool is_key = true;
    for (simdjson::dom::element e : headers) {
      std::string_view v;
      if (e.get(v) != simdjson::SUCCESS) ADD_FAILURE() << line;
      if (is_key) {
        key = std::string(v);
      } else {
        d.headers[key] = std::string(v);
      }
      is_key = !is_key;
    }
    records.push_back(std::move(d));
  }
  return records;
}

class KafkaInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    EmbeddedBrokerOptions o;
    o.partitions = 8;
    o.topics = {"events"};
    auto b = EmbeddedBroker::Start(o);
    ASSERT_TRUE(b.ok()) << b.error().message;
    broker_ = std::move(*b);
    ASSERT_TRUE(broker_->CreateTopic("events-dlq", 1).ok());
  }

  KafkaInputOptions Options(const std::string& topic = "events") {
    KafkaInputOptions o;
    o.bootstrap = broker_->bootstrap();
    o.group_id = "ninesd-test";
    o.topics = {topic};
    o.statistics_interval = 1000ms;
    o.metadata_retry = 200ms;
    return o;
  }

  std::unique_ptr<KafkaInput> Make(KafkaInputOptions o, Collector& c) {
    auto in = KafkaInput::Create(model_, std::move(o), c.Sink(), metrics_);
    EXPECT_TRUE(in.ok()) << in.error().message;
    if (!in.ok()) return nullptr;
    return std::move(*in);
  }

  std::string Path(const std::string& name) { return dir_.path() + "/" + name; }

  test_support::TempDir dir_;
  std::unique_ptr<EmbeddedBroker> broker_;
  slo::ModelSpec model_ = Model();
  prometheus::Registry registry_;
  IngestMetrics metrics_{registry_};
};

int64_t SumOffsets(const OffsetMap& m) {
  int64_t sum = 0;
  for (const auto& [tp, off] : m) sum += off;
  return sum;
}

TEST_F(KafkaInputTest, ConsumesEveryEventKcatProducedExactlyOnce) {
  constexpr int kN = 100'000;
  WriteEvents(Path("events.jsonl"), 0, kN);
  KcatProduce(broker_->bootstrap(), "events", Path("events.jsonl"));

  Collector c;
  auto in = Make(Options(), c);
  ASSERT_TRUE(in);
  in->Start();
  if (!c.WaitForMessages(kN, 50s)) {
    // What the broker holds per partition (first and last offset) against
    // where the input got to, to tell a lost produce from a stalled fetch.
    auto [rc, held] = Shell("kcat -C -b " + broker_->bootstrap() +
                            " -t events -o beginning -e -q -f '%p %o\\n' | sort -n -k1 -k2 | "
                            "awk '{if(!($1 in f))f[$1]=$2; l[$1]=$2; n[$1]++} END "
                            "{for(p in f) print \"partition \" p \": offsets \" f[p] \"..\" l[p] "
                            "\" (\" n[p] \" messages)\"}'");
    std::string got;
    for (const auto& [tp, off] : c.offsets()) {
      got += " " + std::to_string(tp.partition) + "->" + std::to_string(off);
    }
    FAIL() << c.messages() << " of " << kN << " messages; input next offsets:" << got
           << "\nbroker (kcat rc " << rc << "):\n"
           << held;
  }
  EXPECT_TRUE(c.WaitForCaughtUp());
  in->Stop();

  std::vector<Signal> want = DecodeFile(Path("events.jsonl"));
  ASSERT_EQ(want.size(), static_cast<size_t>(kN));
  EXPECT_EQ(c.messages(), static_cast<uint64_t>(kN));
  EXPECT_TRUE(SameSignals(c.signals(), want));
  // Every partition started at 0, so the next offsets add up to the count.
  EXPECT_EQ(SumOffsets(c.offsets()), kN);
  // kcat's partitioner may leave a partition without messages in a run.
  EXPECT_LE(c.offsets().size(), 8u);
  EXPECT_EQ(metrics_.ConsumedTotal(), kN);
  EXPECT_EQ(metrics_.Rejected(events::Reject::kBadJson).Value(), 0);
}

TEST_F(KafkaInputTest, RestartFromHandedOverOffsetsLosesAndRepeatsNothing) {
  constexpr int kN = 20'000;
  WriteEvents(Path("events.jsonl"), 0, kN);
  KcatProduce(broker_->bootstrap(), "events", Path("events.jsonl"));

  // First run: the owner checkpoints after some batches, then "crashes"
  // (later batches are dropped, as they would be after kill -9).
  Collector first;
  first.FreezeAfter(5'000);
  KafkaInputOptions o = Options();
  o.max_batch_signals = 1'000;
  auto in = Make(o, first);
  ASSERT_TRUE(in);
  in->Start();
  ASSERT_TRUE(first.WaitForSignals(5'000));
  in->Stop();
  in.reset();
  std::vector<Signal> before = first.signals();
  OffsetMap checkpoint = first.offsets();
  ASSERT_LT(before.size(), static_cast<size_t>(kN));
  ASSERT_EQ(SumOffsets(checkpoint), static_cast<int64_t>(before.size()));

  Collector second;
  o.start_offsets = checkpoint;
  in = Make(o, second);
  ASSERT_TRUE(in);
  in->Start();
  ASSERT_TRUE(second.WaitForSignals(kN - before.size()));
  // Nothing more arrives.
  EXPECT_FALSE(second.WaitForSignals(kN - before.size() + 1, 1500ms));
  for (const auto& [tp, off] : checkpoint) EXPECT_EQ(in->start_positions()[tp], off);
  in->Stop();

  std::vector<Signal> all = before;
  std::vector<Signal> after = second.signals();
  all.insert(all.end(), after.begin(), after.end());
  EXPECT_TRUE(SameSignals(all, DecodeFile(Path("events.jsonl"))));
  EXPECT_EQ(metrics_.DataGapTotal(), 0);
}

// One line per reason the decoder gives (late and duplicate are decided by
// the core's sequencer, after the input).
std::vector<std::pair<std::string, std::string>> BadLines() {
  std::string big =
      "{\"type\":\"heartbeat\",\"service\":\"s1\",\"pad\":\"" + std::string(300, 'x') + "\"}";
  return {
      {"bad_json", "{\"type\":\"heartbeat\",\"service\":"},
      {"too_large", big},
      {"missing_field", "{\"type\":\"heartbeat\"}"},
      {"wrong_type", "{\"type\":\"heartbeat\",\"service\":7}"},
      {"bad_value", "{\"type\":\"state\",\"service\":\"s1\",\"state\":\"sideways\"}"},
      {"unknown_type", "{\"type\":\"party\",\"service\":\"s1\"}"},
      {"unknown_service", "{\"type\":\"heartbeat\",\"service\":\"nope\"}"},
      {"bad_timestamp", "{\"type\":\"heartbeat\",\"service\":\"s1\",\"ts\":\"yesterday\"}"},
      {"duplicate_key", "{\"type\":\"heartbeat\",\"service\":\"s1\",\"service\":\"s2\"}"},
  };
}

TEST_F(KafkaInputTest, EveryRejectReasonEndsInTheDeadLetterTopicWithHeaders) {
  ASSERT_TRUE(broker_->CreateTopic("bad", 1).ok());
  auto bad = BadLines();
  // A service with a probe, for too_many_locations: 64 distinct locations
  // are taken, the 65th is not.
  slo::ServiceSpec web;
  web.name = "web";
  model_.services.push_back(web);
  {
    std::ofstream out(Path("bad.jsonl"));
    out << "{\"type\":\"heartbeat\",\"service\":\"s0\",\"ts\":1795766400}\n";
    for (const auto& [reason, line] : bad) out << line << "\n";
    for (int i = 0; i <= static_cast<int>(events::Decoder::kMaxLocationsPerService); ++i) {
      out << "{\"type\":\"probe\",\"service\":\"web\",\"ts\":1795766400,\"success\":true,"
             "\"location\":\"l"
          << i << "\"}\n";
    }
  }
  KcatProduce(broker_->bootstrap(), "bad", Path("bad.jsonl"));
  const int total = 1 + static_cast<int>(bad.size()) + 65;

  Collector c;
  KafkaInputOptions o = Options("bad");
  o.dead_letter_topic = "events-dlq";
  o.max_event_bytes = 256;
  auto in = Make(o, c);
  ASSERT_TRUE(in);
  in->Start();
  ASSERT_TRUE(c.WaitForMessages(total));
  in->Stop();
  EXPECT_EQ(c.signals().size(), 1u + 64u);
  for (const auto& [reason, line] : bad) {
    int count = 0;
    for (int r = 1; r < events::kNumRejects; ++r) {
      if (reason == events::RejectLabel(static_cast<events::Reject>(r))) {
        count = static_cast<int>(c.rejected(static_cast<events::Reject>(r)));
        EXPECT_EQ(metrics_.Rejected(static_cast<events::Reject>(r)).Value(), 1) << reason;
      }
    }
    EXPECT_EQ(count, 1) << reason;
  }
  EXPECT_EQ(c.rejected(events::Reject::kTooManyLocations), 1u);
  EXPECT_EQ(c.offsets()[TopicPartition({"bad", 0})], total);
  EXPECT_EQ(metrics_.dead_letter_delivered().Value(), static_cast<double>(bad.size() + 1));

  // Read the dead-letter topic back with kcat: payload, reason and source.
  std::map<std::string, std::string> payload_by_reason;
  std::map<std::string, std::string> offset_by_reason;
  size_t records = 0;
  for (const DeadLetter& d : ReadDeadLetters(broker_->bootstrap(), "events-dlq")) {
    ++records;
    EXPECT_EQ(d.headers.at("ninesd.source.topic"), "bad");
    EXPECT_EQ(d.headers.at("ninesd.source.partition"), "0");
    payload_by_reason[d.headers.at("ninesd.reason")] = d.payload;
    offset_by_reason[d.headers.at("ninesd.reason")] = d.headers.at("ninesd.source.offset");
  }
  EXPECT_EQ(records, bad.size() + 1);
  for (size_t i = 0; i < bad.size(); ++i) {
    const auto& [reason, line] = bad[i];
    EXPECT_EQ(payload_by_reason[reason], line) << reason;
    EXPECT_EQ(offset_by_reason[reason], std::to_string(i + 1)) << reason;
  }
  EXPECT_EQ(offset_by_reason["too_many_locations"], std::to_string(total - 1));
}

// Late and duplicate are decided by the core after the input: the owner hands
// the refused messages back, and the input reads them again from Kafka into
// the dead-letter topic (near ones by reading through, a far one by seeking).
TEST_F(KafkaInputTest, RefusedMessagesAreReadAgainIntoTheDeadLetterTopic) {
  ASSERT_TRUE(broker_->CreateTopic("beats", 1).ok());
  constexpr int kN = 3000;
  std::vector<std::string> lines;
  {
    std::ofstream out(Path("beats.jsonl"));
    for (int i = 0; i < kN; ++i) {
      lines.push_back("{\"type\":\"heartbeat\",\"service\":\"s1\",\"ts\":" +
                      std::to_string(1795766400 + i) + ",\"id\":\"b" + std::to_string(i) + "\"}");
      out << lines.back() << "\n";
    }
  }
  KcatProduce(broker_->bootstrap(), "beats", Path("beats.jsonl"));
  Collector c;
  KafkaInputOptions o = Options("beats");
  o.dead_letter_topic = "events-dlq";
  auto in = Make(o, c);
  ASSERT_TRUE(in);
  in->Start();
  ASSERT_TRUE(c.WaitForSignals(kN));
  std::vector<MessageRef> sources = c.sources();
  ASSERT_EQ(sources.size(), static_cast<size_t>(kN));
  for (int i = 0; i < kN; ++i) ASSERT_EQ(sources[static_cast<size_t>(i)].offset, i);

  const std::vector<std::pair<int, events::Reject>> refused = {{5, events::Reject::kLate},
                                                               {6, events::Reject::kDuplicate},
                                                               {2500, events::Reject::kLate},
                                                               {2999, events::Reject::kDuplicate}};
  std::vector<RefusedMessage> handed;
  for (auto [i, r] : refused) handed.push_back({sources[static_cast<size_t>(i)], r});
  in->DeadLetterRefused(handed);
  ASSERT_TRUE(Eventually(
      [&] {
        return metrics_.dead_letter_delivered().Value() >= static_cast<double>(refused.size());
      },
      30s));
  EXPECT_EQ(metrics_.dead_letter_failed().Value(), 0);
  // An offset the partition does not hold is counted as failed at once, not
  // after the reader's 10 s.
  MessageRef gone = sources[0];
  gone.offset = 1'000'000;
  in->DeadLetterRefused({{gone, events::Reject::kLate}});
  EXPECT_TRUE(Eventually([&] { return metrics_.dead_letter_failed().Value() == 1; }, 8s));
  in->Stop();

  std::vector<DeadLetter> got = ReadDeadLetters(broker_->bootstrap(), "events-dlq");
  ASSERT_EQ(got.size(), refused.size());
  std::map<std::string, DeadLetter> by_offset;
  for (const DeadLetter& d : got) by_offset[d.headers.at("ninesd.source.offset")] = d;
  for (auto [i, r] : refused) {
    const DeadLetter& d = by_offset[std::to_string(i)];
    EXPECT_EQ(d.payload, lines[static_cast<size_t>(i)]) << i;
    EXPECT_EQ(d.headers.at("ninesd.reason"), events::RejectLabel(r)) << i;
    EXPECT_EQ(d.headers.at("ninesd.source.topic"), "beats");
    EXPECT_EQ(d.headers.at("ninesd.source.partition"), "0");
    EXPECT_FALSE(d.headers.at("ninesd.detail").empty());
  }
}

TEST_F(KafkaInputTest, BrokerOutageAndRequestErrorsRecoverWithExactCounts) {
  constexpr int kHalf = 10'000;
  WriteEvents(Path("a.jsonl"), 0, kHalf);
  WriteEvents(Path("b.jsonl"), kHalf, kHalf);
  KcatProduce(broker_->bootstrap(), "events", Path("a.jsonl"));

  Collector c;
  auto in = Make(Options(), c);
  ASSERT_TRUE(in);
  in->Start();
  ASSERT_TRUE(c.WaitForMessages(kHalf));
  ASSERT_TRUE(Eventually([&] { return in->connected(); }, 5s));
  EXPECT_EQ(metrics_.connected().Value(), 1);

  broker_->SetAllBrokersDown();
  ASSERT_TRUE(Eventually([&] { return !in->connected(); }, 10s));
  EXPECT_EQ(metrics_.connected().Value(), 0);
  std::this_thread::sleep_for(3s);  // the outage itself: a span of time, not a condition
  broker_->SetAllBrokersUp();
  // Fetches fail for a while after the broker is back: NOT_LEADER (6), then
  // a disconnect-like transport error on the next ones.
  broker_->PushRequestErrors(1, {6, 6, 6, -195, -195});
  KcatProduce(broker_->bootstrap(), "events", Path("b.jsonl"));
  ASSERT_TRUE(c.WaitForMessages(2 * kHalf, 40s)) << c.messages();
  EXPECT_FALSE(c.WaitForMessages(2 * kHalf + 1, 1s));
  ASSERT_TRUE(Eventually([&] { return in->connected(); }, 10s));
  in->Stop();

  std::vector<Signal> want = DecodeFile(Path("a.jsonl"));
  std::vector<Signal> b = DecodeFile(Path("b.jsonl"));
  want.insert(want.end(), b.begin(), b.end());
  EXPECT_TRUE(SameSignals(c.signals(), want));
  EXPECT_EQ(SumOffsets(c.offsets()), 2 * kHalf);
}

TEST_F(KafkaInputTest, StoredOffsetBelowLogStartIsCountedAsADataGap) {
  ASSERT_TRUE(broker_->CreateTopic("small", 1).ok());
  // The mock cluster keeps about 5 MiB per partition: 8 MiB in pushes the
  // log start up.
  {
    std::ofstream out(Path("big.jsonl"));
    std::string pad(100'000, 'x');
    for (int i = 0; i < 80; ++i) {
      out << "{\"type\":\"heartbeat\",\"service\":\"s1\",\"pad\":\"" << pad << "\"}\n";
    }
  }
  KcatProduce(broker_->bootstrap(), "small", Path("big.jsonl"));

  Collector c;
  KafkaInputOptions o = Options("small");
  o.start_offsets[TopicPartition{"small", 0}] = 3;  // read up to 3 before a "restart"
  auto in = Make(o, c);
  ASSERT_TRUE(in);
  in->Start();
  ASSERT_TRUE(Eventually([&] { return in->assigned(); }, 10s));
  int64_t log_start = in->start_positions()[TopicPartition({"small", 0})];
  ASSERT_GT(log_start, 3) << "the mock cluster kept every message";
  ASSERT_TRUE(c.WaitForMessages(static_cast<uint64_t>(80 - log_start)));
  in->Stop();
  EXPECT_EQ(metrics_.DataGapTotal(), static_cast<double>(log_start - 3));
  EXPECT_EQ(metrics_.DataGap("small", 0).Value(), static_cast<double>(log_start - 3));
  EXPECT_EQ(c.offsets()[TopicPartition({"small", 0})], 80);
}

TEST_F(KafkaInputTest, StoredOffsetBeyondLogEndRereadsFromTheStart) {
  // A topic deleted and re-created under the same name: the stored offset
  // is past its end. Out of range is counted, then the partition is read
  // from its start (nothing of the new topic is skipped).
  ASSERT_TRUE(broker_->CreateTopic("fresh", 1).ok());
  WriteEvents(Path("events.jsonl"), 0, 100);
  KcatProduce(broker_->bootstrap(), "fresh", Path("events.jsonl"));
  Collector c;
  KafkaInputOptions o = Options("fresh");
  o.start_offsets[TopicPartition{"fresh", 0}] = 5'000;
  auto in = Make(o, c);
  ASSERT_TRUE(in);
  in->Start();
  ASSERT_TRUE(c.WaitForMessages(100));
  in->Stop();
  EXPECT_EQ(metrics_.OffsetResets("fresh", 0).Value(), 1);
  EXPECT_TRUE(SameSignals(c.signals(), DecodeFile(Path("events.jsonl"))));
  EXPECT_EQ(c.offsets()[TopicPartition({"fresh", 0})], 100);
}

TEST_F(KafkaInputTest, BackPressureHoldsBatchesAndLagShowsWhatIsWaiting) {
  ASSERT_TRUE(broker_->CreateTopic("one", 1).ok());
  WriteEvents(Path("events.jsonl"), 0, 5'000);
  KcatProduce(broker_->bootstrap(), "one", Path("events.jsonl"));
  Collector c;
  KafkaInputOptions o = Options("one");
  o.max_batch_signals = 100;
  o.max_pending_batches = 1;
  auto in = Make(o, c);
  ASSERT_TRUE(in);
  in->Start();
  ASSERT_TRUE(c.WaitForMessages(100));
  // The owner has not applied the batch: nothing more comes.
  EXPECT_FALSE(c.WaitForMessages(101, 500ms));
  EXPECT_EQ(c.batches(), 1);
  // The lag gauge is read from the consumer's cached watermarks each second.
  ASSERT_TRUE(Eventually([&] { return metrics_.Lag("one", 0).Value() >= 4'900 - 100; }, 5s))
      << metrics_.Lag("one", 0).Value();
  for (int i = 0; i < 100 && c.messages() < 5'000; ++i) {
    int seen = c.batches();
    in->BatchApplied();
    ASSERT_TRUE(c.WaitForBatches(seen + 1, 5s));
  }
  EXPECT_EQ(c.messages(), 5'000u);
  ASSERT_TRUE(Eventually([&] { return metrics_.Lag("one", 0).Value() == 0; }, 5s));
  in->Stop();
}

TEST_F(KafkaInputTest, CommitOffsetsIsVisibleUnderTheGroupId) {
  WriteEvents(Path("events.jsonl"), 0, 1'000);
  KcatProduce(broker_->bootstrap(), "events", Path("events.jsonl"));
  Collector c;
  auto in = Make(Options(), c);
  ASSERT_TRUE(in);
  in->Start();
  ASSERT_TRUE(c.WaitForMessages(1'000));
  in->CommitOffsets(c.offsets());

  // Another client of the group reads the committed offsets back.
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  ASSERT_EQ(
      rd_kafka_conf_set(conf, "bootstrap.servers", broker_->bootstrap().c_str(), err, sizeof err),
      RD_KAFKA_CONF_OK);
  ASSERT_EQ(rd_kafka_conf_set(conf, "group.id", "ninesd-test", err, sizeof err), RD_KAFKA_CONF_OK);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  ASSERT_NE(rk, nullptr) << err;
  OffsetMap want = c.offsets();
  bool equal = Eventually(
      [&] {
        rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(8);
        for (int p = 0; p < 8; ++p) rd_kafka_topic_partition_list_add(l, "events", p);
        bool ok = rd_kafka_committed(rk, l, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR;
        for (int i = 0; ok && i < l->cnt; ++i) {
          auto it = want.find(TopicPartition{"events", l->elems[i].partition});
          int64_t expect = it == want.end() ? RD_KAFKA_OFFSET_INVALID : it->second;
          ok = l->elems[i].offset == expect;
        }
        rd_kafka_topic_partition_list_destroy(l);
        return ok;
      },
      10s);
  rd_kafka_destroy(rk);
  in->Stop();
  EXPECT_TRUE(equal);
  EXPECT_EQ(metrics_.commit_failures().Value(), 0);
}

TEST_F(KafkaInputTest, AnEmptyTopicIsReportedCaughtUpWithAnEmptyBatch) {
  Collector c;
  auto in = Make(Options(), c);
  ASSERT_TRUE(in);
  in->Start();
  ASSERT_TRUE(c.WaitForCaughtUp(10s));
  EXPECT_EQ(c.batches(), 1);
  EXPECT_EQ(c.messages(), 0u);
  // New messages: batches say "not caught up" until the end is read again.
  WriteEvents(Path("events.jsonl"), 0, 100);
  KcatProduce(broker_->bootstrap(), "events", Path("events.jsonl"));
  ASSERT_TRUE(c.WaitForMessages(100));
  EXPECT_TRUE(c.WaitForCaughtUp(10s));
  in->Stop();
}

TEST_F(KafkaInputTest, WaitsForAMissingTopicAndStopsCleanly) {
  Collector c;
  auto in = Make(Options("not-yet"), c);
  ASSERT_TRUE(in);
  in->Start();
  std::this_thread::sleep_for(300ms);  // let it try at least once
  EXPECT_FALSE(in->assigned());
  ASSERT_TRUE(broker_->CreateTopic("not-yet", 2).ok());
  ASSERT_TRUE(Eventually([&] { return in->assigned(); }, 10s));
  EXPECT_EQ(in->start_positions().size(), 2u);
  in->Stop();
}

TEST(KafkaInputConfigTest, FilePropertiesAreReadAndBadOnesAreClearErrors) {
  test_support::TempDir dir;
  prometheus::Registry registry;
  IngestMetrics metrics(registry);
  slo::ModelSpec model = Model();
  KafkaInputOptions o;
  o.bootstrap = "127.0.0.1:1";
  o.topics = {"events"};
  { std::ofstream(dir.path() + "/rack") << "rack-7\n"; }
  o.properties["client.rack_file"] = dir.path() + "/rack";
  auto ok = KafkaInput::Create(
      model, o, [](IngestBatch&&) {}, metrics);
  EXPECT_TRUE(ok.ok()) << (ok.ok() ? "" : ok.error().message);

  o.properties = {{"sasl.password_file", dir.path() + "/missing"}};
  auto missing = KafkaInput::Create(
      model, o, [](IngestBatch&&) {}, metrics);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("sasl.password_file: cannot read"), std::string::npos)
      << missing.error().message;

  o.properties = {{"no.such.property", "1"}};
  auto unknown = KafkaInput::Create(
      model, o, [](IngestBatch&&) {}, metrics);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("kafka.properties: no.such.property"), std::string::npos)
      << unknown.error().message;
}

TEST(EmbeddedBrokerTest, WritesTheBootstrapFileForKcat) {
  test_support::TempDir dir;
  EmbeddedBrokerOptions o;
  o.topics = {"events"};
  o.partitions = 3;
  auto b = EmbeddedBroker::Start(o);
  ASSERT_TRUE(b.ok()) << b.error().message;
  ASSERT_TRUE(WriteBootstrapFile(dir.path(), (*b)->bootstrap()).ok());
  std::ifstream in(dir.path() + "/kafka.bootstrap");
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, (*b)->bootstrap());
  EXPECT_EQ(line.rfind("127.0.0.1:", 0), 0u) << line;
  auto [rc, out] = Shell("kcat -L -b " + line + " -t events 2>&1");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("3 partitions"), std::string::npos) << out;
}

}  // namespace
}  // namespace ninesd::ingest
