#!/usr/bin/env python3
"""Restart: time from `ninesd run` to READY=1 with S services' worth of state.

Builds the state once: gen_events writes a config of S services (one SLO
each: availability, ratio and latency in turn, 30-day windows) and N events;
the mock cluster (ninesd_mock_broker) runs in its own process and keeps the
topic across restarts; the daemon consumes every event, then SIGTERM writes
its final checkpoint. Each round then starts the daemon again with
NOTIFY_SOCKET pointing at a socket this script reads, and times exec to
READY=1 (the process is stopped with SIGTERM after each round). The same
config is loaded without state (`ninesd check-config`, interleaved) to show
what the config load alone costs. Medians.

Usage: restart_bench.py BUILD_DIR [--services S] [--events N] [--rounds R]
"""
import argparse
import contextlib
import os
import re
import signal
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request


def metric_sum(port, name):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    return sum(float(m.group(1)) for m in re.finditer(rf"^{name}(?:{{[^}}]*}})? (\S+)$", text, re.M))


def start(ninesd, cfg, notify_path, log):
    env = dict(os.environ, NOTIFY_SOCKET=notify_path)
    t0 = time.perf_counter()
    p = subprocess.Popen([ninesd, "run", "--config", cfg], stdout=log, stderr=log, env=env)
    return p, t0


def wait_ready(sock, p, timeout_s):
    deadline = time.perf_counter() + timeout_s
    while time.perf_counter() < deadline:
        sock.settimeout(0.2)
        try:
            msg = sock.recv(4096).decode()
        except socket.timeout:
            if p.poll() is not None:
                break
            continue
        if "READY=1" in msg.split("\n"):
            return time.perf_counter()
        if p.poll() is not None:
            break
    raise SystemExit(f"no READY=1 within {timeout_s} s (exit {p.poll()})")


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def stop(p, timeout_s=300):
    p.send_signal(signal.SIGTERM)
    try:
        code = p.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        p.kill()
        raise SystemExit(f"ninesd did not stop within {timeout_s} s of SIGTERM")
    if code != 0:
        raise SystemExit(f"ninesd exited {code}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--services", type=int, default=100_000)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--partitions", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--keep", metavar="DIR",
                    help="work in DIR (created, kept afterwards: config, state, log) "
                         "instead of a temporary directory")
    args = ap.parse_args()
    b = args.build
    ninesd = f"{b}/daemon/ninesd"
    if args.keep:
        os.makedirs(args.keep)
    with (contextlib.nullcontext(os.path.abspath(args.keep)) if args.keep
          else tempfile.TemporaryDirectory()) as d:
        # Events up to now: the daemon's clock takes over where they end.
        start_ms = int(time.time() * 1000) - args.events * 10 - 60_000
        subprocess.run([f"{b}/bench/gen_events", d, str(args.events), str(args.services),
                        str(start_ms)], check=True)
        broker = subprocess.Popen([f"{b}/tests/ingest/ninesd_mock_broker", "--partitions",
                                   str(args.partitions), "events"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            boot = broker.stdout.readline().strip()
            with open(os.path.join(d, "config.yaml")) as f:
                body = f.read().replace("bootstrap: embedded", f"bootstrap: \"{boot}\"", 1)
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            cfg = os.path.join(d, "ninesd.yaml")
            with open(cfg, "w") as f:
                f.write(f"server: {{listen: \"127.0.0.1:{port}\"}}\n"
                        f"state: {{path: \"{d}/state/ninesd.db\", checkpoint_interval: 30s}}\n")
                f.write(body)
            os.makedirs(os.path.join(d, "state"))
            notify_path = os.path.join(d, "notify.sock")
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sock.bind(notify_path)
            log = open(os.path.join(d, "ninesd.log"), "w")

            def fail(msg):
                log.flush()
                tail = open(os.path.join(d, "ninesd.log")).read()[-3000:]
                raise SystemExit(f"{msg}\n--- ninesd log ---\n{tail}")

            # The state: every event consumed, then the final checkpoint.
            p, t0 = start(ninesd, cfg, notify_path, log)
            try:
                first_ready = wait_ready(sock, p, 600) - t0
            except SystemExit as e:
                fail(str(e))
            t0 = time.perf_counter()
            with open(os.path.join(d, "events.jsonl")) as f:
                lines = f.readlines()
            per = -(-len(lines) // args.partitions)
            part = os.path.join(d, "part.jsonl")
            for i in range(args.partitions):
                with open(part, "w") as f:
                    f.writelines(lines[i * per:(i + 1) * per])
                subprocess.run(["kcat", "-P", "-b", boot, "-t", "events", "-p", str(i), "-l", part],
                               check=True)
            del lines
            deadline = time.perf_counter() + 600
            while True:
                seen = (metric_sum(port, "ninesd_events_consumed_total") +
                        metric_sum(port, "ninesd_events_rejected_total"))
                if seen >= args.events:
                    break
                if time.perf_counter() > deadline or p.poll() is not None:
                    fail(f"consumed {seen:.0f} of {args.events}")
                time.sleep(0.5)
            consumed_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            try:
                stop(p)
            except SystemExit as e:
                fail(str(e))
            stop_s = time.perf_counter() - t0
            size = sum(os.path.getsize(os.path.join(d, "state", n))
                       for n in os.listdir(os.path.join(d, "state")) if n.startswith("ninesd.db"))
            print(f"restart: {args.services} services and SLOs, {args.events} events "
                  f"(first start {first_ready:.2f} s, produced and consumed in {consumed_s:.1f} s, "
                  f"stop with the final checkpoint {stop_s:.1f} s), "
                  f"state file {size / 2**20:.1f} MiB")

            ready, check, rss = [], [], []
            for r in range(args.rounds):
                c0 = time.perf_counter()
                subprocess.run([ninesd, "check-config", cfg], check=True,
                               stdout=subprocess.DEVNULL)
                check.append(time.perf_counter() - c0)
                p, t0 = start(ninesd, cfg, notify_path, log)
                try:
                    ready.append(wait_ready(sock, p, 120) - t0)
                except SystemExit as e:
                    fail(str(e))
                rss.append(rss_mib(p.pid))
                try:
                    stop(p)
                except SystemExit as e:
                    fail(str(e))
                print(f"  round {r + 1}: READY=1 after {ready[-1]:.3f} s "
                      f"(check-config {check[-1]:.3f} s), RSS then {rss[-1]:.0f} MiB", flush=True)
            log.flush()
            restored = [l for l in open(os.path.join(d, "ninesd.log"))
                        if "state: restored" in l]
            if len(restored) < args.rounds:
                fail("the restarts did not restore the state")
            print(f"  {restored[-1].strip()}")
            print(f"median start to READY=1: {statistics.median(ready):.3f} s "
                  f"(goal < 2 s); config load alone (check-config): "
                  f"{statistics.median(check):.3f} s; RSS at READY=1 "
                  f"{statistics.median(rss):.0f} MiB")
        finally:
            broker.stdin.close()
            broker.wait(timeout=30)


if __name__ == "__main__":
    main()
