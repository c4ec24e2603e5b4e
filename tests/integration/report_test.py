"""`ninesd report` on the fixture in tests/report/data: md/json/csv equal the
expected files, the figures equal `replay`'s for a rolling window of the
period's length at its end, `calc` on the real binary, and bad input."""

import json
import os
import re
import subprocess

import harness


def run(*args, cwd=None, timeout=60):
    return subprocess.run([harness.BINARY] + list(args), capture_output=True, text=True,
                          timeout=timeout, cwd=cwd)


def data_dir():
    return os.path.join(harness.SOURCE_DIR, "tests", "report", "data")


def report(*extra):
    return run("report", "--config", "report.yaml", "--events", "events.jsonl", *extra,
               cwd=data_dir())


class ReportGoldenTest(harness.TempDirTestCase):
    def test_outputs_equal_the_expected_files(self):
        for fmt in ("md", "json", "csv"):
            with self.subTest(format=fmt):
                result = report("--period", "2026-10", "--format", fmt)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual(result.stderr, "")
                with open(os.path.join(data_dir(), "expected-2026-10." + fmt)) as f:
                    self.assertEqual(result.stdout, f.read())

    def test_figures_equal_replay_over_the_same_period(self):
#Replay with each SLO 's window set to the period' s length(745 hours:
#October in Berlin, clocks back on the 25th), evaluated at its end.
        got = json.loads(report("--period", "2026-10", "--format", "json").stdout)
        with open(os.path.join(data_dir(), "report.yaml")) as f:
            text = f.read()
        text = text.replace("window: month", "window: 745h")
        text = re.sub(r"\n\s*time_zone: Europe/Berlin", "", text)
        config = os.path.join(self.dir, "rolling.yaml")
        with open(config, "w") as f:
            f.write(text)
        result = run("replay", "--config", config, "--events",
                     os.path.join(data_dir(), "events.jsonl"), "--at", "2026-10-31T23:00:00Z")
        self.assertEqual(result.returncode, 0, result.stderr)
        replayed = {s["name"]: s for s in json.loads(result.stdout)["slos"]}
        self.assertEqual(len(got["slos"]), 2)
        for s in got["slos"]:
            r = replayed[s["name"]]
            self.assertEqual(s["to"], r["window_end"])
            self.assertEqual(s["from"], r["window_start"])
            for field, theirs in (("good", "good"), ("bad", "bad"), ("excluded", "excluded"),
                                  ("unknown", "unknown"), ("attainment", "attainment"),
                                  ("allowed", "budget_total"), ("actual", "budget_consumed"),
                                  ("budget_remaining_ratio", "budget_remaining_ratio"),
                                  ("breached", "breached")):
                self.assertEqual(s[field], r[theirs], "%s %s" % (s["name"], field))

    def test_month_boundary_outage_is_split_between_the_months(self):
        october = json.loads(report("--period", "2026-10", "--format", "json").stdout)
        november = json.loads(report("--period", "2026-11", "--format", "json").stdout)
        last = october["slos"][0]["outages"][-1]
        first = november["slos"][0]["outages"][0]
        self.assertEqual((last["start"], last["end"], last["ongoing_at_end"]),
                         ("2026-10-31T22:30:00Z", "2026-10-31T23:00:00Z", True))
        self.assertEqual((first["start"], first["end"], first["began_earlier"]),
                         ("2026-10-31T23:00:00Z", "2026-11-01T00:30:00Z", True))
        self.assertEqual(last["duration_seconds"] + first["duration_seconds"], 2 * 3600)

    def test_explicit_range_and_slo_selection(self):
        result = report("--from", "2026-10-25T00:00:00Z", "--to", "2026-10-26T00:00:00Z",
                        "--slo", "shop-month", "--format", "json")
        self.assertEqual(result.returncode, 0, result.stderr)
        got = json.loads(result.stdout)
        self.assertEqual([s["name"] for s in got["slos"]], ["shop-month"])
        s = got["slos"][0]
        self.assertEqual(s["bad"], 3600)
        self.assertEqual(s["good"], 86400 - 3600)
        self.assertEqual(s["allowed"], 86.4)
#Two chart points : local midnight(23 : 00Z after the change) and the end.
        self.assertEqual([p["at"] for p in s["series"]],
                         ["2026-10-25T23:00:00Z", "2026-10-26T00:00:00Z"])

    def test_quarter_contains_the_month(self):
        got = json.loads(report("--period", "2026-Q4", "--format", "json").stdout)
        s = got["slos"][0]
        self.assertEqual((s["from"], s["to"]), ("2026-09-30T22:00:00Z", "2026-12-31T23:00:00Z"))
        self.assertEqual(s["bad"], 900 + 300 + 3600 + 7200)

    def test_bad_input_is_a_clear_error(self):
        cases = [
            (("--period", "2026-13"), "expected YYYY-MM, YYYY-QN or YYYY"),
            (("--period", "2026-10", "--slo", "nope"), "no SLO named \"nope\""),
            (("--period", "2026-10", "--from", "2026-10-01T00:00:00Z"), "either --period or"),
            (("--from", "2026-10-02T00:00:00Z", "--to", "2026-10-01T00:00:00Z"), "after --from"),
            (("--from", "2026-10-01T00:00:30Z", "--to", "2026-10-02T00:00:00Z", "--slo",
              "api-errors"), "whole minutes"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                result = report(*args)
                self.assertEqual(result.returncode, 1, result.stdout)
                self.assertIn(message, result.stderr)
        missing = run("report", "--config", "report.yaml", "--events", "missing.jsonl",
                      "--period", "2026-10", cwd=data_dir())
        self.assertEqual(missing.returncode, 1)
        self.assertIn("cannot open missing.jsonl", missing.stderr)
        # Without --events the daemon's stored history is read: none here.
        state = os.path.join(self.dir, "none.db")
        no_history = run("report", "--config", "report.yaml", "--state", state, "--period",
                         "2026-10", cwd=data_dir())
        self.assertEqual(no_history.returncode, 1)
        self.assertIn("state file %s does not exist" % state, no_history.stderr)
        both = run("report", "--config", "report.yaml", "--state", state, "--events",
                   "events.jsonl", "--period", "2026-10", cwd=data_dir())
        self.assertEqual(both.returncode, 1)
        self.assertIn("--events or --state, not both", both.stderr)

    def test_rejected_lines_are_listed_and_exit_3(self):
        events = os.path.join(self.dir, "events.jsonl")
        with open(os.path.join(data_dir(), "events.jsonl")) as f:
            lines = f.readlines()
        with open(events, "w") as f:
            f.writelines(lines[:3] + ["{not json\n"] + lines[3:])
        result = run("report", "--config", os.path.join(data_dir(), "report.yaml"), "--events",
                     events, "--period", "2026-10", "--format", "csv")
        self.assertEqual(result.returncode, 3)
        self.assertIn(events + ":4: rejected: bad_json", result.stderr)


class CalcCommandTest(harness.TempDirTestCase):
    def test_nines_and_design_on_the_binary(self):
        result = run("calc", "nines", "99.95")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("year (365d)       4h 22m 48s          15768", result.stdout)
        design = os.path.join(harness.SOURCE_DIR, "config", "examples", "designs", "web-db.yaml")
        result = run("calc", "design", design, "--target", "99.99")
        self.assertEqual(result.returncode, 3, result.stderr)
        self.assertIn("availability 99.9499 %", result.stdout)
        self.assertIn("improve db from 99.95 % to at least 99.9901 %", result.stdout)
        bad = os.path.join(self.dir, "bad.yaml")
        with open(bad, "w") as f:
            f.write("design:\n  series: [{component: a}]\n")
        result = run("calc", "design", bad)
        self.assertEqual(result.returncode, 1)
        self.assertRegex(result.stderr, r"^%s:2:24: component \"a\": no availability" %
                         re.escape(bad))


if __name__ == "__main__":
    harness.main()
