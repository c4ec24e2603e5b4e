"""HTTP and TCP probes end their connection with a reset (SO_LINGER 0), so
that neither side keeps it in TIME_WAIT: a target on 127.0.0.1 that answers
and then reads on sees ECONNRESET, never a FIN (an empty read)."""

import json
import os
import socket
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures  # noqa: E402


class Target:
    """Accepts one connection at a time; sends `reply` once it has read
    `wait_for` (nothing to wait for: at once), then reads until the peer ends
    the connection and records how: "reset" or "fin"."""

    def __init__(self, reply, wait_for=b""):
        self.reply, self.wait_for = reply, wait_for
        self.endings = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(10)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(10)
            got = b""
            try:
                while self.wait_for and self.wait_for not in got:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    got += chunk
                conn.sendall(self.reply)
                while conn.recv(4096):
                    pass
                self.endings.append("fin")
            except ConnectionResetError:
                self.endings.append("reset")
            except OSError as e:
                self.endings.append("error: %s" % e)

    def ending(self):
        self.thread.join(timeout=15)
        self.sock.close()
        return self.endings[0] if self.endings else "no connection"


def main():
    driver = sys.argv[1]
    http = Target(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                  wait_for=b"\r\n\r\n")
    tcp = Target(b"220 ready\r\n")
    cases = [
        fixtures.Case("http_close", {"type": "http", "url": "http://127.0.0.1:%d/" % http.port,
                                     "timeout": "2s", "interval": "10s"}, True, ""),
        fixtures.Case("tcp_close", {"type": "tcp", "target": "127.0.0.1:%d" % tcp.port,
                                    "timeout": "2s", "interval": "10s",
                                    "query_response": [{"expect": "^220 "}]}, True, ""),
    ]
    with tempfile.TemporaryDirectory() as d:
        config = os.path.join(d, "close.yaml")
        fixtures.write_config(config, cases)
        out = fixtures.run_driver(driver, config, "--once")
    failures = []
    results = [json.loads(line) for line in out.splitlines() if line.strip()]
    for r in results:
        if not r["success"]:
            failures.append("%s failed: %s %s" % (r["probe"], r["reason"], r["detail"]))
    if len(results) != 2:
        failures.append("want 2 results: " + out)
    for name, target in (("http", http), ("tcp", tcp)):
        ending = target.ending()
        print("%s probe: the target saw %s" % (name, ending))
        if ending != "reset":
            failures.append("%s probe ended with %s, want reset" % (name, ending))
    return fixtures.report(failures)


if __name__ == "__main__":
    sys.exit(main())
