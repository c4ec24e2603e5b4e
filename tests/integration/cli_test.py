"""The command line: check-config, version and --help on every command."""

import glob
import os
import re
import subprocess

import harness


def run(*args, timeout=30):
    return subprocess.run([harness.BINARY] + list(args), capture_output=True, text=True,
                          timeout=timeout)


class CheckConfigTest(harness.TempDirTestCase):
    def test_every_example_is_valid(self):
        examples = sorted(glob.glob(os.path.join(harness.SOURCE_DIR, "config", "examples", "*.yaml")))
        self.assertTrue(examples, "no config/examples/*.yaml")
        result = run("check-config", *examples)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.splitlines(), ["%s: ok" % f for f in examples])
        self.assertEqual(result.stderr, "")

    def test_bad_file_prints_file_line_col_and_exits_1(self):
        good = os.path.join(self.dir, "good.yaml")
        bad = os.path.join(self.dir, "bad.yaml")
        harness.write_config(good, 9929, "/var/lib/ninesd")
        harness.write_config(bad, 9929, "/var/lib/ninesd", objective="101")
        with open(bad, "a") as f:
            f.write("unknown_section: 1\n")
        result = run("check-config", good, bad)
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stdout.splitlines(), ["%s: ok" % good])
        lines = harness.nonempty_lines(result.stderr)
        self.assertGreaterEqual(len(lines), 2, lines)
        for line in lines:
            match = harness.DIAGNOSTIC.match(line)
            self.assertIsNotNone(match, line)
            self.assertEqual(match.group("file"), bad)
            self.assertGreater(int(match.group("line")), 0)
            self.assertGreater(int(match.group("col")), 0)
        print("\n".join(lines))

    def test_missing_file_exits_1(self):
        result = run("check-config", os.path.join(self.dir, "nope.yaml"))
        self.assertEqual(result.returncode, 1)
        self.assertIn("nope.yaml", result.stderr)

    def test_no_file_is_a_usage_error(self):
        result = run("check-config")
        self.assertNotEqual(result.returncode, 0)
        self.assertEqual(len(harness.nonempty_lines(result.stderr)), 1, result.stderr)


class VersionTest(harness.TempDirTestCase):
    def test_prints_ninesd_and_library_versions(self):
        result = run("version")
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = result.stdout.splitlines()
        print("\n".join(lines))
        self.assertRegex(lines[0], r"^ninesd \d+\.\d+\.\d+")
        versions = dict(line.split(" ", 1) for line in lines[1:])
        for library in ("librdkafka", "prometheus-cpp", "civetweb", "asio", "spdlog", "sqlite",
                        "libyaml", "simdjson", "openssl"):
            self.assertIn(library, versions)
            self.assertRegex(versions[library], r"^\d+\.\d+(\.\d+)?", library)
        self.assertEqual(versions["prometheus-cpp"], "1.0.1")


class HelpTest(harness.TempDirTestCase):
    def test_help_on_every_command(self):
        for command in ([], ["run"], ["check-config"], ["version"], ["replay"]):
            result = run(*command, "--help")
            self.assertEqual(result.returncode, 0, (command, result.stderr))
            self.assertIn("Usage: ninesd", result.stdout, command)
        self.assertIn("--log-level", run("run", "--help").stdout)
        replay_help = run("replay", "--help").stdout
        for option in ("--config", "--events", "--at", "--format"):
            self.assertIn(option, replay_help)

    def test_unknown_command_is_one_line(self):
        result = run("frobnicate")
        self.assertNotEqual(result.returncode, 0)
        self.assertEqual(len(harness.nonempty_lines(result.stderr)), 1, result.stderr)

    def test_bad_log_level_is_rejected(self):
        result = run("run", "--config", "x.yaml", "--log-level", "loud")
        self.assertNotEqual(result.returncode, 0)
        self.assertEqual(len(harness.nonempty_lines(result.stderr)), 1, result.stderr)


if __name__ == "__main__":
    harness.main()
