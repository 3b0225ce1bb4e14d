"""No secret at -vvv, whatever the input: ansible-core stops collecting no_log values at the first
argument-spec error, so a string given where a dict (or a list of dicts) is expected used to print
client_secret under invocation.module_args. Every dict and list-of-dict option of every module, top
level and nested, and every list option, gets a wrong type here; each task must fail naming the option, write nothing and
show no secret."""

import glob
import os

import pytest
import yaml

from tests.conftest import REPO
from tests.integration.helpers import play

SECRET = "the-long-client-secret-that-must-never-be-printed-0123456789"


def _dict_options(options, prefix=()):
    """(path, kind) for every option of type dict or list, nested ones included."""
    for name, spec in (options or {}).items():
        kind = spec.get("type")
        if kind == "list" and spec.get("elements") == "dict":
            kind = "list_of_dicts"
        if kind in ("dict", "list", "list_of_dicts"):
            yield prefix + (name,), kind
            if spec.get("suboptions") and kind == "dict":
                yield from _dict_options(spec["suboptions"], prefix + (name,))


def _cases():
    cases = []
    for path in sorted(glob.glob(os.path.join(REPO, "plugins", "modules", "*.py"))):
        with open(path) as f:
            text = f.read()
        doc = yaml.safe_load(text.split("DOCUMENTATION = r'''", 1)[1].split("'''", 1)[0])
        for option_path, kind in _dict_options(doc.get("options")):
            cases.append((doc["module"], option_path, kind))
    return cases


CASES = _cases()


def _args(option_path, kind):
    """Module arguments with a wrong type at option_path: a string where a dict (or list of dicts) goes."""
    wrong = {"dict": "yes", "list_of_dicts": ["a@b.com"], "list": {"not": "a list"}}[kind]
    value = wrong
    for name in reversed(option_path[1:]):
        value = {name: value}
    return {option_path[0]: value}


def test_there_are_cases_for_every_module_with_such_options():
    modules = {c[0] for c in CASES}
    assert {"access_settings", "guest_invitation"} <= modules and len(CASES) >= 10


def test_a_wrong_type_never_prints_a_secret(run_in_place, emulator, connection):
    conn = connection("contoso", client_secret=SECRET)
    tasks = [{"name": "case %d" % i, "entra.crosscloud." + module: _args(path, kind), "ignore_errors": True}
             for i, (module, path, kind) in enumerate(CASES)]
    run = run_in_place(play(conn, tasks), args=("-vvv",))
    assert SECRET not in run.output
    assert SECRET[:20] not in run.output
    for i, (module, path, _kind) in enumerate(CASES):
        res = run.task("case %d" % i)
        assert res["status"] == "failed", (module, path, res["result"])
        assert path[-1] in res["result"]["msg"], (module, path, res["result"]["msg"])
        args = (res["result"].get("invocation") or {}).get("module_args") or {}
        assert args.get("client_secret") in (None, "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER", "********"), (module, path)
    assert emulator.counts()["graph_writes"] == 0
    assert emulator.counts()["token_requests"] == 0          # refused before sign-in


@pytest.mark.parametrize("env_name", ["AZURE_CLIENT_SECRET", "AZURE_SECRET"])
def test_a_secret_from_the_environment_is_masked_too(run_in_place, emulator, connection, env_name):
    conn = connection("contoso")
    conn.pop("client_secret")
    task = {"name": "bad", "entra.crosscloud.access_settings": {"partner": "default", "inbound_trust": "yes"}}
    run = run_in_place(play(conn, [task]), args=("-vvv",), env={env_name: SECRET})
    assert run.task("bad")["status"] == "failed"
    assert SECRET not in run.output
