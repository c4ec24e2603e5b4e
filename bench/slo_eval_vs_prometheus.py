#!/usr/bin/env python3
"""SLO evaluation: ninesd's core vs Prometheus on the same 30 days of data.

`slo_eval_bench` applies 30 days of per-minute request/error counts for N
ratio SLOs (objective 99.9 %, 30-day window) to the core, times a refresh of
every SLO's 30-day budget and burn rates (Engine::Snapshot, thread CPU,
median), and writes the same traffic as Prometheus counters scraped every
minute (OpenMetrics, one file per day). Those are backfilled with
`promtool tsdb create-blocks-from openmetrics`; a Prometheus started on
127.0.0.1 over that TSDB then evaluates the equivalent Sloth-style rules at
the last minute:

    sum by (slo) (increase(slo_errors_total[W]))
      / sum by (slo) (increase(slo_requests_total[W]))

for W = 30d (the budget) and each burn-rate lookback (5m 30m 1h 2h 6h 1d 3d),
as instant queries; its CPU (utime + stime from /proc) is measured per round
after a warm-up round, median of R rounds, once compaction of the backfilled
blocks has finished. Prints both CPU figures, their ratios, and how far
Prometheus's figures (extrapolated counter increases) are from ninesd's exact
ones.

Usage: slo_eval_vs_prometheus.py BUILD_DIR [--slos N] [--rounds R] [--workdir D]
"""
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

END = 1_793_577_600  # 2026-11-02T00:00:00Z, the bench's last minute
WINDOWS = ["30d", "5m", "30m", "1h", "2h", "6h", "1d", "3d"]
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def query(port, expr):
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode(
        {"query": expr, "time": str(END)})
    with urllib.request.urlopen(url, timeout=600) as r:
        body = json.load(r)
    if body.get("status") != "success":
        raise RuntimeError(f"query failed: {body}")
    return body["data"]["result"]


def expr(window):
    return (f"sum by (slo) (increase(slo_errors_total[{window}])) / "
            f"sum by (slo) (increase(slo_requests_total[{window}]))")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--slos", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--workdir", help="keep data here (reused when present)")
    args = ap.parse_args()
    for tool in ("prometheus", "promtool"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is not installed (scripts/install-deps)")

    work = args.workdir or tempfile.mkdtemp(prefix="ninesd-sloeval-")
    os.makedirs(work, exist_ok=True)
    tsdb = os.path.join(work, "tsdb")
    marker = os.path.join(work, f"backfilled-{args.slos}")
    t0 = time.perf_counter()
    cmd = [f"{args.build}/bench/slo_eval_bench", str(args.slos), work, "21"]
    if os.path.exists(marker):
        cmd.append("--no-openmetrics")  # the TSDB from an earlier run has the same data
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()
    print(f"ninesd: {out} (data generated in {time.perf_counter() - t0:.0f} s)")
    ninesd_us = float(out.split("refresh_cpu_us=")[1].split()[0])
    if not os.path.exists(marker):
        shutil.rmtree(tsdb, ignore_errors=True)
        t0 = time.perf_counter()
        for name in sorted(os.listdir(work)):
            if name.endswith(".om"):
                subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", "-q",
                                os.path.join(work, name), tsdb], check=True,
                               stdout=subprocess.DEVNULL)
        open(marker, "w").close()
        print(f"promtool: backfilled {args.slos * 2} series x 43 200 minutes "
              f"in {time.perf_counter() - t0:.0f} s")
    for name in os.listdir(work):
        if name.endswith(".om"):
            os.remove(os.path.join(work, name))

    port = free_port()
    cfg = os.path.join(work, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write("global:\n  evaluation_interval: 1m\n")
    log = open(os.path.join(work, "prometheus.log"), "w")
    prom = subprocess.Popen(
        ["prometheus", f"--config.file={cfg}", f"--storage.tsdb.path={tsdb}",
         f"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=3650d",
         "--query.max-samples=1000000000", "--query.timeout=10m"],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/ready", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if prom.poll() is not None or time.time() > deadline:
                sys.exit("prometheus did not become ready; see " + log.name)
            time.sleep(0.2)
        # Prometheus compacts the backfilled 2 h blocks into larger ones,
        # starting a minute after start and once a minute after that: measure
        # only once a whole cycle passed with no compaction and the process
        # is idle.
        def compactions():
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
                for line in r.read().decode().splitlines():
                    if line.startswith("prometheus_tsdb_compactions_total "):
                        return float(line.split()[1])
            return 0.0
        started, deadline = time.time(), time.time() + 1800
        last, last_change = compactions(), time.time()
        while time.time() < deadline:
            c0 = cpu_seconds(prom.pid)
            time.sleep(5)
            busy = (cpu_seconds(prom.pid) - c0) / 5
            n = compactions()
            if n != last:
                last, last_change = n, time.time()
            if (time.time() - started > 70 and time.time() - last_change > 75
                    and busy < 0.05):
                break
        print(f"prometheus: {last:.0f} compactions done; measuring "
              f"{time.time() - started:.0f} s after start")
        # Warm-up round (page cache, chunk decoding paths), then measured rounds.
        results = {w: query(port, expr(w)) for w in WINDOWS}
        per_round, per_30d = [], []
        for _ in range(args.rounds):
            c0 = cpu_seconds(prom.pid)
            query(port, expr("30d"))
            c1 = cpu_seconds(prom.pid)
            for w in WINDOWS[1:]:
                query(port, expr(w))
            c2 = cpu_seconds(prom.pid)
            per_30d.append(c1 - c0)
            per_round.append(c2 - c0)
    finally:
        prom.terminate()
        prom.wait(timeout=60)
        log.close()

    # Prometheus's figures against ninesd's exact ones.
    exact = {}
    with open(os.path.join(work, "ninesd.tsv")) as f:
        for line in f:
            slo, window, ratio = line.split("\t")
            exact[(slo, window)] = float(ratio)
    diffs = {}
    for w, series in results.items():
        d = []
        for s in series:
            want = exact.get((s["metric"]["slo"], w))
            got = float(s["value"][1])
            if want is not None and want > 0:
                d.append(abs(got - want) / want)
        diffs[w] = d
    if len(results["30d"]) != args.slos:
        sys.exit(f"prometheus returned {len(results['30d'])} series for 30d, want {args.slos}")

    prom_30d = statistics.median(per_30d)
    prom_all = statistics.median(per_round)
    print(f"prometheus: CPU per evaluation, median of {args.rounds}: 30-day rule "
          f"{prom_30d * 1e3:.0f} ms; all {len(WINDOWS)} windows {prom_all * 1e3:.0f} ms "
          f"(/proc ticks of {1e3 / TICK:.0f} ms)")
    print(f"ninesd: refresh of every budget and burn rate of {args.slos} SLOs: "
          f"{ninesd_us:.0f} us CPU")
    print(f"ratio: ninesd refresh / Prometheus 30-day rule = {ninesd_us / 1e6 / prom_30d:.5f} "
          f"(goal <= 0.001); / all windows = {ninesd_us / 1e6 / prom_all:.5f}")
    for w in WINDOWS:
        d = diffs[w]
        if d:
            print(f"agreement {w:>3}: Prometheus vs ninesd error ratio, relative difference "
                  f"median {statistics.median(d) * 100:.3f} %, max {max(d) * 100:.3f} % "
                  f"({len(d)} SLOs)")
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
