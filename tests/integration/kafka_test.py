"""Kafka end to end through the real daemon (SPEC sections 4 and 8): a mock
Kafka cluster in a helper process (librdkafka's, the real protocol), kcat
producing, `ninesd run` consuming, and `ninesd replay` on the same events as
the reference — the figures must be equal, not close.

- 100 000 events: the daemon's /api/v1/slos equals replay at the same time.
- kill -9 at 10 random points while 200 000 events arrive over 8
  partitions (checkpoints every 100 ms, so some kills land in one): after the
  last restart the figures equal replay — nothing lost, nothing twice.
- Broker outage: every broker down for 10 s while events are being read,
  then back with failing Fetch requests: ninesd_kafka_connected shows it,
  probes keep running, and the figures end equal to replay.
- HA pair: two daemons with different group ids and state directories reach
  the same figures; a third on a used state directory is refused.
- History: the report fixture through Kafka; `ninesd report` on the stored
  history equals the report on the events file, also after a kill -9.

Run by ctest as: python3 kafka_test.py NINESD MOCK_BROKER SOURCE_DIR
"""

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import http_request, parse_metrics  # noqa: E402

MOCK_BROKER = None
LATENESS_S = 30

SERVICES = ["svc-%02d" % i for i in range(24)]


def config_text(port, state_dir, bootstrap, group="ninesd", checkpoint="1s", self_probe=False,
                multi=False):
    lines = [
        "server: {listen: \"127.0.0.1:%d\"}" % port,
        "state: {path: %s/ninesd.db, checkpoint_interval: %s}" % (state_dir, checkpoint),
        "kafka:",
        "  bootstrap: \"%s\"" % bootstrap,
        "  group_id: %s" % group,
        "  topics: [events]",
        "  allowed_lateness: %ds" % LATENESS_S,
        "services:",
    ]
    for i, s in enumerate(SERVICES):
        extra = ", heartbeat_timeout: 20s" if i % 6 == 5 else ""
        lines.append("  - {name: %s%s}" % (s, extra))
    if self_probe:
        # Probes run beside Kafka (no SLO, so replay's figures stay comparable).
        lines.append("  - {name: self, probes: [{type: http, url: \"http://127.0.0.1:%d/healthz\", "
                     "interval: 1s, timeout: 900ms}]}" % port)
    if multi:
        # Probe events from several locations, two failures in a row to go down.
        lines.append("  - {name: multi, failure_threshold: 2}")
    lines.append("slos:")
    if multi:
        lines.append("  - {name: multi-availability, service: multi, kind: availability, "
                     "objective: 99.5, window: 1d}")
    for i, s in enumerate(SERVICES):
        kind = "ratio" if i % 3 == 1 else "availability"
        lines.append("  - {name: %s-%s, service: %s, kind: %s, objective: 99.5, window: 1d}"
                     % (s, kind, s, kind))
    return "\n".join(lines) + "\n"


def make_events(n, start_ms, step_ms, seed):
    """JSONL lines keyed by service (KEY|JSON), in time order."""
    rnd = random.Random(seed)
    out = []
    for k in range(n):
        i = rnd.randrange(len(SERVICES))
        s = SERVICES[i]
        ts = start_ms + k * step_ms
        if i % 6 == 5:
            ev = {"type": "heartbeat", "service": s, "ts": ts / 1000.0}
        elif i % 3 == 1:
            ev = {"type": "outcome", "service": s, "good": rnd.random() > 0.01, "ts": ts / 1000.0}
        else:
            state = "down" if rnd.random() < 0.02 else "up"
            ev = {"type": "state", "service": s, "state": state, "ts": ts / 1000.0}
        if k % 7 == 0:
            ev["id"] = "e-%d-%d" % (seed, k)
        out.append((s, json.dumps(ev, separators=(",", ":"))))
    return out


class MockCluster:
    def __init__(self, partitions):
        self.proc = subprocess.Popen([MOCK_BROKER, "--partitions", str(partitions), "events"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.bootstrap = self.proc.stdout.readline().strip()
        if not self.bootstrap:
            raise AssertionError("mock broker printed no bootstrap address")

    def command(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().strip()
        if answer != "ok":
            raise AssertionError("mock broker: %s -> %s" % (line, answer))

    def close(self):
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def produce(bootstrap, events, directory):
    path = os.path.join(directory, "batch.txt")
    with open(path, "w") as f:
        for key, value in events:
            f.write("%s|%s\n" % (key, value))
    subprocess.run(["kcat", "-P", "-b", bootstrap, "-t", "events", "-K", "|", "-l", path],
                   check=True, timeout=120)


def metrics(port):
    return parse_metrics(http_request(port, "GET", "/metrics")[2])


class KafkaTest(harness.TempDirTestCase):
    def cluster(self, partitions):
        c = MockCluster(partitions)
        self.addCleanup(c.close)
        return c

    def write_events_file(self, all_events):
        path = os.path.join(self.dir, "events.jsonl")
        with open(path, "w") as f:
            for _, value in all_events:
                f.write(value + "\n")
        return path

    def start_daemon(self, port, state_dir, bootstrap, name, group="ninesd", checkpoint="1s",
                     self_probe=False, multi=False):
        os.makedirs(state_dir, exist_ok=True)
        config = os.path.join(self.dir, name + ".yaml")
        with open(config, "w") as f:
            f.write(config_text(port, state_dir, bootstrap, group, checkpoint, self_probe, multi))
        d = self.start(config, name=name)
        try:
            harness.wait_serving(port, timeout=20)
        except AssertionError as e:
            raise AssertionError("%s; ninesd said: %s" % (e, d.stderr()[-2000:]))
        return d, config

    def wait_consumed(self, port, n, timeout=90):
        def done():
            m = metrics(port)
            consumed = m.get('ninesd_events_consumed_total{topic="events"}', 0)
            # Accepted counts are published with the figures: wait for both.
            accepted = m.get("ninesd_events_accepted_total", 0)
            return consumed >= n and accepted >= n and self.caught_up(port)
        harness.wait_until(done, timeout, "%d events consumed on port %d" % (n, port))

    def caught_up(self, port):
        doc = json.loads(http_request(port, "GET", "/api/v1/slos")[2])
        return doc["slos"] and abs(time.time() - LATENESS_S - iso_seconds(doc["at"])) < 5

    def assert_equals_replay(self, port, config, events_path):
        doc = json.loads(http_request(port, "GET", "/api/v1/slos")[2])
        out = subprocess.run([harness.BINARY, "replay", "--config", config, "--events",
                              events_path, "--at", doc["at"]],
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        ref = json.loads(out.stdout)
        self.assertEqual(doc["at"], ref["at"])
        self.assertEqual(len(doc["slos"]), len(ref["slos"]))
        for mine, want in zip(doc["slos"], ref["slos"]):
            self.assertEqual(mine, want, "SLO %s differs from replay" % want["name"])
        return doc

    def test_end_to_end_equals_replay(self):
        c = self.cluster(4)
        now = int(time.time() * 1000)
        events = make_events(100_000, now - 3_600_000, 30, seed=1)
        produce(c.bootstrap, events, self.dir)
        path = self.write_events_file(events)
        port = harness.free_port()
        _, config = self.start_daemon(port, os.path.join(self.dir, "state"), c.bootstrap, "e2e")
        self.wait_consumed(port, len(events))
        doc = self.assert_equals_replay(port, config, path)
        bad = sum(s["bad"] for s in doc["slos"])
        self.assertGreater(bad, 0)  # the events made SLOs move
        m = metrics(port)
        self.assertEqual(m.get('ninesd_events_rejected_total{reason="late"}', 0), 0)

    def test_kill9_at_random_points_loses_nothing(self):
        c = self.cluster(8)
        port = harness.free_port()
        state = os.path.join(self.dir, "state")
        rnd = random.Random(7)
        all_events = []
        kills = 0
        config = None
        for round_ in range(10):
            now = int(time.time() * 1000)
            chunk = make_events(20_000, now - 20_000, 1, seed=100 + round_)
            produce(c.bootstrap, chunk, self.dir)
            all_events += chunk
            d, config = self.start_daemon(port, state, c.bootstrap, "crash", checkpoint="100ms")
            time.sleep(rnd.uniform(0.05, 0.8))
            d.signal(signal.SIGKILL)
            d.wait(10)
            kills += 1
        d, config = self.start_daemon(port, state, c.bootstrap, "crash", checkpoint="100ms")
        m = metrics(port)
        harness.wait_until(lambda: self.caught_up(port), 90, "catching up after the last restart")
        time.sleep(1.5)  # one more refresh after the last batch
        self.assert_equals_replay(port, config, self.write_events_file(all_events))
        self.assertEqual(kills, 10)
        self.assertIn("state: restored", d.stderr())

    def test_broker_outage_and_request_errors_end_exact(self):
        c = self.cluster(4)
        port = harness.free_port()
        now = int(time.time() * 1000)
        first = make_events(10_000, now - 600_000, 20, seed=11)
        produce(c.bootstrap, first, self.dir)
        _, config = self.start_daemon(port, os.path.join(self.dir, "state"), c.bootstrap,
                                      "outage", self_probe=True)
        self.wait_consumed(port, len(first))
        # Baseline: what was refused as late while the backlog was read.
        late_at_start = metrics(port).get('ninesd_events_rejected_total{reason="late"}', 0)

        def probes_run():
            return sum(v for k, v in metrics(port).items()
                       if k.startswith("ninesd_probe_duration_seconds_count"))
        # More events, and at once every broker down, while the daemon is
        # reading them: the outage shows in /metrics while probes go on.
        second = make_events(5_000, int(time.time() * 1000) - 5_000, 1, seed=12)
        produce(c.bootstrap, second, self.dir)
        c.command("down 0")
        down_since = time.time()
        harness.wait_until(lambda: metrics(port).get("ninesd_kafka_connected") == 0, 30,
                           "ninesd_kafka_connected 0 while the broker is down")
        before = probes_run()
        harness.wait_until(lambda: probes_run() >= before + 3, 15, "probes during the outage")
        self.assertEqual(metrics(port).get("ninesd_kafka_connected"), 0)
        time.sleep(max(0.0, 10 - (time.time() - down_since)))
        # Back, with failing requests on the way: Fetch answers
        # NOT_LEADER_OR_FOLLOWER (6) and REQUEST_TIMED_OUT (7) first.
        c.command("err 1 6 7 6")
        c.command("up 0")
        third = make_events(5_000, int(time.time() * 1000) - 5_000, 1, seed=13)
        produce(c.bootstrap, third, self.dir)
        second += third
        harness.wait_until(lambda: metrics(port).get("ninesd_kafka_connected") == 1, 30,
                           "ninesd_kafka_connected 1 after the broker is back")
        self.wait_consumed(port, len(first) + len(second))
        time.sleep(1.5)  # one more refresh after the last batch
        self.assert_equals_replay(port, config, self.write_events_file(first + second))
        m = metrics(port)
        # Nothing from Kafka was late, and no probe result after the outage.
        self.assertEqual(m.get('ninesd_events_rejected_total{reason="late"}', 0), late_at_start)
        self.assertEqual(m.get('ninesd_events_consumed_total{topic="events"}'), 20_000)

    def test_probe_locations_keep_their_sources_across_a_restart(self):
        # Location numbers are given in order of first appearance; after a
        # restart "b" arrives first and must not take over "a"'s source (and
        # its pending failure streak).
        c = self.cluster(1)
        port = harness.free_port()
        state = os.path.join(self.dir, "state")
        t = int(time.time() * 1000) - 20_000

        def probe(loc, ok, at):
            ev = {"type": "probe", "service": "multi", "location": loc, "success": ok,
                  "ts": at / 1000.0}
            return ("multi", json.dumps(ev, separators=(",", ":")))
        first = [probe("a", True, t), probe("a", False, t + 1000)]
        produce(c.bootstrap, first, self.dir)
        d, config = self.start_daemon(port, state, c.bootstrap, "loc", multi=True)
        harness.wait_until(
            lambda: metrics(port).get('ninesd_events_consumed_total{topic="events"}') == 2, 30,
            "the first two events consumed")
        d.signal(signal.SIGTERM)
        self.assertEqual(d.wait(20), 0)
        second = [probe("b", False, t + 2000), probe("b", True, t + 3000)]
        produce(c.bootstrap, second, self.dir)
        d, config = self.start_daemon(port, state, c.bootstrap, "loc", multi=True)
        self.assertIn("state: restored", d.stderr())
        # Until the figures reach past the last event (the allowed lateness).
        harness.wait_until(
            lambda: iso_seconds(json.loads(http_request(port, "GET", "/api/v1/slos")[2])["at"])
            > (t + 4000) / 1000.0, 60, "figures past the last event")
        doc = self.assert_equals_replay(port, config, self.write_events_file(first + second))
        multi = [s for s in doc["slos"] if s["name"] == "multi-availability"][0]
        self.assertEqual(multi["bad"], 0)  # a's streak of one failure never completed

    def test_ha_pair_reaches_the_same_figures(self):
        c = self.cluster(4)
        now = int(time.time() * 1000)
        events = make_events(30_000, now - 600_000, 10, seed=3)
        produce(c.bootstrap, events, self.dir)
        path = self.write_events_file(events)
        a, b = harness.free_port(), harness.free_port()
        _, config_a = self.start_daemon(a, os.path.join(self.dir, "a"), c.bootstrap, "a", group="ninesd-a")
        _, config_b = self.start_daemon(b, os.path.join(self.dir, "b"), c.bootstrap, "b", group="ninesd-b")
        self.wait_consumed(a, len(events))
        self.wait_consumed(b, len(events))
        self.assert_equals_replay(a, config_a, path)
        self.assert_equals_replay(b, config_b, path)
        # A third instance on a's state directory is refused before it binds.
        port = harness.free_port()
        config = os.path.join(self.dir, "c.yaml")
        with open(config, "w") as f:
            f.write(config_text(port, os.path.join(self.dir, "a"), c.bootstrap))
        third = self.start(config, name="third")
        self.assertEqual(third.wait(20), 1)
        self.assertIn("lock", third.stderr())


class HistoryTest(harness.TempDirTestCase):
    """The report fixture (outages across the month boundary, the DST change
    and a maintenance window) through Kafka into the daemon: `ninesd report`
    on its stored history equals the report on the events file, in every
    format, also after a kill -9; /status shows daily cells for every SLO."""

    def test_report_from_the_stored_history_equals_the_events_report(self):
        c = MockCluster(1)
        self.addCleanup(c.close)
        data = os.path.join(harness.SOURCE_DIR, "tests", "report", "data")
        events_path = os.path.join(data, "events.jsonl")
        with open(events_path) as f:
            lines = [line.strip() for line in f if line.strip()]
        produce(c.bootstrap, [(json.loads(line)["service"], line) for line in lines], self.dir)
        port = harness.free_port()
        state = os.path.join(self.dir, "state")
        os.makedirs(state)
        config = os.path.join(self.dir, "history.yaml")
        with open(os.path.join(data, "report.yaml")) as f:
            text = f.read()
        with open(config, "w") as f:
            f.write(text + "server: {listen: \"127.0.0.1:%d\"}\n"
                    "state: {path: %s/ninesd.db, checkpoint_interval: 200ms}\n"
                    "kafka: {bootstrap: \"%s\", topics: [events]}\n" % (port, state, c.bootstrap))

        def report(fmt, *source):
            return subprocess.run([harness.BINARY, "report", "--config", config, "--period",
                                   "2026-10", "--format", fmt] + list(source),
                                  capture_output=True, text=True, timeout=60)

        def normalized(out, source):
            return out.replace(source, "SOURCE")

        def assert_same_as_the_events_report():
            for fmt in ("json", "md", "csv"):
                mine = report(fmt)
                self.assertEqual(mine.returncode, 0, mine.stderr)
                self.assertEqual(mine.stderr, "")
                want = report(fmt, "--events", events_path)
                self.assertEqual(want.returncode, 0, want.stderr)
                self.assertEqual(normalized(mine.stdout, "state file %s/ninesd.db" % state),
                                 normalized(want.stdout, "events file " + events_path), fmt)

        def october_stored():
            r = report("json")
            return r.returncode == 0 and r.stderr == ""

        d = self.start(config, name="history")
        harness.wait_serving(port, timeout=20)
        harness.wait_until(october_stored, 60, "October in the stored history")
        assert_same_as_the_events_report()
        # Daily cells for the ratio SLO too (they come from the stored days).
        status = http_request(port, "GET", "/status")[2]
        row = status[status.index('data-slo="api-errors"'):]
        row = row[:row.index("</tr>")]
        self.assertGreater(len(re.findall(r'class="(met|near|missed)"', row)), 20)

        d.signal(signal.SIGKILL)
        d.wait(10)
        self.start(config, name="history-again")
        harness.wait_serving(port, timeout=20)
        assert_same_as_the_events_report()


def iso_seconds(text):
    import datetime
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit("usage: kafka_test.py NINESD MOCK_BROKER SOURCE_DIR")
    MOCK_BROKER = os.path.abspath(sys.argv.pop(2))
    if not shutil.which("kcat"):
        sys.exit("kcat is not installed (scripts/install-deps)")
    harness.main()
