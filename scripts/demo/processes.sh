# shellcheck shell=bash
# Sourced by scripts/demo.sh: the processes (start and stop hubs and agents, wait for them to
# listen or connect, stop what a previous --keep left running).

start_hub() {
  local name=$1 log=$DEMO/hubs/$1.log
  touch "$log"
  local mark; mark=$(wc -l <"$log")
  "$HUB_BIN" --config "$DEMO/hubs/$name.toml" >>"$log" 2>&1 &
  HUB_PID[$name]=$!
  echo "${HUB_PID[$name]}" >"$DEMO/hubs/$name.pid"
  local deadline=$((SECONDS + 20))
  until tail -n +$((mark + 1)) "$log" | grep -q "docaxis-hub $name listening on"; do
    if ! kill -0 "${HUB_PID[$name]}" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
      tail -20 "$log" >&2
      die "hub $name did not start"
    fi
    sleep 0.1
  done
}

# SIGTERM, then wait (the hub exits 0 once its listener and dispatcher are down).
stop_pid() {  # PID WHAT
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 150; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "demo: $2 (pid $pid) ignored SIGTERM for 15 s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}
stop_hub() {
  [ -n "${HUB_PID[$1]:-}" ] || return 0
  stop_pid "${HUB_PID[$1]}" "hub $1"
  unset "HUB_PID[$1]"
  rm -f "$DEMO/hubs/$1.pid"
}

start_agent() {
  local organ=$1 d; d=$(agent_dir "$1")
  "$AGENT_BIN" run --config "$d/agent.toml" >>"$d/agent.log" 2>&1 &
  AGENT_PID[$organ]=$!
  local deadline=$((SECONDS + 30)) seen
  seen=$(grep -c '^CONNECTED' "$d/agent.log" 2>/dev/null || true)
  while [ "$(grep -c '^CONNECTED' "$d/agent.log" 2>/dev/null || true)" -le "${seen:-0}" ]; do
    kill -0 "${AGENT_PID[$organ]}" 2>/dev/null || { tail "$d/agent.log" >&2; die "agent $organ exited"; }
    [ $SECONDS -lt $deadline ] || { tail "$d/agent.log" >&2; die "agent $organ did not connect"; }
    sleep 0.1
  done
}
stop_agent() {
  [ -n "${AGENT_PID[$1]:-}" ] || return 0
  stop_pid "${AGENT_PID[$1]}" "agent $1"
  unset "AGENT_PID[$1]"
}

KEEP_HUBS=0
cleanup() {
  local rc=$?
  set +e
  for organ in "${!AGENT_PID[@]}"; do stop_agent "$organ"; done
  if [ "$KEEP_HUBS" = 1 ]; then return; fi
  for name in "${!HUB_PID[@]}"; do stop_hub "$name"; done
  [ $rc -eq 0 ] || echo "demo: stopped every process it started (exit $rc)" >&2
}

# Stops the hubs a previous --keep left running. A pid is trusted only while its command line
# still names this demo's configuration file.
stop_kept() {
  local name pid stopped=0
  for name in "${HUBS[@]}"; do
    [ -f "$DEMO/hubs/$name.pid" ] || continue
    pid=$(cat "$DEMO/hubs/$name.pid")
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--config $DEMO/hubs/$name.toml"; then
      stop_pid "$pid" "hub $name"
      echo "stopped hub $name (pid $pid)"
      stopped=1
    fi
    rm -f "$DEMO/hubs/$name.pid"
  done
  [ $stopped = 1 ] || echo "no demo hub was running"
  rm -f "$DEMO/federation.json"
}
