"""`ninesd run` with Kafka: the embedded broker (kafka.bootstrap: embedded)
writes its address to <state dir>/kafka.bootstrap, kcat produces to it, the
daemon counts the events into its SLOs, sends a bad one to the dead-letter
topic with its reason, and /metrics (checked by promtool) shows the Kafka
families. Needs kcat and promtool (Debian packages kcat, prometheus)."""

import json
import os
import shutil
import subprocess
import time

import harness
from harness import http_request, parse_metrics


CONFIG = """\
server:
  listen: "127.0.0.1:%(port)d"
state:
  path: %(state)s/ninesd.db
  checkpoint_interval: 1s
kafka:
  bootstrap: embedded
  topics: [events]
  dead_letter_topic: events-dlq
  allowed_lateness: 1s
services:
  - name: api
slos:
  - {name: api-errors, service: api, kind: ratio, objective: 99.9, window: 1d}
"""


def kcat(*args, stdin=None):
    return subprocess.run(["kcat", *args], input=stdin, capture_output=True, text=True,
                          timeout=60, check=True).stdout


class KafkaTest(harness.TempDirTestCase):
    def test_embedded_broker_events_dead_letters_and_metrics(self):
        self.assertIsNotNone(shutil.which("kcat"), "kcat not installed")
        port = harness.free_port()
        state = os.path.join(self.dir, "state")
        config = os.path.join(self.dir, "ninesd.yaml")
        with open(config, "w") as f:
            f.write(CONFIG % {"port": port, "state": state})
        daemon = self.start(config)
        harness.wait_serving(port)
        boot_file = os.path.join(state, "kafka.bootstrap")
        def read_boot():
            if not os.path.exists(boot_file):
                return None
            with open(boot_file) as f:
                return f.read().strip()
        boot = harness.wait_until(read_boot, 10, "kafka.bootstrap")
        self.assertTrue(boot.startswith("127.0.0.1:"), boot)
        self.assertIn("kafka embedded broker bootstrap=" + boot, daemon.stderr())

        # 90 good and 10 bad outcomes, stamped with the message time; one bad line.
        lines = ['{"type":"outcome","service":"api","good":%s}' % ("false" if i % 10 == 0 else "true")
                 for i in range(100)]
        lines.append('{"type":"outcome","service":')
        kcat("-P", "-b", boot, "-t", "events", stdin="\n".join(lines) + "\n")

        def consumed():
            samples = parse_metrics(http_request(port, "GET", "/metrics")[2])
            return samples.get('ninesd_events_consumed_total{topic="events"}') == 101 and samples
        samples = harness.wait_until(consumed, 20, "101 events consumed")
        # The core publishes its reject counts with its figures, on its tick.
        samples = harness.wait_until(
            lambda: (s := parse_metrics(http_request(port, "GET", "/metrics")[2])).get(
                'ninesd_events_rejected_total{reason="bad_json"}') == 1 and s, 10,
            "bad_json counted")
        self.assertEqual(samples["ninesd_kafka_connected"], 1)
        self.assertEqual(samples['ninesd_kafka_dead_letter_total{result="delivered"}'], 1)
        lag = [v for k, v in samples.items() if k.startswith("ninesd_kafka_consumer_lag{")]
        self.assertEqual(len(lag), 8)  # the embedded broker's partitions

        # The SLO moved: 10 bad of 100 once the events are past the lateness.
        def figures():
            body = http_request(port, "GET", "/api/v1/slos")[2]
            slo = json.loads(body)["slos"][0]
            return slo["good"] + slo["bad"] == 100 and slo
        slo = harness.wait_until(figures, 20, "100 events in the SLO figures")
        self.assertEqual((slo["good"], slo["bad"]), (90, 10))

        # The bad line is in the dead-letter topic with its reason and source.
        out = kcat("-C", "-b", boot, "-t", "events-dlq", "-e", "-o", "beginning", "-q", "-J")
        records = [json.loads(line) for line in out.splitlines() if line.strip()]
        self.assertEqual(len(records), 1, out)
        headers = records[0]["headers"]
        h = dict(zip(headers[0::2], headers[1::2]))
        self.assertEqual(h["ninesd.reason"], "bad_json")
        self.assertEqual(h["ninesd.source.topic"], "events")
        self.assertEqual(records[0]["payload"], lines[-1])

        # Every family, Kafka's included, passes promtool.
        promtool = shutil.which("promtool")
        self.assertIsNotNone(promtool, "promtool not installed (Debian package prometheus)")
        body = http_request(port, "GET", "/metrics")[2]
        check = subprocess.run([promtool, "check", "metrics"], input=body, capture_output=True,
                               text=True, timeout=30)
        self.assertEqual((check.returncode, check.stdout + check.stderr), (0, ""), body)

        daemon.signal(15)
        self.assertEqual(daemon.wait(15), 0, daemon.stderr())

    def test_figures_equal_replay_of_the_same_events(self):
        """100 000 events produced by kcat to the mock cluster in its own
        process: the SLO figures of each daemon of an HA pair equal `ninesd
        replay` of the same file at that daemon's evaluation time."""
        mock = os.path.join(os.path.dirname(harness.BINARY), "..", "tests", "ingest",
                            "ninesd_mock_broker")
        broker = subprocess.Popen([mock, "--partitions", "8", "events"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        self.addCleanup(broker.wait, 30)
        self.addCleanup(broker.stdin.close)
        boot = broker.stdout.readline().strip()
        self.assertTrue(boot.startswith("127.0.0.1:"), boot)

        # Two to three hours old (the lateness is an hour: partitions are
        # read interleaved, so event time arrives out of order).
        services = 20
        start = int(time.time() * 1000) - 3 * 3600 * 1000
        events = os.path.join(self.dir, "events.jsonl")
        with open(events, "w") as f:
            for i in range(100_000):
                ts = (start + i * 36) / 1000
                f.write('{"id":"e%d","type":"outcome","service":"s%d","ts":%.3f,"good":%s,'
                        '"latency_ms":%d}\n' % (i, i % services, ts,
                                                "false" if i % 97 == 0 else "true", i % 400))
        kcat("-P", "-b", boot, "-t", "events", "-l", events)

        # An HA pair: two daemons, own state directories, different group ids,
        # on the same topic; each must equal the replay.
        daemons = []
        for name in ("a", "b"):
            port = harness.free_port()
            config = os.path.join(self.dir, "ninesd-%s.yaml" % name)
            with open(config, "w") as f:
                f.write('server: {listen: "127.0.0.1:%d"}\n' % port)
                f.write("state: {path: %s/state-%s/ninesd.db}\n" % (self.dir, name))
                f.write("kafka: {bootstrap: \"%s\", group_id: ninesd-%s, topics: [events], "
                        "allowed_lateness: 1h}\n" % (boot, name))
                f.write("services:\n")
                for i in range(services):
                    f.write("  - name: s%d\n" % i)
                f.write("slos:\n")
                for i in range(services):
                    f.write("  - {name: r%d, service: s%d, kind: ratio, objective: 99, window: 1d}\n"
                            % (i, i))
                    f.write("  - {name: l%d, service: s%d, kind: latency, objective: 80, "
                            "threshold: 300ms, window: 1d}\n" % (i, i))
            self.start(config, name="ninesd-" + name)
            daemons.append((port, config))

        for port, config in daemons:
            harness.wait_serving(port)

            def all_counted():
                body = http_request(port, "GET", "/api/v1/slos")[2]
                doc = json.loads(body)
                total = sum(s["good"] + s["bad"] for s in doc["slos"] if s["name"].startswith("r"))
                return total == 100_000 and doc
            daemon_doc = harness.wait_until(all_counted, 60, "100 000 events in the figures")
            replay = subprocess.run([harness.BINARY, "replay", "--config", config, "--events",
                                     events, "--at", daemon_doc["at"], "--format", "json"],
                                    capture_output=True, text=True, timeout=60)
            self.assertEqual(replay.returncode, 0, replay.stderr)
            self.assertEqual(daemon_doc, json.loads(replay.stdout))
            samples = parse_metrics(http_request(port, "GET", "/metrics")[2])
            self.assertEqual(samples['ninesd_events_consumed_total{topic="events"}'], 100_000)

if __name__ == "__main__":
    harness.main()
