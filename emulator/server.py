"""HTTPS listeners, one per Microsoft host the emulator stands in for, plus the admin listener."""

import copy
import json
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from emulator import admin, clouds, login
from emulator.control import FaultBook, RequestLog
from emulator.graph import core as graph_core
from emulator.state import State
from emulator.tokens import Signer, b64url

ADMIN = "admin"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, emulator, vhost, kind, ssl_context):
        self.emulator, self.vhost, self.kind, self.ssl_context = emulator, vhost, kind, ssl_context
        super().__init__(address, _Handler)

    def finish_request(self, request, client_address):
        # TLS handshake in the per-connection thread, so one slow client never blocks accept().
        try:
            request = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            super().finish_request(request, client_address)
        except (ssl.SSLError, ConnectionError, socket.timeout):
            pass

    def handle_error(self, request, client_address):  # keep test output quiet on client disconnects
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else ~44 ms per keep-alive request (Nagle + delayed ACK)
    server_version = "entra-crosscloud-emulator"
    sys_version = ""
    timeout = 120

    def log_message(self, fmt, *args):
        pass

    def _any(self):
        srv = self.server
        emu = srv.emulator
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        method = self.command
        if srv.kind == ADMIN:
            status, out_headers, result = admin.handle(emu, method, self.path, body)
            return self._send(status, out_headers, result)
        entry = emu.log.start(srv.kind, srv.vhost, method, self.path,
                              client_request_id=headers.get("client-request-id"))
        status = 500
        try:
            if emu.latency_ms:
                time.sleep(emu.latency_ms / 1000.0)
            if srv.kind == "login":
                path = self.path.split("?")[0]
                fault = emu.faults.take("login", srv.vhost, method, path, login.tenant_of_path(emu, path))
                if fault is not None and fault["when"] == "before":
                    entry["fault"] = "before"
                    status = fault["status"]
                    return self._login_fault(fault)
                status, out_headers, result = login.handle(emu, srv.vhost, method, self.path, headers, body, entry)
                if fault is not None:
                    entry["fault"] = "after"
                    status = fault["status"]
                    return self._login_fault(fault)
            else:
                status, out_headers, result = graph_core.execute(emu, srv.vhost, method, self.path, headers, body,
                                                                 entry)
                if status == "drop":
                    return self._drop()
            # logged before the answer leaves: a client that reads the log right after its answer sees it
            emu.log.finish(entry, status)
            self._send(status, out_headers, result)
        finally:
            if entry.get("status") is None:
                emu.log.finish(entry, status)

    def _login_fault(self, fault):
        if fault["status"] == "drop":
            return self._drop()
        hdrs = {"Retry-After": str(fault["retry_after"])} if fault.get("retry_after") is not None else {}
        return self._send(fault["status"], hdrs, login.fault_body(self.server.vhost, fault["status"]))

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _any

    def _drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _send(self, status, headers, result):
        data = b"" if result is None else json.dumps(result).encode()
        self.send_response(status)
        sent_type = False
        for k, v in (headers or {}).items():
            self.send_header(k, v)
            sent_type = sent_type or k.lower() == "content-type"
        if result is not None and not sent_type:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Strict-Transport-Security", "max-age=31536000")
        self.end_headers()
        if data and self.command != "HEAD":
            self.wfile.write(data)


def normalise_day(day=None):
    """A day: {"replication_delay": {"min", "max", "seed"}, "faults": [rules], "latency_ms": N}.

    Without one (a library caller), the day is calm: no delay, no faults, no latency. The CLI starts
    Microsoft's ordinary day instead (see emulator/cli.py).
    """
    day = copy.deepcopy(day or {})
    unknown = set(day) - {"replication_delay", "faults", "latency_ms"}
    if unknown:
        raise ValueError("unknown day keys: %s" % ", ".join(sorted(unknown)))
    delay = dict({"min": 0.0, "max": None, "seed": 0}, **(day.get("replication_delay") or {}))
    if delay["max"] is None:
        delay["max"] = delay["min"]
    delay = {"min": float(delay["min"]), "max": float(delay["max"]), "seed": int(delay["seed"])}
    if delay["min"] < 0 or delay["max"] < delay["min"]:
        raise ValueError("replication delay needs 0 <= min <= max")
    faults = list(day.get("faults") or [])
    FaultBook().add(copy.deepcopy(faults))     # refuse a bad rule at start, not at the first reset
    return {"replication_delay": delay, "faults": faults, "latency_ms": max(0, int(day.get("latency_ms") or 0))}


class Emulator:
    """The whole emulator: state, keys, log, faults, and the listeners."""

    def __init__(self, seed, state_dir, server_cert, server_key, port=0, day=None):
        self.state = State(seed, state_dir)
        self.state_dir = state_dir
        self.signer = Signer()
        self.log = RequestLog()
        self.faults = FaultBook()
        self.rate_limiter = graph_core.RateLimiter()
        self.latency_ms = 0
        self.day = normalise_day(day)   # what the process was started with; reset() comes back to it
        self.apply_day()
        self.state_file = None
        self.snapshots = {}   # name -> tenant data (POST /_emulator/snapshots/NAME): tests skip repeating a set-up
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(server_cert, server_key)
        self.servers = []
        self.login_urls, self.graph_urls = {}, {}
        hosts = [(ADMIN, ADMIN)] + [(h, "login") for h in clouds.login_hosts()] + [(h, "graph") for h in clouds.graph_hosts()]
        for i, (vhost, kind) in enumerate(hosts):
            srv = _Server(("127.0.0.1", (port + i) if port else 0), self, vhost, kind, ctx)
            url = "https://127.0.0.1:%d" % srv.server_address[1]
            if kind == "login":
                self.login_urls[vhost] = url
            elif kind == "graph":
                self.graph_urls[vhost] = url
            else:
                self.admin_url = url
            self.servers.append(srv)
        self.threads = []

    def start(self):
        for srv in self.servers:
            t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
            t.start()
            self.threads.append(t)

    def stop(self):
        for srv in self.servers:
            srv.shutdown()
            srv.server_close()

    def apply_day(self):
        """Replication delay, fault rules (their RNGs from their seeds again) and latency of the start-time day."""
        delay = self.day["replication_delay"]
        self.state.set_replication(delay["min"], delay["max"], delay["seed"])
        self.faults.clear()
        self.faults.add(copy.deepcopy(self.day["faults"]))
        self.latency_ms = self.day["latency_ms"]

    def current_day(self):
        """The day in force now (admin calls may have changed it), and the one the process started with."""
        return {"replication_delay": dict(self.state.replication), "faults": self.faults.list(),
                "latency_ms": self.latency_ms, "start": copy.deepcopy(self.day)}

    def reset(self, snapshot=None):
        """Back to the seed (or to a snapshot of tenant data); log and rate limits cleared; the replication
        delay, fault rules and latency back to the day the process was started with."""
        if snapshot is None:
            self.state.load()
        else:
            self.state.restore_snapshot(snapshot)
        self.log.clear()
        self.rate_limiter.clear()
        self.apply_day()

    def jwks(self):
        pub = self.signer.key.public_key().public_numbers()

        def enc(n):
            return b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))
        return {"keys": [{"kty": "RSA", "use": "sig", "kid": self.signer.kid, "n": enc(pub.n), "e": enc(pub.e)}]}

    def clouds_file(self, ca_path):
        out = {}
        for name, c in clouds.CLOUDS.items():
            out[name] = {"authority_host": self.login_urls[c["login"]], "graph_url": self.graph_urls[c["graph"]],
                         "endpoint": c["endpoint"], "ca_path": ca_path}
        return {"clouds": out}
