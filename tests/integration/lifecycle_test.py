"""Lifecycle of `ninesd run` against a fake service manager: READY=1, the
watchdog, /metrics (checked by promtool) and /healthz, SIGHUP with a broken
and then a fixed config, SIGTERM. (RELIABILITY.md P3, P4, M4, M6.)"""

import os
import shutil
import signal
import subprocess
import time

import harness
from harness import http_request, parse_metrics


class LifecycleTest(harness.TempDirTestCase):
    def test_lifecycle(self):
        port = harness.free_port()
        config = os.path.join(self.dir, "ninesd.yaml")
        harness.write_config(config, port, os.path.join(self.dir, "state"))
        notify = harness.NotifySocket(self.dir)
        self.addCleanup(notify.close)
        daemon = self.start(config, env={"NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000"})

        # READY=1 only once the endpoint serves, with a STATUS= line.
        ready_index, ready = notify.wait_for("READY", "1", timeout=10)
        self.assertEqual(ready.get("STATUS"),
                         "serving on 127.0.0.1:%d, 2 services, 2 SLOs" % port)
        self.assertEqual(http_request(port, "GET", "/healthz")[:3:2], (200, "ok\n"))

        # Watchdog: WATCHDOG_USEC=400 ms -> a ping every 200 ms from the loop.
        started = time.monotonic()
        harness.wait_until(lambda: notify.count("WATCHDOG", "1", after=ready_index) >= 2,
                           timeout=1.2, what="2 WATCHDOG=1 pings")
        print("watchdog: 2 pings within %.2f s of READY=1" % (time.monotonic() - started))

        # /metrics: text format 0.0.4 that promtool accepts without a lint remark.
        status, headers, body = http_request(port, "GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "text/plain; version=0.0.4; charset=utf-8")
        promtool = shutil.which("promtool")
        self.assertIsNotNone(promtool, "promtool not installed (Debian package prometheus)")
        check = subprocess.run([promtool, "check", "metrics"], input=body, capture_output=True,
                               text=True, timeout=30)
        self.assertEqual((check.returncode, check.stdout + check.stderr), (0, ""), body)
        samples = parse_metrics(body)
        for name in ("process_cpu_seconds_total", "process_resident_memory_bytes",
                     "process_virtual_memory_bytes", "process_open_fds", "process_max_fds",
                     "process_start_time_seconds"):
            self.assertIn(name, samples)
        self.assertGreater(samples["process_resident_memory_bytes"], 0)
        self.assertAlmostEqual(samples["process_start_time_seconds"], time.time(), delta=60)
        self.assertTrue(any(k.startswith("ninesd_build_info{") and v == 1
                            for k, v in samples.items()), body)
        self.assertEqual(samples["ninesd_config_last_reload_successful"], 1)
        first_success = samples["ninesd_config_last_reload_success_timestamp_seconds"]
        self.assertAlmostEqual(first_success, time.time(), delta=60)

        # Methods: HEAD has the headers only; anything else is 405.
        status, headers, body = http_request(port, "HEAD", "/metrics")
        self.assertEqual((status, body), (200, ""))
        self.assertGreater(int(headers["content-length"]), 0)
        status, headers, _ = http_request(port, "POST", "/metrics")
        self.assertEqual(status, 405)
        self.assertEqual(headers.get("allow"), "GET, HEAD")
        self.assertEqual(http_request(port, "GET", "/")[0], 404)
        self.assertEqual(http_request(port, "GET", "/%2e%2e/%2e%2e/etc/passwd")[0], 404)

        # SIGHUP with a broken config: rejected, the old one keeps serving.
        harness.write_config(config, port, os.path.join(self.dir, "state"), objective="101")
        mark = len(notify.messages)
        daemon.signal(signal.SIGHUP)
        reloading_index, reloading = notify.wait_for("RELOADING", "1", timeout=5, after=mark)
        self.assertRegex(reloading.get("MONOTONIC_USEC", ""), r"^\d+$")
        notify.wait_for("READY", "1", timeout=5, after=reloading_index)
        samples = parse_metrics(http_request(port, "GET", "/metrics")[2])
        self.assertEqual(samples["ninesd_config_last_reload_successful"], 0)
        self.assertEqual(samples["ninesd_config_last_reload_success_timestamp_seconds"],
                         first_success)
        self.assertEqual(http_request(port, "GET", "/healthz")[0], 200)
        self.assertRegex(daemon.stderr(), r"ninesd\.yaml:\d+:\d+: ")  # the diagnostic is logged

        # Fixed config: accepted, with a newer success timestamp.
        harness.write_config(config, port, os.path.join(self.dir, "state"))
        mark = len(notify.messages)
        daemon.signal(signal.SIGHUP)
        reloading_index, _ = notify.wait_for("RELOADING", "1", timeout=5, after=mark)
        _, ready = notify.wait_for("READY", "1", timeout=5, after=reloading_index)
        self.assertNotIn("failed", ready.get("STATUS", ""))
        samples = parse_metrics(http_request(port, "GET", "/metrics")[2])
        self.assertEqual(samples["ninesd_config_last_reload_successful"], 1)
        self.assertGreater(samples["ninesd_config_last_reload_success_timestamp_seconds"],
                           first_success)

        # SIGTERM: STOPPING=1, exit 0 within 2 s.
        mark = len(notify.messages)
        sent = time.monotonic()
        daemon.signal(signal.SIGTERM)
        code = daemon.wait(timeout=2.0)
        elapsed = time.monotonic() - sent
        self.assertEqual(code, 0, daemon.stderr())
        notify.wait_for("STOPPING", "1", timeout=1, after=mark)
        print("graceful stop: exit 0 after %.3f s" % elapsed)

    def test_sigint_also_stops_gracefully(self):
        port = harness.free_port()
        config = os.path.join(self.dir, "ninesd.yaml")
        harness.write_config(config, port, os.path.join(self.dir, "state"))
        daemon = self.start(config)
        harness.wait_serving(port)
        daemon.signal(signal.SIGINT)
        self.assertEqual(daemon.wait(timeout=2.0), 0, daemon.stderr())

    def test_no_watchdog_pings_without_watchdog_usec(self):
        port = harness.free_port()
        config = os.path.join(self.dir, "ninesd.yaml")
        harness.write_config(config, port, os.path.join(self.dir, "state"))
        notify = harness.NotifySocket(self.dir)
        self.addCleanup(notify.close)
        self.start(config, env={"NOTIFY_SOCKET": notify.path})
        ready_index, _ = notify.wait_for("READY", "1", timeout=10)
        http_request(port, "GET", "/healthz")
        self.assertEqual(notify.count("WATCHDOG", "1"), 0)

    def test_journal_lines_carry_syslog_priority(self):
        port = harness.free_port()
        config = os.path.join(self.dir, "ninesd.yaml")
        harness.write_config(config, port, os.path.join(self.dir, "state"))
        daemon = self.start(config, journal=True)
        harness.wait_serving(port)
        harness.write_config(config, port, os.path.join(self.dir, "state"), objective="101")
        daemon.signal(signal.SIGHUP)  # logs at error level
        harness.wait_until(lambda: "<3>" in daemon.stderr(), 5, "an error line")
        daemon.signal(signal.SIGTERM)
        self.assertEqual(daemon.wait(timeout=2.0), 0)
        lines = harness.nonempty_lines(daemon.stderr())
        for line in lines:
            self.assertRegex(line, r"^<[2-7]>[a-z]+: \S", line)  # no timestamp
        self.assertTrue(any(line.startswith("<6>daemon: ready ") for line in lines), lines)
        self.assertTrue(any(line.startswith("<3>daemon: config reload failed ") for line in lines),
                        lines)

    def test_bad_config_at_start_exits_1_with_every_diagnostic(self):
        config = os.path.join(self.dir, "ninesd.yaml")
        harness.write_config(config, harness.free_port(), os.path.join(self.dir, "state"),
                             objective="101")
        with open(config, "a") as f:
            f.write("unknown_section: 1\n")
        daemon = self.start(config)
        self.assertEqual(daemon.wait(timeout=10), 1)
        lines = harness.nonempty_lines(daemon.stderr())
        self.assertGreaterEqual(len(lines), 2, lines)
        for line in lines:
            self.assertRegex(line, r"ninesd\.yaml:\d+:\d+: ")

    def test_missing_config_file_is_one_line(self):
        daemon = self.start(os.path.join(self.dir, "nope.yaml"))
        self.assertEqual(daemon.wait(timeout=10), 1)
        lines = harness.nonempty_lines(daemon.stderr())
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("nope.yaml", lines[0])


if __name__ == "__main__":
    harness.main()
