"""Real Prometheus scrapes the daemon (SPEC section 7): the test creates a
60-second outage through Kafka (a mock cluster in a helper process, kcat),
then asks Prometheus's HTTP API for the SLO's series. The outage is final,
so within one scrape the figures must satisfy, exactly:
  consumed = 60 s, remaining = 1 - 60 / total, attainment = 1 - 60 / valid
where valid = total / (1 - objective).

Run by ctest as: python3 prometheus_test.py NINESD MOCK_BROKER SOURCE_DIR
"""

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import kafka_test  # noqa: E402


def prom_query(port, query):
    url = "http://127.0.0.1:%d/api/v1/query?%s" % (port, urllib.parse.urlencode({"query": query}))
    doc = json.load(urllib.request.urlopen(url, timeout=5))
    return {r["metric"].get("__name__", query): float(r["value"][1]) for r in doc["data"]["result"]}


class PrometheusTest(harness.TempDirTestCase):
    def test_prometheus_sees_the_outage(self):
        cluster = kafka_test.MockCluster(2)
        self.addCleanup(cluster.close)
        now = time.time()
        events = []
        for t, state in ((now - 900, "up"), (now - 600, "down"), (now - 540, "up")):
            events.append(("web", json.dumps({"type": "state", "service": "web", "state": state,
                                              "ts": round(t, 3)})))
        kafka_test.produce(cluster.bootstrap, events, self.dir)

        port = harness.free_port()
        config = os.path.join(self.dir, "ninesd.yaml")
        with open(config, "w") as f:
            f.write('server: {listen: "127.0.0.1:%d"}\n' % port +
                    "state: {path: %s/state/ninesd.db}\n" % self.dir +
                    'kafka: {bootstrap: "%s", topics: [events]}\n' % cluster.bootstrap +
                    "services: [{name: web}]\n"
                    "slos: [{name: web-avail, service: web, objective: 99, window: 1d}]\n")
        self.start(config)
        harness.wait_serving(port, timeout=20)

        prom_port = harness.free_port()
        prom_cfg = os.path.join(self.dir, "prometheus.yml")
        with open(prom_cfg, "w") as f:
            f.write("global: {scrape_interval: 1s, scrape_timeout: 1s}\n"
                    "scrape_configs:\n"
                    "  - job_name: ninesd\n"
                    "    static_configs: [{targets: ['127.0.0.1:%d']}]\n" % port)
        prom = subprocess.Popen(
            ["prometheus", "--config.file=" + prom_cfg, "--storage.tsdb.path=" + self.dir + "/tsdb",
             "--web.listen-address=127.0.0.1:%d" % prom_port],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(lambda: (prom.terminate(), prom.wait(timeout=20)))

        sel = '{slo="web-avail",service="web"}'
        query = ('{__name__=~"ninesd_slo_(attainment_ratio|error_budget_remaining_ratio|'
                 'error_budget_total_seconds|error_budget_consumed_seconds|objective_ratio)",'
                 'slo="web-avail"}')

        def scraped():
            try:
                r = prom_query(prom_port, query)
            except OSError:
                return None
            return r if len(r) == 5 and r.get("ninesd_slo_error_budget_consumed_seconds") == 60 else None
        r = harness.wait_until(scraped, 60, "Prometheus to scrape the outage of web" + sel)
        objective = r["ninesd_slo_objective_ratio"]
        total = r["ninesd_slo_error_budget_total_seconds"]
        valid = total / round(1 - objective, 9)
        self.assertEqual(objective, 0.99)
        self.assertEqual(r["ninesd_slo_error_budget_consumed_seconds"], 60)
        self.assertGreater(valid, 880)  # 15 minutes and more of history
        self.assertAlmostEqual(r["ninesd_slo_error_budget_remaining_ratio"], 1 - 60 / total, places=12)
        self.assertAlmostEqual(r["ninesd_slo_attainment_ratio"], 1 - 60 / valid, places=12)
        self.assertLess(r["ninesd_slo_error_budget_remaining_ratio"], 0)  # 60 s > 1 % of ~15 min
        down = prom_query(prom_port, 'ninesd_service_downtime_seconds_total{service="web"}')
        self.assertEqual(list(down.values()), [60.0])


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit("usage: prometheus_test.py NINESD MOCK_BROKER SOURCE_DIR")
    kafka_test.MOCK_BROKER = os.path.abspath(sys.argv.pop(2))
    for tool in ("kcat", "prometheus"):
        if not shutil.which(tool):
            sys.exit("%s is not installed (scripts/install-deps)" % tool)
    harness.main()
