# shellcheck shell=bash
# Sourced by scripts/demo.sh after dependencies, build and PKI: --ha (the high-availability run,
# scripts/ha/hub_failover.py narrated; exit 1 when a check fails) and --ha --keep (the cluster
# and the three hub nodes left running, idle, described by demo/ha.json). stop_ha stops what
# --ha --keep left (demo/ha/hubs.json and demo/ha/cluster.json record the process groups).

HA_DIR=$DEMO/ha
HA_RUN_DIR=$DEMO/ha-run
HA_NODES=(python3 "$ROOT/scripts/ha/hub_nodes.py")

stop_ha() {
  if [ -f "$HA_DIR/hubs.json" ] || [ -f "$HA_DIR/cluster.json" ]; then
    "${HA_NODES[@]}" stop --dir "$HA_DIR"
  else
    echo "no demo HA cluster was running"
  fi
  rm -f "$DEMO/ha.json"
}

ha_demo() {
  if [ -f "$HA_DIR/hubs.json" ] || [ -f "$HA_DIR/cluster.json" ]; then
    step "stopping the HA cluster a previous --ha --keep left running"
    stop_ha
  fi
  rm -rf "$HA_DIR" "$HA_RUN_DIR" "$DEMO/ha.json"
  if [ "$MODE" = ha-keep ]; then
    step "--ha --keep: three database nodes (etcd + Patroni + PostgreSQL 15) and three docaxis-hub nodes"
    info "one hub h30 in three nodes, [store] backend = \"postgresql\", beside each database node; idle"
    local rc=0
    "${HA_NODES[@]}" start --build "$BUILD" --pki "$PKI" --dir "$HA_DIR" --out "$DEMO/ha.json" || rc=$?
    [ $rc -ne 77 ] || die "patroni, etcd or postgresql-15 missing after scripts/install-deps.sh"
    [ $rc -eq 0 ] || die "the HA cluster did not start (logs: demo/ha/node*/log, demo/ha/hub*/hub.log)"
    python3 - "$DEMO/ha.json" <<'EOF'
import json, sys
h = json.load(open(sys.argv[1]))
for n in h["nodes"]:
    print(f"  ✓ {n['name']}: {n['amqp_url']} (hub pgid {n['hub_pgid']}); {n['database_node']}: "
          f"PostgreSQL port {n['pg_port']}, Patroni {n['patroni_url']} (pgid {n['db_pgid']})")
print(f"  conninfo: {h['conninfo']}  (password: {h['password_file']})")
EOF
    info "demo/ha.json describes them (shape: README.md, scripts/ha/README.md)"
    info "kill a node:  kill -KILL -<hub_pgid>; python3 scripts/ha/ha_cluster.py kill-node --dir demo/ha --node nodeN"
    info "roles:        python3 scripts/ha/ha_cluster.py status --dir demo/ha"
    info "stop it all:  ./scripts/demo.sh --stop"
    return 0
  fi

  step "high availability: one hub in three nodes on a replicated PostgreSQL, the primary's node killed under load"
  info "scripts/ha/hub_failover.py (ctest ha.HubNodesKeepEveryAcceptedPackageWhenThePrimaryNodeIsKilled,"
  info "here with the demo's PKI; the cluster, hubs and agents in demo/ha-run/, removed when it passes)"
  local rc=0 t; t=$(now)
  mkdir -p "$HA_RUN_DIR"
  python3 "$ROOT/scripts/ha/hub_failover.py" --build "$BUILD" --pki "$PKI" --dir "$HA_RUN_DIR" \
    --variant primary --before 8 --after 20 --rate 10 --narrate 2>"$HA_RUN_DIR/stderr.log" |
    tee "$HA_RUN_DIR/stdout.log" || rc=$?
  [ $rc -ne 77 ] || die "patroni, etcd or postgresql-15 missing after scripts/install-deps.sh"
  local line; line=$(grep '^ha hub-failover ' "$HA_RUN_DIR/stdout.log" || true)
  [ -n "$line" ] || { cat "$HA_RUN_DIR/stderr.log" >&2; die "hub_failover.py gave no figures (exit $rc; demo/ha-run/)"; }
  declare -A f=()
  local kv
  for kv in ${line#ha hub-failover }; do f[${kv%%=*}]=${kv#*=}; done
  step "figures"
  info "packages dropped into the sender's outbox: ${f[dropped]}, accepted (SENT): ${f[sent]}"
  info "delivered to the recipient:              ${f[delivered]} (missing ${f[missing]}, bytes mismatched ${f[mismatched]})"
  info "signed receipts back at the sender:      ${f[receipts]}"
  info "refused (FAILED): ${f[failed]}, duplicate-conflict: ${f[conflict]}"
  info "killed: ${f[killed]} (the primary PostgreSQL's node, etcd, Patroni and its hub)"
  info "longest pause between two accepted packages: ${f[longest_gap_ms]} ms (the failover as the sender saw it)"
  info "audit chain (one for the three nodes, in the database): ${f[audit]}, ${f[audit_records]} records"
  info "time: $(since "$t")"
  if [ $rc -ne 0 ]; then
    sed 's/^/  /' "$HA_RUN_DIR/stderr.log" >&2
    die "the HA check failed (exit $rc; logs in demo/ha-run/)"
  fi
  ok "every accepted package delivered with the bytes sent, its receipt back, nothing refused"
  rm -rf "$HA_RUN_DIR"
}
