"""Parity with prometheus-blackbox-exporter: every fixture case runs through
ninesd's prober and through the blackbox exporter (Debian's, on loopback) with
the module that means the same; both must agree on probe success. Cases for
options blackbox does not have are listed with the reason they differ."""

import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures  # noqa: E402

BLACKBOX = "prometheus-blackbox-exporter"


def start_blackbox(fx, modules):
    cfg = fx.path("blackbox.yml")
    with open(cfg, "w") as f:
        json.dump({"modules": modules}, f, indent=1)  # JSON is YAML
    port = fixtures.free_port()
    proc = subprocess.Popen([BLACKBOX, "--config.file=" + cfg,
                             "--web.listen-address=127.0.0.1:%d" % port],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 15
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("blackbox exited: " + proc.stderr.read())
        try:
            urllib.request.urlopen("http://127.0.0.1:%d/-/healthy" % port, timeout=1).read()
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("blackbox did not start")


def blackbox_success(port, module, target):
    q = urllib.parse.urlencode({"module": module, "target": target, "debug": "true"})
    body = urllib.request.urlopen("http://127.0.0.1:%d/probe?%s" % (port, q), timeout=10).read()
    text = body.decode()
    for line in text.splitlines():
        if line.startswith("probe_success "):
            return line.split()[1] == "1", text
    raise RuntimeError("no probe_success for %s: %s" % (module, text[:500]))


def main():
    driver = sys.argv[1]
    if shutil.which(BLACKBOX) is None:
        print("SKIP: %s not installed" % BLACKBOX)
        return 0
    failures, differences = [], []
    with fixtures.Fixtures() as fx:
        case_list = fixtures.cases(fx)
        config = fx.path("probes.yaml")
        fixtures.write_config(config, case_list)
        ours = {}
        for line in fixtures.run_driver(driver, config, "--once").splitlines():
            r = json.loads(line)
            ours[r["probe"]] = r
        modules = {c.name: c.bb_module for c in case_list if c.bb_none is None}
        proc, port = start_blackbox(fx, modules)
        try:
            with concurrent.futures.ThreadPoolExecutor(16) as pool:
                futures = {c.name: pool.submit(blackbox_success, port, c.name, c.bb_target)
                           for c in case_list if c.bb_none is None}
                theirs = {name: f.result() for name, f in futures.items()}
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        for c in case_list:
            mine = ours[c.name]["success"]
            if c.bb_none is not None:
                differences.append("%s: ninesd %s; not compared: %s" % (c.name, mine, c.bb_none))
                continue
            bb, debug = theirs[c.name]
            print("%-28s ninesd=%-5s blackbox=%-5s %s" % (c.name, mine, bb,
                                                           "" if mine == bb else "DIFFERENT"))
            if mine != bb:
                failures.append("%s: ninesd success=%s (%s), blackbox success=%s\n%s" % (
                    c.name, mine, ours[c.name]["reason"], bb,
                    "\n".join(l for l in debug.splitlines() if "level=" in l)[-1500:]))
    print("intended differences (options blackbox lacks):\n  " + "\n  ".join(differences))
    if failures:
        print("FAILED:\n" + "\n".join(failures))
        return 1
    print("ok: %d cases agree" % (len(case_list) - len(differences)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
