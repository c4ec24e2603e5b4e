// Core throughput on pre-parsed signals: how many signals per second one
// core applies, and how the cost per signal scales with the number of SLOs
// (cache-friendliness of the state layout).
//
// Workload per service: half the services carry one availability SLO fed by
// probe results (0.1 % failures), half one ratio SLO fed by outcomes (0.1 %
// bad); signals hit services in a shuffled order, event time advancing 1 ms
// per signal; the alert grid runs every 10 s of event time.

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

std::vector<Signal> MakeSignals(int n, size_t count) {
  std::mt19937_64 rng(1);
  std::vector<Signal> out(count);
  for (size_t i = 0; i < count; ++i) {
    Signal& s = out[i];
    s.ts = kStart + static_cast<Millis>(i);
    s.service = static_cast<uint32_t>(rng() % static_cast<uint64_t>(n));
    s.kind = s.service % 2 ? SignalKind::kOutcome : SignalKind::kProbe;
    s.good = rng() % 1000 != 0;
  }
  return out;
}

void BM_Apply(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const size_t kSignals = 2'000'000;
  std::vector<Signal> signals = MakeSignals(n, kSignals);
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
  std::vector<Signal> signals = MakeSignals(n, kSignals);
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
    ->Arg(100)
    ->Arg(10'000)
    ->Arg(100'000)
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
