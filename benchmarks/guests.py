#!/usr/bin/env python
"""What does inviting many guests cost? entra.crosscloud.guest_invitation against an ansible.builtin.uri loop.

A seed with a home tenant 'home' holding N users and a resource tenant 'hub' (both commercial); the
N users' addresses are invited into 'hub' in one task:
- guest_invitation, first run (everyone new) and re-run (everyone exists);
- the usual ansible.builtin.uri loop: a token request, then one POST /invitations per guest (with
  until/retries on 429), first run. It is slow, so it runs for --uri-guests people and is scaled
  linearly to N (the table says so).
Graph allows 150 invitations per 5 s per tenant, so N invitations take at least about N / 30 s (the
bound); "x bound" is the whole run's seconds over it, "invite phase s" the time from the first invitation
to the last answered. Requests are counted from the emulator's own log: "HTTP requests" are what went on
the wire (sign-in, discovery and Graph; a $batch is one), "invite attempts" are POST /invitations (each
$batch item counts), "429s" are answers 429 (batch items included). The emulator runs with faults off
and its default replication delay (each new object hidden 1-4 s).

    python benchmarks/guests.py [--guests 1000] [--uri-guests 200] [--latency-ms 0 50] [--no-uri]
"""

import argparse
import json
import os
import sys
import tempfile
import uuid

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import Emulator, run_playbook, table  # noqa: E402

RATE = 150 / 5.0  # invitations per second Graph allows per tenant


def tid(name):
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, "bench-guests-%s.example" % name))


def seed_file(people, work):
    """hub (resource tenant) and home (N users: person0000@home.example.com ...)."""
    tenants = []
    for name, users in (("hub", []), ("home", people)):
        domain = "%s.example.com" % name
        tenants.append({"name": name, "id": tid(name), "cloud": "global", "display_name": name,
                        "region_scope": "NA", "domains": ["%s.onmicrosoft.com" % name, domain],
                        "apps": [{"client_id": tid(name + "-app"), "client_secret": "bench-secret-%s" % name}],
                        "users": [{"user_principal_name": a, "display_name": a.split("@")[0], "mail": a}
                                  for a in users]})
    path = os.path.join(work, "seed.yml")
    with open(path, "w") as f:
        yaml.safe_dump({"tenants": tenants}, f)
    return path


def people(n):
    return ["person%04d@home.example.com" % i for i in range(n)]


def write_vars(work, emu, addresses):
    hub = emu.tenants["hub"]
    with open(emu.clouds_file) as f:
        cloud = yaml.safe_load(f)["clouds"]["global"]
    path = os.path.join(work, "vars-%d.yml" % len(addresses))
    with open(path, "w") as f:
        yaml.safe_dump({"tenant_id": hub["id"], "client_id": hub["client_id"], "client_secret": hub["client_secret"],
                        "authority_host": cloud["authority_host"], "graph_url": cloud["graph_url"],
                        "ca_path": emu.ca, "people": [{"email": a} for a in addresses]}, f)
    return path


MODULE_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: invite
      entra.crosscloud.guest_invitation:
        tenant_id: "{{ tenant_id }}"
        client_id: "{{ client_id }}"
        client_secret: "{{ client_secret }}"
        cloud: global
        guests: "{{ people }}"
      register: r
      ignore_errors: true
    - name: summary
      ansible.builtin.copy:
        dest: "{{ out }}"
        content: >-
          {{ {'failed': r.failed | default(false), 'msg': r.msg | default(''), 'retries': r.retries | default(0),
              'actions': r.guests | default([]) | map(attribute='action') | list} | to_json }}
"""

URI_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: token
      ansible.builtin.uri:
        url: "{{ authority_host }}/{{ tenant_id }}/oauth2/v2.0/token"
        method: POST
        body_format: form-urlencoded
        body:
          grant_type: client_credentials
          client_id: "{{ client_id }}"
          client_secret: "{{ client_secret }}"
          scope: "{{ graph_url }}/.default"
        ca_path: "{{ ca_path }}"
      register: token
      no_log: true
    - name: invite
      ansible.builtin.uri:
        url: "{{ graph_url }}/v1.0/invitations"
        method: POST
        headers:
          Authorization: "Bearer {{ token.json.access_token }}"
        body_format: json
        body:
          invitedUserEmailAddress: "{{ item.email }}"
          inviteRedirectUrl: "https://myapps.microsoft.com/?tenantid={{ tenant_id }}"
          sendInvitationMessage: false
        status_code: [201]
        ca_path: "{{ ca_path }}"
      loop: "{{ people }}"
      register: invited
      until: invited.status != 429
      retries: 10
      delay: 5
      ignore_errors: true
    - name: summary
      ansible.builtin.copy:
        dest: "{{ out }}"
        content: "{{ {'failed': invited.results | selectattr('failed') | list | length} | to_json }}"
"""


def measure(emu, work, label, play_text, addresses, latency_ms, scale=1.0):
    """One playbook run on the emulator as it is now; returns a table row."""
    emu.admin("POST", "/_emulator/latency", {"ms": latency_ms})
    emu.admin("POST", "/_emulator/log/clear")
    run_dir = tempfile.mkdtemp(prefix="run-", dir=work)
    play = os.path.join(run_dir, "play.yml")
    with open(play, "w") as f:
        f.write(play_text)
    out = os.path.join(run_dir, "summary.json")
    env = {"ENTRA_TOKEN_CACHE_DIR": os.path.join(run_dir, "tokens"), "ANSIBLE_REMOTE_TMP": os.path.join(run_dir, "tmp")}
    seconds = run_playbook(play, emu, env=env, args=["-e", "@" + write_vars(run_dir, emu, addresses),
                                                     "-e", "out=" + out])
    with open(out) as f:
        summary = json.load(f)
    log = emu.admin("GET", "/_emulator/log")["requests"]
    wire = [e for e in log if not e["batch_item"]]
    invites = [e for e in log if e["method"] == "POST" and e["path"].endswith("/invitations")]
    throttled = [e for e in log if e["status"] == 429]
    guests = [u for u in emu.admin("GET", "/_emulator/tenants/%s" % emu.tenants["hub"]["id"])["data"]["users"].values()
              if u.get("creationType") == "Invitation"]
    failures = summary["failed"] if isinstance(summary["failed"], int) else len(addresses) - len(guests)
    n = len(addresses)
    # the invitation phase alone, from the emulator's clock: first to last POST /invitations answered
    phase = (invites[-1]["time"] + invites[-1].get("ms", 0) / 1000.0 - invites[0]["time"]) if invites else 0.0

    def scaled(value, fmt="%d"):
        return fmt % (value * scale) if scale == 1.0 else (fmt + " (%s)") % (value * scale, fmt % value)
    row = {"latency": "%d ms" % latency_ms, "run": label, "guests": "%d" % (n * scale) if scale == 1.0
           else "%d (ran %d, x%g)" % (n * scale, n, scale),
           "HTTP requests": scaled(len(wire)), "invite attempts": scaled(len(invites)),
           "429s": scaled(len(throttled)), "failures": scaled(failures),
           "guests in tenant": scaled(len(guests)), "seconds": scaled(seconds, "%.1f"),
           "x bound": "%.2f" % (seconds * scale / (n * scale / RATE)) if invites else "-",
           "invite phase s": scaled(phase, "%.1f") if invites else "-"}
    if summary.get("msg"):
        sys.stderr.write("%s: %s\n" % (label, summary["msg"][:500]))
    return row, seconds, len(wire)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--guests", type=int, default=1000)
    p.add_argument("--uri-guests", type=int, default=200, help="people the uri loop invites (scaled to --guests)")
    p.add_argument("--latency-ms", type=int, nargs="+", default=[0], help="added latency per request")
    p.add_argument("--replication-delay", default="1-4", help="the emulator's --replication-delay")
    p.add_argument("--no-uri", action="store_true", help="skip the ansible.builtin.uri loop")
    args = p.parse_args()
    work = tempfile.mkdtemp(prefix="bench-guests-")
    addresses = people(args.guests)
    emu = Emulator(seed_file(addresses, work), ["--fault-probability", "0", "--replication-delay",
                                                args.replication_delay])
    rows, checks = [], []
    try:
        for latency in args.latency_ms:
            emu.reset()
            first, first_s, _unused = measure(emu, work, "guest_invitation, first run", MODULE_PLAY, addresses, latency)
            again, again_s, again_req = measure(emu, work, "guest_invitation, re-run", MODULE_PLAY, addresses, latency)
            rows += [first, again]
            checks.append((latency, first, again_req))
            if not args.no_uri:
                emu.reset()
                n = min(args.uri_guests, args.guests)
                uri, uri_s, uri_req = measure(emu, work, "ansible.builtin.uri loop, first run", URI_PLAY,
                                              addresses[:n], latency, scale=args.guests / float(n))
                rows.append(uri)
                first_req = int(first["HTTP requests"])
                rows.append({"latency": "%d ms" % latency, "run": "uri loop / guest_invitation first run",
                             "HTTP requests": "%.1fx" % (uri_req * args.guests / float(n) / first_req),
                             "seconds": "%.1fx" % (uri_s * args.guests / float(n) / first_s)})
                rows.append({"latency": "%d ms" % latency, "run": "uri loop / guest_invitation re-run",
                             "HTTP requests": "%.1fx" % (uri_req * args.guests / float(n) / again_req),
                             "seconds": "%.1fx" % (uri_s * args.guests / float(n) / again_s)})
    finally:
        emu.stop()
    print("%d guests invited into one tenant on the emulator (Graph: 150 invitations / 5 s / tenant, bound %.1f s); "
          "uri loop run for %d and scaled linearly, measured value in brackets"
          % (args.guests, args.guests / RATE, min(args.uri_guests, args.guests)))
    print(table(rows, ["latency", "run", "guests", "HTTP requests", "invite attempts", "429s", "failures",
                       "guests in tenant", "seconds", "x bound", "invite phase s"]))
    problems = []
    for latency, first, again_req in checks:
        if first["failures"] != "0" or first["429s"] != "0" or first["invite attempts"] != str(args.guests):
            problems.append("%d ms: first run had failures, 429s or extra attempts" % latency)
        if again_req > 60:
            problems.append("%d ms: re-run took %d HTTP requests (> 60)" % (latency, again_req))
    if problems:
        raise SystemExit("FAIL: " + "; ".join(problems))


if __name__ == "__main__":
    main()
