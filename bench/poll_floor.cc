// The floor of any reader that follows the ingest rules (one
// rd_kafka_consumer_poll() per message, manual assignment, no auto commit or
// offset store): it reads N messages from every partition of a topic, from
// the beginning, and only destroys them — no decoding, nothing handed over.
// Settings as ingest::KafkaInput's. bench/ingest_bench.py runs it beside
// kcat to show how much of kcat's CPU per event librdkafka alone costs.
//   poll_floor BOOTSTRAP TOPIC N
// Prints one JSON line: messages, seconds, cpu_seconds (from the assignment
// to the last message, all threads).

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "bench/bench_util.h"

namespace {

int Fail(const char* what, const char* why) {
  std::fprintf(stderr, "poll_floor: %s: %s\n", what, why);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: poll_floor BOOTSTRAP TOPIC N\n");
    return 2;
  }
  const char* topic = argv[2];
  const long long want = std::strtoll(argv[3], nullptr, 10);
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  const std::pair<const char*, const char*> settings[] = {
      {"bootstrap.servers", argv[1]},    {"group.id", "ninesd-poll-floor"},
      {"enable.auto.commit", "false"},   {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "error"},    {"enable.partition.eof", "true"},
      {"queued.min.messages", "500000"}, {"log.connection.close", "false"},
  };
  for (const auto& [k, v] : settings) {
    if (rd_kafka_conf_set(conf, k, v, err, sizeof err) != RD_KAFKA_CONF_OK) return Fail(k, err);
  }
  // Experiments: POLL_FLOOR_PROPS="key=value,key=value" (librdkafka properties).
  for (const auto& [k, v] : ninesd::bench::PropsFromEnv("POLL_FLOOR_PROPS")) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      return Fail(k.c_str(), err);
    }
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (rk == nullptr) return Fail("rd_kafka_new", err);
  rd_kafka_poll_set_consumer(rk);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic, nullptr);
  if (rd_kafka_metadata(rk, 0, t, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR || md->topic_cnt != 1) {
    return Fail("metadata", topic);
  }
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(0);
  for (int i = 0; i < md->topics[0].partition_cnt; ++i) {
    rd_kafka_topic_partition_list_add(parts, topic, md->topics[0].partitions[i].id)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_metadata_destroy(md);
  rd_kafka_topic_destroy(t);
  const auto start = std::chrono::steady_clock::now();
  const double cpu0 = ninesd::bench::CpuSeconds();
  if (rd_kafka_assign(rk, parts) != RD_KAFKA_RESP_ERR_NO_ERROR) return Fail("assign", topic);
  rd_kafka_topic_partition_list_destroy(parts);
  long long got = 0;
  const auto deadline = start + std::chrono::minutes(5);  // bounded
  while (got < want && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 0);
    if (m == nullptr) m = rd_kafka_consumer_poll(rk, 100);
    if (m == nullptr) continue;
    got += m->err == RD_KAFKA_RESP_ERR_NO_ERROR;
    rd_kafka_message_destroy(m);
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = ninesd::bench::CpuSeconds() - cpu0;
  std::printf("{\"messages\": %lld, \"seconds\": %.3f, \"cpu_seconds\": %.3f}\n", got, secs, cpu);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return got == want ? 0 : 1;
}
