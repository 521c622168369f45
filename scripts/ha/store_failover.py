#!/usr/bin/env python3
"""Kill a node of the replicated store under steady writes; check nothing accepted is lost.

  store_failover.py --probe PATH [--variant primary|sync-standby|freeze] [--before S]
                    [--after S] [--writers N] [--dir D] [--base-port P] [--keep]

Starts a three-node cluster (ha_cluster.py) unless --dir already holds one, runs
`ha_store_probe write` (PgStore through the multi-host conninfo, every answer journaled), and
`--before` seconds in:
  primary       SIGKILL to the primary's whole node (Patroni, etcd, PostgreSQL);
  sync-standby  SIGKILL to the synchronous standby's node;
  freeze        SIGSTOP to the primary's node for the leader TTL + 6 s, then SIGCONT: it must
                come back as a replica.
The probe writes for `--after` more seconds. A killed node is then started again and must
rejoin as a replica (rewound when it was the primary); then `ha_store_probe verify` checks
every accepted package on the primary with its SHA-256. Prints one line of figures:
  ha store-failover variant=V accepted=N not_accepted=... longest_gap_ms=G missing=M
    mismatched=X rejoined=yes|no
Exit codes: 0 every accepted package is there and the node rejoined; 1 otherwise; 2 setup;
77 skipped (patroni, etcd or postgresql-15 missing: named on stderr).
"""
import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CLUSTER = [sys.executable, os.path.join(HERE, "ha_cluster.py")]


def free_base():
    for _ in range(200):
        base = random.randrange(30000, 60000, 10)
        try:
            socks = []
            for i in range(3):
                for off in range(4):
                    s = socket.socket()
                    s.bind(("127.0.0.1", base + 10 * i + off))
                    socks.append(s)
            for s in socks:
                s.close()
            return base
        except OSError:
            for s in socks:
                s.close()
    sys.exit("store_failover: no free port range")


def cluster(*args, check=True):
    r = subprocess.run(CLUSTER + list(args), capture_output=True, text=True)
    if check and r.returncode != 0:
        print(r.stdout + r.stderr, file=sys.stderr)
        raise SystemExit(f"store_failover: ha_cluster.py {' '.join(args)} failed ({r.returncode})")
    return r.stdout


def roles(d):
    out = {}
    for line in cluster("status", "--dir", d, check=False).splitlines():
        f = line.split()
        if len(f) >= 3:
            out[f[0]] = (f[1], f[2])
    return out


def node_with(d, role):
    for name, (r, _) in roles(d).items():
        if r == role:
            return name
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--probe", required=True)
    ap.add_argument("--variant", default="primary", choices=["primary", "sync-standby", "freeze"])
    ap.add_argument("--before", type=float, default=5)
    ap.add_argument("--after", type=float, default=30)
    ap.add_argument("--writers", type=int, default=4)
    ap.add_argument("--dir")
    ap.add_argument("--base-port", type=int)
    ap.add_argument("--ttl", type=int, default=8)
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    missing = [p for p in ("patroni", "etcd") if shutil.which(p) is None]
    if not os.path.exists("/usr/lib/postgresql/15/bin/postgres"):
        missing.append("postgresql-15")
    if missing:
        print(f"store_failover: skipped: {', '.join(missing)} not installed (scripts/install-deps.sh)",
              file=sys.stderr)
        return 77
    if not os.access(a.probe, os.X_OK):
        print(f"store_failover: no probe at {a.probe}", file=sys.stderr)
        return 2
    d = a.dir or tempfile.mkdtemp(prefix="docaxis-ha-")
    own = not os.path.exists(os.path.join(d, "cluster.json"))
    if own:
        cluster("start", "--dir", d, "--base-port", str(a.base_port or free_base()), "--ttl", str(a.ttl))
    try:
        with open(os.path.join(d, "cluster.json")) as f:
            c = json.load(f)
        with open(c["password_file"]) as f:
            env = dict(os.environ, PGPASSWORD=f.read().strip())
        journal = os.path.join(d, f"journal-{int(time.time())}.txt")
        probe = subprocess.Popen([a.probe, "write", "--conninfo", c["conninfo"], "--journal", journal,
                                  "--seconds", str(a.before + a.after), "--writers", str(a.writers)],
                                 env=env, stdout=subprocess.PIPE, text=True)
        time.sleep(a.before)
        target = node_with(d, "leader" if a.variant in ("primary", "freeze") else "sync_standby")
        if target is None:
            print(f"store_failover: no {a.variant} to kill: {roles(d)}", file=sys.stderr)
            probe.kill()
            return 1
        if a.variant == "freeze":
            cluster("kill-node", "--dir", d, "--node", target, "--signal", "STOP")
            time.sleep(a.ttl + 6)
            cluster("kill-node", "--dir", d, "--node", target, "--signal", "CONT")
        else:
            cluster("kill-node", "--dir", d, "--node", target, "--signal", "KILL")
        print(f"store_failover: {a.variant}: {target} hit {a.before:.0f} s into the writes", flush=True)
        out, _ = probe.communicate(timeout=a.after + 300)
        print(out.strip(), flush=True)
        write_line = next((l for l in out.splitlines() if l.startswith("probe write:")), "")
        if a.variant != "freeze":
            cluster("start-node", "--dir", d, "--node", target)
        rejoined = False
        until = time.time() + 90
        while time.time() < until:
            r = roles(d).get(target)
            if r and r[0] in ("replica", "sync_standby") and r[1] in ("running", "streaming"):
                rejoined = True
                break
            time.sleep(1)
        cluster("wait", "--dir", d, "--timeout", "60", check=False)
        v = subprocess.run([a.probe, "verify", "--conninfo", c["conninfo"], "--journal", journal],
                           env=env, capture_output=True, text=True)
        print(v.stdout.strip())
        if v.stderr:
            print(v.stderr.strip(), file=sys.stderr)
        fig = dict(kv.split("=", 1) for kv in write_line.replace("probe write:", "").split() if "=" in kv)
        ver = dict(kv.split("=", 1) for kv in v.stdout.split() if "=" in kv)
        print(f"ha store-failover variant={a.variant} accepted={fig.get('accepted', '?')} "
              f"longest_gap_ms={fig.get('longest_gap_ms', '?')} missing={ver.get('missing', '?')} "
              f"mismatched={ver.get('mismatched', '?')} rejoined={'yes' if rejoined else 'no'} "
              f"roles={roles(d)}")
        return 0 if (v.returncode == 0 and rejoined and probe.returncode == 0) else 1
    finally:
        if own and not a.keep:
            cluster("stop", "--dir", d, check=False)
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
