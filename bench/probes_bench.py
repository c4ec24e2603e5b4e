#!/usr/bin/env python3
"""CPU per probe of ninesd's prober against prometheus-blackbox-exporter,
probing the same loopback target at the same rate, interleaved, median of
several rounds; plus start lateness and RSS at scale.

CPU is read from /proc for each process: the sum of sum_exec_runtime
(/proc/PID/task/*/schedstat, nanoseconds) over the process' threads, taken at
the start and the end of a steady window (the first second, with start-up, is
left out). ninesd runs as tests/probes/probe_driver (the prober on its own
io_context, scheduled probes); blackbox is driven the way Prometheus drives
it: one GET /probe per probe, issued by this script at the same rate (the
script's own CPU is not counted).

usage: probes_bench.py PROBE_DRIVER [--rounds 5] [--seconds 5] [--rate 100]
                       [--types http,tcp,icmp] [--scale-targets 10000 --scale-seconds 60]
                       [--capacity [--capacity-seconds 8]]
"""

import argparse
import asyncio
import concurrent.futures
import json
import multiprocessing
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"
            b"Connection: close\r\n\r\nok\n")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Target(asyncio.Protocol):
    """Minimal HTTP target: answers any request with 200 and closes."""

    def connection_made(self, transport):
        self.t = transport

    def data_received(self, data):
        if b"\r\n\r\n" in data:
            self.t.write(RESPONSE)
            self.t.close()


def serve(port):
    async def main():
        loop = asyncio.get_running_loop()
        srv = await loop.create_server(Target, "127.0.0.1", port, backlog=4096)
        async with srv:
            await srv.serve_forever()
    asyncio.run(main())


NGINX_CONF = """worker_processes 1;
daemon off;
pid %(dir)s/nginx.pid;
error_log %(dir)s/nginx-error.log crit;
events { worker_connections 65536; }
http {
  access_log off;
  keepalive_timeout 0;
  client_body_temp_path %(dir)s/body;
  proxy_temp_path %(dir)s/proxy;
  fastcgi_temp_path %(dir)s/fastcgi;
  uwsgi_temp_path %(dir)s/uwsgi;
  scgi_temp_path %(dir)s/scgi;
  server {
    listen 127.0.0.1:%(port)d backlog=4096;
    location / { return 200 "ok\\n"; }
  }
}
"""


def start_target(kind, tmp):
    """The probed target: nginx (one worker, answers 200 and closes, as the
    asyncio fixture does) or the asyncio fixture. Returns (port, stop)."""
    port = free_port()
    if kind == "nginx":
        conf = os.path.join(tmp, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF % {"dir": tmp, "port": port})
        p = subprocess.Popen(["nginx", "-p", tmp, "-c", conf, "-e", os.path.join(tmp, "ngx.log")])
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        return port, lambda: (p.terminate(), p.wait(timeout=10))
    server = multiprocessing.Process(target=serve, args=(port,), daemon=True)
    server.start()
    time.sleep(0.5)
    return port, server.terminate


def cpu_ns(pid):
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def probe_entry(kind, i, port, interval, timeout):
    e = {"name": "p%d" % i, "interval": interval, "timeout": timeout, "type": kind}
    if kind == "http":
        e["url"] = "http://127.0.0.1:%d/" % port
    elif kind == "tcp":
        e["target"] = "127.0.0.1:%d" % port
    else:
        e["host"] = "127.0.0.1"
    return e


def write_config(path, kind, n, port, interval="1s", timeout="900ms"):
    # At most 1000 probes per service (a config limit).
    services = [{"name": "bench-%d" % k, "probes": [
        probe_entry(kind, i, port, interval, timeout) for i in range(k, min(n, k + 1000))]}
        for k in range(0, n, 1000)]
    with open(path, "w") as f:
        json.dump({"services": services}, f)


def measure_ninesd(driver, cfg, seconds, warmup=1.0):
    p = subprocess.Popen([driver, "--config", cfg, "--seconds", str(warmup + seconds + 0.5),
                          "--max-in-flight", "20000"], stdout=subprocess.PIPE, text=True)
    time.sleep(warmup)
    c0, t0 = cpu_ns(p.pid), time.monotonic()
    time.sleep(seconds)
    c1, t1 = cpu_ns(p.pid), time.monotonic()
    rss = rss_kib(p.pid)
    out, _ = p.communicate(timeout=60)
    stats = json.loads(out.strip().splitlines()[-1])
    return (c1 - c0), (t1 - t0), stats, rss


def start_blackbox(tmp, port_target):
    cfg = os.path.join(tmp, "bb.yml")
    with open(cfg, "w") as f:
        json.dump({"modules": {
            "http": {"prober": "http", "timeout": "1s",
                     "http": {"preferred_ip_protocol": "ip4", "ip_protocol_fallback": False}},
            "tcp": {"prober": "tcp", "timeout": "1s",
                    "tcp": {"preferred_ip_protocol": "ip4", "ip_protocol_fallback": False}},
            "icmp": {"prober": "icmp", "timeout": "1s",
                     "icmp": {"preferred_ip_protocol": "ip4"}}}}, f)
    port = free_port()
    p = subprocess.Popen(["prometheus-blackbox-exporter", "--config.file=" + cfg,
                          "--web.listen-address=127.0.0.1:%d" % port, "--log.level=error"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(150):
        try:
            urllib.request.urlopen("http://127.0.0.1:%d/-/healthy" % port, timeout=1).read()
            return p, port
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("blackbox did not start")


def bb_url(bb_port, kind, target_port):
    target = {"http": "http://127.0.0.1:%d/" % target_port, "tcp": "127.0.0.1:%d" % target_port,
              "icmp": "127.0.0.1"}[kind]
    return "http://127.0.0.1:%d/probe?%s" % (bb_port, urllib.parse.urlencode(
        {"module": kind, "target": target}))


def fetch(url):
    try:
        body = urllib.request.urlopen(url, timeout=5).read()
        return b"probe_success 1" in body
    except OSError:
        return False


def measure_blackbox(bb, url, rate, seconds, warmup=1.0):
    """Issues `rate` probes per second for warmup + seconds; CPU over the last `seconds`."""
    ok = [0, 0]
    lock = threading.Lock()
    with concurrent.futures.ThreadPoolExecutor(64) as pool:
        def one():
            s = fetch(url)
            with lock:
                ok[0 if s else 1] += 1
        start = time.monotonic()
        n_total = int(rate * (warmup + seconds))
        c0 = t0 = None
        for i in range(n_total):
            at = start + i / rate
            now = time.monotonic()
            if at > now:
                time.sleep(at - now)
            if c0 is None and i >= rate * warmup:
                c0, t0 = cpu_ns(bb.pid), time.monotonic()
            pool.submit(one)
        c1, t1 = cpu_ns(bb.pid), time.monotonic()
    return c1 - c0, t1 - t0, ok


def cpu_rounds(args, tmp, target_port, bb, bb_port, kind):
    cfg = os.path.join(tmp, kind + ".yaml")
    write_config(cfg, kind, args.rate, target_port)
    ours, theirs = [], []
    for r in range(args.rounds):
        order = ["ninesd", "blackbox"] if r % 2 == 0 else ["blackbox", "ninesd"]
        for side in order:
            if side == "ninesd":
                ns, secs, stats, _ = measure_ninesd(args.driver, cfg, args.seconds)
                ours.append(ns / (args.rate * secs))
            else:
                ns, secs, ok = measure_blackbox(bb, bb_url(bb_port, kind, target_port), args.rate,
                                                args.seconds)
                theirs.append(ns / (args.rate * secs))
                if ok[1]:
                    print("  blackbox %s: %d failed probes" % (kind, ok[1]), file=sys.stderr)
    mo, mt = statistics.median(ours), statistics.median(theirs)
    print("%-5s CPU per probe at %d/s: ninesd %.1f us, blackbox %.1f us, ratio %.3f "
          "(rounds: ninesd %s; blackbox %s)" % (
              kind, args.rate, mo / 1e3, mt / 1e3, mo / mt,
              " ".join("%.1f" % (x / 1e3) for x in ours),
              " ".join("%.1f" % (x / 1e3) for x in theirs)))
    sys.stdout.flush()


def scale(args, tmp, target_port):
    n = args.scale_targets
    cfg = os.path.join(tmp, "scale.yaml")
    write_config(cfg, "http", n, target_port, interval="10s", timeout="5s")
    ns, secs, stats, rss = measure_ninesd(args.driver, cfg, args.scale_seconds, warmup=10.0)
    print("scale: %d http targets at 10s for %.0f s (after 10 s warm-up): CPU %.1f %% of one "
          "core, RSS %.1f MiB, start lateness p50 %.2f ms p99 %.2f ms max %.2f ms, "
          "late (>100 ms) %d of %d starts" % (
              n, secs, 100.0 * ns / (secs * 1e9), rss / 1024.0, stats["lateness_p50_ms"],
              stats["lateness_p99_ms"], stats["lateness_max_ms"], stats["late_starts"],
              stats["started"]))


def ninesd_capacity(args, tmp, target_port):
    """The highest rate (HTTP probes per second, a new connection each) at
    which at most 1 % of starts are late by more than 100 ms, none is skipped
    and at least 99 % succeed: doubling from 250/s, then bisecting."""
    def trial(rate):
        cfg = os.path.join(tmp, "capacity.yaml")
        write_config(cfg, "http", rate, target_port, interval="1s", timeout="900ms")
        _, secs, st, _ = measure_ninesd(args.driver, cfg, args.capacity_seconds, warmup=3.0)
        ok = (st["started"] > 0 and st["late_starts"] <= 0.01 * st["started"]
              and st["skipped"] == 0 and st["succeeded"] >= 0.99 * st["finished"])
        print("  ninesd %5d/s: started %d, late %d, skipped %d, succeeded %d of %d, "
              "p99 lateness %.1f ms -> %s" % (rate, st["started"], st["late_starts"],
                                             st["skipped"], st["succeeded"], st["finished"],
                                             st["lateness_p99_ms"], "ok" if ok else "over"))
        sys.stdout.flush()
        return ok
    good, bad = 0, None
    rate = 250
    while rate <= args.capacity_max:
        if not trial(rate):
            bad = rate
            break
        good, rate = rate, rate * 2
    if bad is None:
        return good
    for _ in range(3):
        mid = (good + bad) // 2
        if trial(mid):
            good = mid
        else:
            bad = mid
    return good


def blackbox_saturated(bb_port, target_port, seconds, concurrency):
    """Successful probes per second with `concurrency` clients sending
    GET /probe back to back on keep-alive connections (asyncio, one thread)."""
    path = "/probe?" + urllib.parse.urlencode(
        {"module": "http", "target": "http://127.0.0.1:%d/" % target_port})
    request = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % path).encode()
    counts = {"ok": 0, "failed": 0}

    async def client(until, counting):
        reader, writer = await asyncio.open_connection("127.0.0.1", bb_port)
        while time.monotonic() < until:
            writer.write(request)
            head = (await reader.readuntil(b"\r\n\r\n")).lower()
            if b"transfer-encoding: chunked" in head:
                body = b""
                while True:
                    size = int((await reader.readline()).split(b";")[0], 16)
                    chunk = await reader.readexactly(size + 2)
                    if size == 0:
                        break
                    body += chunk[:-2]
            else:
                length = 0
                for line in head.split(b"\r\n"):
                    if line.startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                body = await reader.readexactly(length)
            if counting[0]:
                counts["ok" if b"probe_success 1" in body else "failed"] += 1
        writer.close()

    async def run():
        counting = [False]
        start = time.monotonic()
        until = start + 2.0 + seconds
        tasks = [asyncio.create_task(client(until, counting)) for _ in range(concurrency)]
        await asyncio.sleep(2.0)
        counting[0] = True
        t0 = time.monotonic()
        await asyncio.gather(*tasks)
        return time.monotonic() - t0

    secs = asyncio.run(run())
    return counts["ok"] / secs, counts["failed"]


def capacity(args, tmp, target_port, bb_port):
    ours = ninesd_capacity(args, tmp, target_port)
    theirs = 0.0
    for c in (16, 64):
        rate, failed = blackbox_saturated(bb_port, target_port, args.capacity_seconds, c)
        print("  blackbox saturated, %d clients: %.0f successful probes/s (%d failed)"
              % (c, rate, failed))
        theirs = max(theirs, rate)
    print("capacity: http probes/s with <= 1 %% late by > 100 ms: ninesd %d; blackbox saturated "
          "%.0f/s; ratio %s (goal >= 5)" % (ours, theirs,
                                          "%.2f" % (ours / theirs) if theirs else "n/a"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("driver")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--rate", type=int, default=100)
    ap.add_argument("--types", default="http,tcp,icmp")
    ap.add_argument("--scale-targets", type=int, default=0)
    ap.add_argument("--scale-seconds", type=float, default=60)
    ap.add_argument("--capacity", action="store_true",
                    help="also find the capacity ratio against a saturated blackbox")
    ap.add_argument("--capacity-seconds", type=float, default=8)
    ap.add_argument("--capacity-max", type=int, default=16000)
    ap.add_argument("--target", choices=["nginx", "asyncio"], default=None,
                    help="the probed server (default: nginx when installed)")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="ninesd-bench-")
    target = args.target or ("nginx" if shutil.which("nginx") else "asyncio")
    target_port, stop_target = start_target(target, tmp)
    print("target: %s on 127.0.0.1:%d" % (target, target_port))
    bb = None
    try:
        if args.types or args.capacity:
            if shutil.which("prometheus-blackbox-exporter") is None:
                print("prometheus-blackbox-exporter not installed")
                return 1
            bb, bb_port = start_blackbox(tmp, target_port)
            for kind in filter(None, args.types.split(",")):
                cpu_rounds(args, tmp, target_port, bb, bb_port, kind)
            if args.capacity:
                capacity(args, tmp, target_port, bb_port)
        if args.scale_targets:
            scale(args, tmp, target_port)
    finally:
        if bb:
            bb.terminate()
            bb.wait(timeout=10)
        stop_target()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
