"""systemd/ninesd.service: `systemd-analyze verify` passes and the offline
security exposure is at most 2.0. Works without systemd as PID 1:
`verify --man=no` and `security --offline=true` read only the unit file."""

import os
import re
import shutil
import subprocess

import harness

MAX_EXPOSURE = 2.0


class SystemdUnitTest(harness.TempDirTestCase):
    def setUp(self):
        super().setUp()
        self.analyze = shutil.which("systemd-analyze")
        self.assertIsNotNone(self.analyze, "systemd-analyze not installed (Debian package systemd)")
        with open(os.path.join(harness.SOURCE_DIR, "systemd", "ninesd.service")) as f:
            self.unit_text = f.read()
        # verify checks that ExecStart= binaries exist: point them at the build.
        self.unit = os.path.join(self.dir, "ninesd.service")
        with open(self.unit, "w") as f:
            f.write(self.unit_text.replace("/usr/bin/ninesd", harness.BINARY))

    def test_unit_runs_the_installed_binary_and_config(self):
        self.assertIn("\nExecStart=/usr/bin/ninesd run --config /etc/ninesd/ninesd.yaml\n",
                      self.unit_text)
        self.assertIn("\nExecStartPre=/usr/bin/ninesd check-config /etc/ninesd/ninesd.yaml\n",
                      self.unit_text)
        self.assertIn("\nType=notify\n", self.unit_text)

    def test_installed_config_keeps_state_under_var_lib(self):
        # config/examples/default.yaml is installed as /etc/ninesd/ninesd.yaml.
        with open(os.path.join(harness.SOURCE_DIR, "config", "examples", "default.yaml")) as f:
            text = f.read()
        match = re.search(r"^state:\s*\n(?:[ \t]+.*\n)*?[ \t]+path:\s*([^\s#]+)", text, re.M)
        path = match.group(1).strip("\"'") if match else "state/ninesd.db"  # the default
        if not path.startswith("/"):
            working = re.search(r"^WorkingDirectory=(.+)$", self.unit_text, re.M)
            self.assertIsNotNone(working, "relative state.path needs WorkingDirectory=")
            path = os.path.normpath(os.path.join(working.group(1), path))
        self.assertTrue(path.startswith("/var/lib/ninesd/"), path)

    def test_verify_passes(self):
        result = subprocess.run([self.analyze, "verify", "--man=no", self.unit],
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(result.stdout + result.stderr, "")

    def test_security_exposure_at_most_2(self):
        result = subprocess.run([self.analyze, "security", "--offline=true", "--no-pager",
                                 self.unit], capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        match = re.search(r"Overall exposure level for ninesd\.service: (\d+\.\d+)", result.stdout)
        self.assertIsNotNone(match, result.stdout)
        exposure = float(match.group(1))
        print("systemd-analyze security exposure: %.1f" % exposure)
        self.assertLessEqual(exposure, MAX_EXPOSURE, result.stdout)


if __name__ == "__main__":
    harness.main()
