# shellcheck shell=bash
# Sourced by scripts/demo.sh: the topology (which hubs, which organs each serves, peers, routes:
# tests/support/federation-topology.json; the ports) and the hub and agent configurations
# written from it.

# The federation: who serves whom, peers, routes (tests/support/federation-topology.json, the
# one description shared with tests/integration/federation_test.cpp and hub_bench --topology
# two-hop): HUBS, ORGANS, HUB_OF, NAME_OF and LABEL.
TOPOLOGY=$ROOT/tests/support/federation-topology.json
TOPOLOGY_DECLARATIONS=$("${HELPER[@]}" topology shell "$TOPOLOGY") ||
  { echo "demo: cannot read $TOPOLOGY" >&2; exit 2; }
eval "$TOPOLOGY_DECLARATIONS"
declare -A PORT VXP_PORT OPS_PORT HUB_PID AGENT_PID

# The axis HTTP API ([vxp], hub/vxp/README.md) on every hub, and on each hub one organ whose
# document system speaks only that API (no docaxis-agent): a hub refuses [vxp] without a system,
# and a system must act for an organ. These are organs of their own, not the topology's five,
# because an organ whose [[endpoints]] names a vxp_system gets neither its deliveries (an
# attached AMQP inbox would take them first) nor its receipts on AMQP: the five keep their
# agents and the checks of steps 1-6. Their keys are in the test PKI (scripts/make-test-pki.sh);
# each is its own system (id = organ id), its secret in demo/vxp/<system>.secret (0600).
# Step 7 (scripts/demo/api.sh) runs the agency of 000.00.04.G14 (g12) end to end.
API_ORGANS=(000.00.41.H30 000.00.05.G22 000.00.04.G14)
HUB_OF[000.00.41.H30]=h30 NAME_OF[000.00.41.H30]="Cục Thuế tỉnh Hòa Bình (axis HTTP API)"
LABEL[000.00.41.H30]="provincial tax office"
HUB_OF[000.00.05.G22]=national NAME_OF[000.00.05.G22]="Cổng Dịch vụ công quốc gia (axis HTTP API)"
LABEL[000.00.05.G22]="public service portal"
HUB_OF[000.00.04.G14]=g12 NAME_OF[000.00.04.G14]="Tổng cục Thuế (axis HTTP API)"
LABEL[000.00.04.G14]="tax department"
API_ORGAN=000.00.04.G14          # the one step 7 runs
VXP_PREFIX=/XrdAdapter/adapter
vxp_url() { echo "https://127.0.0.1:${VXP_PORT[$1]}$VXP_PREFIX"; }   # certificates: IP:127.0.0.1
vxp_secret() { echo "$DEMO/vxp/$1.secret"; }                          # SYSTEM
# The operator endpoint ([ops], hub/ops/README.md): plain HTTP on loopback.
status_url() { echo "http://127.0.0.1:${OPS_PORT[$1]}/status"; }
metrics_url() { echo "http://127.0.0.1:${OPS_PORT[$1]}/metrics"; }

# The API's shared secrets (one per system, alone in a 0600 file) and the directory of organs
# getAgenciesList answers from (the topology's organs and the API organs).
write_vxp_files() {
  mkdir -p "$DEMO/vxp"
  chmod 700 "$DEMO/vxp"
  local o extra=()
  for o in "${API_ORGANS[@]}"; do
    (umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(32))' >"$(vxp_secret "$o")")
    chmod 600 "$(vxp_secret "$o")"
    extra+=(--organ "$o" "${NAME_OF[$o]}")
  done
  "${HELPER[@]}" topology directory "$TOPOLOGY" "$DEMO/vxp/directory.json" "${extra[@]}"
}

hub_dir() { echo "$DEMO/hubs/$1"; }                            # the hub's data_dir
agent_dir() { echo "$DEMO/agents/$1"; }
who() { echo "${LABEL[$1]} $1"; }

# One hub's configuration (hub/config/README.md). Demo settings, on purpose: retries start after
# 1 s and a peer's circuit stays open 10 s, so the outage below drains within seconds.
write_hub_config() {
  local name=$1 f=$DEMO/hubs/$1.toml
  {
    cat <<EOF
# docaxis-hub $name: written by scripts/demo.sh (test PKI, loopback only).
[hub]
name = "$name"
data_dir = "$(hub_dir "$name")"

[listener.tls]
host = "127.0.0.1"
port = ${PORT[$name]}
cert_file = "$PKI/hubs/$name.crt"
key_file = "$PKI/hubs/$name.key"
chain_file = "$PKI/intermediate-ca.crt"
client_ca_files = ["$PKI/trust-anchors.pem"]

[trust]
anchor_files = ["$PKI/trust-anchors.pem"]
intermediate_files = ["$PKI/intermediates.pem"]
crl_files = ["$PKI/crl/all.pem"]

[signing]
key_file = "$PKI/hubs/$name.key"
cert_file = "$PKI/hubs/$name.crt"
chain_file = "$PKI/intermediate-ca.crt"

[retry]
first_retry_seconds = 1
max_interval_seconds = 10

[circuit_breaker]
failures_to_open = 5
open_seconds = 10

# The axis HTTP API, HTTPS with the listener's certificate (hub/vxp/README.md).
[vxp]
enabled = true
host = "127.0.0.1"
port = ${VXP_PORT[$name]}
path_prefix = "$VXP_PREFIX"
plain_http = false
directory_file = "$DEMO/vxp/directory.json"

# The operator endpoint: health checks, metrics and the status page (hub/ops/README.md).
[ops]
enabled = true
host = "127.0.0.1"
port = ${OPS_PORT[$name]}
EOF
    local o
    for o in "${API_ORGANS[@]}"; do
      [ "${HUB_OF[$o]}" = "$name" ] || continue
      cat <<EOF

[[vxp.systems]]
id = "$o"
secret_file = "$(vxp_secret "$o")"
EOF
    done
    # Endpoints, peers (pinned by the SHA-256 of their certificates), routes and
    # authoritative suffixes, from the topology file.
    local ports=() p
    for p in "${HUBS[@]}"; do ports+=("$p=${PORT[$p]}"); done
    "${HELPER[@]}" topology toml "$TOPOLOGY" "$name" "$PKI" "${ports[@]}"
    for o in "${API_ORGANS[@]}"; do
      [ "${HUB_OF[$o]}" = "$name" ] || continue
      cat <<EOF

# An organ on the axis HTTP API: its packages are signed with its certificate (UID binding, as
# for the others); it acts through the system $o, never through AMQP.
[[endpoints]]
organ = "$o"
name = "${NAME_OF[$o]}"
vxp_system = "$o"
EOF
    done
  } >"$f"
}

# One organ's document system: docaxis-agent folder mode (adapters/agent/README.md). It signs
# what it sends and answers every document it receives with status 01 (arrived).
write_agent_config() {
  local organ=$1 d; d=$(agent_dir "$1")
  mkdir -p "$d"
  cat >"$d/agent.toml" <<EOF
# docaxis-agent for $organ (${NAME_OF[$organ]}): written by scripts/demo.sh.
[hub]
url = "amqps://127.0.0.1:${PORT[${HUB_OF[$organ]}]}"
server_name = "localhost"          # the hub certificates carry DNS:localhost; IPs are not matched
outcome_timeout_seconds = 30

[tls]
cert_file = "$PKI/organs/$organ.fullchain.pem"
key_file = "$PKI/organs/$organ.key"
trust_file = "$PKI/trust-anchors.pem"

[organ]
name = "${NAME_OF[$organ]}"

[sign]
enabled = true

[folders]
poll_interval_ms = 100

[send]
retry_first_seconds = 1
retry_max_seconds = 5

[receive]
status_arrived = true
EOF
}
