#pragma once
// IngestMetrics: the Kafka input's Prometheus families (SPEC section 7), kept
// out of the consumer logic. Counters and gauges are atomic: the consumer
// thread updates them once per batch, the loop thread adds the rejects the
// core decides (late, duplicate), /metrics reads them from any thread.
//
//   ninesd_events_consumed_total{topic}            messages read from Kafka
//   ninesd_events_rejected_total{reason}           events not used, by reason
//   ninesd_kafka_consumer_lag{topic,partition}     high watermark - next offset
//   ninesd_kafka_connected                         1 while a broker is up
//   ninesd_kafka_brokers_up                        brokers with an open connection
//   ninesd_kafka_data_gap_messages_total{topic,partition}  lost to retention
//   ninesd_kafka_offset_resets_total{topic,partition}      position not in the log
//   ninesd_kafka_dead_letter_total{result}         delivered | failed
//   ninesd_kafka_commit_failures_total             advisory commits that failed
//
// Lifecycle: created before the KafkaInput, outlives it.

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "events/decoder.h"

namespace ninesd::ingest {

class IngestMetrics {
 public:
  // `export_rejected`: false when another part of the process already writes
  // ninesd_events_rejected_total (the daemon's core adds late and duplicate
  // to the decoder's reasons); the counters are then kept but not exported.
  explicit IngestMetrics(prometheus::Registry& registry, bool export_rejected = true);

  prometheus::Counter& Consumed(const std::string& topic);
  prometheus::Counter& Rejected(events::Reject reason) {
    return *rejected_[static_cast<size_t>(reason)];
  }
  void AddRejected(events::Reject reason, double n) { Rejected(reason).Increment(n); }
  prometheus::Gauge& Lag(const std::string& topic, int32_t partition);
  prometheus::Counter& DataGap(const std::string& topic, int32_t partition);
  prometheus::Counter& OffsetResets(const std::string& topic, int32_t partition);
  prometheus::Gauge& connected() { return connected_; }
  prometheus::Gauge& brokers_up() { return brokers_up_; }
  prometheus::Counter& dead_letter_delivered() { return dead_letter_delivered_; }
  prometheus::Counter& dead_letter_failed() { return dead_letter_failed_; }
  prometheus::Counter& commit_failures() { return commit_failures_; }

  // Sums over all labels, for tests and status pages.
  double ConsumedTotal() const;
  double DataGapTotal() const;

 private:
  using Key = std::pair<std::string, int32_t>;

  std::shared_ptr<prometheus::Registry> unexported_ = std::make_shared<prometheus::Registry>();

  prometheus::Family<prometheus::Counter>& consumed_family_;
  prometheus::Family<prometheus::Counter>& rejected_family_;
  prometheus::Family<prometheus::Gauge>& lag_family_;
  prometheus::Family<prometheus::Counter>& gap_family_;
  prometheus::Family<prometheus::Counter>& reset_family_;
  prometheus::Gauge& connected_;
  prometheus::Gauge& brokers_up_;
  prometheus::Family<prometheus::Counter>& dead_letter_family_;
  prometheus::Counter& dead_letter_delivered_;
  prometheus::Counter& dead_letter_failed_;
  prometheus::Counter& commit_failures_;
  std::array<prometheus::Counter*, events::kNumRejects> rejected_{};

  mutable std::mutex mu_;  // guards the maps (label look-ups are rare: per batch at most)
  std::map<std::string, prometheus::Counter*> consumed_;
  std::map<Key, prometheus::Gauge*> lag_;
  std::map<Key, prometheus::Counter*> gap_;
  std::map<Key, prometheus::Counter*> reset_;
};

}  // namespace ninesd::ingest
