// Core throughput on pre-parsed signals: how many signals per second one
// core applies, and how the cost per signal scales with the number of SLOs
// (cache-friendliness of the state layout).
//
// Workload per service: half the services carry one availability SLO fed by
// probe results (0.1 % failures), half one ratio SLO fed by outcomes (0.1 %
// bad); signals hit services in a random order. Second argument: signals per
// millisecond of event time. At 1 (sparse) each of 10 000 SLOs sees a signal
// every 10 s, so minute buckets close and the 10 s alert grid runs about as
// often as signals arrive; at 5 the stream is denser per SLO.

#include <benchmark/benchmark.h>

#include <random>

#include "slo/engine.h"
#include "slo/sequencer.h"

namespace ninesd::slo {
namespace {

constexpr Millis kStart = 1'793'577'600'000;

ModelSpec MakeSpec(int n) {
  ModelSpec spec;
  for (int i = 0; i < n; ++i) {
    ServiceSpec svc;
    svc.name = "svc-" + std::to_string(i);
    svc.probes.push_back({"http", kHour, 1, 1});
    spec.services.push_back(svc);
    SloSpec slo;
    slo.name = "slo-" + std::to_string(i);
    slo.service = static_cast<uint32_t>(i);
    slo.kind = i % 2 ? SloKind::kRatio : SloKind::kAvailability;
    slo.objective = 0.999;
    slo.window.rolling = 30 * kDay;
    spec.slos.push_back(slo);
  }
  return spec;
}

std::vector<Signal> MakeSignals(int n, size_t count, int per_ms) {
  std::mt19937_64 rng(1);
  std::vector<Signal> out(count);
  for (size_t i = 0; i < count; ++i) {
    Signal& s = out[i];
    s.ts = kStart + static_cast<Millis>(i) / per_ms;
    s.service = static_cast<uint32_t>(rng() % static_cast<uint64_t>(n));
    s.kind = s.service % 2 ? SignalKind::kOutcome : SignalKind::kProbe;
    s.good = rng() % 1000 != 0;
  }
  return out;
}

void BM_Apply(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const size_t kSignals = 2'000'000;
  std::vector<Signal> signals = MakeSignals(n, kSignals, static_cast<int>(state.range(1)));
  ModelSpec spec = MakeSpec(n);
  for (auto _ : state) {
    state.PauseTiming();
    auto engine = std::move(Engine::Create(spec)).value();
    state.ResumeTiming();
    // Batches as the Sequencer hands them over.
    for (size_t i = 0; i < signals.size(); i += 4096) {
      engine->ApplyBatch(signals.data() + i, std::min<size_t>(4096, signals.size() - i));
    }
    engine->AdvanceTo(signals.back().ts + 1);
    state.PauseTiming();
    engine.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kSignals));
  state.counters["ns_per_signal"] =
      benchmark::Counter(static_cast<double>(state.iterations() * kSignals),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// Through the Sequencer, as replay and the daemon use it.
void BM_SequencedApply(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const size_t kSignals = 2'000'000;
  std::vector<Signal> signals = MakeSignals(n, kSignals, 1);
  ModelSpec spec = MakeSpec(n);
  for (auto _ : state) {
    state.PauseTiming();
    auto engine = std::move(Engine::Create(spec)).value();
    Sequencer seq(*engine, 10 * kSecond);
    state.ResumeTiming();
    for (const Signal& s : signals) benchmark::DoNotOptimize(seq.Push(s));
    seq.ReleaseUpTo(signals.back().ts + 1);
    state.PauseTiming();
    engine.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kSignals));
}

BENCHMARK(BM_Apply)
    ->ArgsProduct({{100, 10'000, 100'000}, {1, 5}})
    ->Unit(benchmark::kMillisecond)
    ->Repetitions(5)
    ->ReportAggregatesOnly(true);
BENCHMARK(BM_SequencedApply)
    ->Arg(10'000)
    ->Unit(benchmark::kMillisecond)
    ->Repetitions(5)
    ->ReportAggregatesOnly(true);

}  // namespace
}  // namespace ninesd::slo

BENCHMARK_MAIN();
