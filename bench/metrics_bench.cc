// /metrics cost for 10 000 SLOs: the hand-written SLO families against the
// same series through prometheus-cpp (Gauge::Set, Registry::Collect,
// TextSerializer) in the same binary. `--dump FILE` writes one scrape's text
// (for the Prometheus ingest comparison in run_benchmarks.py).

#include <benchmark/benchmark.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <random>

#include "export/slo_metrics.h"
#include "slo/engine.h"

namespace ninesd {
namespace {

using slo::Millis;
constexpr Millis kStart = 1'793'577'600'000;
constexpr int kSlos = 10'000;

struct Fixture {
  std::unique_ptr<slo::Engine> engine;
  exporter::SloFigures figures;
};

// 10 000 services, one 30-day SLO each (half availability, half ratio) with
// an hour of traffic, as the core runtime would hold them after a tick.
Fixture& Get() {
  static Fixture f = [] {
    slo::ModelSpec spec;
    for (int i = 0; i < kSlos; ++i) {
      slo::ServiceSpec svc;
      svc.name = "service-" + std::to_string(i);
      spec.services.push_back(svc);
      slo::SloSpec s;
      s.name = "slo-" + std::to_string(i);
      s.service = static_cast<uint32_t>(i);
      s.kind = i % 2 ? slo::SloKind::kRatio : slo::SloKind::kAvailability;
      s.objective = 0.999;
      s.window.rolling = 30 * slo::kDay;
      s.window.text = "30d";
      if (i % 10 == 0) {
        s.agreement_type = "sla";
        s.customer = "customer-" + std::to_string(i / 10);
      }
      spec.slos.push_back(s);
    }
    Fixture fx;
    fx.engine = slo::Engine::Create(spec).value();
    std::mt19937_64 rng(1);
    for (Millis t = kStart; t < kStart + slo::kHour; t += 10) {
      slo::Signal s;
      s.ts = t;
      s.service = static_cast<uint32_t>(rng() % kSlos);
      s.kind = s.service % 2 ? slo::SignalKind::kOutcome : slo::SignalKind::kState;
      s.good = rng() % 100 != 0;
      s.state = rng() % 500 ? slo::State::kUp : slo::State::kDown;
      (void)fx.engine->Apply(s);
    }
    fx.figures.slos = fx.engine->Snapshot(kStart + slo::kHour);
    for (uint32_t i = 0; i < kSlos; ++i) {
      fx.figures.services.push_back(fx.engine->ServiceState(i));
      fx.figures.downtime_seconds.push_back(i);
      fx.figures.breaches.push_back(i % 3);
    }
    return fx;
  }();
  return f;
}

size_t CountSeries(const std::string& text) {
  size_t n = 0;
  for (size_t p = 0; p < text.size();) {
    size_t e = text.find('\n', p);
    if (text[p] != '#') ++n;
    p = e == std::string::npos ? text.size() : e + 1;
  }
  return n;
}

void BM_HandWritten(benchmark::State& state) {
  Fixture& f = Get();
  exporter::SloMetricsWriter w(f.engine->spec());
  std::string out;
  size_t series = 0;
  double worst_ms = 0;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    out.clear();
    w.Write(f.figures, out);
    benchmark::DoNotOptimize(out.data());
    worst_ms = std::max(
        worst_ms,
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  series = CountSeries(out);
  state.counters["series"] = static_cast<double>(series);
  state.counters["bytes"] = static_cast<double>(out.size());
  state.counters["worst_ms"] = worst_ms;
}

// The same series as prometheus-cpp objects; each scrape sets every value
// (what an incremental update costs at best) then collects and serializes.
void BM_PrometheusCpp(benchmark::State& state) {
  Fixture& f = Get();
  exporter::SloMetricsWriter w(f.engine->spec());
  std::string reference;
  w.Write(f.figures, reference);

  prometheus::Registry registry;
  // Rebuild every sample of the reference text as a labelled gauge.
  std::map<std::string, prometheus::Family<prometheus::Gauge>*> families;
  std::vector<std::pair<prometheus::Gauge*, double>> gauges;
  size_t p = 0;
  while (p < reference.size()) {
    size_t e = reference.find('\n', p);
    std::string line = reference.substr(p, e - p);
    p = e + 1;
    if (line.empty() || line[0] == '#') continue;
    size_t brace = line.find('{');
    size_t close = line.rfind('}');
    std::string name = line.substr(0, brace);
    auto& fam = families[name];
    if (!fam) fam = &prometheus::BuildGauge().Name(name).Help("h").Register(registry);
    std::map<std::string, std::string> labels;
    std::string body = line.substr(brace + 1, close - brace - 1);
    size_t q = 0;
    while (q < body.size()) {
      size_t eq = body.find('=', q);
      size_t v0 = eq + 2, v1 = v0;
      while (body[v1] != '"') v1 += body[v1] == '\\' ? 2 : 1;
      labels[body.substr(q, eq - q)] = body.substr(v0, v1 - v0);
      q = v1 + 2;
    }
    gauges.emplace_back(&fam->Add(labels), std::stod(line.substr(close + 2)));
  }
  prometheus::TextSerializer serializer;
  std::string out;
  for (auto _ : state) {
    for (auto& [g, v] : gauges) g->Set(v);
    out = serializer.Serialize(registry.Collect());
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["series"] = static_cast<double>(gauges.size());
}

// What the core runtime's refresh costs the loop each second: every SLO's
// figures and every service's state.
void BM_Refresh(benchmark::State& state) {
  Fixture& f = Get();
  for (auto _ : state) {
    auto figures = f.engine->Snapshot(kStart + slo::kHour);
    for (uint32_t i = 0; i < kSlos; ++i) benchmark::DoNotOptimize(f.engine->ServiceState(i));
    benchmark::DoNotOptimize(figures.data());
  }
}

// The loop work of one slice of the core runtime's refresh (500 SLOs, its
// default Options::refresh_slice): the longest the loop is busy in a row
// because of figures for /metrics.
void BM_RefreshSlice(benchmark::State& state) {
  Fixture& f = Get();
  uint32_t next = 0;
  double worst_ms = 0;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 500; ++i) {
      benchmark::DoNotOptimize(f.engine->Evaluate(next, kStart + slo::kHour));
      next = (next + 1) % kSlos;
    }
    worst_ms = std::max(
        worst_ms,
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  state.counters["worst_ms"] = worst_ms;
}

BENCHMARK(BM_Refresh)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RefreshSlice)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HandWritten)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PrometheusCpp)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ninesd

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--dump") == 0) {
    auto& f = ninesd::Get();
    std::string out;
    ninesd::exporter::SloMetricsWriter(f.engine->spec()).Write(f.figures, out);
    std::ofstream(argv[2]) << out;
    return 0;
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
