"""The main job the way AWX / Automation Controller runs it: ansible-runner with a private data dir.

AWX injects each credential of the job template into the job's environment (here: the two
entra.crosscloud credential types, home and partner, as ENTRA_HOME_* / ENTRA_PARTNER_*), passes the
job's extra vars, and reads the job's events. The inventory is playbooks/inventory/awx_pair.
"""

import json
import os
import shutil
import sys

import ansible_runner
import jinja2
import pytest
import yaml

from tests.conftest import COLLECTIONS_ROOT, REPO

CREDENTIAL_TYPES = os.path.join(REPO, "extensions", "awx", "credential_types")


def injected_env(emulator, side, tenant):
    """What AWX's injector for the entra.crosscloud credential type of `side` puts in the job's env.

    AWX renders the injector templates with Jinja, the credential's inputs and `tower.filename`.
    """
    t = emulator.tenant(tenant)
    with open(os.path.join(CREDENTIAL_TYPES, "entra_tenant_%s.yml" % side)) as f:
        ctype = list(yaml.safe_load(f.read().replace("!unsafe", "")).values())[0]
    inputs = {"tenant_id": t["id"], "cloud": t["cloud"], "client_id": t["client_id"],
              "client_secret": t["client_secret"], "client_certificate": ""}
    assert set(ctype["inputs"]["required"]) <= set(k for k, v in inputs.items() if v)
    assert set(inputs) == set(f["id"] for f in ctype["inputs"]["fields"])
    return dict((name, jinja2.Template(template).render(tower={"filename": {"certificate": "/nonexistent"}}, **inputs))
                for name, template in ctype["injectors"]["env"].items())


@pytest.fixture
def private_data_dir(tmp_path, emulator):
    pdd = tmp_path / "job"
    (pdd / "env").mkdir(parents=True)
    shutil.copytree(os.path.join(REPO, "playbooks"), pdd / "project", ignore=shutil.ignore_patterns("inventory"))
    shutil.copytree(os.path.join(REPO, "playbooks", "inventory", "awx_pair"), pdd / "inventory")
    env = {"ANSIBLE_COLLECTIONS_PATH": COLLECTIONS_ROOT, "ENTRA_CLOUDS_FILE": emulator.clouds_file,
           "ENTRA_TOKEN_CACHE_DIR": str(tmp_path / "token-cache"), "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
           "ANSIBLE_NOCOLOR": "1", "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]}
    env.update(injected_env(emulator, "home", "contoso"))
    env.update(injected_env(emulator, "partner", "tailspin_gcch"))
    (pdd / "env" / "envvars").write_text(yaml.safe_dump(env))
    # the job template's extra vars (a survey would set these): trust the partner's MFA at home,
    # let the GCC High side invite, and invite one partner user into the home tenant
    extravars = {"home_settings": {"inbound_trust": {"mfa": True}},
                 "entra_guests": [{"resource": "home", "home": "partner",
                                   "people": ["jordan.ellis@tailspin-defense.us"]}]}
    (pdd / "env" / "extravars").write_text(yaml.safe_dump(extravars))
    return pdd


def test_pair_tenants_through_ansible_runner(private_data_dir, emulator):
    run = ansible_runner.run(private_data_dir=str(private_data_dir), playbook="pair_tenants.yml", quiet=True,
                             ident="pair-1")
    stdout = run.stdout.read()
    assert (run.status, run.rc) == ("successful", 0), stdout[-4000:]
    assert run.stats["failures"] == {} and set(run.stats["ok"]) == {"home", "partner"}
    events = list(run.events)
    assert events[-1]["event"] == "playbook_on_stats"
    summary = [e for e in events if e["event"] == "runner_on_ok"
               and e["event_data"].get("task") == "What changed, who can collaborate where, who was invited"]
    lines = summary[0]["event_data"]["res"]["msg"]
    assert "  home -> partner: open [ok]" in lines and "  partner -> home: open [ok]" in lines
    assert "  home <- partner: invited jordan.ellis@tailspin-defense.us" in lines
    # both sides configured, with the survey's extra setting on the home side only
    contoso, tailspin = emulator.tenant("contoso")["id"], emulator.tenant("tailspin_gcch")["id"]
    assert emulator.state("contoso")["data"]["ctap"]["partners"][tailspin]["inboundTrust"]["isMfaAccepted"] is True
    assert emulator.state("tailspin_gcch")["data"]["ctap"]["partners"][contoso]["inboundTrust"] is None
    verdict = emulator.admin("POST", "/_emulator/redeem", {"resource_tenant": contoso, "accept": False,
                                                           "address": "jordan.ellis@tailspin-defense.us"})
    assert verdict["allowed"] is True, verdict
    # what AWX shows the user (stdout, events) never holds the injected secrets
    secrets = [emulator.tenant(t)["client_secret"] for t in ("contoso", "tailspin_gcch")]
    shown = stdout + json.dumps(events)
    assert not [s for s in secrets if s in shown]
    # a second job changes nothing
    again = ansible_runner.run(private_data_dir=str(private_data_dir), playbook="pair_tenants.yml", quiet=True,
                               ident="pair-2")
    assert again.rc == 0 and again.stats["changed"] == {}
    artifacts = private_data_dir / "artifacts"
    assert sorted(os.listdir(artifacts)) == ["pair-1", "pair-2"]
    assert (artifacts / "pair-2" / "rc").read_text().strip() == "0"


def test_wrong_credential_fails_the_job_in_preflight(private_data_dir, emulator):
    envvars = yaml.safe_load((private_data_dir / "env" / "envvars").read_text())
    envvars["ENTRA_PARTNER_CLIENT_SECRET"] = "a-wrong-secret-for-the-partner-credential"
    (private_data_dir / "env" / "envvars").write_text(yaml.safe_dump(envvars))
    run = ansible_runner.run(private_data_dir=str(private_data_dir), playbook="pair_tenants.yml", quiet=True)
    assert run.status == "failed" and run.rc != 0
    failed = [e for e in run.events if e["event"] == "runner_on_failed"]
    assert failed and failed[0]["event_data"]["task"] == "Stop before any write unless every tenant and every pair can work"
    assert "partner: sign-in to" in "\n".join(failed[0]["event_data"]["res"]["msg"])
    assert emulator.counts()["graph_writes"] == 0
    assert "a-wrong-secret-for-the-partner-credential" not in run.stdout.read()
