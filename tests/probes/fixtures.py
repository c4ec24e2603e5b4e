"""Fixture targets on 127.0.0.1 for the probe tests, the blackbox parity test
and the benchmarks: HTTP(S) endpoints for every case, TLS certificates made
with openssl at start, a TCP banner server, dnsmasq and a DNS rcode fixture.
Everything binds port 0 (or a free port) and stops with the context."""

import http.server
import json
import os
import shutil
import socket
import socketserver
import ssl
import struct
import subprocess
import tempfile
import threading
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_body(self, code, body, headers=()):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.close_connection = True

    def do_HEAD(self):
        self.do_GET()

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n).decode(errors="replace")
        self.send_body(200, "echo " + body)

    def do_GET(self):
        p = self.path
        try:
            if p == "/ok":
                self.send_body(200, "ok body\n")
            elif p.startswith("/status/"):
                self.send_body(int(p.split("/")[2]), "status\n")
            elif p == "/delay":
                time.sleep(0.5)
                self.send_body(200, "late ok\n")
            elif p == "/slowfirst":
                time.sleep(3)
                self.send_body(200, "too late\n")
            elif p == "/hang":
                time.sleep(30)
            elif p == "/drip":
                self.send_response(200)
                self.send_header("Content-Length", "100")
                self.send_header("Connection", "close")
                self.end_headers()
                for _ in range(100):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.5)
            elif p == "/huge":
                # Endless chunked body up to 1 GiB: only a cap in the client stops it.
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.send_header("Connection", "close")
                self.end_headers()
                chunk = b"y" * 65536
                frame = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
                for _ in range((1 << 30) // len(chunk)):
                    self.wfile.write(frame)
                self.wfile.write(b"0\r\n\r\n")
            elif p == "/loop":
                self.send_body(302, "", [("Location", "/loop")])
            elif p == "/redirect":
                self.send_body(302, "", [("Location", "/ok")])
            elif p == "/close":
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n")
                self.wfile.flush()
                self.close_connection = True
            elif p == "/header":
                self.send_body(200, "with header\n", [("X-Fixture", "alpha")])
            elif p == "/error-body":
                self.send_body(200, "Internal Error happened\n")
            else:
                self.send_body(404, "not found\n")
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            self.close_connection = True


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_certs(d):
    """CA, and leaves: valid (localhost/127.0.0.1), expired, wrong host, self-signed."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj",
            "/CN=ninesd test CA", "-keyout", "ca.key", "-out", "ca.pem", cwd=d)

    def leaf(name, san, days):
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write("subjectAltName=" + san + "\n")
        openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + name,
                "-keyout", name + ".key", "-out", name + ".csr", cwd=d)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-days", str(days), "-extfile", name + ".ext",
                "-out", name + ".pem", cwd=d)

    leaf("valid", "DNS:localhost,IP:127.0.0.1,IP:::1", 30)
    leaf("expired", "DNS:localhost,IP:127.0.0.1", -1)
    leaf("wronghost", "DNS:wrong.example", 30)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj",
            "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", "selfsigned.key", "-out", "selfsigned.pem", cwd=d)


class Banner(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class BannerHandler(socketserver.StreamRequestHandler):
    def handle(self):
        try:
            self.wfile.write(b"220 fixture ready\r\n")
            for line in self.rfile:
                cmd = line.strip()
                if cmd == b"PING":
                    self.wfile.write(b"+PONG\r\n")
                elif cmd == b"QUIT":
                    self.wfile.write(b"221 bye\r\n")
                    return
                else:
                    self.wfile.write(b"500 what\r\n")
        except OSError:
            pass


def dns_rcode_fixture(sock, rcode, stop):
    """Answers every query with `rcode` (None: never answers)."""
    sock.settimeout(0.2)
    while not stop.is_set():
        try:
            data, addr = sock.recvfrom(512)
        except socket.timeout:
            continue
        except OSError:
            return
        if rcode is None or len(data) < 12:
            continue
        flags = 0x8000 | 0x0100 | 0x0080 | rcode
        sock.sendto(data[:2] + struct.pack(">H", flags) + data[4:6] + b"\0\0\0\0\0\0" + data[12:],
                    addr)


class Fixtures:
    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="ninesd-probes-")
        self.servers = []
        self.procs = []
        self.stop_event = threading.Event()
        make_certs(self.dir)
        self.http = self._serve(Server(("127.0.0.1", 0), Handler))
        self.https = {}
        for name in ["valid", "expired", "wronghost", "selfsigned"]:
            srv = Server(("127.0.0.1", 0), Handler)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(self.path(name + ".pem"), self.path(name + ".key"))
            srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
            self.https[name] = self._serve(srv)
        self.banner = self._serve(Banner(("127.0.0.1", 0), BannerHandler))
        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))
        self.closed = closed.getsockname()[1]
        closed.close()
        self.dns = free_port()
        self.procs.append(subprocess.Popen(
            ["dnsmasq", "--no-daemon", "--port=%d" % self.dns, "--listen-address=127.0.0.1",
             "--bind-interfaces", "--no-resolv", "--no-hosts", "--pid-file=", "--user=root",
             "--address=/ok.test/127.0.0.1", "--address=/nx.test/",
             "--txt-record=txt.test,hello"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        self.dns_rcode = {}
        for name, rcode in [("servfail", 2), ("silent", None)]:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", 0))
            self.dns_rcode[name] = s.getsockname()[1]
            t = threading.Thread(target=dns_rcode_fixture, args=(s, rcode, self.stop_event),
                                 daemon=True)
            t.start()
            self.servers.append(s)
        self._wait_dns()
        return self

    def _wait_dns(self):
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.dns), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("dnsmasq did not start")

    def _serve(self, srv):
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        self.servers.append(srv)
        return srv.server_address[1]

    def path(self, name):
        return os.path.join(self.dir, name)

    def __exit__(self, *exc):
        self.stop_event.set()
        for p in self.procs:
            p.terminate()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
        for s in self.servers:
            if not isinstance(s, socket.socket):
                s.shutdown()
                s.server_close()
            else:
                s.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class Case:
    """One probe case: the ninesd probe, the expected result, and the blackbox
    module and target that mean the same (None with a reason when blackbox has
    no equivalent option)."""

    def __init__(self, name, probe, success, reason, bb_module=None, bb_target=None,
                 bb_none=None):
        self.name, self.probe, self.success, self.reason = name, probe, success, reason
        self.bb_module, self.bb_target, self.bb_none = bb_module, bb_target, bb_none


def icmp_allowed():
    """Root (raw sockets; CAP_NET_RAW assumed) or a group in ping_group_range."""
    if os.geteuid() == 0:
        return True
    try:
        lo, hi = map(int, open("/proc/sys/net/ipv4/ping_group_range").read().split())
    except OSError:
        return False
    return any(lo <= g <= hi for g in [os.getegid(), *os.getgroups()])


def cases(fx):
    h = "http://127.0.0.1:%d" % fx.http
    ca = fx.path("ca.pem")
    out = []

    def http(name, path, success, reason, extra=None, bb=None, base=None, bb_none=None):
        url = (base or h) + path
        probe = {"type": "http", "url": url, "timeout": "1s", "interval": "10s"}
        probe.update(extra or {})
        module = {"prober": "http", "timeout": "1s",
                  "http": {"preferred_ip_protocol": "ip4", "ip_protocol_fallback": False}}
        module["http"].update(bb or {})
        out.append(Case(name, probe, success, reason, module, url, bb_none))

    http("http_ok", "/ok", True, "")
    http("http_status_500", "/status/500", False, "status_code")
    http("http_status_404_valid", "/status/404", True, "", {"expect": {"status": [404]}},
         {"valid_status_codes": [404]})
    http("http_slow_first_byte", "/slowfirst", False, "timeout")
    http("http_hang", "/hang", False, "timeout")
    http("http_slow_drip", "/drip", False, "timeout")
    http("http_huge_body", "/huge", False, "body_too_large", {"max_body_bytes": 1048576},
         {"body_size_limit": "1MiB"})
    http("http_redirect_loop", "/loop", False, "redirect_loop")
    http("http_redirect", "/redirect", True, "")
    http("http_redirect_not_followed", "/redirect", False, "status_code",
         {"follow_redirects": False}, {"follow_redirects": False})
    http("http_closed_mid_header", "/close", False, "incomplete_headers")
    http("http_body_matches", "/error-body", False, "body_matched",
         {"expect": {"fail_if_body_matches_regexp": ["Internal Error"]}},
         {"fail_if_body_matches_regexp": ["Internal Error"]})
    http("http_body_not_matches_ok", "/ok", True, "",
         {"expect": {"fail_if_body_not_matches_regexp": ["^ok"]}},
         {"fail_if_body_not_matches_regexp": ["^ok"]})
    http("http_body_not_matches_fail", "/ok", False, "body_not_matched",
         {"expect": {"fail_if_body_not_matches_regexp": ["nope"]}},
         {"fail_if_body_not_matches_regexp": ["nope"]})
    http("http_header_not_matches_ok", "/header", True, "",
         {"expect": {"fail_if_header_not_matches": [{"header": "X-Fixture", "regexp": "^al"}]}},
         {"fail_if_header_not_matches": [{"header": "X-Fixture", "regexp": "^al"}]})
    http("http_header_matches_fail", "/header", False, "header_matched",
         {"expect": {"fail_if_header_matches": [{"header": "X-Fixture", "regexp": "alpha"}]}},
         {"fail_if_header_matches": [{"header": "X-Fixture", "regexp": "alpha"}]})
    http("http_not_ssl", "/ok", False, "not_ssl", {"expect": {"fail_if_not_ssl": True}},
         {"fail_if_not_ssl": True})
    http("http_post", "/ok", True, "", {"method": "POST", "body": "hi"},
         {"method": "POST", "body": "hi"})
    http("http_refused", "/", False, "connection_refused",
         base="http://127.0.0.1:%d" % fx.closed)
    http("http_localhost_ip4", "/ok", True, "", {"preferred_ip_protocol": "ip4"},
         base="http://localhost:%d" % fx.http)
    http("http_max_latency", "/delay", False, "too_slow", {"expect": {"max_latency": "200ms"}},
         bb_none="blackbox has no latency ceiling option")
    tls = {"tls_config": {"ca_file": ca}}
    bbtls = {"tls_config": {"ca_file": ca}}
    s = lambda n: "https://127.0.0.1:%d" % fx.https[n]
    http("https_valid", "/ok", True, "", tls, bbtls, base=s("valid"))
    http("https_fail_if_ssl", "/ok", False, "ssl", {**tls, "expect": {"fail_if_ssl": True}},
         {**bbtls, "fail_if_ssl": True}, base=s("valid"))
    http("https_expired", "/ok", False, "cert_expired", tls, bbtls, base=s("expired"))
    http("https_wrong_host", "/ok", False, "cert_name_mismatch", tls, bbtls, base=s("wronghost"))
    http("https_self_signed", "/ok", False, "cert_untrusted", tls, bbtls, base=s("selfsigned"))
    http("https_insecure", "/ok", True, "", {"tls_config": {"insecure_skip_verify": True}},
         {"tls_config": {"insecure_skip_verify": True}}, base=s("selfsigned"))
    sni = lambda name: {"tls_config": {"ca_file": ca, "server_name": name}}
    http("https_server_name", "/ok", True, "", sni("localhost"), sni("localhost"),
         base=s("valid"))
    http("https_server_name_mismatch", "/ok", False, "cert_name_mismatch", sni("other.example"),
         sni("other.example"), base=s("valid"))
    http("https_min_cert_validity", "/ok", False, "cert_expires_soon",
         {**tls, "expect": {"min_cert_validity": "60d"}},
         bb_none="blackbox only exports the expiry; alerting on it is left to rules",
         base=s("valid"))

    def tcp(name, port, success, reason, extra=None, bb=None):
        target = "127.0.0.1:%d" % port
        probe = {"type": "tcp", "target": target, "timeout": "1s", "interval": "10s"}
        probe.update(extra or {})
        module = {"prober": "tcp", "timeout": "1s",
                  "tcp": {"preferred_ip_protocol": "ip4", "ip_protocol_fallback": False}}
        module["tcp"].update(bb or {})
        out.append(Case(name, probe, success, reason, module, target))

    tcp("tcp_connect", fx.banner, True, "")
    tcp("tcp_refused", fx.closed, False, "connection_refused")
    tcp("tcp_banner", fx.banner, True, "", {"query_response": [{"expect": "^220 "}]},
        {"query_response": [{"expect": "^220 "}]})
    tcp("tcp_ping_pong", fx.banner, True, "",
        {"query_response": [{"expect": "^220"}, {"send": "PING", "expect": "^\\+PONG"}]},
        {"query_response": [{"expect": "^220"}, {"send": "PING"}, {"expect": "^\\+PONG"}]})
    tcp("tcp_expect_fails", fx.banner, False, "expect_failed",
        {"query_response": [{"expect": "^220"}, {"send": "QUIT", "expect": "^250"}]},
        {"query_response": [{"expect": "^220"}, {"send": "QUIT"}, {"expect": "^250"}]})
    tcp("tcp_tls_valid", fx.https["valid"], True, "", {"tls": True, **tls},
        {"tls": True, **bbtls})
    tcp("tcp_tls_expired", fx.https["expired"], False, "cert_expired", {"tls": True, **tls},
        {"tls": True, **bbtls})
    tcp("tcp_tls_wrong_host", fx.https["wronghost"], False, "cert_name_mismatch",
        {"tls": True, **tls}, {"tls": True, **bbtls})

    def dns(name, port, qname, success, reason, extra=None, bb=None):
        target = "127.0.0.1:%d" % port
        probe = {"type": "dns", "server": target, "query_name": qname, "timeout": "1s",
                 "interval": "10s"}
        probe.update(extra or {})
        module = {"prober": "dns", "timeout": "1s",
                  "dns": {"query_name": qname, "preferred_ip_protocol": "ip4",
                          "ip_protocol_fallback": False}}
        module["dns"].update(bb or {})
        out.append(Case(name, probe, success, reason, module, target))

    dns("dns_ok", fx.dns, "ok.test", True, "")
    dns("dns_answer_matches", fx.dns, "ok.test", True, "",
        {"validate_answer_rrs": {"fail_if_not_matches_regexp": ["ok\\.test\\.\\t.*\\tIN\\tA\\t127\\.0\\.0\\.1"]}},
        {"validate_answer_rrs": {"fail_if_not_matches_regexp": ["ok\\.test\\.\\t.*\\tIN\\tA\\t127\\.0\\.0\\.1"]}})
    dns("dns_answer_forbidden", fx.dns, "ok.test", False, "answer_rrs",
        {"validate_answer_rrs": {"fail_if_matches_regexp": ["127\\.0\\.0\\.1"]}},
        {"validate_answer_rrs": {"fail_if_matches_regexp": ["127\\.0\\.0\\.1"]}})
    dns("dns_txt", fx.dns, "txt.test", True, "",
        {"query_type": "TXT", "validate_answer_rrs": {"fail_if_not_matches_regexp": ["\"hello\""]}},
        {"query_type": "TXT", "validate_answer_rrs": {"fail_if_not_matches_regexp": ["\"hello\""]}})
    dns("dns_nxdomain", fx.dns, "nx.test", False, "rcode")
    dns("dns_nxdomain_valid", fx.dns, "nx.test", True, "", {"valid_rcodes": ["NXDOMAIN"]},
        {"valid_rcodes": ["NXDOMAIN"]})
    dns("dns_refused", fx.dns, "other.test", False, "rcode")
    dns("dns_tcp", fx.dns, "ok.test", True, "", {"transport": "tcp"}, {"transport_protocol": "tcp"})
    dns("dns_servfail", fx.dns_rcode["servfail"], "ok.test", False, "rcode")
    dns("dns_silent", fx.dns_rcode["silent"], "ok.test", False, "timeout")

    def icmp(name, host, success, reason, extra=None, bb=None):
        probe = {"type": "icmp", "host": host, "timeout": "1s", "interval": "10s"}
        probe.update(extra or {})
        module = {"prober": "icmp", "timeout": "1s", "icmp": bb or {}}
        out.append(Case(name, probe, success, reason, module, host))

    ok = icmp_allowed()
    icmp("icmp_v4", "127.0.0.1", ok, "" if ok else "icmp_error",
         {"preferred_ip_protocol": "ip4"}, {"preferred_ip_protocol": "ip4"})
    icmp("icmp_v6", "::1", ok, "" if ok else "icmp_error", {"preferred_ip_protocol": "ip6"},
         {"preferred_ip_protocol": "ip6"})
    return out


def write_config(path, case_list, service="fx"):
    probes = []
    for c in case_list:
        p = dict(c.probe)
        p["name"] = c.name
        probes.append(p)
    # JSON is YAML: the loader reads it as is.
    with open(path, "w") as f:
        json.dump({"services": [{"name": service, "probes": probes}]}, f, indent=1)


def run_driver(driver, config, *args, timeout=60):
    r = subprocess.run([driver, "--config", config, *args], capture_output=True, text=True,
                       timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError("probe_driver failed (%d): %s" % (r.returncode, r.stderr))
    return r.stdout


def report(failures):
    """Prints the failures, or "ok"; the test's exit code."""
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("ok")
    return 0
