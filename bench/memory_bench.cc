// Memory after a simulated 30 days of traffic.
//   memory_bench availability N   N availability SLOs, 50 outages each in the window
//   memory_bench ratio N          N ratio SLOs with events in every minute
// Prints bytes per SLO as the engine accounts them and the process's peak RSS.

#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "bench/bench_model.h"
#include "slo/engine.h"

using namespace ninesd::slo;

namespace {

constexpr Millis kStart = 1'793'577'600'000;
constexpr Millis kSpan = 30 * kDay;

long PeakRssKib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || (std::strcmp(argv[1], "availability") && std::strcmp(argv[1], "ratio"))) {
    std::fprintf(stderr, "usage: memory_bench availability|ratio N\n");
    return 2;
  }
  const bool availability = std::strcmp(argv[1], "availability") == 0;
  const int n = std::atoi(argv[2]);
  ModelSpec spec =
      ninesd::bench::OneSloPerService(n, availability ? SloKind::kAvailability : SloKind::kRatio);
  spec.evaluation_interval = kHour;  // alerts are not what is measured here
  auto engine = std::move(Engine::Create(spec)).value();
  long rss_before = PeakRssKib();
  uint64_t signals = 0;
  if (availability) {
    // Per service: up at the start, then 50 outages of 1-10 minutes spread over 30 days.
    for (int i = 0; i < n; ++i) {
      Signal s;
      s.ts = kStart;
      s.service = static_cast<uint32_t>(i);
      s.kind = SignalKind::kState;
      s.state = State::kUp;
      (void)engine->Apply(s);
    }
    const Millis step = kSpan / 51;
    for (int k = 1; k <= 50; ++k) {
      for (int i = 0; i < n; ++i) {
        Signal s;
        s.service = static_cast<uint32_t>(i);
        s.kind = SignalKind::kState;
        s.ts = kStart + k * step + i % 1000;
        s.state = State::kDown;
        (void)engine->Apply(s);
        ++signals;
      }
      for (int i = 0; i < n; ++i) {
        Signal s;
        s.service = static_cast<uint32_t>(i);
        s.kind = SignalKind::kState;
        s.ts = kStart + k * step + (1 + i % 10) * kMinute + 1000;
        s.state = State::kUp;
        (void)engine->Apply(s);
        ++signals;
      }
    }
  } else {
    // Every minute, every service: 20-60 events, 0.1 % bad.
    uint64_t x = 88172645463325252ull;
    for (Millis m = kStart; m < kStart + kSpan; m += kMinute) {
      for (int i = 0; i < n; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        Signal s;
        s.ts = m + static_cast<Millis>(i % 60000);
        s.service = static_cast<uint32_t>(i);
        s.kind = SignalKind::kCounts;
        s.total_count = 20 + x % 41;
        s.good_count = s.total_count - (x % 1000 == 0 ? 1 : 0);
        (void)engine->Apply(s);
        ++signals;
      }
    }
  }
  Millis end = kStart + kSpan;
  engine->AdvanceTo(end);
  for (int i = 0; i < n; ++i) (void)engine->Evaluate(static_cast<uint32_t>(i), end);
  long rss_after = PeakRssKib();
  std::printf(
      "kind=%s slos=%d signals=%llu engine_bytes_per_slo=%.0f rss_delta_bytes_per_slo=%.0f "
      "peak_rss_mib=%.1f\n",
      argv[1], n, static_cast<unsigned long long>(signals),
      static_cast<double>(engine->MemoryBytes()) / n,
      static_cast<double>(rss_after - rss_before) * 1024.0 / n, rss_after / 1024.0);
  return 0;
}
