// Standalone driver of the prober on its own io_context, for the fixture and
// parity tests and the benchmarks.
//
//   probe_driver --config FILE --once [--metrics OUT]
//       runs every probe once now; one JSON line per result on stdout
//   probe_driver --config FILE --seconds N [--max-in-flight K] [--metrics OUT]
//       runs the schedule for N seconds; prints a JSON summary (starts, late
//       starts, lateness percentiles) on stdout

#include <algorithm>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

#include "config/config.h"
#include "probes/prober.h"

namespace {

std::string Json(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path, metrics_path;
  bool once = false;
  double seconds = 0;
  size_t max_in_flight = 1000;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--config") {
      config_path = next();
    } else if (a == "--once") {
      once = true;
    } else if (a == "--seconds") {
      seconds = std::stod(next());
    } else if (a == "--metrics") {
      metrics_path = next();
    } else if (a == "--max-in-flight") {
      max_in_flight = std::stoul(next());
    } else {
      std::cerr << "unknown argument " << a << "\n";
      return 2;
    }
  }
  ninesd::config::LoadResult r = ninesd::config::LoadConfigFile(config_path);
  if (!r.ok()) {
    for (const auto& d : r.errors) std::cerr << d.ToString() << "\n";
    return 1;
  }
  const ninesd::config::Config& cfg = *r.config;
  asio::io_context io;
  size_t results = 0, succeeded = 0;
  ninesd::probes::ProberOptions opts;
  opts.max_in_flight = max_in_flight;
  opts.schedule = !once;
  auto find = [&cfg](const ninesd::probes::ProbeResult& res) -> const ninesd::config::ProbeConfig* {
    for (const auto& p : cfg.probes) {
      if (p.service_index == res.service_index && p.probe_index == res.probe_index) return &p;
    }
    return nullptr;
  };
  ninesd::probes::Prober prober(io, opts, [&](const ninesd::probes::ProbeResult& res) {
    ++results;
    if (res.success) ++succeeded;
    if (!once) return;
    const ninesd::config::ProbeConfig* p = find(res);
    std::cout << "{\"service\":" << Json(p ? p->service : "?")
              << ",\"probe\":" << Json(p ? p->name : "?")
              << ",\"success\":" << (res.success ? "true" : "false")
              << ",\"reason\":" << Json(res.reason) << ",\"detail\":" << Json(res.detail)
              << ",\"location\":" << Json(res.location) << ",\"start_ms\":" << res.start_ms
              << ",\"duration_ms\":"
              << std::chrono::duration<double, std::milli>(res.duration).count() << "}\n";
    std::cout.flush();
  });
  asio::steady_timer stop(io);
  auto finish = [&] {
    if (!metrics_path.empty()) {
      std::string text;
      prober.WriteMetrics(text);
      std::ofstream(metrics_path) << text;
    }
    prober.Stop();
  };
  std::function<void()> poll;
  if (once) {
    prober.Start(cfg.probes);
    prober.RunAllNow();
    // Stop as soon as every probe reported; the prober's deadlines bound this.
    poll = [&] {
      if (results >= cfg.probes.size()) return finish();
      stop.expires_after(std::chrono::milliseconds(10));
      stop.async_wait([&](const asio::error_code& ec) {
        if (!ec) poll();
      });
    };
    poll();
  } else {
    prober.set_record_lateness(true);
    prober.Start(cfg.probes);
    stop.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(seconds)));
    stop.async_wait([&](const asio::error_code&) { finish(); });
  }
  io.run();
  if (!once) {
    const auto& st = prober.stats();
    std::vector<int64_t> lat = st.lateness_us;
    std::sort(lat.begin(), lat.end());
    auto pct = [&lat](double q) -> double {
      if (lat.empty()) return 0;
      return static_cast<double>(
                 lat[std::min(lat.size() - 1, static_cast<size_t>(q * lat.size()))]) /
             1000.0;
    };
    std::cout << "{\"started\":" << st.started << ",\"finished\":" << st.finished
              << ",\"succeeded\":" << succeeded << ",\"late_starts\":" << st.late_starts
              << ",\"skipped\":" << st.skipped << ",\"lateness_p50_ms\":" << pct(0.5)
              << ",\"lateness_p99_ms\":" << pct(0.99)
              << ",\"lateness_max_ms\":" << st.max_lateness_us / 1000.0 << "}\n";
  }
  return 0;
}
