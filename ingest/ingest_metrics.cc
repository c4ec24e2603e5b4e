#include "ingest/ingest_metrics.h"

#include <string>

namespace ninesd::ingest {

using prometheus::BuildCounter;
using prometheus::BuildGauge;

IngestMetrics::IngestMetrics(prometheus::Registry& r, bool export_rejected)
    : consumed_family_(BuildCounter()
                           .Name("ninesd_events_consumed_total")
                           .Help("Messages read from Kafka, accepted or not.")
                           .Register(r)),
      rejected_family_(BuildCounter()
                           .Name("ninesd_events_rejected_total")
                           .Help("Events that could not be used, by reason.")
                           .Register(export_rejected ? r : *unexported_)),
      lag_family_(BuildGauge()
                      .Name("ninesd_kafka_consumer_lag")
                      .Help("Messages between the partition's high watermark and the next "
                            "offset ninesd will read.")
                      .Register(r)),
      gap_family_(BuildCounter()
                      .Name("ninesd_kafka_data_gap_messages_total")
                      .Help("Messages deleted by retention before ninesd read them (data gap).")
                      .Register(r)),
      reset_family_(BuildCounter()
                        .Name("ninesd_kafka_offset_resets_total")
                        .Help("Times the position was outside the partition's log and was moved.")
                        .Register(r)),
      connected_(BuildGauge()
                     .Name("ninesd_kafka_connected")
                     .Help("1 while at least one Kafka broker connection is up.")
                     .Register(r)
                     .Add({})),
      brokers_up_(BuildGauge()
                      .Name("ninesd_kafka_brokers_up")
                      .Help("Kafka brokers with an open connection.")
                      .Register(r)
                      .Add({})),
      dead_letter_family_(BuildCounter()
                              .Name("ninesd_kafka_dead_letter_total")
                              .Help("Rejected events produced to the dead-letter topic, by result.")
                              .Register(r)),
      dead_letter_delivered_(dead_letter_family_.Add({{"result", "delivered"}})),
      dead_letter_failed_(dead_letter_family_.Add({{"result", "failed"}})),
      commit_failures_(BuildCounter()
                           .Name("ninesd_kafka_commit_failures_total")
                           .Help("Advisory offset commits to Kafka that failed.")
                           .Register(r)
                           .Add({})) {
  for (int i = 1; i < events::kNumRejects; ++i) {
    rejected_[static_cast<size_t>(i)] =
        &rejected_family_.Add({{"reason", events::RejectLabel(static_cast<events::Reject>(i))}});
  }
  // kNone is never counted; point it somewhere harmless.
  rejected_[0] = rejected_[1];
}

prometheus::Counter& IngestMetrics::Consumed(const std::string& topic) {
  std::lock_guard lock(mu_);
  auto [it, fresh] = consumed_.try_emplace(topic, nullptr);
  if (fresh) it->second = &consumed_family_.Add({{"topic", topic}});
  return *it->second;
}

prometheus::Gauge& IngestMetrics::Lag(const std::string& topic, int32_t partition) {
  std::lock_guard lock(mu_);
  auto [it, fresh] = lag_.try_emplace(Key{topic, partition}, nullptr);
  if (fresh) {
    it->second = &lag_family_.Add({{"topic", topic}, {"partition", std::to_string(partition)}});
  }
  return *it->second;
}

prometheus::Counter& IngestMetrics::DataGap(const std::string& topic, int32_t partition) {
  std::lock_guard lock(mu_);
  auto [it, fresh] = gap_.try_emplace(Key{topic, partition}, nullptr);
  if (fresh) {
    it->second = &gap_family_.Add({{"topic", topic}, {"partition", std::to_string(partition)}});
  }
  return *it->second;
}

prometheus::Counter& IngestMetrics::OffsetResets(const std::string& topic, int32_t partition) {
  std::lock_guard lock(mu_);
  auto [it, fresh] = reset_.try_emplace(Key{topic, partition}, nullptr);
  if (fresh) {
    it->second = &reset_family_.Add({{"topic", topic}, {"partition", std::to_string(partition)}});
  }
  return *it->second;
}

double IngestMetrics::ConsumedTotal() const {
  std::lock_guard lock(mu_);
  double sum = 0;
  for (const auto& [topic, c] : consumed_) sum += c->Value();
  return sum;
}

double IngestMetrics::DataGapTotal() const {
  std::lock_guard lock(mu_);
  double sum = 0;
  for (const auto& [key, c] : gap_) sum += c->Value();
  return sum;
}

}  // namespace ninesd::ingest
