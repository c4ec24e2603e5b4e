#pragma once
// KafkaWiring: the daemon's Kafka input. Starts the embedded broker for
// `kafka.bootstrap: embedded` (its address logged and written to
// <state dir>/kafka.bootstrap), reads every partition of kafka.topics from
// the positions the core holds when Start() runs its starting hooks (the
// state store restores them first when it is wired before this), posts each
// batch to the core on the loop, and commits the core's positions to Kafka
// every state.checkpoint_interval for lag tools.
//
// Lifecycle: Wire() before Daemon::Start(); declare the returned object after
// the CoreRuntime so it is destroyed (and the consumer thread joined) first.
// Thread: the loop thread; the consumer thread only posts to the loop.

#include <asio/steady_timer.hpp>
#include <memory>

#include "common/result.h"
#include "daemon/core_runtime.h"
#include "daemon/daemon.h"
#include "ingest/embedded_broker.h"
#include "ingest/ingest_metrics.h"
#include "ingest/kafka_input.h"

namespace ninesd::daemon {

class KafkaWiring {
 public:
  // Partitions per topic of the embedded broker.
  static constexpr int kEmbeddedPartitions = 8;

  // Null when the config has no kafka section.
  static std::unique_ptr<KafkaWiring> Wire(Daemon& daemon, CoreRuntime& runtime);
  ~KafkaWiring();
  KafkaWiring(const KafkaWiring&) = delete;
  KafkaWiring& operator=(const KafkaWiring&) = delete;

 private:
  KafkaWiring(Daemon& daemon, CoreRuntime& runtime);
  Status Start();
  void Stop();
  void ScheduleCommit();

  Daemon& daemon_;
  CoreRuntime& runtime_;
  ingest::IngestMetrics metrics_;
  std::unique_ptr<ingest::EmbeddedBroker> broker_;
  std::unique_ptr<ingest::KafkaInput> input_;
  asio::steady_timer commit_timer_;
};

}  // namespace ninesd::daemon
