# shellcheck shell=bash
# Sourced by scripts/demo.sh: dependencies, build, test PKI, then the foundation demo or the
# narrated federation run (every expectation awaited; exit 1 when one does not happen).

T0=$(now)
step "dependencies (scripts/install-deps.sh)"
./scripts/install-deps.sh
step "build: docaxis, docaxis-hub, docaxis-agent, docaxis-fixtures (build/, RelWithDebInfo)"
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" --target docaxis docaxis-hub docaxis-agent docaxis-fixtures -j"$JOBS" | tail -1
step "test PKI in demo/pki (test material only: never use it for anything real)"
./scripts/make-test-pki.sh "$PKI"

if [ "$MODE" = foundation ]; then
  foundation_demo
  exit 0
fi
if [ "$MODE" = ha ] || [ "$MODE" = ha-keep ]; then
  ha_demo
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
rm -rf "$DEMO/hubs" "$DEMO/agents" "$DEMO/docs" "$DEMO/vxp" "$DEMO/federation.json"
mkdir -p "$DEMO/hubs" "$DEMO/docs"
read -r PORT[h30] PORT[national] PORT[g12] VXP_PORT[h30] VXP_PORT[national] VXP_PORT[g12] \
  OPS_PORT[h30] OPS_PORT[national] OPS_PORT[g12] < <("${HELPER[@]}" ports 9)
write_vxp_files
for name in "${HUBS[@]}"; do write_hub_config "$name"; done
for name in "${HUBS[@]}"; do
  "$HUB_BIN" --config "$DEMO/hubs/$name.toml" --check-config >/dev/null ||
    die "demo/hubs/$name.toml does not validate"
done
for name in "${HUBS[@]}"; do
  start_hub "$name"
  organs=""
  for organ in "${ORGANS[@]}"; do [ "${HUB_OF[$organ]}" = "$name" ] && organs+=" $organ"; done
  for organ in "${API_ORGANS[@]}"; do [ "${HUB_OF[$organ]}" = "$name" ] && organs+=" $organ (API)"; done
  ok "$(grep -m1 "listening on" "$DEMO/hubs/$name.log")   serves$organs"
  await 10 "hub $name's axis HTTP API port" cat "$(hub_dir "$name")/vxp.port"
  [ "$FOUND" = "${VXP_PORT[$name]}" ] || die "hub $name: the API listens on $FOUND, configured ${VXP_PORT[$name]}"
  dim "  axis HTTP API: $(vxp_url "$name")"
  await 10 "hub $name's operator endpoint port" cat "$(hub_dir "$name")/ops.port"
  [ "$FOUND" = "${OPS_PORT[$name]}" ] || die "hub $name: the operator endpoint listens on $FOUND, configured ${OPS_PORT[$name]}"
  dim "  status page: $(status_url "$name"), metrics: $(metrics_url "$name")"
done
# Four peer links: h30 -> national, national -> h30, national -> g12, g12 -> national.
for link in h30:national national:h30 national:g12 g12:national; do
  # The hub logs key=value events (hub/log): the link is up at its event=peer-connected.
  await 20 "peer link ${link/:/ -> }" grep -m1 " event=peer-connected peer=${link##*:} " \
    "$DEMO/hubs/${link%%:*}.log"
  ok "${link%%:*}: peer ${link##*:}: connected"
done
dim "configurations: demo/hubs/{h30,national,g12}.toml; logs: demo/hubs/*.log"
for o in "${API_ORGANS[@]}"; do
  dim "axis HTTP API: $(who "$o") on hub ${HUB_OF[$o]}: system $o, secret demo/vxp/$o.secret (0600)"
done
dim "the hubs' directory of organs (getAgenciesList): demo/vxp/directory.json"

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
  "$FIXTURES" document -o "$DEMO/docs/$name.xml" \
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
    local name; name="status$code-$SERIAL-$responder.edxml"
    "$FIXTURES" status -o "$DEMO/docs/$name" \
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
"$FIXTURES" document -o "$DEMO/docs/no-route.xml" \
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
# How many deliveries a hub holds, read through its admin socket (`docaxis queue list --json`,
# the `queue.list` result of hub/admin/README.md), never from its spool behind its back: the sum
# of the FIELDs (waiting, retrying, in_flight, delivered, refused, dead) over the hub's queues
# whose next hop is NEXT-HOP ("*": every queue). A delivery the spool stores as waiting is
# counted either as waiting (never attempted) or as retrying (waiting after a failed attempt).
queue_count() {  # HUB NEXT-HOP FIELD...
  local hub=$1 hop=$2; shift 2
  "$DOCAXIS" queue list --json --socket "$(hub_dir "$hub")/admin.sock" | python3 -c '
import json, sys
hop, fields = sys.argv[1], sys.argv[2:]
queues = json.load(sys.stdin)["queues"]
print(sum(q[f] for q in queues if hop == "*" or q["next_hop"] == hop for f in fields))' "$hop" "$@"
}
at_least() {  # HUB NEXT-HOP N FIELD...: prints the count once it is at least N
  local n; n=$(queue_count "$1" "$2" "${@:4}"); [ "$n" -lt "$3" ] || echo "$n"
}
national_log_since() { tail -n +$((MARK + 1)) "$DEMO/hubs/national.log" | grep -- "$1" | tail -"${2:-1}"; }
send_outage() {  # SENDER SUBJECT: a document to the ministry while its hub is down
  SERIAL=$((SERIAL + 1))
  local sender=$1 name="doc$SERIAL-$1"
  DOC_ID="$sender,$DATE,$SERIAL-$RUN/VB"
  "$FIXTURES" document -o "$DEMO/docs/$name.xml" \
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
  at_least national g12 "$N_OUT" waiting retrying
ok "national holds $FOUND deliveries for peer g12, state waiting (docaxis queue list --socket demo/hubs/national/admin.sock)"
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
ok "national now holds $(queue_count national g12 waiting retrying in_flight) deliveries for g12 (drained in $DRAIN)"
for entry in "${OUTAGE_DOCS[@]}"; do
  IFS='|' read -r sender DOC_ID DOC_SENT <<<"$entry"
  status "$M" "$sender" 01 "arrived"
done
check_receipts

source "$ROOT/scripts/demo/api.sh"

# ---------------------------------------------------------------------------------------------
step "8. the queues, as the docaxis CLI sees them"
for name in "${HUBS[@]}"; do
  info "hub $name: $(queue_count "$name" "*" waiting retrying in_flight) waiting or in flight, $(queue_count "$name" "*" delivered) delivered"
  "$DOCAXIS" queue list --socket "$(hub_dir "$name")/admin.sock" | sed 's/^/    /' ||
    info "  (docaxis queue list failed, exit $?)"
done

ELAPSED=$(since "$T1")
step "summary"
info "documents sent:          $DOCS_SENT (signed; $N_OUT of them during the g12 outage)"
info "document deliveries:     $DELIVERED (to inboxes, across up to three hubs)"
info "status packages:         $STATUSES (01 arrived, 03 accepted, 06 finished) delivered to the senders"
info "receipts verified:       $RECEIPTS (one per delivery, documents and statuses; xmlsec1 + openssl)"
info "forgeries refused:       $REFUSED"
info "axis HTTP API:           $A sent 1 document and received 1 document and 1 status through it (vxp_agency.py), no AMQP"
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
  for organ in "${API_ORGANS[@]}"; do
    fed+=(--organ "$organ" "${NAME_OF[$organ]}" "${HUB_OF[$organ]}" "$PKI/organs/$organ.crt"
          "$PKI/organs/$organ.key" "$PKI/organs/$organ.chain.pem" "$PKI/organs/$organ.fullchain.pem"
          --vxp-organ "$organ" "$organ" "$(vxp_secret "$organ")")
  done
  for name in "${HUBS[@]}"; do fed+=(--vxp-hub "$name" "$(vxp_url "$name")"); done
  for name in "${HUBS[@]}"; do fed+=(--ops-hub "$name" "$(metrics_url "$name")" "$(status_url "$name")"); done
  "${HELPER[@]}" federation "$DEMO/federation.json" "${fed[@]}" \
    --trust-anchors "$PKI/trust-anchors.pem" --intermediates "$PKI/intermediates.pem" \
    --crl "$PKI/crl/all.pem"
  KEEP_HUBS=1
  for name in "${HUBS[@]}"; do ok "hub $name: amqps://127.0.0.1:${PORT[$name]}, $(vxp_url "$name"), $(status_url "$name") (pid ${HUB_PID[$name]}, log demo/hubs/$name.log)"; done
  info "demo/federation.json describes them; stop them with ./scripts/demo.sh --stop"
else
  step "stopping every hub and agent"
fi
