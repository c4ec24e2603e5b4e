#!/usr/bin/env python3
"""/metrics figures of docs/benchmarks.md for 10 000 SLOs.

1. CPU per scrape of the hand-written SLO families vs prometheus-cpp
   (Gauge::Set + Collect + TextSerializer) on the same series, same binary,
   interleaved repetitions, medians.
2. The same CPU per scrape vs the CPU a real Prometheus spends ingesting that
   text: Prometheus scrapes a static copy every second; its utime+stime from
   /proc over equal windows gives CPU per scrape (median of the windows).

Usage: metrics_vs_prometheus.py BUILD_DIR [--rounds 5] [--seconds 60]
"""
import argparse
import http.server
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=int, default=60)
    args = ap.parse_args()
    bench = os.path.join(args.build, "bench", "metrics_bench")

    out = subprocess.run(
        [bench, f"--benchmark_repetitions={args.rounds}", "--benchmark_enable_random_interleaving=true",
         "--benchmark_format=json"], check=True, capture_output=True, text=True).stdout
    runs = {}
    worst = 0.0
    slice_worst = 0.0
    series = 0
    for r in json.loads(out)["benchmarks"]:
        if r.get("run_type") != "iteration":
            continue
        name = r["run_name"]
        runs.setdefault(name, []).append(r["cpu_time"])  # ms (Unit kMillisecond)
        if name == "BM_HandWritten":
            worst = max(worst, r["worst_ms"])
            series = int(r["series"])
        if name == "BM_RefreshSlice":
            slice_worst = max(slice_worst, r["worst_ms"])
    ours = statistics.median(runs["BM_HandWritten"])
    cpp = statistics.median(runs["BM_PrometheusCpp"])
    print(f"metrics: {series} series (10 000 SLOs): hand-written {ours:.2f} ms CPU/scrape, "
          f"prometheus-cpp {cpp:.1f} ms CPU/scrape")
    print(f"metrics: hand-written / prometheus-cpp = {ours / cpp:.3f} (goal <= 0.05)")
    print(f"metrics: the render runs on the HTTP worker (longest {worst:.1f} ms wall), not on the loop")
    print(f"metrics: loop work per refresh slice (500 SLOs): median "
          f"{statistics.median(runs['BM_RefreshSlice']):.2f} ms CPU, longest {slice_worst:.2f} ms wall; "
          f"a whole refresh of 10 000 SLOs: {statistics.median(runs['BM_Refresh']):.1f} ms CPU "
          f"(goal: loop stall during a scrape < 5 ms)")

    if not shutil.which("prometheus"):
        print("metrics: prometheus not installed; ingest comparison skipped")
        return 0
    with tempfile.TemporaryDirectory() as d:
        dump = os.path.join(d, "metrics.txt")
        subprocess.run([bench, "--dump", dump], check=True)
        body = open(dump, "rb").read()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        prom_port = free_port()
        cfg = os.path.join(d, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write(f"""global: {{scrape_interval: 1s, scrape_timeout: 1s}}
scrape_configs:
  - job_name: ninesd
    static_configs: [{{targets: ["127.0.0.1:{srv.server_address[1]}"]}}]
""")
        prom = subprocess.Popen(
            ["prometheus", f"--config.file={cfg}", f"--storage.tsdb.path={d}/data",
             f"--web.listen-address=127.0.0.1:{prom_port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            def scrapes():
                # Prometheus's own /metrics (it does not scrape itself here).
                try:
                    text = urllib.request.urlopen(
                        "http://127.0.0.1:%d/metrics" % prom_port, timeout=5).read().decode()
                except Exception:
                    return None
                for line in text.splitlines():
                    if line.startswith("prometheus_target_interval_length_seconds_count"):
                        return float(line.rsplit(" ", 1)[1])
                return None
            deadline = time.time() + 30
            while time.time() < deadline and not scrapes():
                time.sleep(0.5)
            time.sleep(5)  # the first scrapes create the series: not steady state
            window = args.seconds / args.rounds
            per_scrape = []
            for _ in range(args.rounds):
                c0, s0 = cpu_seconds(prom.pid), scrapes()
                time.sleep(window)
                c1, s1 = cpu_seconds(prom.pid), scrapes()
                if s0 is not None and s1 is not None and s1 > s0:
                    per_scrape.append((c1 - c0) / (s1 - s0) * 1000)
            if not per_scrape:
                t = urllib.request.urlopen("http://127.0.0.1:%d/api/v1/targets" % prom_port, timeout=5).read()
                print(f"metrics: Prometheus did not scrape: {t[:600]!r}")
                return 1
            p = statistics.median(per_scrape)
            print(f"metrics: Prometheus 2.42 ingesting the same text at 1 s: {p:.1f} ms CPU/scrape "
                  f"(median of {len(per_scrape)} windows of {window:.0f} s)")
            print(f"metrics: hand-written / Prometheus ingest = {ours / p:.3f} (goal <= 0.2)")
        finally:
            prom.terminate()
            prom.wait(timeout=30)
            srv.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
