"""/status on the real daemon (127.0.0.1, port read back from a free one):
served as one self-contained HTML page that headless Chromium renders
without console errors, with every service, every SLO and a 90-day bar;
/api/v1/slos next to it in the replay JSON shape."""

import json
import os
import re
import subprocess

import harness
from report_html_test import chromium


class StatusPageTest(harness.TempDirTestCase):
    def setUp(self):
        super().setUp()
        self.port = harness.free_port()
        config = os.path.join(self.dir, "ninesd.yaml")
        harness.write_config(config, self.port, self.dir)
        self.daemon = self.start(config)
        harness.wait_serving(self.port)

        def evaluated():
            status, _, body = harness.http_request(self.port, "GET", "/api/v1/slos")
            return status == 200 and json.loads(body)["slos"]
        harness.wait_until(evaluated, 20, "first evaluation of the SLOs")

    def test_status_page_is_self_contained_html(self):
        status, headers, body = harness.http_request(self.port, "GET", "/status")
        self.assertEqual(status, 200)
        self.assertIn("text/html", headers.get("content-type", ""))
        self.assertNotRegex(body, r"(?i)(src|href)\s*=|<script|@import|url\(")
        self.assertIn('<meta http-equiv="refresh"', body)
        for name in ("web", "api"):
            self.assertIn('data-service="%s"' % name, body)
        for name in ("web-availability", "api-errors"):
            self.assertIn('data-slo="%s"' % name, body)

    def test_api_slos_has_the_replay_shape(self):
        status, _, body = harness.http_request(self.port, "GET", "/api/v1/slos")
        self.assertEqual(status, 200)
        doc = json.loads(body)
        self.assertEqual([s["name"] for s in doc["slos"]], ["web-availability", "api-errors"])
        for key in ("at", "slos"):
            self.assertIn(key, doc)
        for key in ("objective", "attainment", "budget_remaining_ratio", "burn_rates", "alerts"):
            self.assertIn(key, doc["slos"][0])

    def test_chromium_renders_it(self):
        browser = chromium()
        self.assertIsNotNone(browser, "chromium is not installed (scripts/install-deps)")
        url = "http://127.0.0.1:%d/status" % self.port
        common = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--user-data-dir=" + os.path.join(self.dir, "profile"),
                  "--enable-logging=stderr", "--v=0"]
        shot = os.path.join(self.dir, "status.png")
        result = subprocess.run(common + ["--window-size=1100,900", "--screenshot=" + shot, url],
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr[-2000:])
        self.assertGreater(os.path.getsize(shot), 5000)
        self.assertEqual([l for l in result.stderr.splitlines() if ":CONSOLE" in l], [])
        result = subprocess.run(common + ["--dump-dom", url], capture_output=True, text=True,
                                timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr[-2000:])
        dom = result.stdout
        self.assertEqual([l for l in result.stderr.splitlines() if ":CONSOLE" in l], [])
        # No input yet: both services unknown, one 90-day bar per SLO.
        self.assertRegex(dom, r'data-service="web"><td>web</td><td class="state unknown">unknown')
        self.assertEqual(len(re.findall(r'<div class="bar">', dom)), 2)
        self.assertEqual(len(re.findall(r'<span class="(met|near|missed|none)"', dom)), 180)
        self.assertIn("99.9 %", dom)


class OpenSloRunTest(harness.TempDirTestCase):
    def test_run_serves_slos_from_openslo_documents(self):
        port = harness.free_port()
        config = os.path.join(self.dir, "ninesd.yaml")
        with open(config, "w") as f:
            f.write('server: {listen: "127.0.0.1:%d"}\n'
                    'state: {path: %s/ninesd.db}\n'
                    'services: [{name: web}]\n'
                    '---\n'
                    'apiVersion: openslo/v1\n'
                    'kind: SLO\n'
                    'metadata: {name: web-month}\n'
                    'spec:\n'
                    '  service: web\n'
                    '  indicator: {spec: {thresholdMetric: {metricSource: {type: ninesd}}}}\n'
                    '  budgetingMethod: Timeslices\n'
                    '  timeWindow: [{duration: 1M, calendar: {timeZone: UTC}}]\n'
                    '  objectives: [{targetPercent: 99.95}]\n' % (port, self.dir))
        self.start(config)
        harness.wait_serving(port)

        def evaluated():
            status, _, body = harness.http_request(port, "GET", "/api/v1/slos")
            return status == 200 and json.loads(body)["slos"]
        slos = harness.wait_until(evaluated, 20, "first evaluation of the SLOs")
        self.assertEqual([(s["name"], s["kind"], s["objective"], s["window"]) for s in slos],
                         [("web-month", "availability", 0.9995, "month")])


if __name__ == "__main__":
    harness.main()
