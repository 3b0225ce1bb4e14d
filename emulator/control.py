"""What tests and benchmarks steer and read: the request log and fault injection."""

import collections
import copy
import json
import re
import threading
import time

WRITE_METHODS = ("POST", "PATCH", "PUT", "DELETE")


class RequestLog:
    """Every request, in order. Batch items are logged as their own entries (batch_item=True).

    A Graph write (POST/PATCH/PUT/DELETE, the outer $batch POST and each item inside it) also
    keeps the JSON body it carried as `body` (parsed; null when there was none or it was not
    JSON), so tests can check what a write contained. Sign-in requests never keep a body: their
    forms hold client secrets and assertions.
    """

    def __init__(self, path=None):
        self.lock = threading.Lock()
        self.entries = []
        self.seq = 0
        self.path = path

    def start(self, kind, host, method, raw_path, batch_item=False, client_request_id=None, body=None):
        path, _sep, query = raw_path.partition("?")
        with self.lock:
            self.seq += 1
            entry = {"seq": self.seq, "time": time.time(), "kind": kind, "host": host, "method": method,
                     "path": path, "query": query, "tenant": None, "status": None,
                     "write": kind == "graph" and method in WRITE_METHODS and not path.endswith("/$batch"),
                     "batch_item": batch_item, "client_request_id": client_request_id, "body": None}
            self.entries.append(entry)
        self.set_body(entry, body)
        return entry

    @staticmethod
    def parsed_body(raw):
        """A request body as the log keeps it: parsed JSON (a private copy), or None."""
        if raw is None or raw == b"" or raw == "":
            return None
        if isinstance(raw, (bytes, bytearray)):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError:
                return None
        if isinstance(raw, str):
            try:
                return json.loads(raw)
            except ValueError:
                return None
        return copy.deepcopy(raw)   # a $batch item's body, already parsed: never share it with handlers

    def set_body(self, entry, raw):
        """Keep the JSON body of a Graph write on its log entry (login and reads keep none)."""
        if entry.get("kind") != "graph" or entry.get("method") not in WRITE_METHODS:
            return
        value = self.parsed_body(raw)
        with self.lock:
            entry["body"] = value

    def finish(self, entry, status):
        entry["status"] = status
        entry["ms"] = round((time.time() - entry["time"]) * 1000, 2)

    def since(self, seq=0):
        with self.lock:
            return [dict(e) for e in self.entries if e["seq"] > seq], self.seq

    def clear(self):
        with self.lock:
            self.entries = []

    def counts(self, since=0):
        entries, _last = self.since(since)
        out = {"total": len(entries), "by_kind": collections.Counter(), "token_requests": 0,
               "discovery_requests": 0, "graph_requests": 0, "graph_writes": 0,
               "by_tenant": {}, "by_method_path": collections.Counter(), "by_status": collections.Counter()}
        for e in entries:
            out["by_kind"][e["kind"]] += 1
            out["by_status"][str(e["status"])] += 1
            if e["kind"] == "login":
                if e["path"].endswith("/oauth2/v2.0/token"):
                    out["token_requests"] += 1
                else:
                    out["discovery_requests"] += 1
            if e["kind"] == "graph":
                out["graph_requests"] += 1
                out["graph_writes"] += int(e["write"])
                out["by_method_path"]["%s %s" % (e["method"], e["path"])] += 1
            if e["tenant"]:
                t = out["by_tenant"].setdefault(e["tenant"], {"requests": 0, "token_requests": 0, "graph_writes": 0})
                t["requests"] += 1
                t["graph_writes"] += int(e["write"])
                t["token_requests"] += int(e["kind"] == "login" and e["path"].endswith("/token"))
        for key in ("by_kind", "by_method_path", "by_status"):
            out[key] = dict(out[key])
        return out


class FaultBook:
    """Rules that make the next N matching requests fail: 429/503/504 (optionally with Retry-After) or a drop."""

    FIELDS = {"host", "method", "path", "tenant", "status", "retry_after", "times"}

    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []

    def add(self, rules):
        checked = []
        for rule in rules:
            unknown = set(rule) - self.FIELDS
            if unknown:
                raise ValueError("unknown fault rule keys: %s" % ", ".join(sorted(unknown)))
            if rule.get("status") not in (429, 500, 502, 503, 504, "drop"):
                raise ValueError("status must be 429, 500, 502, 503, 504 or 'drop'")
            r = dict(rule)
            r.setdefault("times", 1)
            if r.get("path"):
                re.compile(r["path"])
            r["hits"] = 0
            checked.append(r)
        with self.lock:
            self.rules.extend(checked)
        return checked

    def list(self):
        with self.lock:
            return [dict(r) for r in self.rules]

    def clear(self):
        with self.lock:
            self.rules = []

    def take(self, kind, host, method, path, tenant):
        with self.lock:
            for r in self.rules:
                if r["times"] <= 0:
                    continue
                if r.get("host") and r["host"] not in (kind, host):
                    continue
                if r.get("method") and r["method"].upper() != method:
                    continue
                if r.get("tenant") and tenant and r["tenant"].lower() != tenant:
                    continue
                if r.get("path") and not re.search(r["path"], path):
                    continue
                r["times"] -= 1
                r["hits"] += 1
                return r
        return None
