"""What tests and benchmarks steer and read: the request log and fault injection.

Every log entry has "fault": null, or "before"/"after" when an injected fault answered it (its
"status" is then the fault's: 429, 5xx, "drop", or 404 for a replica that has not seen an object yet).
"""

import collections
import copy
import json
import random
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
                     "batch_item": batch_item, "client_request_id": client_request_id, "body": None,
                     "fault": None}
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


FAULT_STATUSES = (429, 500, 502, 503, 504, "drop")
# a replica that has not seen an object yet: 404 Request_ResourceNotFound, for "next N" rules only (a random
# 404 would be a lie about objects that exist for good; replication delay after a create is modelled by state)
STALE_REPLICA = 404
WHEN = ("before", "after", "random")


class FaultBook:
    """Fault rules: the next N matching requests fail, or each matching request fails with probability p.

    A rule: {"host": "graph"|"login"|<real host>, "method", "path": regex, "tenant", "status", "retry_after",
    "times", "probability", "seed", "when"}.
    - without "probability" (a "next N" rule): the next `times` (default 1) matching requests fail with
      `status` (one of FAULT_STATUSES, or a list to pick from); "when" defaults to "before".
    - with "probability" p: every matching request fails with probability p, drawn from the rule's own
      random.Random(seed), for the whole run (`times` may cap it); `status` is a list to pick from (default
      all six); a 429 carries Retry-After (`retry_after`, default 1 s); "when" defaults to "random".
    - "when": "before" (the request is not processed), "after" (it is processed, state changes, then the
      answer is replaced by the fault or the connection dropped) or "random" (before or after at random for
      writes, before for reads). A 429 is always "before": Graph throttles before it processes.
    Rules are tried in order; the first that fires decides. A rule's RNG is drawn once per matching request
    it sees, so the same requests in the same order meet the same faults.
    """

    FIELDS = {"host", "method", "path", "tenant", "status", "retry_after", "times", "probability", "seed", "when"}

    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []
        self._rngs = []

    @staticmethod
    def _check(rule):
        if not isinstance(rule, dict):
            raise ValueError("a fault rule must be an object")
        unknown = set(rule) - FaultBook.FIELDS
        if unknown:
            raise ValueError("unknown fault rule keys: %s" % ", ".join(sorted(unknown)))
        r = dict(rule)
        probabilistic = r.get("probability") is not None
        if probabilistic:
            p = r["probability"]
            if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
                raise ValueError("probability must be a number between 0 and 1")
            r["probability"] = float(p)
            r.setdefault("status", list(FAULT_STATUSES))
            r.setdefault("times", None)
            r.setdefault("when", "random")
        else:
            r.pop("probability", None)
            if "status" not in r:
                raise ValueError("status must be 429, 500, 502, 503, 504 or 'drop'")
            r.setdefault("times", 1)
            r.setdefault("when", "before")
        statuses = r["status"] if isinstance(r["status"], list) else [r["status"]]
        allowed = FAULT_STATUSES if probabilistic else FAULT_STATUSES + (STALE_REPLICA,)
        if not statuses or any(s not in allowed or isinstance(s, bool) for s in statuses):
            raise ValueError("status must be 429, 500, 502, 503, 504 or 'drop' (or a non-empty list of them); "
                             "404 (a replica that has not seen the object yet) in 'next N' rules only")
        if STALE_REPLICA in statuses and r["when"] != "before":
            raise ValueError("a 404 fault answers before the request is processed (when: before)")
        if r["when"] not in WHEN:
            raise ValueError("when must be 'before', 'after' or 'random'")
        if r["times"] is not None and (isinstance(r["times"], bool) or not isinstance(r["times"], int)
                                       or r["times"] < 0):
            raise ValueError("times must be a whole number >= 0")
        if r.get("retry_after") is not None and (isinstance(r["retry_after"], bool)
                                                 or not isinstance(r["retry_after"], (int, float))
                                                 or r["retry_after"] < 0):
            raise ValueError("retry_after must be a number of seconds >= 0")
        seed = r.setdefault("seed", 0)
        if isinstance(seed, bool) or not isinstance(seed, (int, str)):
            raise ValueError("seed must be a whole number or a string")
        if r.get("path"):
            re.compile(r["path"])
        r["hits"] = 0
        return r

    def add(self, rules):
        if not isinstance(rules, list):
            raise ValueError("rules must be a list")
        checked = [self._check(rule) for rule in rules]
        with self.lock:
            for r in checked:
                self.rules.append(r)
                self._rngs.append(random.Random(r["seed"]))
        return [dict(r) for r in checked]

    def list(self):
        with self.lock:
            return [dict(r) for r in self.rules]

    def clear(self):
        with self.lock:
            self.rules = []
            self._rngs = []

    def take(self, kind, host, method, path, tenant, write=False):
        """The fault this request meets, or None: {"status", "when" (before|after), "retry_after", "rule"}."""
        with self.lock:
            for index, (r, rng) in enumerate(zip(self.rules, self._rngs)):
                if r["times"] is not None and r["times"] <= 0:
                    continue
                if r.get("host") and r["host"] not in (kind, host):
                    continue
                if r.get("method") and r["method"].upper() != method:
                    continue
                if r.get("tenant") and (not tenant or r["tenant"].lower() != tenant):
                    continue
                if r.get("path") and not re.search(r["path"], path):
                    continue
                if r.get("probability") is not None and rng.random() >= r["probability"]:
                    continue
                if r["times"] is not None:
                    r["times"] -= 1
                r["hits"] += 1
                status = rng.choice(r["status"]) if isinstance(r["status"], list) else r["status"]
                when = r["when"]
                if when == "random":
                    when = rng.choice(("before", "after")) if write else "before"
                if status == 429:
                    # Graph throttles before it processes: a 429 means "not done", and clients may send again
                    when = "before"
                retry_after = r.get("retry_after")
                if retry_after is None and status == 429 and r.get("probability") is not None:
                    retry_after = 1
                return {"status": status, "when": when, "retry_after": retry_after, "rule": index}
        return None
