#!/usr/bin/env python3
"""One hub node on PostgreSQL against SQLite, in the same run (issue 17, BENCHMARKS.md).

  bench_store_backends.py --build BUILD [--rounds 3] [--seconds 15] [--warmup 4] [--rate 0]
                          [--standby]

Starts a private PostgreSQL 15 (initdb in a temporary folder, 127.0.0.1, fsync on,
synchronous_commit on, as the `postgres` user when run as root) and runs tests/bench/hub_bench
alternately on the SQLite store (fsync full) and on the PostgreSQL store (a fresh database per
run), `--rounds` times each, at saturation by default. With `--standby`, a streaming standby
(pg_basebackup) is started beside it and named in synchronous_standby_names: every commit then
waits for its flush, as in a cluster (but on the same disk and cores). Prints each run's
e2e line and one summary line:
  store-backends rounds=N sqlite_median=A postgresql_median=B ratio=B/A (delivered/s)
Exit codes: 0 done; 1 a run failed; 77 postgresql-15 missing.
"""
import argparse
import os
import pwd
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

PG_BIN = os.environ.get("DOCAXIS_PG_BIN", "/usr/lib/postgresql/15/bin")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Server:
    """One private PostgreSQL server (or standby) in `folder`."""

    def __init__(self, folder, port, as_postgres):
        self.folder, self.port, self.as_postgres = folder, port, as_postgres

    def run(self, argv, **kw):
        if self.as_postgres:
            argv = ["runuser", "-u", "postgres", "--"] + argv
        return subprocess.run(argv, check=True, capture_output=True, text=True, **kw)

    def start(self):
        self.run([f"{PG_BIN}/pg_ctl", "-D", self.folder, "-l", self.folder + ".log", "-w", "start"])

    def stop(self):
        try:
            self.run([f"{PG_BIN}/pg_ctl", "-D", self.folder, "-m", "immediate", "-w", "stop"])
        except subprocess.CalledProcessError:
            pass


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--warmup", type=float, default=4)
    ap.add_argument("--rate", default="0")
    ap.add_argument("--standby", action="store_true")
    a = ap.parse_args()
    if not os.path.exists(f"{PG_BIN}/postgres"):
        print("bench_store_backends: skipped: postgresql-15 not installed", file=sys.stderr)
        return 77
    bench = os.path.join(a.build, "tests/bench/hub_bench")
    as_postgres = os.geteuid() == 0
    top = tempfile.mkdtemp(prefix="docaxis-store-bench-")
    if as_postgres:
        pw = pwd.getpwnam("postgres")
        os.chown(top, pw.pw_uid, pw.pw_gid)
    primary = Server(os.path.join(top, "primary"), free_port(), as_postgres)
    standby = None
    try:
        primary.run([f"{PG_BIN}/initdb", "-D", primary.folder, "-U", "postgres", "-A", "trust",
                     "-E", "UTF8", "--no-locale"])
        with open(os.path.join(primary.folder, "postgresql.conf"), "a") as f:
            f.write(f"listen_addresses = '127.0.0.1'\nport = {primary.port}\n"
                    f"unix_socket_directories = '{top}'\nfsync = on\nsynchronous_commit = on\n"
                    "max_connections = 100\nshared_buffers = 256MB\nwal_level = replica\n")
        with open(os.path.join(primary.folder, "pg_hba.conf"), "a") as f:
            f.write("host replication all 127.0.0.1/32 trust\n")
        primary.start()
        psql = [f"{PG_BIN}/psql", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
                "-v", "ON_ERROR_STOP=1", "-qAt"]
        subprocess.run(psql + ["-c", "CREATE ROLE docaxis LOGIN"], check=True, capture_output=True)
        if a.standby:
            standby = Server(os.path.join(top, "standby"), free_port(), as_postgres)
            primary.run([f"{PG_BIN}/pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port),
                         "-U", "postgres", "-D", standby.folder, "-R", "-X", "stream",
                         "-d", f"host=127.0.0.1 port={primary.port} user=postgres application_name=standby1"])
            with open(os.path.join(standby.folder, "postgresql.conf"), "a") as f:
                f.write(f"port = {standby.port}\n")
            standby.start()
            subprocess.run(psql + ["-c", "ALTER SYSTEM SET synchronous_standby_names = 'standby1'"],
                           check=True, capture_output=True)
            subprocess.run(psql + ["-c", "SELECT pg_reload_conf()"], check=True, capture_output=True)
            for _ in range(100):
                r = subprocess.run(psql + ["-c", "SELECT sync_state FROM pg_stat_replication"],
                                   capture_output=True, text=True)
                if "sync" in r.stdout:
                    break
                time.sleep(0.2)
            else:
                print("bench_store_backends: the standby never became synchronous", file=sys.stderr)
                return 1
        rates = {"sqlite": [], "postgresql": []}
        for rnd in range(a.rounds):
            for backend in ("sqlite", "postgresql"):
                argv = [bench, "--rate", a.rate, "--seconds", str(a.seconds), "--warmup", str(a.warmup)]
                if backend == "postgresql":
                    db = f"bench_{rnd}"
                    subprocess.run(psql + ["-c", f"CREATE DATABASE {db} OWNER docaxis"], check=True,
                                   capture_output=True)
                    conninfo = f"host=127.0.0.1 port={primary.port} dbname={db} user=docaxis"
                    argv += ["--store-toml", f'backend = "postgresql"\npostgresql_conninfo = "{conninfo}"\n'
                             f'require_synchronous_standby = {"true" if a.standby else "false"}']
                r = subprocess.run(argv, capture_output=True, text=True)
                line = next((l for l in r.stdout.splitlines() if l.startswith("e2e ")), "")
                print(f"{backend} round {rnd + 1}: {line or r.stdout[-400:] + r.stderr[-400:]}", flush=True)
                m = re.search(r"delivered/s=([\d.]+)", line)
                if r.returncode != 0 or not m or "result=ok" not in line:
                    return 1
                rates[backend].append(float(m.group(1)))
        s, p = statistics.median(rates["sqlite"]), statistics.median(rates["postgresql"])
        print(f"store-backends rounds={a.rounds} standby={'yes' if a.standby else 'no'} "
              f"sqlite_median={s:.1f} postgresql_median={p:.1f} ratio={p / s:.2f} (delivered/s)")
        return 0
    finally:
        if standby:
            standby.stop()
        primary.stop()
        shutil.rmtree(top, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
