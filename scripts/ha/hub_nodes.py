#!/usr/bin/env python3
"""Three docaxis-hub nodes (one hub `h30`) beside the three database nodes of ha_cluster.py.

  hub_nodes.py start --build BUILD --pki PKI --dir D [--ttl S] [--out FILE]
  hub_nodes.py stop --dir D

`start` starts the PostgreSQL/Patroni/etcd cluster in D (ha_cluster.py) and, beside each of its
nodes, a docaxis-hub (`[store] backend = "postgresql"`, node `hub<i>`, its own process group,
D/hub<i>/{hub.toml,hub.log,data/}), waits until every hub listens, writes D/hubs.json (the hubs'
process groups, for `stop`) and FILE (default D/ha.json; shape version 1 in scripts/ha/README.md)
and returns, leaving everything running, idle. `stop` stops the hubs (SIGTERM, SIGKILL after
10 s; a group is signalled only while its process still runs this D's hub.toml) and the cluster.
Exit codes: 0 done; 1 a hub or the cluster did not start; 2 usage or setup; 77 patroni, etcd or
postgresql-15 missing (named on stderr). scripts/ha/hub_failover.py uses the same functions.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import store_failover as sf  # noqa: E402  (free_base, cluster)

SENDER = "000.00.13.H30"
RECIPIENT = "000.00.01.G12"
ORGANS = (SENDER, RECIPIENT)


class SetupError(Exception):
    pass


def missing_packages():
    missing = [p for p in ("patroni", "etcd") if shutil.which(p) is None]
    if not os.path.exists("/usr/lib/postgresql/15/bin/postgres"):
        missing.append("postgresql-15")
    return missing


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def hub_toml(d, i, pki, port, conninfo, admin_sock):
    return f"""# docaxis-hub node hub{i} of hub h30: written by scripts/ha/hub_nodes.py
[hub]
name = "h30"
data_dir = "{d}/hub{i}/data"

[listener.tls]
host = "127.0.0.1"
port = {port}
cert_file = "{pki}/hubs/h30.crt"
key_file = "{pki}/hubs/h30.key"
chain_file = "{pki}/intermediate-ca.crt"
client_ca_files = ["{pki}/trust-anchors.pem"]

[trust]
anchor_files = ["{pki}/trust-anchors.pem"]
intermediate_files = ["{pki}/intermediates.pem"]
crl_files = ["{pki}/crl/all.pem"]

[signing]
key_file = "{pki}/hubs/h30.key"
cert_file = "{pki}/hubs/h30.crt"
chain_file = "{pki}/intermediate-ca.crt"

[store]
backend = "postgresql"
postgresql_conninfo = "{conninfo}"
node = "hub{i}"
require_synchronous_standby = true

[limits]
delivery_timeout_seconds = 5

[retry]
first_retry_seconds = 1
max_interval_seconds = 2
sweeper_interval_seconds = 1
in_flight_timeout_seconds = 10

[admin]
socket = "{admin_sock}"

[[endpoints]]
organ = "{SENDER}"

[[endpoints]]
organ = "{RECIPIENT}"
"""


def start_hub(binary, d, i, env):
    log = open(f"{d}/hub{i}/hub.log", "a")
    return subprocess.Popen([binary, "--config", f"{d}/hub{i}/hub.toml"], stdout=log,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                            start_new_session=True)


def wait_port(d, i, timeout=60):
    path = f"{d}/hub{i}/data/hub.port"
    until = time.time() + timeout
    while time.time() < until:
        if os.path.exists(path) and open(path).read().strip():
            return True
        time.sleep(0.2)
    return False


def kill_group(proc, sig=signal.SIGKILL):
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def start_nodes(d, pki, hub_bin, ttl, hubs):
    """The cluster, then one hub per database node (each Popen put in `hubs` as it starts, so
    that the caller can stop them whatever happens). Returns (cluster, conninfo, env, urls)."""
    sf.cluster("start", "--dir", d, "--base-port", str(sf.free_base()), "--ttl", str(ttl))
    with open(os.path.join(d, "cluster.json")) as f:
        c = json.load(f)
    with open(c["password_file"]) as f:
        pw = f.read().strip()
    pgpass = os.path.join(d, "pgpass")
    with open(os.open(pgpass, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        f.write(f"*:*:docaxis:docaxis:{pw}\n")
    env = dict(os.environ, PGPASSFILE=pgpass)
    conninfo = c["conninfo"].strip()
    if "connect_timeout" not in conninfo:
        conninfo += " connect_timeout=3"
    n = len(c["nodes"])
    ports = [free_port() for _ in range(n)]
    for i in range(n):
        os.makedirs(f"{d}/hub{i}/data", mode=0o700, exist_ok=True)
        with open(f"{d}/hub{i}/hub.toml", "w") as f:
            f.write(hub_toml(d, i, pki, ports[i], conninfo, f"{d}/hub{i}/admin.sock"))
        hubs[i] = start_hub(hub_bin, d, i, env)
    for i in range(n):
        if not wait_port(d, i):
            raise SetupError(f"hub{i} did not start:\n" + open(f"{d}/hub{i}/hub.log").read()[-3000:])
    return c, conninfo, env, [f"amqps://127.0.0.1:{p}" for p in ports]


def describe(d, pki, c, conninfo, urls, hubs):
    """ha.json, version 1 (scripts/ha/README.md; README.md's demo section)."""
    nodes = []
    for i, node in enumerate(c["nodes"]):
        nodes.append({"name": f"hub{i}", "amqp_url": urls[i], "server_name": "localhost",
                      "hub_pgid": hubs[i].pid, "database_node": node["name"],
                      "pg_port": node["pg_port"], "patroni_url": node["patroni_url"],
                      "etcd_url": node["etcd_url"], "db_pgid": node["pgid"],
                      "pg_data_dir": node["data_dir"], "data_dir": f"{d}/hub{i}/data",
                      "config": f"{d}/hub{i}/hub.toml", "log": f"{d}/hub{i}/hub.log",
                      "admin": f"{d}/hub{i}/admin.sock"})
    return {
        "version": 1, "hub": "h30", "cluster_dir": d, "conninfo": conninfo,
        "password_file": c["password_file"], "pgpass_file": os.path.join(d, "pgpass"),
        "nodes": nodes,
        "organs": [{"id": o, "hub": "h30", "cert": f"{pki}/organs/{o}.crt",
                    "key": f"{pki}/organs/{o}.key", "chain": f"{pki}/organs/{o}.chain.pem",
                    "fullchain": f"{pki}/organs/{o}.fullchain.pem"} for o in ORGANS],
        "trust_anchors": f"{pki}/trust-anchors.pem",
        "intermediates": f"{pki}/intermediates.pem",
        "crl": f"{pki}/crl/all.pem",
    }


def write_json(path, doc):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def runs_config(pgid, config):
    try:
        with open(f"/proc/{pgid}/cmdline", "rb") as f:
            return config.encode() in f.read()
    except OSError:
        return False


def cmd_start(a):
    missing = missing_packages()
    if missing:
        print(f"hub_nodes: skipped: {', '.join(missing)} not installed (scripts/install-deps.sh)",
              file=sys.stderr)
        return 77
    hub_bin = os.path.join(a.build, "hub/server/docaxis-hub")
    if not os.access(hub_bin, os.X_OK):
        print(f"hub_nodes: no program {hub_bin} (build first)", file=sys.stderr)
        return 2
    d, pki = os.path.abspath(a.dir), os.path.abspath(a.pki)
    os.makedirs(d, exist_ok=True)
    hubs = {}
    try:
        c, conninfo, _, urls = start_nodes(d, pki, hub_bin, a.ttl, hubs)
    except (SetupError, SystemExit) as e:
        print(f"hub_nodes: {e}", file=sys.stderr)
        for h in hubs.values():
            kill_group(h)
        sf.cluster("stop", "--dir", d, check=False)
        return 1
    write_json(os.path.join(d, "hubs.json"),
               {"hubs": [{"pgid": h.pid, "config": f"{d}/hub{i}/hub.toml"} for i, h in hubs.items()]})
    out = os.path.abspath(a.out or os.path.join(d, "ha.json"))
    write_json(out, describe(d, pki, c, conninfo, urls, hubs))
    print(f"hub_nodes: {len(hubs)} hub nodes on {', '.join(urls)}; {out}", flush=True)
    return 0


def cmd_stop(a):
    d = os.path.abspath(a.dir)
    try:
        with open(os.path.join(d, "hubs.json")) as f:
            hubs = json.load(f)["hubs"]
    except (OSError, ValueError, KeyError):
        hubs = []
    live = [h for h in hubs if runs_config(h["pgid"], h["config"])]
    for sig in (signal.SIGTERM, None, signal.SIGKILL):
        if sig is None:
            until = time.time() + 10
            while time.time() < until and any(runs_config(h["pgid"], h["config"]) for h in live):
                time.sleep(0.2)
            continue
        for h in live:
            if runs_config(h["pgid"], h["config"]):
                try:
                    os.killpg(h["pgid"], sig)
                except ProcessLookupError:
                    pass
    if os.path.exists(os.path.join(d, "cluster.json")):
        sf.cluster("stop", "--dir", d, check=False)
    for name in ("hubs.json",):
        try:
            os.remove(os.path.join(d, name))
        except OSError:
            pass
    print(f"hub_nodes: stopped {len(live)} hub nodes and the cluster in {d}")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("start")
    s.add_argument("--build", required=True)
    s.add_argument("--pki", required=True)
    s.add_argument("--dir", required=True)
    s.add_argument("--ttl", type=int, default=8)
    s.add_argument("--out")
    t = sub.add_parser("stop")
    t.add_argument("--dir", required=True)
    a = ap.parse_args()
    return cmd_start(a) if a.cmd == "start" else cmd_stop(a)


if __name__ == "__main__":
    sys.exit(main())
