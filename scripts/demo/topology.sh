# shellcheck shell=bash
# Sourced by scripts/demo.sh: the topology (which hubs, which organs each serves, peers, routes,
# ports) and the hub and agent configurations written from it.

# The federation: who serves whom.
HUBS=(h30 national g12)
ORGANS=(000.00.13.H30 000.00.31.H30 000.21.31.H30 000.00.00.G22 000.00.01.G12)
declare -A HUB_OF=([000.00.13.H30]=h30 [000.00.31.H30]=h30 [000.21.31.H30]=h30
                   [000.00.00.G22]=national [000.00.01.G12]=g12)
declare -A NAME_OF=([000.00.13.H30]="Sở Thông tin và Truyền thông Hòa Bình"
                    [000.00.31.H30]="UBND huyện (district)"
                    [000.21.31.H30]="UBND xã (commune)"
                    [000.00.00.G22]="Văn phòng Chính phủ"
                    [000.00.01.G12]="Bộ Tài chính")
declare -A LABEL=([000.00.13.H30]="province DIC" [000.00.31.H30]="district"
                  [000.21.31.H30]="commune" [000.00.00.G22]="Government Office"
                  [000.00.01.G12]="Ministry of Finance")
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
    local organ
    for organ in "${ORGANS[@]}"; do
      [ "${HUB_OF[$organ]}" = "$name" ] || continue
      printf '\n[[endpoints]]\norgan = "%s"\nname = "%s"\n' "$organ" "${NAME_OF[$organ]}"
    done
    peer() {  # NAME RELAY_FOR...
      local p=$1; shift
      local relay; relay=$(printf '"%s", ' "$@"); relay=${relay%, }
      printf '\n[[peers]]\nname = "%s"\nurl = "amqps://127.0.0.1:%s"\n' "$p" "${PORT[$p]}"
      # Pinned by the SHA-256 of its certificate (a subject alone could be issued again by any
      # CA of the anchors); the TLS name checked on the link is the URL's host, 127.0.0.1,
      # which the hub certificates carry as an IP subjectAltName.
      local fp
      fp=$(openssl x509 -in "$PKI/hubs/$p.crt" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : |
        tr 'A-F' 'a-f')
      printf 'cert_sha256 = "%s"\nrelay_for = [%s]\n' "$fp" "$relay"
    }
    route() { printf '\n[[routes]]\nsuffix = "%s"\nto = "%s"\n' "$1" "$2"; }
    case $name in
      h30)
        peer national "*"
        route .G12 national; route .G22 national; route .G14 national
        printf '\n[routing]\nauthoritative_for = [".H30"]\n' ;;
      national)
        peer h30 .H30; peer g12 .G12
        route .H30 h30; route .G12 g12
        printf '\n[routing]\nauthoritative_for = [".G22"]\n' ;;
      g12)
        peer national "*"
        route .H30 national; route .G22 national
        printf '\n[routing]\nauthoritative_for = [".G12"]\n' ;;
    esac
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
