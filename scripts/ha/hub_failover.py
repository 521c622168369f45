#!/usr/bin/env python3
"""Three hub nodes over the replicated store; kill a node under load; nothing accepted is lost.

  hub_failover.py --build BUILD --pki PKI [--variant primary|sync-standby|hub] [--before S]
                  [--after S] [--rate N] [--dir D] [--ttl S] [--keep]

Starts the three-node PostgreSQL cluster of ha_cluster.py and, beside each of its nodes, a
docaxis-hub (`[store] backend = "postgresql"`, one hub `h30` with three nodes `hub0..hub2`, each
its own process group). Two docaxis-agents in folder mode, each given all three hub addresses
(`[hub] failover_urls`): 000.00.13.H30 sends (it signs), starting on hub0; 000.00.01.G12
receives, starting on hub1. The script drops `--rate` packages a second into the sender's
outbox and, `--before` seconds in, kills:
  primary       the primary PostgreSQL's whole node (etcd, Patroni, PostgreSQL) and its hub;
  sync-standby  the synchronous standby's node and its hub;
  hub           only the hub process beside the primary (the database stays).
It keeps sending for `--after` seconds, then drains and checks:
  - every package the sender's agent reported SENT (accepted) reached the recipient's inbox
    with the same SHA-256 as the file in the sender's sent/ folder and as the store's row;
  - every one has its signed receipt back in the sender's receipts/;
  - no package was refused (FAILED), no duplicate-conflict;
  - the audit chain (in the database, one for all nodes) has a record for at least every
    accepted package and verifies (`docaxis receipt pull`, then `docaxis receipt verify`).
Prints one line of figures:
  ha hub-failover variant=V sent=N delivered=D receipts=R failed=F longest_gap_ms=G
    missing=M mismatched=X audit=ok|bad
`longest_gap_ms`: the longest time between two SENT answers while the script was sending (the
failover as the sender saw it). Exit codes: 0 all checks passed; 1 a check failed; 2 setup;
77 skipped (patroni, etcd or postgresql-15 missing: named on stderr).
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import store_failover as sf  # noqa: E402  (free_base, cluster, roles, node_with)
from hub_nodes import (RECIPIENT, SENDER, SetupError, kill_group,  # noqa: E402
                       missing_packages, start_nodes)

FIRST_ID = "000.00.13.H30,2024/03/15,74/STTTT-VP"


def agent_toml(root, pki, organ, urls, sign):
    first, rest = urls[0], urls[1:]
    return f"""# docaxis-agent for {organ}: written by scripts/ha/hub_failover.py
[hub]
url = "{first}"
failover_urls = [{", ".join('"' + u + '"' for u in rest)}]
server_name = "localhost"
outcome_timeout_seconds = 60

[tls]
cert_file = "{pki}/organs/{organ}.fullchain.pem"
key_file = "{pki}/organs/{organ}.key"
trust_file = "{pki}/trust-anchors.pem"

[sign]
enabled = {"true" if sign else "false"}

[folders]
root = "{root}"
poll_interval_ms = 50

[send]
max_in_flight = 16
retry_first_seconds = 1
retry_max_seconds = 2
"""


class Lines:
    """A child's standard output, line by line, each with the time it was read."""

    def __init__(self, proc, log_path):
        self.proc, self.lines, self.mu = proc, [], threading.Lock()
        self.log = open(log_path, "w")
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            t = time.monotonic()
            self.log.write(line)
            self.log.flush()
            with self.mu:
                self.lines.append((t, line.rstrip("\n")))

    def snapshot(self):
        with self.mu:
            return list(self.lines)


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", required=True)
    ap.add_argument("--pki", required=True)
    ap.add_argument("--variant", default="primary", choices=["primary", "sync-standby", "hub"])
    ap.add_argument("--before", type=float, default=8)
    ap.add_argument("--after", type=float, default=30)
    ap.add_argument("--rate", type=float, default=10)
    ap.add_argument("--drain", type=float, default=120)
    ap.add_argument("--dir")
    ap.add_argument("--ttl", type=int, default=8)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--narrate", action="store_true")
    a = ap.parse_args()

    def say(msg):  # --narrate: what happens, for scripts/demo.sh --ha
        if a.narrate:
            print(f"  {msg}", flush=True)
    missing = missing_packages()
    if missing:
        print(f"hub_failover: skipped: {', '.join(missing)} not installed (scripts/install-deps.sh)",
              file=sys.stderr)
        return 77
    hub_bin = os.path.join(a.build, "hub/server/docaxis-hub")
    agent_bin = os.path.join(a.build, "adapters/agent/docaxis-agent")
    cli_bin = os.path.join(a.build, "hub/cli/docaxis")
    fixtures = os.path.join(a.build, "tests/support/docaxis-fixtures")
    for b in (hub_bin, agent_bin, cli_bin, fixtures):
        if not os.access(b, os.X_OK):
            print(f"hub_failover: no program {b} (build first)", file=sys.stderr)
            return 2
    pki = os.path.abspath(a.pki)
    d = os.path.abspath(a.dir or tempfile.mkdtemp(prefix="docaxis-ha-hubs-"))
    os.makedirs(d, exist_ok=True)
    hubs, agents = {}, {}
    try:
        try:
            c, conninfo, env, urls = start_nodes(d, pki, hub_bin, a.ttl, hubs)
        except SetupError as e:
            print(f"hub_failover: {e}", file=sys.stderr)
            return 2
        n = len(c["nodes"])
        say(f"the cluster: {n} nodes (etcd + Patroni + PostgreSQL 15), synchronous replication; "
            f"beside each a docaxis-hub node of hub h30: {', '.join(urls)}")
        roots = {}
        for organ, order, sign in ((SENDER, [0, 1, 2], True), (RECIPIENT, [1, 2, 0], False)):
            root = os.path.join(d, "agents", organ)
            os.makedirs(root, exist_ok=True)
            roots[organ] = root
            with open(os.path.join(root, "agent.toml"), "w") as f:
                f.write(agent_toml(root, pki, organ, [urls[k] for k in order if k < n], sign))
            p = subprocess.Popen([agent_bin, "run", "--config", os.path.join(root, "agent.toml")],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                 start_new_session=True)
            agents[organ] = (p, Lines(p, os.path.join(d, f"agent-{organ}.log")))
        base_file = os.path.join(d, "base.edxml")
        subprocess.run([fixtures, "document", "-o", base_file, "--from", SENDER, "--to", RECIPIENT],
                       check=True, capture_output=True)
        base = open(base_file, encoding="utf-8").read()
        if FIRST_ID not in base:
            print(f"hub_failover: the generated package has no DocumentId {FIRST_ID}", file=sys.stderr)
            return 2
        outbox = os.path.join(roots[SENDER], "outbox")
        os.makedirs(outbox, exist_ok=True)

        say(f"two docaxis-agents, each given the three hub URLs ([hub] failover_urls): {SENDER} "
            f"sends (signs) from hub0, {RECIPIENT} receives from hub1")
        say(f"steady load: {a.rate:g} signed packages a second into {SENDER}'s outbox; the "
            f"{a.variant} node killed {a.before:g} s in, then {a.after:g} s more")
        # Steady load; the kill `before` seconds in.
        dropped, t0, killed = 0, time.monotonic(), None
        stop_at = t0 + a.before + a.after
        while time.monotonic() < stop_at:
            now = time.monotonic()
            while dropped < int((now - t0) * a.rate):
                name = f"p{dropped:06d}.edxml"
                tmp = os.path.join(d, name + ".tmp")
                with open(tmp, "w", encoding="utf-8") as f:
                    f.write(base.replace(FIRST_ID, f"{SENDER},2026/12/07,{dropped}/HA"))
                os.rename(tmp, os.path.join(outbox, name))
                dropped += 1
            if killed is None and now - t0 >= a.before:
                role = "sync_standby" if a.variant == "sync-standby" else "leader"
                target = sf.node_with(d, role)
                if target is None:
                    print(f"hub_failover: no {role} to kill: {sf.roles(d)}", file=sys.stderr)
                    return 1
                k = int(target.replace("node", ""))
                kill_group(hubs[k])
                hubs[k].wait()
                if a.variant != "hub":
                    sf.cluster("kill-node", "--dir", d, "--node", target, "--signal", "KILL")
                killed = (k, target, now - t0)
                print(f"hub_failover: {a.variant}: node{k} (hub{k}) killed {now - t0:.1f} s in",
                      flush=True)
            time.sleep(0.02)
        send_end = time.monotonic()
        say(f"sending stopped: {dropped} packages dropped; waiting until every accepted one is "
            f"delivered and its receipt back (at most {a.drain:g} s)")

        # Drain: every SENT package delivered, every receipt back.
        def sent_names():
            out = {}
            for t, line in agents[SENDER][1].snapshot():
                m = re.match(r"SENT (\S+) edoc .*?(?: as=(\S+))?$", line)
                if m:
                    out[m.group(1)] = (t, m.group(2) or m.group(1))
            return out

        def received(organ, kind):
            out = []
            for _, line in agents[organ][1].snapshot():
                m = re.match(r"(?:RECEIVED|DUPLICATE) (\S+) messagetype=(\S+) document-id=(\S+)", line)
                if m and m.group(2) == kind:
                    out.append((m.group(1), m.group(3)))
            return out

        until = time.monotonic() + a.drain
        while time.monotonic() < until:
            sent = sent_names()
            if len(sent) >= dropped and len(received(RECIPIENT, "edoc")) >= len(sent) and \
                    len(received(SENDER, "receipt")) >= len(sent):
                break
            time.sleep(0.5)
        sent = sent_names()
        got = received(RECIPIENT, "edoc")
        receipts = received(SENDER, "receipt")
        failed = [l for _, l in agents[SENDER][1].snapshot() if l.startswith("FAILED")]

        # Compare bytes: sent/ file, recipient's file, the store's row.
        got_by_id = {doc: path for path, doc in got}
        missing, mismatched = [], []
        for name, (_, as_name) in sorted(sent.items()):
            i = int(name[1:7])
            doc = f"{SENDER},2026/12/07,{i}/HA"
            path = got_by_id.get(doc)
            sent_path = os.path.join(roots[SENDER], "sent", as_name)
            if path is None:
                missing.append(doc)
                continue
            if not os.path.isabs(path):
                path = os.path.join(roots[RECIPIENT], path)
            if os.path.exists(sent_path) and sha256_file(sent_path) != sha256_file(path):
                mismatched.append(doc)
        store_sha = {}
        q = subprocess.run(["psql", conninfo, "-At", "-F", "|", "-c",
                            "SELECT document_id, sha256_hex FROM packages WHERE message_type = 'edoc'"],
                           env=dict(env, PGCONNECT_TIMEOUT="5"), capture_output=True, text=True)
        for line in q.stdout.splitlines():
            doc, _, sha = line.partition("|")
            store_sha[doc] = sha
        for path, doc in got:
            full = path if os.path.isabs(path) else os.path.join(roots[RECIPIENT], path)
            if doc in store_sha and os.path.exists(full) and sha256_file(full) != store_sha[doc]:
                mismatched.append(doc + " (store)")

        times = sorted(t for t, _ in sent.values() if t <= send_end)
        gap = max((b - x for x, b in zip(times, times[1:])), default=0.0)
        # The audit chain is in the database (one chain for every node): pulled as segment
        # files and verified offline.
        audit_ok = True
        export = os.path.join(d, f"audit-export-{int(time.time())}")
        pull = subprocess.run([cli_bin, "receipt", "pull", "--conninfo", conninfo, "--out", export],
                              env=env, capture_output=True, text=True)
        m = re.search(r"pulled (\d+) records", pull.stdout)
        audit_records = int(m.group(1)) if m else 0
        if pull.returncode != 0 or audit_records < len(sent):
            audit_ok = False
            print(f"hub_failover: receipt pull: {pull.stdout.strip()} {pull.stderr.strip()}",
                  file=sys.stderr)
        else:
            v = subprocess.run([cli_bin, "receipt", "verify", "--hub-cert", f"{pki}/hubs/h30.crt",
                                export], capture_output=True, text=True)
            if v.returncode != 0:
                audit_ok = False
                print(f"hub_failover: the audit chain: {v.stdout.strip()} {v.stderr.strip()}",
                      file=sys.stderr)
        conflict = any("duplicate-conflict" in l for _, l in agents[SENDER][1].snapshot())
        print(f"ha hub-failover variant={a.variant} sent={len(sent)} dropped={dropped} "
              f"delivered={len(got)} receipts={len(receipts)} failed={len(failed)} "
              f"longest_gap_ms={int(gap * 1000)} missing={len(missing)} mismatched={len(mismatched)} "
              f"conflict={'yes' if conflict else 'no'} audit={'ok' if audit_ok else 'bad'} "
              f"audit_records={audit_records} "
              f"killed={killed[1] if killed else 'none'}", flush=True)
        say(f"checked: each delivered package's SHA-256 = the sent file's = the store's row; "
            f"the audit chain pulled from the database and verified ({audit_records} records)")
        if missing:
            print("hub_failover: missing: " + ", ".join(missing[:10]), file=sys.stderr)
        ok = (not missing and not mismatched and not failed and not conflict and audit_ok
              and len(sent) == dropped and len(receipts) >= len(sent))
        return 0 if ok else 1
    finally:
        if not a.keep:
            for p, _ in agents.values():
                kill_group(p, signal.SIGTERM)
            for h in hubs.values():
                kill_group(h, signal.SIGTERM)
            time.sleep(1)
            for h in list(hubs.values()) + [p for p, _ in agents.values()]:
                kill_group(h)
            sf.cluster("stop", "--dir", d, check=False)
            if not a.dir:
                shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
