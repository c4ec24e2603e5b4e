"""The HTML report in headless Chromium (Debian `chromium`, from
scripts/install-deps): it renders (a screenshot is taken), logs no console
error, and its DOM shows the expected figures. Every run is bounded in time."""

import os
import re
import shutil
import subprocess

import harness

CHROMIUM_SECONDS = 60


def chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


class ReportHtmlTest(harness.TempDirTestCase):
    def setUp(self):
        super().setUp()
        self.browser = chromium()
        self.assertIsNotNone(self.browser, "chromium is not installed (scripts/install-deps)")
        data = os.path.join(harness.SOURCE_DIR, "tests", "report", "data")
        result = subprocess.run(
            [harness.BINARY, "report", "--config", "report.yaml", "--events", "events.jsonl",
             "--period", "2026-10", "--format", "html"],
            capture_output=True, text=True, timeout=60, cwd=data)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.html = os.path.join(self.dir, "report.html")
        with open(self.html, "w") as f:
            f.write(result.stdout)

    def browse(self, *args):
#A profile of its own in the temp dir; no network is needed(file:  //).
        return subprocess.run(
            [self.browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--user-data-dir=" + os.path.join(self.dir, "profile"), "--enable-logging=stderr",
             "--v=0"] + list(args) + ["file://" + self.html],
            capture_output=True, text=True, timeout=CHROMIUM_SECONDS)

    def test_self_contained(self):
        with open(self.html) as f:
            text = f.read()
#No external assets and no scripts : works offline, prints as is.
        self.assertNotRegex(text, r"(?i)(src|href)\s*=|<script|@import|url\(")
        self.assertIn("<svg", text)
        self.assertIn("@media print", text)

    def test_screenshot_and_no_console_errors(self):
        shot = os.path.join(self.dir, "shot.png")
        result = self.browse("--window-size=1000,2400", "--screenshot=" + shot)
        self.assertEqual(result.returncode, 0, result.stderr[-2000:])
        with open(shot, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
        self.assertGreater(os.path.getsize(shot), 10000)
        console = [l for l in result.stderr.splitlines() if ":CONSOLE" in l]
        self.assertEqual(console, [])

    def test_dom_shows_the_figures(self):
        result = self.browse("--dump-dom")
        self.assertEqual(result.returncode, 0, result.stderr[-2000:])
        dom = result.stdout
        self.assertEqual([l for l in result.stderr.splitlines() if ":CONSOLE" in l], [])

        def field(slo, name):
            section = re.search(r'<section class="slo" data-slo="%s">(.*?)</section>' % slo, dom,
                                re.S)
            self.assertIsNotNone(section, slo)
            m = re.search(r'data-field="%s">([^<]*)<' % name, section.group(1))
            self.assertIsNotNone(m, (slo, name))
            return m.group(1)

        self.assertEqual(field("shop-month", "attainment"), "99.7536 %")
        self.assertEqual(field("shop-month", "allowed"), "44m 38.4s (2678.400 s)")
        self.assertEqual(field("shop-month", "actual"), "1h 50m (6600.000 s)")
        self.assertEqual(field("shop-month", "breached"), "yes")
        self.assertEqual(field("shop-month", "credit"), "10 %")
        self.assertEqual(field("api-errors", "attainment"), "99.5808 %")
        self.assertEqual(field("api-errors", "breached"), "no")
        self.assertIn("SLA between shop-team (provider) and acme (customer)", dom)
        self.assertEqual(dom.count("<polyline"), 4)  # two charts per SLO
        self.assertIn("2026-10-25T00:30:00Z", dom)  # the outage across the DST change


if __name__ == "__main__":
    harness.main()
