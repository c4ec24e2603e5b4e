#!/usr/bin/env python3
"""Runs ninesd's benchmarks and prints the figures of docs/benchmarks.md.

Usage: run_benchmarks.py BUILD_DIR [--events N] [--rounds R] [--only core,replay,memory,store]
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def timed(cmd):
    """Wall seconds, and CPU seconds (user + system) of the child: on a shared
    machine the CPU time is the steadier of the two."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--events", type=int, default=5_000_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--only", default="core,replay,memory,store",
                    help="comma-separated sections to run")
    args = ap.parse_args()
    only = set(args.only.split(","))
    b = args.build
    print(f"machine: {os.cpu_count()} cores, {os.uname().machine}, "
          f"{open('/proc/cpuinfo').read().split('model name')[1].split(':')[1].splitlines()[0].strip()}")

    if "core" in only:
        core(b, args.rounds)
    if "replay" in only:
        replay(b, args.events, args.rounds)
    if "memory" in only:
        for kind, n in (("availability", 10_000), ("availability", 100_000), ("ratio", 1_000)):
            print("memory: " + run([f"{b}/bench/memory_bench", kind, str(n)]).stdout.strip())
    if "store" in only:
        # State store: checkpoint and restore with 100 000 SLOs (5 rounds inside).
        for line in run([f"{b}/bench/store_bench", "100000"]).stdout.splitlines():
            print("store: " + line)


def core(b, rounds):
    """Core throughput and scaling (Google Benchmark, interleaved repetitions)."""
    out = run([f"{b}/bench/core_bench", "--benchmark_filter=BM_Apply",
               f"--benchmark_repetitions={rounds}", "--benchmark_enable_random_interleaving=true",
               "--benchmark_report_aggregates_only=true", "--benchmark_format=json"]).stdout
    ns = {}
    for r in json.loads(out)["benchmarks"]:
        if r.get("aggregate_name") == "median":
            _, n, per_ms = r["run_name"].split("/")[:3]
            v = r["ns_per_signal"]
            ns[(int(n), int(per_ms))] = v * 1e9 if v < 1 else v
    for (n, per_ms) in sorted(ns):
        v = ns[(n, per_ms)]
        print(f"core: {n:>6} SLOs, {per_ms} signal(s)/ms: {v:8.1f} ns/signal = {1e3 / v:6.2f} M signals/s")
    for per_ms in (1, 5):
        if (100, per_ms) in ns and (100000, per_ms) in ns:
            print(f"core: scaling at {per_ms}/ms: ns/signal(100k SLOs) / ns/signal(100 SLOs) = "
                  f"{ns[(100000, per_ms)] / ns[(100, per_ms)]:.1f} (goal <= 10)")


def replay(b, events, rounds):
    """Replay end to end against the parse-only floor, interleaved."""
    with tempfile.TemporaryDirectory() as d:
        run([f"{b}/bench/gen_events", d, str(events), "300"])
        ev = os.path.join(d, "events.jsonl")
        size = os.path.getsize(ev)
        replay = [f"{b}/daemon/ninesd", "replay", "--config", os.path.join(d, "config.yaml"),
                  "--events", ev]
        parse = [f"{b}/bench/parse_only", ev]
        timed(parse)  # warm the page cache
        tr, tp, cr, cp = [], [], [], []
        for _ in range(rounds):
            w, c = timed(parse)
            tp.append(w)
            cp.append(c)
            w, c = timed(replay)
            tr.append(w)
            cr.append(c)
        mr, mp = statistics.median(tr), statistics.median(tp)
        print(f"replay: {events} lines, {size / 1e6:.0f} MB: replay {mr:.2f} s "
              f"({events / mr / 1e6:.2f} M lines/s), parse-only {mp:.2f} s "
              f"({events / mp / 1e6:.2f} M lines/s)")
        print(f"replay: replay time / parse-only time = {mr / mp:.2f} (goal <= 3)")
        ur, up = statistics.median(cr), statistics.median(cp)
        print(f"replay: CPU time: replay {ur:.2f} s ({events / ur / 1e6:.2f} M lines/s), "
              f"parse-only {up:.2f} s, ratio {ur / up:.2f}")


if __name__ == "__main__":
    sys.exit(main())
