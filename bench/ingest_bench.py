#!/usr/bin/env python3
"""Kafka ingest: consume + decode through ninesd's KafkaInput vs kcat.

Starts the mock cluster (ninesd_mock_broker) in its own process, produces N
synthetic events (gen_events, 10 000 services) with kcat, then alternates,
R rounds, four readers of the same topic: `kcat -C -e -o beginning -q` to
/dev/null (wall and CPU time, user + system, and peak RSS of the whole
process, from wait4); `ingest_bench` (consume, decode to signals, hand over
in batches; wall and CPU measured inside the process from the input's
creation to the last batch, its config load of 10 000 services left out,
kcat has none; peak RSS from wait4); the daemon (`ninesd run`, see
run_daemon); and `poll_floor`, librdkafka alone under the ingest rules (one
rd_kafka_consumer_poll() per message, nothing decoded): the CPU floor of
any reader that follows them, in-process figures as for ingest_bench. Medians.

Usage: ingest_bench.py BUILD_DIR [--events N] [--partitions P] [--rounds R]
"""
import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time


def measure(cmd, out_path=None):
    """Wall and CPU seconds (user + system) and peak RSS in MiB (from wait4) of one run; its stdout."""
    with open(out_path or os.devnull, "w") as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            raise SystemExit(f"{cmd[0]} failed: {err.read().decode()[-2000:]}")
    text = open(out_path).read() if out_path else ""
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024, text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--events", type=int, default=2_000_000)
    ap.add_argument("--partitions", type=int, default=128)
    ap.add_argument("--services", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    b = args.build
    with tempfile.TemporaryDirectory() as d:
        # Events 10 ms apart ending a minute ago: the daemon applies and
        # evaluates them up to the clock (not across weeks of empty time).
        start_ms = int(time.time() * 1000) - args.events * 10 - 60_000
        subprocess.run([f"{b}/bench/gen_events", d, str(args.events), str(args.services),
                        str(start_ms)], check=True)
        ev = os.path.join(d, "events.jsonl")
        size = os.path.getsize(ev)
        per_part = size / args.partitions / 2**20
        if per_part > 4.5:
            raise SystemExit(f"{per_part:.1f} MiB per partition: the mock cluster keeps ~5 MiB; "
                             "use more partitions")
        broker = subprocess.Popen([f"{b}/tests/ingest/ninesd_mock_broker", "--partitions",
                                   str(args.partitions), "events"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            boot = broker.stdout.readline().strip()
            # Contiguous equal slices, one per partition: kcat's own partitioner
            # fills some partitions 3x the average, past the mock's ~5 MiB.
            # Streamed, so that this process stays small: a child's peak RSS
            # (wait4) includes what it shared with this process before exec.
            per = -(-args.events // args.partitions)
            part = os.path.join(d, "part.jsonl")
            t0 = time.perf_counter()
            with open(ev) as f:
                for p in range(args.partitions):
                    with open(part, "w") as out:
                        for _ in range(per):
                            line = f.readline()
                            if not line:
                                break
                            out.write(line)
                    subprocess.run(["kcat", "-P", "-b", boot, "-t", "events", "-p", str(p), "-l", part],
                                   check=True)
            print(f"ingest: {args.events} events, {size / 1e6:.0f} MB, {args.partitions} partitions, "
                  f"{args.services} services; produced by kcat in {time.perf_counter() - t0:.1f} s")
            kcat = ["kcat", "-C", "-b", boot, "-t", "events", "-e", "-o", "beginning", "-q"]
            ours = [f"{b}/bench/ingest_bench", os.path.join(d, "config.yaml"), boot, "events",
                    str(args.events)]
            floor = [f"{b}/bench/poll_floor", boot, "events", str(args.events)]
            # Warm-up, and a check that both read everything.
            count = subprocess.run(" ".join(kcat) + " | wc -l", shell=True, check=True,
                                   capture_output=True, text=True).stdout.strip()
            if int(count) != args.events:
                raise SystemExit(f"kcat read {count} of {args.events} messages")
            _, _, _, out = measure(ours, os.path.join(d, "ours.json"))
            first = json.loads(out)
            daemon_cfg = os.path.join(d, "daemon.yaml")
            write_daemon_config(os.path.join(d, "config.yaml"), daemon_cfg, boot, d)
            state_dir = os.path.join(d, "state")
            # (wall, cpu, rss MiB); daemon_read: the daemon up to "backlog read"
            runs = {"kcat": [], "input": [], "daemon": [], "daemon_read": [], "floor": []}
            for r in range(args.rounds):
                order = ["kcat", "input", "daemon", "floor"]
                if r % 2:
                    order.reverse()
                for name in order:
                    if name == "kcat":
                        wall, cpu, rss, _ = measure(kcat)
                        runs[name].append((wall, cpu, rss))
                    elif name in ("input", "floor"):
                        # In-process figures: without the config load (10 000 services)
                        # or the metadata request.
                        _, _, rss, out = measure(ours if name == "input" else floor,
                                                 os.path.join(d, "ours.json"))
                        j = json.loads(out)
                        runs[name].append((j["seconds"], j["cpu_seconds"], rss))
                    else:
                        read, done = run_daemon(f"{b}/daemon/ninesd", daemon_cfg, state_dir,
                                                args.events)
                        runs["daemon_read"].append(read)
                        runs[name].append(done)
        finally:
            broker.stdin.close()
            broker.wait(timeout=30)
    n = args.events / 1e6
    med = {k: [statistics.median(x[i] for x in v) for i in range(3)] for k, v in runs.items()}
    kw, kc, km = med["kcat"]
    labels = {"input": "KafkaInput consume+decode",
              "daemon_read": "daemon consume+decode+hold+checkpoint (backlog read)",
              "daemon": "daemon consume+decode+evaluate+checkpoint (caught up with the clock)",
              "floor": "poll_floor (librdkafka alone, poll per message)"}
    for k in ("input", "daemon_read", "daemon", "floor"):
        w, c, m = med[k]
        print(f"ingest: ninesd {labels[k]}: {w:.2f} s = {args.events / w / 1e6:.2f} M events/s, "
              f"{c / n:.2f} CPU s per million, peak RSS {m:.0f} MiB")
    print(f"ingest: kcat -C to /dev/null: {kw:.2f} s = {args.events / kw / 1e6:.2f} M events/s, "
          f"{kc / n:.2f} CPU s per million, peak RSS {km:.0f} MiB "
          f"(input: {first['signals']} signals, {first['rejected']} rejected)")
    for k in ("input", "daemon_read", "daemon", "floor"):
        w, c, _ = med[k]
        print(f"ingest: {k}: events/s ninesd / kcat = {kw / w:.2f} (goal >= 1.0); "
              f"CPU per event ninesd / kcat = {c / kc:.2f} (goal <= 0.8)")
    print("ingest: rounds (wall s) " +
          " ".join(f"{k} {[round(x[0], 2) for x in v]}" for k, v in runs.items()))


def write_daemon_config(src, dst, boot, d):
    """The benchmark's model, read by the daemon from the broker at `boot`."""
    with socket.socket() as s:  # a free port for its HTTP server
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    text = open(src).read()
    head = (f'server:\n  listen: "127.0.0.1:{port}"\n'
            f'state:\n  path: {d}/state/ninesd.db\n  checkpoint_interval: 1s\n'
            f'kafka:\n  bootstrap: "{boot}"')
    if "kafka:\n  bootstrap: embedded" not in text:
        raise SystemExit("unexpected gen_events config")
    open(dst, "w").write(text.replace("kafka:\n  bootstrap: embedded", head, 1))


def proc_cpu(pid):
    """User + system seconds of a running process (/proc/PID/stat)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_hwm_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_daemon(ninesd, config, state_dir, events):
    """`ninesd run` from a fresh state directory: wall and CPU from its
    "partitions assigned" log line to "backlog read" (every event consumed,
    decoded and held by the sequencer, checkpointed each second), and to
    "caught up with the clock" (every event applied to the engine and every
    SLO evaluated on its grid up to the clock); peak RSS at the end. Then
    SIGTERM. Returns the two (wall, cpu, rss) triples."""
    shutil.rmtree(state_dir, ignore_errors=True)
    os.makedirs(state_dir)
    p = subprocess.Popen([ninesd, "run", "--config", config], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    t0 = c0 = None
    read = result = None
    tail = []
    timer = threading.Timer(300, p.kill)  # bounded: a stuck daemon fails the run
    timer.start()
    try:
        for line in p.stderr:
            tail = (tail + [line])[-20:]
            if t0 is None and "kafka partitions assigned" in line:
                t0, c0 = time.perf_counter(), proc_cpu(p.pid)
            elif "core: backlog read" in line:
                wall, cpu = time.perf_counter() - t0, proc_cpu(p.pid) - c0
                accepted = int(re.search(r"accepted=(\d+)", line).group(1))
                if accepted != events:
                    raise SystemExit(f"daemon accepted {accepted} of {events} events")
                read = (wall, cpu, proc_hwm_mib(p.pid))
            elif read is not None and "core: caught up with the clock" in line:
                wall, cpu = time.perf_counter() - t0, proc_cpu(p.pid) - c0
                result = (wall, cpu, proc_hwm_mib(p.pid))
                break
        p.terminate()
        for _ in p.stderr:  # drain: the stop logs too
            pass
        p.wait(timeout=120)
    finally:
        timer.cancel()
    if result is None:
        raise SystemExit("daemon ended before catching up:\n" + "".join(tail))
    return read, result


if __name__ == "__main__":
    sys.exit(main())
