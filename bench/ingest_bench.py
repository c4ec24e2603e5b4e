#!/usr/bin/env python3
"""Kafka ingest: consume + decode through ninesd's KafkaInput vs kcat.

Starts the mock cluster (ninesd_mock_broker) in its own process, produces N
synthetic events (gen_events, 10 000 services) with kcat, then alternates,
R rounds: `kcat -C -e -o beginning -q` to /dev/null and `ingest_bench`
(consume, decode to signals, hand over in batches) on the same topic. kcat:
wall and CPU time (user + system, from wait4) of the whole process.
ingest_bench: the same, measured inside the process from the input's
creation to the last batch (its config load of 10 000 services is left
out; kcat has none). Medians.

Usage: ingest_bench.py BUILD_DIR [--events N] [--partitions P] [--rounds R]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
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
        subprocess.run([f"{b}/bench/gen_events", d, str(args.events), str(args.services)], check=True)
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
            with open(ev) as f:
                lines = f.readlines()
            per = -(-len(lines) // args.partitions)
            t0 = time.perf_counter()
            for p in range(args.partitions):
                part = os.path.join(d, "part.jsonl")
                with open(part, "w") as f:
                    f.writelines(lines[p * per:(p + 1) * per])
                subprocess.run(["kcat", "-P", "-b", boot, "-t", "events", "-p", str(p), "-l", part],
                               check=True)
            del lines
            print(f"ingest: {args.events} events, {size / 1e6:.0f} MB, {args.partitions} partitions, "
                  f"{args.services} services; produced by kcat in {time.perf_counter() - t0:.1f} s")
            kcat = ["kcat", "-C", "-b", boot, "-t", "events", "-e", "-o", "beginning", "-q"]
            ours = [f"{b}/bench/ingest_bench", os.path.join(d, "config.yaml"), boot, "events",
                    str(args.events)]
            # Warm-up, and a check that both read everything.
            count = subprocess.run(" ".join(kcat) + " | wc -l", shell=True, check=True,
                                   capture_output=True, text=True).stdout.strip()
            if int(count) != args.events:
                raise SystemExit(f"kcat read {count} of {args.events} messages")
            _, _, _, out = measure(ours, os.path.join(d, "ours.json"))
            first = json.loads(out)
            kw, kc, ow, oc, km, om = [], [], [], [], [], []
            for r in range(args.rounds):
                order = [("kcat", kcat), ("ours", ours)]
                if r % 2:
                    order.reverse()
                for name, cmd in order:
                    if name == "kcat":
                        wall, cpu, rss, _ = measure(cmd)
                        kw.append(wall)
                        kc.append(cpu)
                        km.append(rss)
                    else:
                        # In-process figures: without the config load (10 000 services).
                        _, _, rss, out = measure(cmd, os.path.join(d, "ours.json"))
                        r = json.loads(out)
                        om.append(rss)
                        ow.append(r["seconds"])
                        oc.append(r["cpu_seconds"])
        finally:
            broker.stdin.close()
            broker.wait(timeout=30)
    n = args.events / 1e6
    mkw, mkc, mow, moc, mkm, mom = (statistics.median(x) for x in (kw, kc, ow, oc, km, om))
    print(f"ingest: ninesd consume+decode: {mow:.2f} s = {args.events / mow / 1e6:.2f} M events/s, "
          f"{moc / n:.2f} CPU s per million, peak RSS {mom:.0f} MiB "
          f"({first['signals']} signals, {first['rejected']} rejected)")
    print(f"ingest: kcat -C to /dev/null:  {mkw:.2f} s = {args.events / mkw / 1e6:.2f} M events/s, "
          f"{mkc / n:.2f} CPU s per million, peak RSS {mkm:.0f} MiB")
    print(f"ingest: events/s ninesd / kcat = {mkw / mow:.2f} (goal >= 1.0); "
          f"CPU per event ninesd / kcat = {moc / mkc:.2f} (goal <= 0.8)")
    print(f"ingest: rounds (wall s) ninesd {[round(x, 2) for x in ow]} kcat {[round(x, 2) for x in kw]}")


if __name__ == "__main__":
    sys.exit(main())
