// SLO evaluation cost: the CPU the core spends refreshing every 30-day error
// budget and burn rate of N ratio SLOs after 30 days of per-minute traffic,
// and the same traffic as Prometheus counters (OpenMetrics, one file per
// day) for `promtool tsdb create-blocks-from openmetrics`, so that
// bench/slo_eval_vs_prometheus.py can time Prometheus evaluating the
// equivalent Sloth-style rules over the same data.
//
// Usage: slo_eval_bench N_SLOS OUT_DIR [ROUNDS [--no-openmetrics]]
// Prints "refresh_cpu_us=<median>" and writes OUT_DIR/day-NN.om and
// OUT_DIR/ninesd.tsv (slo, window, error ratio) for the cross-check.

#include <algorithm>
#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_model.h"
#include "slo/engine.h"
#include "slo/time.h"

namespace ninesd::slo {
namespace {

constexpr Millis kEnd = 1'793'577'600'000;  // 2026-11-02T00:00:00Z
constexpr int kDays = 30;
constexpr int kMinutesPerDay = 1440;

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Requests and errors of SLO i in minute m: steady traffic, errors in 1 % of
// minutes, and for one SLO in ten a bad hour somewhere in the month.
struct Traffic {
  explicit Traffic(int n) : bad_hour(static_cast<size_t>(n), -1) {
    std::mt19937_64 rng(7);
    for (int i = 0; i < n; i += 10) {
      bad_hour[static_cast<size_t>(i)] = static_cast<int>(rng() % (kDays * 24));
    }
  }
  void At(int i, int minute, uint64_t& total, uint64_t& bad) const {
    uint64_t h = static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15ull ^
                 static_cast<uint64_t>(minute) * 0xC2B2AE3D27D4EB4Full;
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 32;
    total = 50 + h % 100;
    bad = (h >> 8) % 100 == 0 ? total / 10 : 0;
    if (bad_hour[static_cast<size_t>(i)] == minute / 60) bad = total / 2;
  }
  std::vector<int> bad_hour;
};

int Main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: slo_eval_bench N_SLOS OUT_DIR [ROUNDS [--no-openmetrics]]\n");
    return 2;
  }
  const int n = std::atoi(argv[1]);
  const std::string dir = argv[2];
  const int rounds = argc > 3 ? std::atoi(argv[3]) : 21;
  const bool openmetrics = !(argc > 4 && std::string(argv[4]) == "--no-openmetrics");
  if (n <= 0 || rounds <= 0) return 2;

  ModelSpec spec = bench::OneSloPerService(n, SloKind::kRatio);
  auto created = Engine::Create(spec);
  if (!created.ok()) {
    std::fprintf(stderr, "%s\n", created.error().message.c_str());
    return 1;
  }
  Engine& engine = **created;
  Traffic traffic(n);

  const Millis start = kEnd - kDays * kDay;
  std::vector<uint64_t> cum_total(static_cast<size_t>(n)), cum_bad(static_cast<size_t>(n));
  // One day of cumulative counter values per series, minute by minute.
  std::vector<uint64_t> day_total(static_cast<size_t>(n) * kMinutesPerDay);
  std::vector<uint64_t> day_bad(static_cast<size_t>(n) * kMinutesPerDay);
  std::vector<Signal> batch(static_cast<size_t>(n));
  for (int d = 0; d < kDays; ++d) {
    for (int mm = 0; mm < kMinutesPerDay; ++mm) {
      const int minute = d * kMinutesPerDay + mm;
      for (int i = 0; i < n; ++i) {
        uint64_t total, bad;
        traffic.At(i, minute, total, bad);
        Signal& s = batch[static_cast<size_t>(i)];
        s = Signal{};
        s.ts = start + minute * kMinute + 30 * kSecond;
        s.service = static_cast<uint32_t>(i);
        s.kind = SignalKind::kCounts;
        s.good_count = total - bad;
        s.total_count = total;
        cum_total[static_cast<size_t>(i)] += total;
        cum_bad[static_cast<size_t>(i)] += bad;
        const size_t k = static_cast<size_t>(i) * kMinutesPerDay + static_cast<size_t>(mm);
        day_total[k] = cum_total[static_cast<size_t>(i)];
        day_bad[k] = cum_bad[static_cast<size_t>(i)];
      }
      engine.ApplyBatch(batch.data(), batch.size());
    }
    if (!openmetrics) continue;
    // The counters as Prometheus would have scraped them at each minute's end.
    char path[512];
    std::snprintf(path, sizeof path, "%s/day-%02d.om", dir.c_str(), d);
    std::FILE* f = std::fopen(path, "w");
    if (f == nullptr) {
      std::perror(path);
      return 1;
    }
    const char* names[2] = {"slo_requests", "slo_errors"};
    std::string out;
    for (int fam = 0; fam < 2; ++fam) {
      const std::vector<uint64_t>& v = fam == 0 ? day_total : day_bad;
      out += std::string("# TYPE ") + names[fam] + " counter\n";
      for (int i = 0; i < n; ++i) {
        const std::string prefix =
            std::string(names[fam]) + "_total{slo=\"slo-" + std::to_string(i) + "\"} ";
        for (int mm = 0; mm < kMinutesPerDay; ++mm) {
          const Millis t = start + (d * kMinutesPerDay + mm + 1) * kMinute;
          char num[24];
          out += prefix;
          out.append(num, std::to_chars(
                              num, num + sizeof num,
                              v[static_cast<size_t>(i) * kMinutesPerDay + static_cast<size_t>(mm)])
                              .ptr);
          out += ' ';
          out.append(num, std::to_chars(num, num + sizeof num, t / 1000).ptr);
          out += '\n';
        }
      }
    }
    out += "# EOF\n";
    std::fwrite(out.data(), 1, out.size(), f);
    std::fclose(f);
  }
  engine.AdvanceTo(kEnd);

  // The refresh: every SLO's window figures, budget and burn rates at kEnd.
  std::vector<double> cpu;
  std::vector<SloStatus> last;
  for (int r = 0; r < rounds; ++r) {
    double t0 = ThreadCpuSeconds();
    std::vector<SloStatus> st = engine.Snapshot(kEnd);
    cpu.push_back(ThreadCpuSeconds() - t0);
    last = std::move(st);
  }
  std::sort(cpu.begin(), cpu.end());

  std::string tsv_path = dir + "/ninesd.tsv";
  std::FILE* tsv = std::fopen(tsv_path.c_str(), "w");
  if (tsv == nullptr) {
    std::perror(tsv_path.c_str());
    return 1;
  }
  for (const SloStatus& st : last) {
    const SloSpec& sp = spec.slos[st.slo];
    double valid = st.good + st.bad;
    std::fprintf(tsv, "%s\t30d\t%.9g\n", sp.name.c_str(), valid > 0 ? st.bad / valid : 0.0);
    for (const BurnRate& b : st.burn_rates) {
      std::fprintf(tsv, "%s\t%s\t%.9g\n", sp.name.c_str(), FormatDuration(b.lookback).c_str(),
                   b.rate * (1 - sp.objective));
    }
  }
  std::fclose(tsv);
  std::printf("slos=%d minutes=%d signals=%" PRIu64 " refresh_cpu_us=%.1f (min %.1f, max %.1f)\n",
              n, kDays * kMinutesPerDay, static_cast<uint64_t>(n) * kDays * kMinutesPerDay,
              cpu[cpu.size() / 2] * 1e6, cpu.front() * 1e6, cpu.back() * 1e6);
  return 0;
}

}  // namespace
}  // namespace ninesd::slo

int main(int argc, char** argv) { return ninesd::slo::Main(argc, argv); }
