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
declare -A PORT HUB_PID AGENT_PID

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
EOF
    # Endpoints, peers (pinned by the SHA-256 of their certificates), routes and
    # authoritative suffixes, from the topology file.
    local ports=() p
    for p in "${HUBS[@]}"; do ports+=("$p=${PORT[$p]}"); done
    "${HELPER[@]}" topology toml "$TOPOLOGY" "$name" "$PKI" "${ports[@]}"
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
