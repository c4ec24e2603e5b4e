#!/usr/bin/env python3
"""The ecosystem files in docs/ stay valid and in step with the code.

- docs/prometheus/ninesd-rules.yml passes `promtool check rules` and its unit
  tests (`promtool test rules`);
- docs/alertmanager/alertmanager.yml passes `amtool check-config` and routes
  page, ticket and SLA alerts to the intended receivers;
- docs/grafana/ninesd-slo-dashboard.json is valid JSON whose queries parse
  (checked by promtool as recording rules);
- every ninesd_* metric these files name is one the code exports.

Usage: ecosystem_test.py SOURCE_DIR
"""
import json
import os
import re
import subprocess
import sys
import tempfile

SRC = sys.argv[1]
DOCS = os.path.join(SRC, "docs")
failures = []


def run(args, cwd=None):
    p = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


rules = os.path.join(DOCS, "prometheus", "ninesd-rules.yml")
rc, out = run(["promtool", "check", "rules", rules])
check(rc == 0, "promtool check rules ninesd-rules.yml\n" + out)
rc, out = run(["promtool", "test", "rules", "ninesd-rules.test.yml"],
              cwd=os.path.join(DOCS, "prometheus"))
check(rc == 0, "promtool test rules ninesd-rules.test.yml\n" + out)

am = os.path.join(DOCS, "alertmanager", "alertmanager.yml")
rc, out = run(["amtool", "check-config", am])
check(rc == 0, "amtool check-config alertmanager.yml\n" + out)
for labels, receivers in [
    (["severity=page", "alertname=ErrorBudgetBurn", "slo=checkout"], "pager"),
    (["severity=ticket", "alertname=ErrorBudgetAtRisk", "slo=checkout"], "tickets"),
    (["severity=page", "agreement=sla", "slo=checkout"], "account-managers,pager"),
]:
    rc, out = run(["amtool", "config", "routes", "test", "--config.file=" + am,
                   "--verify.receivers=" + receivers] + labels)
    check(rc == 0, "route %s -> %s\n%s" % (" ".join(labels), receivers, out))

dash_path = os.path.join(DOCS, "grafana", "ninesd-slo-dashboard.json")
with open(dash_path) as f:
    dash = json.load(f)
ids = [p["id"] for p in dash["panels"]]
check(len(ids) == len(set(ids)), "dashboard panel ids are unique")
exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
exprs += [v["query"]["query"] for v in dash["templating"]["list"] if v["type"] == "query"]
check(all(exprs), "every dashboard target has a query")

# Dashboard queries parse: promtool checks them as recording rules. Template
# variables become plain regexes; label_values() is Grafana's, not PromQL.
promql = []
for e in exprs:
    m = re.fullmatch(r"label_values\((.*), *\w+\)", e)
    promql.append((m.group(1) if m else e).replace("$service", ".*").replace("$slo", ".*"))
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "dashboard-rules.yml")
    with open(path, "w") as f:
        f.write("groups:\n  - name: dashboard\n    rules:\n")
        for i, e in enumerate(promql):
            f.write("      - record: dashboard:query_%d\n        expr: %s\n" % (i, json.dumps(e)))
    rc, out = run(["promtool", "check", "rules", path])
    check(rc == 0, "dashboard queries parse\n" + out)

# Metric names in the files exist in the code (export/, daemon/, alerts/).
exported = set()
for folder in ["export", "daemon", "alerts"]:
    d = os.path.join(SRC, folder)
    if not os.path.isdir(d):
        continue
    for name in os.listdir(d):
        if name.endswith(".cc"):
            with open(os.path.join(d, name)) as f:
                exported |= set(re.findall(r'"(ninesd_[a-z_]+)', f.read()))
with open(rules) as f:
    rule_text = f.read()
# Recording rule names (level:metric:operation) are not exported metrics.
used = set(re.findall(r"(?<![:\w])ninesd_[a-z_]+(?!:)", rule_text + "\n".join(exprs)))
missing = sorted(used - exported)
check(not missing, "metrics named in docs are exported by the code: missing %s" % missing)

if failures:
    sys.exit(1)
