"""Every probe case against fixture targets on 127.0.0.1: asserts the success
value and the reason of each, and that the metrics pass promtool."""

import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures  # noqa: E402


def main():
    driver = sys.argv[1]
    failures = []
    with fixtures.Fixtures() as fx:
        case_list = fixtures.cases(fx)
        config = fx.path("probes.yaml")
        metrics = fx.path("metrics.txt")
        fixtures.write_config(config, case_list)
        t0 = time.monotonic()
        out = fixtures.run_driver(driver, config, "--once", "--metrics", metrics)
        took = time.monotonic() - t0
        results = {}
        for line in out.splitlines():
            r = json.loads(line)
            results[r["probe"]] = r
        for c in case_list:
            r = results.get(c.name)
            if r is None:
                failures.append("%s: no result" % c.name)
                continue
            if r["success"] != c.success or r["reason"] != c.reason:
                failures.append("%s: got success=%s reason=%r (%s), want success=%s reason=%r" % (
                    c.name, r["success"], r["reason"], r["detail"], c.success, c.reason))
            # Hard deadline: no probe runs past its timeout (1 s) by more than 100 ms.
            if r["duration_ms"] > 1100:
                failures.append("%s: took %.0f ms" % (c.name, r["duration_ms"]))
            print("%-28s success=%-5s reason=%-20s %7.1f ms  %s" % (
                c.name, r["success"], r["reason"], r["duration_ms"], r["detail"]))
        print("all %d probes in %.2f s" % (len(case_list), took))
        text = open(metrics).read()
        for needle in ['ninesd_probe_success{service="fx",probe="http_ok"} 1',
                       'ninesd_probe_http_status_code{service="fx",probe="http_status_500"} 500',
                       'ninesd_probe_http_duration_seconds{service="fx",probe="https_valid",phase="tls"}',
                       'ninesd_probe_ssl_earliest_cert_expiry{service="fx",probe="https_valid"}',
                       'ninesd_probe_ssl_earliest_cert_expiry{service="fx",probe="tcp_tls_valid"}',
                       'ninesd_probe_dns_rcode{service="fx",probe="dns_nxdomain"} 3',
                       'ninesd_probe_dns_rcode{service="fx",probe="dns_silent"} -1']:
            if needle not in text:
                failures.append("metrics lack " + needle)
        if shutil.which("promtool"):
            p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                               text=True)
            if p.returncode != 0:
                failures.append("promtool: " + p.stdout + p.stderr)
    return fixtures.report(failures)


if __name__ == "__main__":
    sys.exit(main())
