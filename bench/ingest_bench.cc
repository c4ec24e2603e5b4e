// Consume + decode throughput of the Kafka input: reads N messages from a
// topic (all partitions, from the beginning) through ingest::KafkaInput and
// exits. bench/ingest_bench.py runs it against kcat on the same topic.
//   ingest_bench CONFIG BOOTSTRAP TOPIC N
// Prints one JSON line: messages, signals, rejected, seconds and cpu_seconds
// (from the input's creation to the last batch, all threads), and the
// config load and stop times apart.

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

#include "bench/bench_util.h"
#include "config/config.h"
#include "ingest/ingest_metrics.h"
#include "ingest/kafka_input.h"

using namespace ninesd;

using bench::CpuSeconds;

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: ingest_bench CONFIG BOOTSTRAP TOPIC N\n");
    return 2;
  }
  auto start = std::chrono::steady_clock::now();
  config::LoadResult loaded = config::LoadConfigFile(argv[1]);
  double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!loaded.ok()) {
    for (const auto& d : loaded.errors) std::fprintf(stderr, "%s\n", d.ToString().c_str());
    return 1;
  }
  const uint64_t want = std::strtoull(argv[4], nullptr, 10);
  prometheus::Registry registry;
  ingest::IngestMetrics metrics(registry);
  ingest::KafkaInputOptions o;
  o.bootstrap = argv[2];
  o.topics = {argv[3]};
  o.group_id = "ninesd-bench";
  // Experiments: INGEST_BENCH_PROPS="key=value,key=value" (librdkafka properties).
  for (auto& [k, v] : bench::PropsFromEnv("INGEST_BENCH_PROPS")) o.properties[k] = v;

  std::mutex mu;
  std::condition_variable cv;
  uint64_t messages = 0, signals = 0, rejected = 0;
  ingest::OffsetMap next;
  std::chrono::steady_clock::time_point first_batch;
  // Measured from here: the input's set-up, metadata, assignment, consumption
  // and decoding; not the config load.
  auto t0 = std::chrono::steady_clock::now();
  const bool trace = std::getenv("INGEST_BENCH_TRACE") != nullptr;  // progress every 100 ms
  auto next_trace = t0;
  double cpu0 = CpuSeconds();
  auto in = ingest::KafkaInput::Create(
      loaded.config->model, o,
      [&](ingest::IngestBatch&& b) {
        std::lock_guard lock(mu);
        auto now = std::chrono::steady_clock::now();
        if (messages == 0) first_batch = now;
        if (trace && now >= next_trace) {
          std::fprintf(stderr, "trace %.3f s %llu messages\n",
                       std::chrono::duration<double>(now - t0).count(),
                       static_cast<unsigned long long>(messages));
          next_trace = now + std::chrono::milliseconds(100);
        }
        messages += b.messages;
        signals += b.signals.size();
        for (uint32_t r : b.rejected) rejected += r;
        for (const auto& [tp, off] : b.next_offsets) next[tp] = off;
        if (messages >= want) cv.notify_all();
      },
      metrics);
  if (!in.ok()) {
    std::fprintf(stderr, "%s\n", in.error().message.c_str());
    return 1;
  }
  (*in)->Start();
  {
    std::unique_lock lock(mu);
    const char* limit = std::getenv("INGEST_BENCH_TIMEOUT_S");
    auto timeout = std::chrono::seconds(limit ? std::atoi(limit) : 300);
    if (!cv.wait_for(lock, timeout, [&] { return messages >= want; })) {
      std::fprintf(stderr, "timed out after %llu of %llu messages; next offsets:",
                   static_cast<unsigned long long>(messages),
                   static_cast<unsigned long long>(want));
      for (const auto& [tp, off] : next) {
        std::fprintf(stderr, " %s/%d=%lld", tp.topic.c_str(), tp.partition,
                     static_cast<long long>(off));
      }
      std::fprintf(stderr, "\n");
      return 1;
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double cpu = CpuSeconds() - cpu0;
  double first_s = std::chrono::duration<double>(first_batch - t0).count();
  auto stop_start = std::chrono::steady_clock::now();
  (*in)->Stop();
  in->reset();
  double stop_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - stop_start).count();
  std::printf(
      "{\"messages\": %llu, \"signals\": %llu, \"rejected\": %llu, \"seconds\": %.3f, "
      "\"cpu_seconds\": %.3f, "
      "\"first_batch_seconds\": %.3f, "
      "\"config_seconds\": %.3f, \"stop_seconds\": %.3f}\n",
      static_cast<unsigned long long>(messages), static_cast<unsigned long long>(signals),
      static_cast<unsigned long long>(rejected), seconds, cpu, first_s, load_s, stop_s);
  return 0;
}
