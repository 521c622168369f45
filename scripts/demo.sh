#!/usr/bin/env bash
# The docaxis demo: a federation of three hubs on loopback, and agencies exchanging signed
# edXML documents through it.
#
#   ./scripts/demo.sh               install what is missing, build, make the test PKI, run the
#                                   federation demo, stop everything (exit 1 if anything
#                                   expected did not happen: it doubles as a smoke test)
#   ./scripts/demo.sh --keep        the same, then leave the three hubs running (no agents) and
#                                   write demo/federation.json (its shape: README.md)
#   ./scripts/demo.sh --stop        stop the hubs left running by --keep
#   ./scripts/demo.sh --foundation  the foundation demo: sign, verify, forgeries refused
#
# The federation:
#   h30       Hòa Bình provincial hub: 000.00.13.H30 (Department of Information and
#             Communications), 000.00.31.H30 (a district), 000.21.31.H30 (a commune)
#   national  the national axis: 000.00.00.G22 (Government Office)
#   g12       Ministry of Finance hub: 000.00.01.G12
#   h30 <-> national <-> g12 (mutual TLS between hubs; each organ's document system is a
#   docaxis-agent in folder mode under demo/agents/<organ>/).
#
# Environment: JOBS (build parallelism, default: number of cores), DOCAXIS_SHARED_DIR (the
# shared test material, default ../shared).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SHARED=${DOCAXIS_SHARED_DIR:-$ROOT/../shared}
SAMPLES=$SHARED/edxml-samples
DEMO=$ROOT/demo
PKI=$DEMO/pki
BUILD=$ROOT/build
JOBS=${JOBS:-$(nproc)}
HELPER=(python3 "$ROOT/scripts/demo_helper.py")
DOCAXIS=$BUILD/hub/cli/docaxis
HUB_BIN=$BUILD/hub/server/docaxis-hub
AGENT_BIN=$BUILD/adapters/agent/docaxis-agent

MODE=run
case "${1:-}" in
  "") ;;
  --keep) MODE=keep ;;
  --stop) MODE=stop ;;
  --foundation) MODE=foundation ;;
  -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: $0 [--keep | --stop | --foundation]" >&2; exit 2 ;;
esac

if [ -t 1 ]; then B=$'\033[1m'; G=$'\033[32m'; R=$'\033[31m'; D=$'\033[2m'; N=$'\033[0m'
else B=; G=; R=; D=; N=; fi
step() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
ok() { printf '  %s✓%s %s\n' "$G" "$N" "$*"; }
info() { printf '  %s\n' "$*"; }
dim() { printf '  %s%s%s\n' "$D" "$*" "$N"; }
now() { echo "${EPOCHREALTIME/[.,]/}"; }                       # microseconds
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", (b - a) / 1e6 }'; }

# ---------------------------------------------------------------------------------------------
# The foundation demo (the first version of this script): one signed package, forgeries refused.
foundation_demo() {
  local OUT=$DEMO/foundation
  mkdir -p "$OUT"
  local VERIFY=("$DOCAXIS" verify --trust "$PKI/trust-anchors.pem" --intermediate "$PKI/intermediates.pem"
                --crl "$PKI/crl/all.pem")
  step "an edXML package from 000.00.13.H30 to the Ministry of Finance 000.00.01.G12"
  "${HELPER[@]}" document "$SAMPLES/edoc_new.edxml" "$OUT/document.edxml" \
    --from "000.00.13.H30=Sở Thông tin và Truyền thông Hòa Bình" --to "000.00.01.G12=Bộ Tài chính" \
    --id "000.00.13.H30,$(date +%Y/%m/%d),1/STTTT-VP" --number 1 --notation STTTT-VP \
    --date "$(date +%Y/%m/%d)" --timestamp "$(date '+%Y/%m/%d %H:%M:%S')" \
    --subject "V/v kết nối, liên thông phần mềm quản lý văn bản"
  step "sign (enveloped XML-DSig, exc-C14N, RSA-SHA256, certificate chain in X509Data)"
  "$DOCAXIS" sign --key "$PKI/organs/000.00.13.H30.key" --cert "$PKI/organs/000.00.13.H30.crt" \
    --chain "$PKI/intermediates.pem" -o "$OUT/signed.edxml" "$OUT/document.edxml"
  echo "signed: demo/foundation/signed.edxml ($(wc -c <"$OUT/signed.edxml") bytes)"
  step "verify with the hub's policy"
  "${VERIFY[@]}" "$OUT/signed.edxml"
  step "tamper: one character of the subject changed after signing"
  sed 's/V\/v kết nối/V\/v kết nốt/' "$OUT/signed.edxml" >"$OUT/tampered.edxml"
  "${VERIFY[@]}" "$OUT/tampered.edxml" || echo "(refused, exit $?)"
  step "impersonation: the district 000.00.31.H30 signs a package claiming From 000.00.13.H30"
  "$DOCAXIS" sign --key "$PKI/organs/000.00.31.H30.key" --cert "$PKI/organs/000.00.31.H30.crt" \
    --chain "$PKI/intermediates.pem" -o "$OUT/impersonation.edxml" "$OUT/document.edxml" ||
    echo "(docaxis sign refuses, exit $?; signing it with the xmlsec1 command instead)"
  python3 - "$OUT/document.edxml" "$OUT/impersonation-template.edxml" <<'PY'
import sys
s = open(sys.argv[1], encoding="utf-8").read()
tmpl = ('<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo>'
        '<CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
        '<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
        '<Reference URI=""><Transforms>'
        '<Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
        '<Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></Transforms>'
        '<DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue/>'
        '</Reference></SignedInfo><SignatureValue/><KeyInfo><X509Data/></KeyInfo></Signature>')
s = s.replace("</edXML:edXMLHeader>", tmpl + "</edXML:edXMLHeader>", 1)
open(sys.argv[2], "w", encoding="utf-8").write(s)
PY
  xmlsec1 --sign --privkey-pem "$PKI/organs/000.00.31.H30.key,$PKI/organs/000.00.31.H30.crt" \
    --output "$OUT/impersonation.edxml" "$OUT/impersonation-template.edxml"
  "${VERIFY[@]}" "$OUT/impersonation.edxml" || echo "(refused, exit $?)"
  step "revoked certificate"
  sed 's/000.00.13.H30/000.00.92.H30/' "$OUT/document.edxml" >"$OUT/revoked-doc.edxml"
  "$DOCAXIS" sign --key "$PKI/special/revoked.key" --cert "$PKI/special/revoked.crt" \
    --chain "$PKI/intermediates.pem" -o "$OUT/revoked.edxml" "$OUT/revoked-doc.edxml"
  "${VERIFY[@]}" "$OUT/revoked.edxml" || echo "(refused, exit $?)"
  step "a real package from the official SDK (its <Signature> is not XML-DSig)"
  "${VERIFY[@]}" "$SAMPLES/received_from_vxp_2019_sdk_sample.edxml" || echo "(refused, exit $?)"
  "${VERIFY[@]}" --allow-unsigned "$SAMPLES/received_from_vxp_2019_sdk_sample.edxml"
  step "done: files in demo/foundation/"
}

# ---------------------------------------------------------------------------------------------
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
die() {
  printf '\n%sFAILED: %s%s\n' "$R" "$*" "$N" >&2
  printf '%s(logs: demo/hubs/*.log, demo/agents/*/agent.log)%s\n' "$D" "$N" >&2
  exit 1
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

# Waits until COMMAND prints something (its output goes to $FOUND); dies after TIMEOUT s.
await() {  # TIMEOUT WHAT COMMAND...
  local timeout=$1 what=$2; shift 2
  local deadline=$((SECONDS + timeout))
  while :; do
    FOUND=$("$@" 2>/dev/null || true)
    [ -n "$FOUND" ] && return 0
    [ $SECONDS -lt $deadline ] || die "$what: nothing after ${timeout} s"
    sleep 0.1
  done
}

# ---------------------------------------------------------------------------------------------
if [ "$MODE" = stop ]; then
  stop_kept
  exit 0
fi

[ -f "$SAMPLES/edoc_new.edxml" ] ||
  { echo "demo: no edXML samples in $SAMPLES (set DOCAXIS_SHARED_DIR)" >&2; exit 2; }
T0=$(now)
step "dependencies (scripts/install-deps.sh)"
./scripts/install-deps.sh
step "build: docaxis, docaxis-hub, docaxis-agent (build/, RelWithDebInfo)"
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" --target docaxis docaxis-hub docaxis-agent -j"$JOBS" | tail -1
step "test PKI in demo/pki (test material only: never use it for anything real)"
./scripts/make-test-pki.sh "$PKI"

if [ "$MODE" = foundation ]; then
  foundation_demo
  exit 0
fi

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if ls "$DEMO"/hubs/*.pid >/dev/null 2>&1; then
  step "stopping the federation a previous --keep left running"
  stop_kept
fi
T1=$(now)

step "three hubs on 127.0.0.1"
rm -rf "$DEMO/hubs" "$DEMO/agents" "$DEMO/docs" "$DEMO/federation.json"
mkdir -p "$DEMO/hubs" "$DEMO/docs"
read -r PORT[h30] PORT[national] PORT[g12] < <("${HELPER[@]}" ports 3)
for name in "${HUBS[@]}"; do write_hub_config "$name"; done
for name in "${HUBS[@]}"; do
  "$HUB_BIN" --config "$DEMO/hubs/$name.toml" --check-config >/dev/null ||
    die "demo/hubs/$name.toml does not validate"
done
for name in "${HUBS[@]}"; do
  start_hub "$name"
  organs=""
  for organ in "${ORGANS[@]}"; do [ "${HUB_OF[$organ]}" = "$name" ] && organs+=" $organ"; done
  ok "$(grep -m1 "listening on" "$DEMO/hubs/$name.log")   serves$organs"
done
# Four peer links: h30 -> national, national -> h30, national -> g12, g12 -> national.
for link in h30:national national:h30 national:g12 g12:national; do
  await 20 "peer link ${link/:/ -> }" grep -m1 "docaxis-hub ${link%%:*}: peer ${link##*:}: connected" \
    "$DEMO/hubs/${link%%:*}.log"
  ok "${FOUND#docaxis-hub }"
done
dim "configurations: demo/hubs/{h30,national,g12}.toml; logs: demo/hubs/*.log"

step "document systems: docaxis-agent (folder mode) for each organ"
for organ in "${ORGANS[@]}"; do
  write_agent_config "$organ"
  start_agent "$organ"
  ok "$(who "$organ") -> hub ${HUB_OF[$organ]}   demo/agents/$organ/{outbox,sent,inbox,receipts}"
done

# ---------------------------------------------------------------------------------------------
# The exchanges. Every expectation is awaited; a missing one stops the demo with exit 1.
DATE=$(date +%Y/%m/%d)
RUN=$(date +%H%M%S)
SERIAL=0
DOCS_SENT=0 DELIVERED=0 STATUSES=0 RECEIPTS=0 REFUSED=0
declare -a PENDING_RECEIPTS   # "sender|recipient|sent file|what", checked by check_receipts

existing() { local f; for f; do [ ! -e "$f" ] || { echo "$f"; return; }; done; }

# Drops FILE into an agent's outbox (written under a dot-name, then renamed in) and waits until
# the hub accepted it (the agent moves it to sent/). Sets SENT to the file in sent/.
drop() {  # ORGAN FILE
  local d; d=$(agent_dir "$1")
  local base; base=$(basename "$2")
  cp "$2" "$d/outbox/.$base.part"
  mv "$d/outbox/.$base.part" "$d/outbox/$base"
  await 30 "$base accepted by hub ${HUB_OF[$1]}" existing "$d/sent/$base" "$d/failed/$base"
  SENT=$FOUND
  [ "$SENT" = "$d/sent/$base" ] || die "$base refused: $(tr '\n' ' ' <"$d/failed/$base.reason")"
}

# A signed document from SENDER to each RECIPIENT; waits for every delivery. Sets DOC_ID, DOC_SENT.
send_document() {  # SENDER SUBJECT RECIPIENT...
  local sender=$1 subject=$2; shift 2
  SERIAL=$((SERIAL + 1))
  local notation; case $sender in *.G12) notation=BTC-VP ;; *.G22) notation=VPCP-TH ;; *) notation=UBND-VP ;; esac
  DOC_ID="$sender,$DATE,$SERIAL-$RUN/$notation"
  local name; name="doc$SERIAL-$sender"
  local tos=() r
  for r in "$@"; do tos+=(--to "$r=${NAME_OF[$r]}"); done
  "${HELPER[@]}" document "$SAMPLES/edoc_new.edxml" "$DEMO/docs/$name.xml" \
    --from "$sender=${NAME_OF[$sender]}" "${tos[@]}" --id "$DOC_ID" --number "$SERIAL" \
    --notation "$notation" --date "$DATE" --timestamp "$(date '+%Y/%m/%d %H:%M:%S')" \
    --subject "$subject"
  "$DOCAXIS" sign --key "$PKI/organs/$sender.key" --cert "$PKI/organs/$sender.crt" \
    --chain "$PKI/intermediates.pem" -o "$DEMO/docs/$name.edxml" "$DEMO/docs/$name.xml"
  local t; t=$(now)
  drop "$sender" "$DEMO/docs/$name.edxml"
  DOC_SENT=$SENT
  DOCS_SENT=$((DOCS_SENT + 1))
  info "$(who "$sender") sent \"$DOC_ID\" (signed with docaxis sign): accepted by hub ${HUB_OF[$sender]} ($(since "$t"))"
  for r in "$@"; do
    await_delivery "$r" "$sender"
    ok "delivered to $(who "$r") via hub ${HUB_OF[$r]} ($(since "$t"))"
  done
}
await_delivery() {  # RECIPIENT SENDER (the document is $DOC_ID, its sent file $DOC_SENT)
  await 60 "\"$DOC_ID\" in the inbox of $1" "${HELPER[@]}" find "$(agent_dir "$1")/inbox" edoc --doc "$DOC_ID"
  DELIVERED=$((DELIVERED + 1))
  PENDING_RECEIPTS+=("$2|$1|$DOC_SENT|document $DOC_ID")
}

# A status CODE from RESPONDER about document DOC_ID (sent by ORIGIN). Status 01 is written by the
# responder's agent on arrival; 03 and 06 are dropped into its outbox here (the agent signs them).
status() {  # RESPONDER ORIGIN CODE DESCRIPTION
  local responder=$1 origin=$2 code=$3 t; t=$(now)
  if [ "$code" != 01 ]; then
    local sample; case $code in 03) sample=status_acceptance_03 ;; 06) sample=status_finish_06 ;; esac
    local name; name="status$code-$SERIAL-$responder.edxml"
    "${HELPER[@]}" status "$SAMPLES/$sample.edxml" "$DEMO/docs/$name" \
      --from "$responder=${NAME_OF[$responder]}" --for-organ "$origin" --for-doc "$DOC_ID" \
      --for-code "${DOC_ID##*,}" --for-date "$DATE" --code "$code" --description "$4" \
      --timestamp "$(date '+%Y/%m/%d %H:%M:%S')"
    drop "$responder" "$DEMO/docs/$name"
  fi
  await 60 "status $code from $responder in the inbox of $origin" \
    "${HELPER[@]}" find "$(agent_dir "$origin")/inbox" status --doc "$DOC_ID" --code "$code"
  local sent
  await 10 "status $code in $responder's sent/" \
    "${HELPER[@]}" find "$(agent_dir "$responder")/sent" status --doc "$DOC_ID" --code "$code"
  sent=$FOUND
  STATUSES=$((STATUSES + 1))
  PENDING_RECEIPTS+=("$responder|$origin|$sent|status $code")
  ok "status $code ($4) $(who "$responder") -> $origin ($(since "$t"))"
}

# Every delivery ends with a receipt signed by the hub that delivered it, routed back to the
# sender. Each is checked independently of the hubs: the XML-DSig signature and its certificate
# chain with xmlsec1 (against the test root), revocation with openssl and the test CRLs, the
# signer is the hub named in IssuerHub and the one serving the recipient (its certificate, the
# one whose key made the signature, carries the SAN URI urn:docaxis:hub:<IssuerHub>, the
# binding of certs/README.md), and DeliveredSha256 is the SHA-256 of the exact bytes the
# sender sent.
check_receipts() {
  local entry sender recipient sent what f
  for entry in "${PENDING_RECEIPTS[@]}"; do
    IFS='|' read -r sender recipient sent what <<<"$entry"
    local t; t=$(now)
    await 60 "receipt for $what ($sender -> $recipient)" \
      "${HELPER[@]}" find "$(agent_dir "$sender")/receipts" receipt --sha-of "$sent" --recipient "$recipient"
    f=$FOUND
    local chk; chk=$DEMO/docs/receipt-checks/$(basename "$f")
    mkdir -p "$DEMO/docs/receipt-checks"
    xmlsec1 --verify --trusted-pem "$PKI/trust-anchors.pem" --untrusted-pem "$PKI/intermediates.pem" \
      --enabled-reference-uris empty "$f" >/dev/null 2>"$chk.xmlsec.log" ||
      die "receipt $f: xmlsec1 does not verify it ($(tail -1 "$chk.xmlsec.log"))"
    declare -A rc=()
    local k v
    while IFS='=' read -r k v; do rc[$k]=$v; done < <("${HELPER[@]}" receipt "$f" "$chk.signer.pem")
    openssl verify -crl_check_all -CRLfile "$PKI/crl/all.pem" -CAfile "$PKI/trust-anchors.pem" \
      -untrusted "$PKI/intermediates.pem" "$chk.signer.pem" >/dev/null ||
      die "receipt $f: its signer certificate does not verify with the CRLs"
    # The certificate the helper extracted is the one whose key made the signature: xmlsec1
    # again, with that key only (KeyInfo ignored).
    xmlsec1 --verify --pubkey-cert-pem "$chk.signer.pem" --enabled-key-data key-name \
      --enabled-reference-uris empty "$f" >/dev/null 2>>"$chk.xmlsec.log" ||
      die "receipt $f: not signed by the key of its first X509Certificate"
    local san; san=$(openssl x509 -in "$chk.signer.pem" -noout -ext subjectAltName 2>/dev/null | tail -n +2)
    [[ ",${san//[[:space:]]/}," == *",URI:urn:docaxis:hub:${rc[IssuerHub]},"* ]] ||
      die "receipt $f: receipt-issuer-mismatch: its signer certificate does not carry URI:urn:docaxis:hub:${rc[IssuerHub]} (SAN: ${san:-none})"
    local subject; subject=$(openssl x509 -in "$chk.signer.pem" -noout -subject -nameopt RFC2253)
    [ "${rc[Outcome]}" = delivered ] || die "receipt $f: outcome ${rc[Outcome]} (${rc[Reason]})"
    [ "${rc[Sender]}" = "$sender" ] || die "receipt $f: Sender ${rc[Sender]}, expected $sender"
    [ "${rc[IssuerHub]}" = "${HUB_OF[$recipient]}" ] ||
      die "receipt $f: issued by ${rc[IssuerHub]}, expected ${HUB_OF[$recipient]}"
    [ "$subject" = "subject=CN=docaxis hub ${rc[IssuerHub]},O=docaxis test PKI,C=VN" ] ||
      die "receipt $f: signed by $subject, not hub ${rc[IssuerHub]}"
    RECEIPTS=$((RECEIPTS + 1))
    ok "receipt at $sender for $what -> $recipient: delivered, hops ${rc[Hops]}, signed by hub ${rc[IssuerHub]} (urn:docaxis:hub:${rc[IssuerHub]}), sha256 ${rc[DeliveredSha256]:0:12}… = sent bytes"
  done
  PENDING_RECEIPTS=()
}

C=000.21.31.H30 M=000.00.01.G12 P=000.00.13.H30 DI=000.00.31.H30 GO=000.00.00.G22
step "1. commune -> ministry: $C (hub h30) to $M (hub g12), through the national hub"
send_document "$C" "Báo cáo tình hình thu ngân sách xã quý IV" "$M"
status "$M" "$C" 01 "arrived"
status "$M" "$C" 03 "accepted and registered"
status "$M" "$C" 06 "finished"
check_receipts

step "2. ministry -> province: $M (hub g12) to $P (hub h30)"
send_document "$M" "V/v hướng dẫn quyết toán ngân sách địa phương năm $(date +%Y)" "$P"
status "$P" "$M" 01 "arrived"
status "$P" "$M" 03 "accepted and registered"
status "$P" "$M" 06 "finished"
check_receipts

step "3. province -> Government Office and the district: $P (hub h30) to $GO (hub national) and $DI (hub h30)"
# One package, two recipients behind two hubs: h30 delivers the district's copy itself and
# hands the package to national for the Government Office; national leaves the district to h30
# (it is behind h30, already in the trail). Each delivering hub issues its own receipt.
send_document "$P" "Báo cáo kết quả liên thông văn bản điện tử của tỉnh Hòa Bình" "$GO" "$DI"
status "$GO" "$P" 01 "arrived"
status "$DI" "$P" 01 "arrived"
status "$GO" "$P" 03 "accepted and registered"
status "$GO" "$P" 06 "finished"
check_receipts

step "4. refusals: the hubs verify every package and every sender"
sed 's/ngân sách xã/ngân sách xa/' "$DEMO/docs/doc1-$C.edxml" >"$DEMO/docs/tampered.edxml"
"${HELPER[@]}" document "$SAMPLES/edoc_new.edxml" "$DEMO/docs/no-route.xml" \
  --from "$C=${NAME_OF[$C]}" --to "000.00.77.H30=UBND huyện không tồn tại" \
  --id "$C,$DATE,no-route-$RUN/UBND-VP" --number 99 --notation UBND-VP --date "$DATE" \
  --timestamp "$(date '+%Y/%m/%d %H:%M:%S')" --subject "Gửi tới một cơ quan không tồn tại"
"$DOCAXIS" sign --key "$PKI/organs/$C.key" --cert "$PKI/organs/$C.crt" \
  --chain "$PKI/intermediates.pem" -o "$DEMO/docs/no-route.edxml" "$DEMO/docs/no-route.xml"
cp "$DEMO/docs/doc1-$C.edxml" "$DEMO/docs/district-sends-commune.edxml"
AGENT_SEND=("$AGENT_BIN" send --hub "amqps://127.0.0.1:${PORT[h30]}" --server-name localhost
            --trust "$PKI/trust-anchors.pem" --timeout 20)
expect_refusal() {  # ORGAN FILE CODE WHAT
  local out rc=0
  out=$(cd "$DEMO/docs" && "${AGENT_SEND[@]}" --cert "$PKI/organs/$1.fullchain.pem" \
        --key "$PKI/organs/$1.key" "$(basename "$2")") || rc=$?
  dim "docaxis-agent send (as $1) $(basename "$2"): $out"
  [[ $rc -eq 1 && $out == "REJECTED "*" docaxis:$3:"* ]] || die "$4: expected REJECTED docaxis:$3"
  REFUSED=$((REFUSED + 1))
  ok "$4: refused by hub h30 with docaxis:$3"
}
expect_refusal "$C" "$DEMO/docs/tampered.edxml" digest-mismatch "one character of the subject changed after signing"
expect_refusal "$DI" "$DEMO/docs/district-sends-commune.edxml" unauthorized "the district's connection sends the commune's signed document"
expect_refusal "$C" "$DEMO/docs/no-route.edxml" no-route "a recipient under .H30 that h30 does not serve (h30 is authoritative for .H30)"

# ---------------------------------------------------------------------------------------------
step "5. outage: the Ministry of Finance hub (g12) stops; documents queue at the national hub"
# How many deliveries a hub holds for a next hop. `docaxis queue` (the admin socket) is not on
# this branch yet, so this is a read-only look at the hub's spool with sqlite3: states are
# stored by name for exactly this kind of inspection (schemas/sql/0001_initial.sql).
spool_count() {  # HUB SQL-CONDITION
  sqlite3 -readonly -cmd ".timeout 2000" "$(hub_dir "$1")/spool.sqlite" \
    "SELECT count(*) FROM deliveries WHERE $2;"
}
at_least() { local n; n=$(spool_count "$1" "$2"); [ "$n" -lt "$3" ] || echo "$n"; }
national_log_since() { tail -n +$((MARK + 1)) "$DEMO/hubs/national.log" | grep -- "$1" | tail -"${2:-1}"; }
send_outage() {  # SENDER SUBJECT: a document to the ministry while its hub is down
  SERIAL=$((SERIAL + 1))
  local sender=$1 name="doc$SERIAL-$1"
  DOC_ID="$sender,$DATE,$SERIAL-$RUN/VB"
  "${HELPER[@]}" document "$SAMPLES/edoc_new.edxml" "$DEMO/docs/$name.xml" \
    --from "$sender=${NAME_OF[$sender]}" --to "$M=${NAME_OF[$M]}" --id "$DOC_ID" --number "$SERIAL" \
    --notation VB --date "$DATE" --timestamp "$(date '+%Y/%m/%d %H:%M:%S')" --subject "$2"
  "$DOCAXIS" sign --key "$PKI/organs/$sender.key" --cert "$PKI/organs/$sender.crt" \
    --chain "$PKI/intermediates.pem" -o "$DEMO/docs/$name.edxml" "$DEMO/docs/$name.xml"
  drop "$sender" "$DEMO/docs/$name.edxml"
  DOCS_SENT=$((DOCS_SENT + 1))
  OUTAGE_DOCS+=("$sender|$DOC_ID|$SENT")
  info "$(who "$sender") sent \"$DOC_ID\" to $M: accepted by hub ${HUB_OF[$sender]}"
}
MARK=$(wc -l <"$DEMO/hubs/national.log")
stop_hub g12
stop_agent "$M"
OUTAGE_T=$(now)
ok "hub g12 stopped (SIGTERM), and the ministry's document system with it"
await 10 "national notices that g12 is gone" national_log_since "event=peer-down peer=g12 "
dim "national: ${FOUND#* level=}"
OUTAGE_DOCS=()
for i in 1 2 3 4; do
  send_outage "$C" "Báo cáo thu ngân sách xã tháng $i (gửi khi hub Bộ Tài chính dừng)"
done
send_outage "$GO" "Công văn Văn phòng Chính phủ gửi Bộ Tài chính (gửi khi hub Bộ dừng)"
N_OUT=${#OUTAGE_DOCS[@]}
await 30 "$N_OUT deliveries for g12 waiting at national" \
  at_least national "next_hop = 'g12' AND state = 'waiting'" "$N_OUT"
ok "national holds $FOUND deliveries for peer g12, state waiting (sqlite3 -readonly demo/hubs/national/spool.sqlite)"
sleep 2
dim "national's log since g12 stopped:"
national_log_since " peer=g12 " 6 | sed "s/^[^ ]* level=/    /"

step "6. the ministry hub returns: the queue drains"
start_hub g12
RESTART_T=$(now)
ok "hub g12 back after $(since "$OUTAGE_T") down: $(grep "listening on" "$DEMO/hubs/g12.log" | tail -1)"
start_agent "$M"
for entry in "${OUTAGE_DOCS[@]}"; do
  IFS='|' read -r sender DOC_ID DOC_SENT <<<"$entry"
  await_delivery "$M" "$sender"
  ok "delivered to $(who "$M"): \"$DOC_ID\" ($(since "$RESTART_T") after the restart)"
done
DRAIN=$(since "$RESTART_T")
await 5 "national reconnected to g12" national_log_since "event=peer-connected peer=g12 "
dim "national: ${FOUND#* level=}"
ok "national now holds $(spool_count national "next_hop = 'g12' AND state IN ('waiting', 'in_flight')") deliveries for g12 (drained in $DRAIN)"
for entry in "${OUTAGE_DOCS[@]}"; do
  IFS='|' read -r sender DOC_ID DOC_SENT <<<"$entry"
  status "$M" "$sender" 01 "arrived"
done
check_receipts

# ---------------------------------------------------------------------------------------------
step "7. the queues, as the docaxis CLI sees them"
# `docaxis queue --help` cannot tell: CLI11 answers an unknown subcommand followed by --help
# with the top-level help and exit 0. The top-level help lists the subcommands.
if "$DOCAXIS" --help 2>/dev/null | grep -qE '^ +queue( |$)'; then
  for name in "${HUBS[@]}"; do
    info "hub $name:"
    "$DOCAXIS" queue list --socket "$(hub_dir "$name")/admin.sock" | sed 's/^/    /' ||
      info "  (docaxis queue list failed, exit $?)"
  done
else
  info "docaxis queue is not in this build yet (the admin socket and 'docaxis queue list' come"
  info "next). What the spools hold now (read-only, sqlite3): deliveries not yet finished:"
  for name in "${HUBS[@]}"; do
    info "  hub $name: $(spool_count "$name" "state IN ('waiting', 'in_flight')") waiting or in flight, $(spool_count "$name" "state = 'delivered'") delivered"
  done
fi

ELAPSED=$(since "$T1")
step "summary"
info "documents sent:          $DOCS_SENT (signed; $N_OUT of them during the g12 outage)"
info "document deliveries:     $DELIVERED (to inboxes, across up to three hubs)"
info "status packages:         $STATUSES (01 arrived, 03 accepted, 06 finished) delivered to the senders"
info "receipts verified:       $RECEIPTS (one per delivery, documents and statuses; xmlsec1 + openssl)"
info "forgeries refused:       $REFUSED"
info "outage: $N_OUT documents queued at national, drained in $DRAIN after g12 returned"
info "time: $ELAPSED for the federation demo ($(since "$T0") with dependencies, build and PKI)"

if [ "$MODE" = keep ]; then
  step "--keep: the hubs stay up (agents stopped); demo/federation.json"
  for organ in "${!AGENT_PID[@]}"; do stop_agent "$organ"; done
  fed=()
  for name in "${HUBS[@]}"; do
    fed+=(--hub "$name" "amqps://127.0.0.1:${PORT[$name]}" localhost "$(hub_dir "$name")/admin.sock"
          "$(hub_dir "$name")" "$DEMO/hubs/$name.toml" "$DEMO/hubs/$name.log")
  done
  for organ in "${ORGANS[@]}"; do
    fed+=(--organ "$organ" "${NAME_OF[$organ]}" "${HUB_OF[$organ]}" "$PKI/organs/$organ.crt"
          "$PKI/organs/$organ.key" "$PKI/organs/$organ.chain.pem" "$PKI/organs/$organ.fullchain.pem")
  done
  "${HELPER[@]}" federation "$DEMO/federation.json" "${fed[@]}" \
    --trust-anchors "$PKI/trust-anchors.pem" --intermediates "$PKI/intermediates.pem" \
    --crl "$PKI/crl/all.pem"
  KEEP_HUBS=1
  for name in "${HUBS[@]}"; do ok "hub $name: amqps://127.0.0.1:${PORT[$name]} (pid ${HUB_PID[$name]}, log demo/hubs/$name.log)"; done
  info "demo/federation.json describes them; stop them with ./scripts/demo.sh --stop"
else
  step "stopping every hub and agent"
fi
