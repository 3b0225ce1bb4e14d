"""Admin API (/_emulator/...): log, counts, reset, day, faults, latency, replication delay, drift, redemption.

Served only on the admin listener, so it can never be confused with Graph traffic.
"""

import json
import re
from urllib.parse import parse_qs, urlsplit

from emulator import clouds, redeem
from emulator.graph import core as graph_core


def handle(emu, method, raw_path, body):
    parts = urlsplit(raw_path)
    path = parts.path.rstrip("/")
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    try:
        data = json.loads(body) if body else {}
    except ValueError:
        return 400, {}, {"error": "body is not JSON"}
    try:
        return _route(emu, method, path, query, data)
    except (ValueError, KeyError, TypeError, re.error) as exc:
        return 400, {}, {"error": "%s: %s" % (type(exc).__name__, exc)}


def _route(emu, method, path, query, data):
    if path == "/_emulator/log" and method == "GET":
        entries, last = emu.log.since(int(query.get("since", 0)))
        return 200, {}, {"requests": entries, "next": last}
    if path == "/_emulator/counts" and method == "GET":
        return 200, {}, emu.log.counts(int(query.get("since", 0)))
    if path == "/_emulator/log/clear" and method == "POST":
        emu.log.clear()
        return 204, {}, None
    if path == "/_emulator/save" and method == "POST":
        if not emu.state_file:
            return 400, {}, {"error": "the emulator was started without --state-file"}
        emu.state.save(emu.state_file)
        return 200, {}, {"state_file": emu.state_file}
    if path == "/_emulator/reset" and method == "POST":
        emu.reset()
        return 204, {}, None
    m = re.match(r"^/_emulator/snapshots/([A-Za-z0-9_.-]+)(/restore)?$", path)
    if m and not m.group(2) and method == "GET":
        # a snapshot as JSON, so that another emulator started from the same seed can take it (PUT)
        if m.group(1) not in emu.snapshots:
            return 404, {}, {"error": "no snapshot %s" % m.group(1)}
        return 200, {}, {"tenants": emu.snapshots[m.group(1)]}
    if m and not m.group(2) and method == "PUT":
        tenants = data["tenants"]
        unknown = sorted(set(tenants) - set(emu.state.tenants))
        if unknown:
            return 400, {}, {"error": "tenants not in this emulator's seed: %s" % ", ".join(unknown)}
        emu.snapshots[m.group(1)] = tenants
        return 204, {}, None
    if m and method == "POST":
        if not m.group(2):
            emu.snapshots[m.group(1)] = emu.state.snapshot()
            return 204, {}, None
        if m.group(1) not in emu.snapshots:
            return 404, {}, {"error": "no snapshot %s" % m.group(1)}
        emu.reset(emu.snapshots[m.group(1)])
        return 204, {}, None
    if path == "/_emulator/faults":
        if method == "POST":
            return 200, {}, {"rules": emu.faults.add(data.get("rules", []))}
        if method == "GET":
            return 200, {}, {"rules": emu.faults.list()}
        if method == "DELETE":
            emu.faults.clear()
            return 204, {}, None
    if path == "/_emulator/latency" and method == "POST":
        emu.latency_ms = max(0, int(data["ms"]))
        return 200, {}, {"ms": emu.latency_ms}
    if path == "/_emulator/replication_delay" and method == "POST":
        return 200, {}, _set_replication(emu, data)
    if path == "/_emulator/replication" and method == "GET":
        return 200, {}, dict(emu.state.replication, objects=emu.state.pending_replication())
    if path == "/_emulator/day" and method == "GET":
        return 200, {}, emu.current_day()
    if path == "/_emulator/tenants" and method == "GET":
        return 200, {}, {"tenants": [t.summary() for t in emu.state.tenants.values()]}
    m = re.match(r"^/_emulator/tenants/([^/]+)(/graph)?$", path)
    if m:
        tenant = emu.state.find(m.group(1))
        if tenant is None:
            return 404, {}, {"error": "no tenant %s" % m.group(1)}
        if m.group(2) and method == "POST":
            return _as_admin(emu, tenant, data)
        if not m.group(2) and method == "GET":
            with emu.state.lock:
                dump = dict(tenant.summary(), apps=[a.public() for a in tenant.apps.values()],
                            data=json.loads(json.dumps(tenant.data, default=str)))
            return 200, {}, dump
    if path == "/_emulator/redeem" and method == "POST":
        with emu.state.lock:
            return 200, {}, redeem.simulate(emu.state, data["resource_tenant"], data["address"],
                                            data.get("application"), accept=bool(data.get("accept", True)))
    return 404, {}, {"error": "no admin endpoint %s %s" % (method, path)}


def _set_replication(emu, data):
    """{"seconds": S} (every object S seconds) or {"min": a, "max": b, "seed": n} (each object its own delay)."""
    unknown = set(data) - {"seconds", "min", "max", "seed"}
    if unknown:
        raise ValueError("unknown keys: %s" % ", ".join(sorted(unknown)))
    seed = data.get("seed", emu.day["replication_delay"]["seed"])
    if "seconds" in data:
        if "min" in data or "max" in data:
            raise ValueError("give either seconds or min/max")
        low = high = data["seconds"]
    else:
        low = data["min"]
        high = data.get("max", low)
    for value in (low, high, seed):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError("seconds, min, max and seed must be numbers")
    return emu.state.set_replication(low, high, seed)


def _as_admin(emu, tenant, data):
    """Run a Graph call as an all-powerful admin of the tenant (drift injection), outside the client log."""
    method = data["method"].upper()
    path = data["path"]
    api, _sep, rest = path.lstrip("/").partition("/")
    if api not in ("v1.0", "beta"):
        raise ValueError("path must start with /v1.0/ or /beta/")
    r, params = graph_core.match_route(method, api, "/" + rest.split("?")[0], tenant.cloud)
    host = clouds.CLOUDS[tenant.cloud]["graph"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
    ctx = graph_core.Ctx(emu, host, method, api, "/" + rest.split("?")[0], query, {}, data.get("body"),
                         {"roles": ["*"]}, tenant)
    ctx.params = params
    try:
        with emu.state.lock:
            known = set(tenant.created)
            status, result, _headers = graph_core._normalise(r.handler(ctx))
            if not data.get("replication", False):
                # drift stands for what an admin did earlier, outside the run: already replicated
                # ({"replication": true} keeps the day's delay for objects this call creates)
                for key in set(tenant.created) - known:
                    del tenant.created[key]
    except graph_core.GraphError as err:
        return err.status, {}, graph_core.error_body(err, "", "")
    return 200, {}, {"status": status, "body": result}
