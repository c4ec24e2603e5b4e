#pragma once
// KafkaInput: reads every partition of the configured topics and turns the
// messages into core signals, in batches, on its own thread.
//
// No-loss design (RELIABILITY.md section 1): no group rebalancing — all
// partitions are taken with one rd_kafka_assign() at the offsets the owner
// restored from its state store (a partition without one starts at the
// beginning, never the end); auto commit and offset store are off; only
// rd_kafka_consumer_poll() (the batch calls lose messages on 2.0.x). Each
// IngestBatch carries, per partition, the offset after its last message, so
// the owner can checkpoint state and offsets in one transaction; the Kafka
// commit (CommitOffsets) is advisory, for lag tools, and never read back.
// A position below the partition's log start is a data gap: counted and
// logged, then reading continues at the log start.
//
// Rejected messages (events::Decoder reasons) are counted, logged at a rate
// limit, and produced to the dead-letter topic with their original key,
// value and headers plus ninesd.reason, ninesd.detail, ninesd.source.topic,
// ninesd.source.partition and ninesd.source.offset headers. Before a batch
// with rejects is handed over, the dead-letter producer is flushed (bounded),
// so a checkpoint past a reject normally implies its dead-letter copy exists.
//
// Lifecycle: Create() (validates the librdkafka configuration), Start()
// (starts the consumer thread), Stop() (joins it; also in the destructor).
// Threads: the consumer thread owns the librdkafka handles' polling, the
// decoder and the batch being built, and calls the sink. CommitOffsets,
// BatchApplied, SetModel and the accessors may be called from any thread.

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "events/decoder.h"
#include "simdjson.h"
#include "slo/model.h"
#include "slo/signal.h"

typedef struct rd_kafka_s rd_kafka_t;
typedef struct rd_kafka_message_s rd_kafka_message_t;

namespace ninesd::config {
struct KafkaConfig;
}

namespace ninesd::ingest {

class IngestMetrics;

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  friend auto operator<=>(const TopicPartition&, const TopicPartition&) = default;
};

// Per partition: the next offset to read (the offset after the last message
// taken into account).
using OffsetMap = std::map<TopicPartition, int64_t>;

// A message of an input partition: the partition's index in the input's
// table (opaque to the owner) and the message offset.
struct MessageRef {
  uint32_t slot = 0;
  int64_t offset = 0;
};

// A message whose signal the core refused after the input (late, duplicate).
struct RefusedMessage {
  MessageRef message;
  events::Reject reason = events::Reject::kLate;
};

struct IngestBatch {
  std::vector<slo::Signal> signals;  // accepted events, in arrival order
  // With a dead-letter topic: where each signal came from (one per signal).
  std::vector<MessageRef> sources;
  OffsetMap next_offsets;                                // partitions with messages in this batch
  std::array<uint32_t, events::kNumRejects> rejected{};  // by events::Reject
  uint32_t messages = 0;                                 // accepted + rejected
  uint64_t model_generation = 0;  // of the model the signals were decoded with (SetModel)
  // Every partition was read to its end as of this batch. Sent once with no
  // messages when the backlog runs out between batches.
  bool caught_up = false;
};

struct KafkaInputOptions {
  std::string bootstrap;  // host:port,... (the embedded broker's address already resolved)
  std::string group_id = "ninesd";
  std::vector<std::string> topics;
  std::string dead_letter_topic;  // empty: none
  size_t max_event_bytes = 65536;
  // librdkafka pass-through; "NAME_file: PATH" sets NAME to the file's content.
  std::map<std::string, std::string> properties;
  OffsetMap start_offsets;          // missing partition: from the beginning
  events::LocationTable locations;  // probe location numbers from the last checkpoint

  size_t max_batch_signals = 8192;
  std::chrono::milliseconds max_batch_delay{20};
  // Batches handed over but not yet BatchApplied(); the consumer waits at the
  // limit (back-pressure towards Kafka). 0: no limit, BatchApplied unused.
  size_t max_pending_batches = 0;
  std::chrono::milliseconds metadata_retry{1000};
  std::chrono::milliseconds statistics_interval{1000};
  std::string client_id = "ninesd";

  static KafkaInputOptions FromConfig(const config::KafkaConfig& kafka, std::string bootstrap);
};

class KafkaInput {
 public:
  using Sink = std::function<void(IngestBatch&&)>;

  // `metrics` must outlive the input. Errors: a property librdkafka refuses,
  // an unreadable *_file, no topics.
  static Result<std::unique_ptr<KafkaInput>> Create(const slo::ModelSpec& model,
                                                    KafkaInputOptions options, Sink sink,
                                                    IngestMetrics& metrics);
  ~KafkaInput();
  KafkaInput(const KafkaInput&) = delete;
  KafkaInput& operator=(const KafkaInput&) = delete;

  void Start();
  // Hands over the batch being built, closes the consumer, flushes the
  // dead-letter producer (bounded) and joins. Idempotent.
  void Stop();

  // Commits these offsets to Kafka under group_id, asynchronously. Advisory:
  // for lag dashboards only; failures are counted, never retried.
  void CommitOffsets(const OffsetMap& offsets);
  // Flow control (max_pending_batches): one handed-over batch was applied.
  void BatchApplied();
  // A reloaded model: later batches decode with it and carry `generation`.
  void SetModel(const slo::ModelSpec& model, uint64_t generation);
  // Messages the core refused (late, duplicate) go to the dead-letter topic
  // too: the consumer thread reads them again from Kafka (a second consumer,
  // at their offsets) and produces them with their reason. Any thread; a
  // no-op without a dead-letter topic.
  void DeadLetterRefused(std::vector<RefusedMessage> refused);

  bool connected() const { return connected_.load(std::memory_order_relaxed); }
  // True once the partitions are assigned.
  bool assigned() const { return assigned_.load(std::memory_order_acquire); }
  // Assigned partitions with the offsets reading started at (after assigned()).
  OffsetMap start_positions() const;
  // The decoder's probe location numbers, as of the last batch handed over
  // (so they cover every signal handed over); any thread.
  events::LocationTable locations() const;

 private:
  struct Slot;
  struct TopicState;

  KafkaInput(KafkaInputOptions options, Sink sink, IngestMetrics& metrics);
  void Run();
  bool WaitForPartitions();
  void Assign();
  void HandleMessage(rd_kafka_message_t* m);
  void HandleError(rd_kafka_message_t* m);
  void Reject(rd_kafka_message_t* m, size_t slot, events::Reject reason, const std::string& detail);
  void ProduceDeadLetter(const rd_kafka_message_t* m, size_t slot, events::Reject reason,
                         const std::string& detail);
  void DrainRefused();
  void RefetchInto(size_t slot, std::span<const RefusedMessage> wanted);
  void Flush();
  void UpdateLag();
  size_t SlotOf(rd_kafka_message_t* m);
  void SleepFor(std::chrono::milliseconds d);

  void OnStats(const char* json, size_t len);
  void OnError(int err, const char* reason);
  void OnCommit(int err);
  void OnDeadLetterDelivered(int err);

  KafkaInputOptions options_;
  Sink sink_;
  IngestMetrics& metrics_;
  rd_kafka_t* consumer_ = nullptr;
  rd_kafka_t* producer_ = nullptr;  // dead letters; null without a dead_letter_topic
  rd_kafka_t* refetch_ = nullptr;   // reads refused messages again; with producer_ only

  std::mutex refused_mu_;
  std::vector<RefusedMessage> refused_;  // under refused_mu_
  std::atomic<bool> refused_pending_{false};

  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> connected_{false};
  std::atomic<bool> assigned_{false};
  bool started_ = false;

  std::mutex commit_mu_;  // CommitOffsets vs. closing the consumer
  bool closed_ = false;

  std::mutex flow_mu_;
  std::condition_variable flow_cv_;
  size_t pending_batches_ = 0;

  std::mutex model_mu_;
  std::unique_ptr<events::Decoder> next_decoder_;  // from SetModel, picked up between batches
  uint64_t next_generation_ = 0;

  mutable std::mutex positions_mu_;
  OffsetMap start_positions_;
  events::LocationTable locations_;  // under positions_mu_
  uint64_t locations_version_ = 0;   // consumer thread: the decoder's at the last copy

  // Consumer thread only.
  std::unique_ptr<events::Decoder> decoder_;
  uint64_t generation_ = 0;
  std::vector<Slot> slots_;
  std::vector<TopicState> topics_;
  size_t last_topic_ = 0;
  uint32_t polls_ = 0;
  size_t slots_at_end_ = 0;
  bool sent_caught_up_ = false;
  IngestBatch batch_;
  std::vector<int64_t> batch_next_;  // per slot; -1: no message in this batch
  std::chrono::steady_clock::time_point batch_deadline_;
  std::vector<char> buf_;  // padded copy of the message for simdjson
  std::string detail_;
  std::chrono::steady_clock::time_point next_lag_update_;
  struct RateLimit {
    std::chrono::steady_clock::time_point next;
    uint64_t suppressed = 0;
  };
  std::array<RateLimit, events::kNumRejects> reject_log_{};
  std::chrono::steady_clock::time_point next_error_log_;
  uint64_t suppressed_errors_ = 0;
  simdjson::dom::parser stats_parser_;
};

}  // namespace ninesd::ingest
