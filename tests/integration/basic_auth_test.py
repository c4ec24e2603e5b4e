"""Basic auth on the HTTP endpoint (RELIABILITY.md M2): 401 without or with
wrong credentials, 200 with the right ones; /healthz stays open."""

import hashlib
import os

import harness
from harness import http_request


class BasicAuthTest(harness.TempDirTestCase):
    def setUp(self):
        super().setUp()
        digest_file = os.path.join(self.dir, "metrics-password.sha256")
        with open(digest_file, "w") as f:
            # The format `printf %s PASSWORD | sha256sum` writes.
            f.write(hashlib.sha256(b"s3cret pass").hexdigest() + "  -\n")
        self.port = harness.free_port()
        config = os.path.join(self.dir, "ninesd.yaml")
        harness.write_config(
            config, self.port, os.path.join(self.dir, "state"),
            server_extra="  basic_auth: {user: prometheus, password_sha256_file: %s}\n"
            % digest_file)
        self.daemon = self.start(config)
        harness.wait_serving(self.port)

    def test_metrics_needs_credentials(self):
        status, headers, _ = http_request(self.port, "GET", "/metrics")
        self.assertEqual(status, 401)
        self.assertEqual(headers.get("www-authenticate"), 'Basic realm="ninesd"')

    def test_wrong_credentials_are_401(self):
        for user, password in (("prometheus", "s3cret"), ("prometheus", ""),
                               ("admin", "s3cret pass"), ("", "s3cret pass")):
            status = http_request(self.port, "GET", "/metrics", user=user, password=password)[0]
            self.assertEqual(status, 401, (user, password))

    def test_right_credentials_are_200(self):
        status, _, body = http_request(self.port, "GET", "/metrics", user="prometheus",
                                       password="s3cret pass")
        self.assertEqual(status, 200)
        self.assertIn("ninesd_build_info", body)

    def test_healthz_stays_open(self):
        self.assertEqual(http_request(self.port, "GET", "/healthz")[0], 200)

    def test_unreadable_digest_file_is_fatal_at_start(self):
        port = harness.free_port()
        config = os.path.join(self.dir, "broken.yaml")
        harness.write_config(
            config, port, os.path.join(self.dir, "state-2"),
            server_extra="  basic_auth: {user: prometheus, password_sha256_file: %s/nope}\n"
            % self.dir)
        daemon = self.start(config, name="broken")
        self.assertEqual(daemon.wait(timeout=10), 1)
        lines = harness.nonempty_lines(daemon.stderr())
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("%s/nope" % self.dir, lines[0])


if __name__ == "__main__":
    harness.main()
