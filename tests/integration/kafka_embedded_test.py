"""`ninesd run` with Kafka: the embedded broker (kafka.bootstrap: embedded)
writes its address to <state dir>/kafka.bootstrap, kcat produces to it, the
daemon counts the events into its SLOs, sends a bad one, a late one and a
duplicate to the dead-letter topic with their reasons, and /metrics (checked by promtool) shows the Kafka
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
        self.assertIn("kafka: embedded broker bootstrap=" + boot, daemon.stderr())

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
            slos = json.loads(body)["slos"]  # empty until the first refresh is published
            return bool(slos) and slos[0]["good"] + slos[0]["bad"] == 100 and slos[0]
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

        # Late and duplicate events are refused by the core, after the input:
        # they reach the dead-letter topic too, read again from Kafka.
        now = time.time()
        stamp = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
        late = '{"type":"outcome","service":"api","good":true,"ts":"%s"}' % stamp(now - 3600)
        # Ahead of the clock: with 1 s of allowed lateness a copy stamped "now"
        # (to the second) could itself be late by the time it is read.
        dup = '{"type":"outcome","service":"api","good":true,"ts":"%s","id":"d1"}' % stamp(now + 30)
        kcat("-P", "-b", boot, "-t", "events", "-p", "0", stdin="\n".join([late, dup, dup]) + "\n")
        try:
            harness.wait_until(
                lambda: parse_metrics(http_request(port, "GET", "/metrics")[2]).get(
                    'ninesd_kafka_dead_letter_total{result="delivered"}') == 3, 30,
                "late and duplicate in the dead-letter topic")
        except AssertionError as e:
            metrics = http_request(port, "GET", "/metrics")[2]
            dead = [l for l in metrics.splitlines()
                    if "dead_letter" in l or "rejected_total" in l or "consumed" in l]
            raise AssertionError("%s\n%s\n--- daemon log:\n%s" % (
                e, "\n".join(dead), daemon.stderr()[-4000:])) from None
        out = kcat("-C", "-b", boot, "-t", "events-dlq", "-e", "-o", "beginning", "-q", "-J")
        records = [json.loads(line) for line in out.splitlines() if line.strip()]
        by_reason = {}
        for r in records:
            h = dict(zip(r["headers"][0::2], r["headers"][1::2]))
            by_reason[h["ninesd.reason"]] = (r["payload"], h["ninesd.source.partition"])
        self.assertEqual(by_reason["late"], (late, "0"), out)
        self.assertEqual(by_reason["duplicate"], (dup, "0"), out)
        self.assertEqual(len(records), 3, out)

        # Every family, Kafka's included, passes promtool.
        promtool = shutil.which("promtool")
        self.assertIsNotNone(promtool, "promtool not installed (Debian package prometheus)")
        body = http_request(port, "GET", "/metrics")[2]
        check = subprocess.run([promtool, "check", "metrics"], input=body, capture_output=True,
                               text=True, timeout=30)
        self.assertEqual((check.returncode, check.stdout + check.stderr), (0, ""), body)

        daemon.signal(15)
        self.assertEqual(daemon.wait(15), 0, daemon.stderr())


if __name__ == "__main__":
    harness.main()
