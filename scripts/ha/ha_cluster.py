#!/usr/bin/env python3
"""A PostgreSQL 15 cluster for docaxis high availability, on 127.0.0.1 only (issue 17).

Three nodes, each one process group of its own: an etcd member and a Patroni that manages a
PostgreSQL server (Patroni starts the postmaster in a session of its own; `kill-node` kills
both groups). Synchronous streaming replication: Patroni's synchronous_mode and
synchronous_mode_strict, synchronous_commit = on, so a COMMIT returns only once a standby has
flushed it; failover by Patroni (leader TTL --ttl, 8 s by default, HA loop every 1 s); pg_rewind brings an old primary back.

  ha_cluster.py start  --dir D [--base-port P] [--nodes 3]   start, wait for a leader and a
                                                             synchronous standby; write D/cluster.json
  ha_cluster.py status --dir D                               each member's role, state and lag
  ha_cluster.py wait   --dir D [--timeout S]                 until a leader and a sync standby
  ha_cluster.py kill-node  --dir D --node N [--signal KILL|STOP|CONT]
  ha_cluster.py start-node --dir D --node N                  restart a killed node
  ha_cluster.py stop   --dir D                               stop everything (SIGTERM, then KILL)

cluster.json (a file format: version 1): {"version": 1, "conninfo": libpq multi-host conninfo
of the read-write server, "nodes": [{"name", "pg_port", "patroni_url", "etcd_url", "pgid",
"data_dir"}], "password_file"}. The database is "docaxis", its owner "docaxis".
Exit codes: 0 done, 1 the cluster did not reach the state asked for, 2 usage.
"""
import argparse
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

PG_BIN = "/usr/lib/postgresql/15/bin"
SCOPE = "docaxis"


def die(msg, code=1):
    print(f"ha_cluster: {msg}", file=sys.stderr)
    sys.exit(code)


def ports(base, i):
    b = base + 10 * i
    return {"pg": b, "patroni": b + 1, "etcd_client": b + 2, "etcd_peer": b + 3}


def run_as():
    """Postgres refuses to run as root: the node runs as the `postgres` system user then."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        die("running as root needs the postgres system user (package postgresql-15)", 2)


def patroni_yaml(d, i, n, base, pw, ttl):
    p = ports(base, i)
    etcd_hosts = ",".join(f"127.0.0.1:{ports(base, k)['etcd_client']}" for k in range(n))
    node = os.path.join(d, f"node{i}")
    return f"""scope: {SCOPE}
name: node{i}
log:
  level: INFO
  dir: {node}/log
restapi:
  listen: 127.0.0.1:{p['patroni']}
  connect_address: 127.0.0.1:{p['patroni']}
etcd:
  hosts: {etcd_hosts}
  protocol: http
bootstrap:
  dcs:
    ttl: {ttl}
    loop_wait: 1
    retry_timeout: {(ttl - 1) // 2}
    maximum_lag_on_failover: 0
    synchronous_mode: true
    synchronous_mode_strict: true
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        synchronous_commit: "on"
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        wal_keep_size: 256MB
  initdb:
    - encoding: UTF8
    - data-checksums
  pg_hba:
    - local all all trust
    - host replication replicator 127.0.0.1/32 scram-sha-256
    - host all all 127.0.0.1/32 scram-sha-256
  post_bootstrap: {node}/post_bootstrap.sh
postgresql:
  basebackup:
    - checkpoint: fast
  listen: 127.0.0.1:{p['pg']}
  connect_address: 127.0.0.1:{p['pg']}
  data_dir: {node}/data
  bin_dir: {PG_BIN}
  pgpass: {node}/pgpass
  authentication:
    superuser: {{username: postgres, password: "{pw}"}}
    replication: {{username: replicator, password: "{pw}"}}
    rewind: {{username: rewinder, password: "{pw}"}}
  parameters:
    unix_socket_directories: {node}
    fsync: "on"
tags:
  nofailover: false
  noloadbalance: false
"""


def spawn(cmd, log_path, user):
    """A new process group (setsid) running cmd, as `user` when given."""
    log = open(log_path, "ab")
    def pre():
        os.setsid()
        if user is not None:
            os.setgid(user.pw_gid)
            os.setuid(user.pw_uid)
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            preexec_fn=pre, close_fds=True)
    return proc.pid


def start_node(d, i, n, base, user):
    p = ports(base, i)
    node = os.path.join(d, f"node{i}")
    etcd_cluster = ",".join(f"e{k}=http://127.0.0.1:{ports(base, k)['etcd_peer']}" for k in range(n))
    state = "existing" if os.path.isdir(os.path.join(node, "etcd", "member")) else "new"
    etcd_cmd = ["etcd", "--name", f"e{i}", "--data-dir", f"{node}/etcd",
                "--listen-client-urls", f"http://127.0.0.1:{p['etcd_client']}",
                "--advertise-client-urls", f"http://127.0.0.1:{p['etcd_client']}",
                "--listen-peer-urls", f"http://127.0.0.1:{p['etcd_peer']}",
                "--initial-advertise-peer-urls", f"http://127.0.0.1:{p['etcd_peer']}",
                "--initial-cluster", etcd_cluster, "--initial-cluster-state", state,
                "--initial-cluster-token", f"{SCOPE}-{base}", "--enable-v2=true",
                "--heartbeat-interval", "100", "--election-timeout", "1000"]
    # One process group per node: etcd, then Patroni in the same group (a shell that execs
    # both keeps them together; Patroni's postmaster gets a session of its own).
    script = os.path.join(node, "run.sh")
    with open(script, "w") as f:
        f.write("#!/bin/sh\n" + " ".join(f"'{a}'" for a in etcd_cmd) + f" >>'{node}/log/etcd.log' 2>&1 &\n"
                f"exec patroni '{node}/patroni.yml' >>'{node}/log/patroni.out' 2>&1\n")
    os.chmod(script, 0o755)
    if user is not None:
        os.chown(script, user.pw_uid, user.pw_gid)
    return spawn(["/bin/sh", script], os.path.join(node, "log", "run.out"), user)


def load(d):
    try:
        with open(os.path.join(d, "cluster.json")) as f:
            return json.load(f)
    except OSError as e:
        die(f"no cluster in {d}: {e}", 2)


def save(d, c):
    tmp = os.path.join(d, "cluster.json.tmp")
    with open(tmp, "w") as f:
        json.dump(c, f, indent=2)
    os.replace(tmp, os.path.join(d, "cluster.json"))


def patroni_get(url, path, timeout=2):
    try:
        with urllib.request.urlopen(url + path, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        try:
            return e.code, json.loads(e.read() or b"{}")
        except ValueError:
            return e.code, {}
    except (OSError, ValueError):
        return None, {}


def members(c):
    for node in c["nodes"]:
        code, body = patroni_get(node["patroni_url"], "/cluster")
        if code == 200:
            return body.get("members", [])
    return []


def healthy(c):
    ms = members(c)
    leader = [m for m in ms if m.get("role") == "leader" and m.get("state") == "running"]
    sync = [m for m in ms if m.get("role") == "sync_standby" and m.get("state") in ("running", "streaming")]
    return (leader[0]["name"] if leader else None), [m["name"] for m in sync]


def wait_healthy(c, timeout):
    until = time.time() + timeout
    while time.time() < until:
        leader, sync = healthy(c)
        if leader and sync:
            return leader, sync
        time.sleep(0.5)
    return None, []


def cmd_start(a):
    d = os.path.abspath(a.dir)
    if os.path.exists(os.path.join(d, "cluster.json")):
        die(f"{d} already holds a cluster (stop it, or choose another --dir)", 2)
    user = run_as()
    os.makedirs(d, exist_ok=True)
    pw = secrets.token_hex(16)
    nodes = []
    for i in range(a.nodes):
        node = os.path.join(d, f"node{i}")
        os.makedirs(os.path.join(node, "log"), exist_ok=True)
        with open(os.path.join(node, "patroni.yml"), "w") as f:
            f.write(patroni_yaml(d, i, a.nodes, a.base_port, pw, a.ttl))
        with open(os.path.join(node, "post_bootstrap.sh"), "w") as f:
            f.write("#!/bin/sh\nset -e\n"
                    f"psql -v ON_ERROR_STOP=1 -h '{node}' -p {ports(a.base_port, i)['pg']} -U postgres -d postgres <<'SQL'\n"
                    f"CREATE ROLE docaxis LOGIN PASSWORD '{pw}';\nCREATE DATABASE docaxis OWNER docaxis;\nSQL\n")
        os.chmod(os.path.join(node, "post_bootstrap.sh"), 0o755)
        p = ports(a.base_port, i)
        nodes.append({"name": f"node{i}", "pg_port": p["pg"],
                      "patroni_url": f"http://127.0.0.1:{p['patroni']}",
                      "etcd_url": f"http://127.0.0.1:{p['etcd_client']}",
                      "data_dir": os.path.join(node, "data"), "pgid": 0})
    with open(os.path.join(d, "password"), "w") as f:
        f.write(pw + "\n")
    os.chmod(os.path.join(d, "password"), 0o600)
    if user is not None:
        for root, dirs, files in os.walk(d):
            for x in dirs + files:
                os.chown(os.path.join(root, x), user.pw_uid, user.pw_gid)
        os.chown(d, user.pw_uid, user.pw_gid)
    hosts = ",".join("127.0.0.1" for _ in nodes)
    pg_ports = ",".join(str(n["pg_port"]) for n in nodes)
    c = {"version": 1, "base_port": a.base_port, "password_file": os.path.join(d, "password"),
         "conninfo": f"host={hosts} port={pg_ports} dbname=docaxis user=docaxis "
                     f"target_session_attrs=read-write connect_timeout=2",
         "nodes": nodes}
    for i, node in enumerate(nodes):
        node["pgid"] = start_node(d, i, a.nodes, a.base_port, user)
    save(d, c)
    leader, sync = wait_healthy(c, a.timeout)
    if not leader:
        die(f"no leader with a synchronous standby within {a.timeout} s (logs in {d}/node*/log)")
    print(f"ha_cluster: leader {leader}, synchronous standby {','.join(sync)}; {d}/cluster.json")


def postmaster_pgid(node):
    try:
        with open(os.path.join(node["data_dir"], "postmaster.pid")) as f:
            pid = int(f.readline().strip())
        return os.getpgid(pid)
    except (OSError, ValueError):
        return None


def descendants(pid):
    """pid's children, grandchildren, ... (from /proc), deepest last."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def signal_node(node, sig):
    """The whole node: its process group (etcd, Patroni) and the postmaster with every one of
    its processes. PostgreSQL's backends, walsenders and auxiliary processes each run in a
    session of their own (setsid), so a signal to the postmaster's group would leave them
    serving: a frozen node would go on committing, a killed one would linger."""
    if node.get("pgid"):
        try:
            os.killpg(node["pgid"], sig)
        except ProcessLookupError:
            pass
    try:
        with open(os.path.join(node["data_dir"], "postmaster.pid")) as f:
            postmaster = int(f.readline().strip())
    except (OSError, ValueError):
        return
    for pid in [postmaster] + descendants(postmaster):  # the postmaster first: it forks no more
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def cmd_kill_node(a):
    c = load(a.dir)
    node = find_node(c, a.node)
    signal_node(node, getattr(signal, "SIG" + a.signal))
    print(f"ha_cluster: SIG{a.signal} to {node['name']}")


def find_node(c, name):
    for node in c["nodes"]:
        if node["name"] == name or node["name"] == f"node{name}":
            return node
    die(f"no node {name}", 2)


def cmd_start_node(a):
    c = load(a.dir)
    node = find_node(c, a.node)
    i = c["nodes"].index(node)
    node["pgid"] = start_node(os.path.abspath(a.dir), i, len(c["nodes"]), c["base_port"], run_as())
    save(a.dir, c)
    print(f"ha_cluster: {node['name']} started")


def cmd_status(a):
    c = load(a.dir)
    for m in members(c):
        print(f"{m.get('name')} {m.get('role')} {m.get('state')} timeline={m.get('timeline')} lag={m.get('lag', 0)}")


def cmd_wait(a):
    c = load(a.dir)
    leader, sync = wait_healthy(c, a.timeout)
    if not leader:
        die(f"no leader with a synchronous standby within {a.timeout} s")
    print(f"ha_cluster: leader {leader}, synchronous standby {','.join(sync)}")


def cmd_stop(a):
    c = load(a.dir)
    for node in c["nodes"]:
        signal_node(node, signal.SIGCONT)
        signal_node(node, signal.SIGTERM)
    until = time.time() + 15
    while time.time() < until and any(alive(n) for n in c["nodes"]):
        time.sleep(0.3)
    for node in c["nodes"]:
        signal_node(node, signal.SIGKILL)
    os.replace(os.path.join(a.dir, "cluster.json"), os.path.join(a.dir, "cluster.stopped.json"))
    print("ha_cluster: stopped")


def alive(node):
    pgid = postmaster_pgid(node)
    for g in (node.get("pgid"), pgid):
        if g:
            try:
                os.killpg(g, 0)
                return True
            except ProcessLookupError:
                pass
    return False


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("start")
    s.add_argument("--dir", required=True)
    s.add_argument("--base-port", type=int, default=25400)
    s.add_argument("--nodes", type=int, default=3, choices=[3, 5])
    s.add_argument("--timeout", type=float, default=120)
    s.add_argument("--ttl", type=int, default=8,
                   help="Patroni's leader TTL, s (failover takes about this plus 1-2 s)")
    for name in ("status", "stop"):
        sub.add_parser(name).add_argument("--dir", required=True)
    w = sub.add_parser("wait")
    w.add_argument("--dir", required=True)
    w.add_argument("--timeout", type=float, default=60)
    k = sub.add_parser("kill-node")
    k.add_argument("--dir", required=True)
    k.add_argument("--node", required=True)
    k.add_argument("--signal", default="KILL", choices=["KILL", "STOP", "CONT", "TERM"])
    r = sub.add_parser("start-node")
    r.add_argument("--dir", required=True)
    r.add_argument("--node", required=True)
    a = ap.parse_args()
    if shutil.which("patroni") is None or shutil.which("etcd") is None or not os.path.exists(PG_BIN):
        die("needs patroni, etcd (etcd-server) and postgresql-15 (scripts/install-deps.sh)", 2)
    {"start": cmd_start, "status": cmd_status, "wait": cmd_wait, "kill-node": cmd_kill_node,
     "start-node": cmd_start_node, "stop": cmd_stop}[a.cmd](a)


if __name__ == "__main__":
    main()
