"""Shared helpers for the integration tests: they start the real `ninesd`
binary on 127.0.0.1 in a temporary directory and talk to it over HTTP and the
sd_notify socket. Python 3 standard library only; every wait has a deadline.

Each test script is run by ctest as: python3 SCRIPT NINESD_BINARY SOURCE_DIR
"""

import base64
import http.client
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

BINARY = None
SOURCE_DIR = None


def main():
    """Takes the binary and source dir off argv, then runs the unittest cases."""
    global BINARY, SOURCE_DIR
    if len(sys.argv) < 3:
        sys.exit("usage: %s NINESD_BINARY SOURCE_DIR [unittest args]" % sys.argv[0])
    BINARY = os.path.abspath(sys.argv[1])
    SOURCE_DIR = os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0]] + sys.argv[3:], verbosity=2)


def free_port():
    """A port that was free a moment ago (bound to port 0 and read back)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, what):
    """Polls predicate() until it is truthy; fails the test after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1f s waiting for %s" % (timeout, what))
        time.sleep(0.02)


def write_config(path, port, state_dir, objective="99.9", server_extra=""):
    with open(path, "w") as f:
        f.write(
            'server:\n'
            '  listen: "127.0.0.1:%d"\n'
            '%s'
            'state:\n'
            '  path: %s/ninesd.db\n'
            'services:\n'
            '  - name: web\n'
            '  - name: api\n'
            'slos:\n'
            '  - {name: web-availability, service: web, kind: availability, objective: %s, window: 30d}\n'
            '  - {name: api-errors, service: api, kind: ratio, objective: 99.9, window: 7d}\n'
            % (port, server_extra, state_dir, objective))


class NotifySocket:
    """The service manager's end of sd_notify(3): an AF_UNIX datagram socket."""

    def __init__(self, directory):
        self.path = os.path.join(directory, "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.messages = []  # (monotonic time, {key: value}) in arrival order

    def close(self):
        self.sock.close()

    def _drain(self, timeout):
        readable, _, _ = select.select([self.sock], [], [], timeout)
        while readable:
            data = self.sock.recv(4096).decode()
            fields = dict(line.split("=", 1) for line in data.split("\n") if "=" in line)
            self.messages.append((time.monotonic(), fields))
            readable, _, _ = select.select([self.sock], [], [], 0)

    def wait_for(self, key, value, timeout, after=0):
        """The first message (index >= after) with key=value; waits up to timeout s."""
        deadline = time.monotonic() + timeout
        while True:
            for i in range(after, len(self.messages)):
                if self.messages[i][1].get(key) == value:
                    return i, self.messages[i][1]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("no %s=%s within %.1f s; got %r"
                                     % (key, value, timeout, [m for _, m in self.messages]))
            self._drain(min(remaining, 0.05))

    def count(self, key, value, after=0):
        self._drain(0)
        return sum(1 for _, m in self.messages[after:] if m.get(key) == value)


class Daemon:
    """One `ninesd run` process with its stderr captured to a file."""

    def __init__(self, config, directory, env=None, name="ninesd", journal=False):
        self.stderr_path = os.path.join(directory, name + ".stderr")
        self.stderr_file = open(self.stderr_path, "w")
        full_env = dict(os.environ)
        for key in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM"):
            full_env.pop(key, None)
        if journal:
            # What systemd sets when stderr is connected to the journal.
            st = os.fstat(self.stderr_file.fileno())
            full_env["JOURNAL_STREAM"] = "%d:%d" % (st.st_dev, st.st_ino)
        full_env.update(env or {})
        self.proc = subprocess.Popen([BINARY, "run", "--config", config],
                                     stdout=subprocess.DEVNULL, stderr=self.stderr_file,
                                     env=full_env, cwd=directory)

    @property
    def pid(self):
        return self.proc.pid

    def signal(self, signo):
        self.proc.send_signal(signo)

    def wait(self, timeout):
        """Exit code, or fails the test when still running after timeout s."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError("ninesd still running after %.1f s" % timeout)

    def stderr(self):
        self.stderr_file.flush()
        with open(self.stderr_path) as f:
            return f.read()

    def stop(self):
        """Cleanup: SIGTERM, then SIGKILL if it does not go."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr_file.close()


def wait_serving(port, timeout=10):
    """Polls /healthz until it answers 200."""
    def ok():
        try:
            return http_request(port, "GET", "/healthz")[0] == 200
        except OSError:
            return False
    wait_until(ok, timeout, "127.0.0.1:%d/healthz" % port)


def http_request(port, method, path, user=None, password=None, timeout=5):
    """(status, headers dict with lower-case names, body text)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {}
    if user is not None:
        token = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
        headers["Authorization"] = "Basic " + token
    try:
        conn.request(method, path, headers=headers)
        response = conn.getresponse()
        body = response.read().decode()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()


def parse_metrics(text):
    """{'name{labels}': float} from text format 0.0.4."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        key, value = line.rsplit(" ", 1)
        samples[key] = float(value)
    return samples


def nonempty_lines(text):
    return [line for line in text.splitlines() if line.strip()]


class TempDirTestCase(unittest.TestCase):
    """A fresh temporary directory per test, removed afterwards."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ninesd-it-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)

    def start(self, config, env=None, name="ninesd", journal=False):
        daemon = Daemon(config, self.dir, env=env, name=name, journal=journal)
        self.addCleanup(daemon.stop)
        return daemon


DIAGNOSTIC = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<message>.+)$")
