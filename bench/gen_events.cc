// Writes a synthetic replay workload to DIR: config.yaml with S services
// (availability, ratio and latency SLOs) and events.jsonl with N events,
// time-ordered with a little jitter, 1 % bad, one every 10 ms from START
// (Unix milliseconds; default 2026-11-02T00:00:00Z).
//   gen_events DIR N S [START]

#include <cstdio>
#include <cstdlib>
#include <string>

#include "slo/time.h"

using namespace ninesd::slo;

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) {
    std::fprintf(stderr, "usage: gen_events DIR N SERVICES [START_MS]\n");
    return 2;
  }
  std::string dir = argv[1];
  long n = std::atol(argv[2]);
  int services = std::atoi(argv[3]);
  std::FILE* cfg = std::fopen((dir + "/config.yaml").c_str(), "w");
  std::FILE* ev = std::fopen((dir + "/events.jsonl").c_str(), "w");
  if (!cfg || !ev) {
    std::perror(dir.c_str());
    return 1;
  }
  std::fprintf(cfg, "kafka:\n  bootstrap: embedded\n  topics: [events]\n  allowed_lateness: 5s\n");
  std::fprintf(cfg, "services:\n");
  for (int i = 0; i < services; ++i) std::fprintf(cfg, "  - name: svc-%d\n", i);
  std::fprintf(cfg, "slos:\n");
  for (int i = 0; i < services; ++i) {
    const char* kind = i % 3 == 0 ? "availability" : i % 3 == 1 ? "ratio" : "latency";
    std::fprintf(cfg,
                 "  - {name: slo-%d, service: svc-%d, kind: %s, objective: 99.9, window: 30d%s}\n",
                 i, i, kind, i % 3 == 2 ? ", threshold: 250ms" : "");
  }
  const Millis start = argc == 5 ? std::atoll(argv[4]) : 1'793'577'600'000;
  uint64_t x = 0x9E3779B97F4A7C15ull;
  auto rnd = [&]() {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  for (long i = 0; i < n; ++i) {
    int svc = static_cast<int>(rnd() % static_cast<uint64_t>(services));
    Millis ts = start + i * 10 + static_cast<Millis>(rnd() % 2000);  // jitter < lateness
    std::string t = FormatRfc3339(ts);
    bool bad = rnd() % 100 == 0;
    if (svc % 3 == 0) {
      std::fprintf(ev,
                   "{\"type\":\"probe\",\"service\":\"svc-%d\",\"ts\":\"%s\",\"success\":%s,"
                   "\"latency_ms\":%d}\n",
                   svc, t.c_str(), bad ? "false" : "true", static_cast<int>(rnd() % 300));
    } else {
      std::fprintf(ev,
                   "{\"type\":\"outcome\",\"service\":\"svc-%d\",\"ts\":\"%s\",\"good\":%s,"
                   "\"latency_ms\":%d.5,\"id\":\"e%ld\"}\n",
                   svc, t.c_str(), bad ? "false" : "true",
                   static_cast<int>(rnd() % (bad ? 2000 : 240)), i);
    }
  }
  std::fclose(cfg);
  std::fclose(ev);
  return 0;
}
