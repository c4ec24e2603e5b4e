#include "daemon/kafka_wiring.h"

#include <asio/post.hpp>
#include <filesystem>

#include "daemon/logging.h"

namespace ninesd::daemon {
namespace {

// Batches posted to the loop and not yet applied; more and the consumer
// waits (Kafka holds the backlog, not the loop's queue).
constexpr size_t kMaxPendingBatches = 8;

}  // namespace

std::unique_ptr<KafkaWiring> KafkaWiring::Wire(Daemon& daemon, CoreRuntime& runtime) {
  if (!daemon.config().kafka) return nullptr;
  std::unique_ptr<KafkaWiring> w(new KafkaWiring(daemon, runtime));
  KafkaWiring* self = w.get();
  daemon.OnStarting([self] { return self->Start(); });
  // Registered after the core's: runs before it (reverse order).
  daemon.OnShutdown([self] { self->Stop(); });
  return w;
}

KafkaWiring::KafkaWiring(Daemon& daemon, CoreRuntime& runtime)
    : daemon_(daemon),
      runtime_(runtime),
      // The core writes ninesd_events_rejected_total (decoder reasons plus
      // late and duplicate).
      metrics_(*daemon.registry(), /*export_rejected=*/false),
      commit_timer_(daemon.io()) {}

KafkaWiring::~KafkaWiring() { Stop(); }

Status KafkaWiring::Start() {
  auto log = Logger("ingest");
  const config::Config& cfg = daemon_.config();
  const config::KafkaConfig& k = *cfg.kafka;
  std::string bootstrap = k.bootstrap;
  if (bootstrap == "embedded") {
    ingest::EmbeddedBrokerOptions bo;
    bo.partitions = kEmbeddedPartitions;
    bo.topics = k.topics;
    auto broker = ingest::EmbeddedBroker::Start(bo);
    if (!broker) return broker.error();
    broker_ = std::move(*broker);
    if (!k.dead_letter_topic.empty()) {
      if (Status s = broker_->CreateTopic(k.dead_letter_topic, 1); !s) return s;
    }
    bootstrap = broker_->bootstrap();
    std::filesystem::path dir = std::filesystem::path(cfg.state.path).parent_path();
    if (dir.empty()) dir = ".";
    if (Status s = ingest::WriteBootstrapFile(dir.string(), bootstrap); !s) return s;
    log->info("kafka embedded broker bootstrap={} file={} partitions={}", bootstrap,
              (dir / "kafka.bootstrap").string(), kEmbeddedPartitions);
  }

  ingest::KafkaInputOptions o = ingest::KafkaInputOptions::FromConfig(k, bootstrap);
  o.max_pending_batches = kMaxPendingBatches;
  for (const auto& [tp, next] : runtime_.positions()) {
    o.start_offsets[ingest::TopicPartition{tp.first, tp.second}] = next;
  }
  CoreRuntime& runtime = runtime_;
  asio::io_context& io = daemon_.io();
  auto input = ingest::KafkaInput::Create(
      runtime_.spec(), std::move(o),
      [this, &runtime, &io](ingest::IngestBatch&& b) {
        // Consumer thread: one hand-off per batch.
        IngestBatch out;
        out.signals = std::move(b.signals);
        out.positions.reserve(b.next_offsets.size());
        for (const auto& [tp, next] : b.next_offsets) {
          out.positions.push_back(SourcePosition{tp.topic, tp.partition, next});
        }
        for (size_t r = 0; r < b.rejected.size(); ++r) out.rejected[r] = b.rejected[r];
        out.caught_up = b.caught_up;
        runtime.PostBatch(std::move(out));
        // Runs after the batch is applied (same loop, posted later).
        asio::post(io, [this] {
          if (input_) input_->BatchApplied();
        });
      },
      metrics_);
  if (!input) return input.error();
  input_ = std::move(*input);
  input_->Start();
  log->info("kafka input started topics={} group_id={} restored_positions={}", k.topics.size(),
            k.group_id, runtime_.positions().size());
  ScheduleCommit();
  return Ok{};
}

void KafkaWiring::ScheduleCommit() {
  commit_timer_.expires_after(
      std::chrono::milliseconds(daemon_.config().state.checkpoint_interval));
  commit_timer_.async_wait([this](const std::error_code& ec) {
    if (ec || !input_) return;
    ingest::OffsetMap offsets;
    for (const auto& [tp, next] : runtime_.positions()) {
      offsets[ingest::TopicPartition{tp.first, tp.second}] = next;
    }
    input_->CommitOffsets(offsets);  // advisory: for lag tools, never read back
    ScheduleCommit();
  });
}

void KafkaWiring::Stop() {
  commit_timer_.cancel();
  if (input_) input_->Stop();
}

}  // namespace ninesd::daemon
