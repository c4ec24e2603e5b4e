"""Alerts through the real daemon to a real Alertmanager (issue: alert hooks):
an outage sent through Kafka makes the burn-rate page fire; `amtool alert
query` shows it; after a daemon restart it is still the same alert (same
startsAt, not a new page); the service recovers and the alert resolves.

Run by ctest as: python3 alertmanager_test.py NINESD MOCK_BROKER SOURCE_DIR
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import kafka_test  # noqa: E402


class AlertmanagerTest(harness.TempDirTestCase):
    def amtool(self, am_port):
        out = subprocess.run(["amtool", "--alertmanager.url=http://127.0.0.1:%d" % am_port,
                              "alert", "query", "-o", "json"],
                             capture_output=True, text=True, timeout=20)
        if out.returncode != 0 or not out.stdout.startswith("["):
            return None
        return [a for a in json.loads(out.stdout)
                if a["labels"].get("alertname") == "ErrorBudgetBurn"
                and a["labels"].get("severity") == "page"
                and a["labels"].get("slo") == "web-avail"]

    def test_page_fires_survives_a_restart_and_resolves(self):
        am_port = harness.free_port()
        with open(os.path.join(self.dir, "am.yml"), "w") as f:
            f.write("route: {receiver: none, group_wait: 0s}\nreceivers: [{name: none}]\n")
        am = subprocess.Popen(
            ["prometheus-alertmanager", "--config.file=" + os.path.join(self.dir, "am.yml"),
             "--storage.path=" + os.path.join(self.dir, "am"),
             "--web.listen-address=127.0.0.1:%d" % am_port, "--cluster.listen-address="],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(lambda: (am.terminate(), am.wait(timeout=20)))
        harness.wait_until(lambda: self.amtool(am_port) is not None, 30, "Alertmanager")

        cluster = kafka_test.MockCluster(2)
        self.addCleanup(cluster.close)
        now = time.time()
        # Up for 10 minutes, then down (and still down).
        kafka_test.produce(cluster.bootstrap, [
            ("web", json.dumps({"type": "state", "service": "web", "state": "up", "ts": now - 600})),
            ("web", json.dumps({"type": "state", "service": "web", "state": "down", "ts": now - 60})),
        ], self.dir)

        port = harness.free_port()
        config = os.path.join(self.dir, "ninesd.yaml")
        with open(config, "w") as f:
            f.write('server: {listen: "127.0.0.1:%d"}\n' % port +
                    "state: {path: %s/state/ninesd.db, checkpoint_interval: 200ms}\n" % self.dir +
                    'kafka: {bootstrap: "%s", topics: [events], allowed_lateness: 1s}\n'
                    % cluster.bootstrap +
                    "services: [{name: web}]\n"
                    "slos:\n"
                    "  - name: web-avail\n"
                    "    service: web\n"
                    "    objective: 99\n"
                    "    window: 1h\n"
                    "    alerts: {burn_rate: [{severity: page, factor: 2, long: 10m, short: 5s}]}\n"
                    "alerting:\n"
                    "  evaluation_interval: 1s\n"
                    "  resend_interval: 2s\n"
                    "  keep_firing_for: 0s\n"
                    "  hooks: [{type: alertmanager, url: \"http://127.0.0.1:%d\"}]\n" % am_port)
        daemon = self.start(config)
        harness.wait_serving(port, timeout=20)

        fired = harness.wait_until(lambda: self.amtool(am_port), 60, "the page in Alertmanager")
        starts_at = fired[0]["startsAt"]
        self.assertEqual(fired[0]["labels"]["service"], "web")

        # Restart while firing: the saved hook state keeps it the same alert.
        daemon.signal(signal.SIGTERM)
        self.assertEqual(daemon.wait(20), 0)
        daemon = self.start(config, name="ninesd-2")
        harness.wait_serving(port, timeout=20)
        time.sleep(3)  # longer than resend_interval: a re-send happened by now
        again = self.amtool(am_port)
        self.assertTrue(again)
        self.assertEqual(again[0]["startsAt"], starts_at)
        self.assertIn("alert state loaded", daemon.stderr())

        # Recovery: the 5 s lookback clears, the alert resolves (gone from the active list).
        kafka_test.produce(cluster.bootstrap, [
            ("web", json.dumps({"type": "state", "service": "web", "state": "up",
                                "ts": time.time()})),
        ], self.dir)
        harness.wait_until(lambda: self.amtool(am_port) == [], 60, "the page to resolve")


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit("usage: alertmanager_test.py NINESD MOCK_BROKER SOURCE_DIR")
    kafka_test.MOCK_BROKER = os.path.abspath(sys.argv.pop(2))
    for tool in ("kcat", "prometheus-alertmanager", "amtool"):
        if not shutil.which(tool):
            sys.exit("%s is not installed (scripts/install-deps)" % tool)
    harness.main()
