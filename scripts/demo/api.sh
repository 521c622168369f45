# shellcheck shell=bash
# Sourced by scripts/demo/run.sh: step 7, an agency whose document system speaks only the axis
# HTTP API of its hub (hub/vxp/README.md), the way the official SDK does: organ $API_ORGAN on hub
# g12, no docaxis-agent, every request signed by scripts/demo/vxp_agency.py (standard-library
# Python; HMAC-SHA256 of the signed XroadVnpt- header under the system's secret; the hub's
# certificate verified with the demo CA). Every expectation is awaited; a missing one is exit 1.

A=$API_ORGAN
API_HUB=${HUB_OF[$A]}
vxp_as() {  # ORGAN: the command line of vxp_agency.py acting as ORGAN's system at its hub
  VXP=(python3 "$ROOT/scripts/demo/vxp_agency.py" --url "$(vxp_url "${HUB_OF[$1]}")" --system "$1"
       --secret-file "$(vxp_secret "$1")" --ca "$PKI/trust-anchors.pem" --ca "$PKI/intermediates.pem")
}
VXP_ERR=$DEMO/vxp/last-error    # the last failed call's message (an await names it)
mkdir -p "$DEMO/vxp/inbox"

# One API call (OP ARGS...: vxp_agency.py's); dies with the hub's answer unless it is OK.
api() {
  local out rc=0
  out=$("${VXP[@]}" "$@" 2>"$VXP_ERR") || rc=$?
  [ $rc -eq 0 ] || die "$A: $1: $(cat "$VXP_ERR")"
  printf '%s\n' "$out"
}
# The first item (a JSON line) of a list call whose fields equal every KEY=VALUE; nothing if none
# or if the call failed (its message in $VXP_ERR). For await.
api_find() {  # OP ARGS... -- KEY=VALUE...
  local args=()
  while [ "$1" != -- ]; do args+=("$1"); shift; done
  shift
  "${VXP[@]}" "${args[@]}" 2>"$VXP_ERR" | python3 -c '
import json, sys
want = dict(a.split("=", 1) for a in sys.argv[1:])
for line in sys.stdin:
    item = json.loads(line)
    if all(str(item.get(k)) == v for k, v in want.items()):
        print(line.strip())
        break' "$@"
}
field() { python3 -c 'import json, sys; print(json.loads(sys.argv[1]).get(sys.argv[2], ""))' "$1" "$2"; }
doc_id_of() { sha256sum "$1" | cut -c1-24; }   # the API's DocId: the package's SHA-256 prefix
last_error() { [ -s "$VXP_ERR" ] && echo " (last API error: $(cat "$VXP_ERR"))"; }

step "7. an agency on the axis HTTP API: $A (hub $API_HUB), no AMQP, only signed HTTPS requests"
# Every hub serves the API; each API organ's system reads its hub's directory.
N_DIRECTORY=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["organs"]))' "$DEMO/vxp/directory.json")
for o in "${API_ORGANS[@]}"; do
  vxp_as "$o"
  AGENCIES=$(api agencies)
  n=$(printf '%s\n' "$AGENCIES" | grep -c .)
  printf '%s\n' "$AGENCIES" | grep -qF "\"id\": \"$A\"" ||
    die "getAgenciesList at hub ${HUB_OF[$o]} (system $o) does not list $A"
  [ "$n" -eq "$N_DIRECTORY" ] || die "getAgenciesList at hub ${HUB_OF[$o]}: $n organs, demo/vxp/directory.json has $N_DIRECTORY"
  ok "getAgenciesList at $(vxp_url "${HUB_OF[$o]}") as system $o: $n organs (demo/vxp/directory.json)"
done
vxp_as "$A"
info "$(who "$A"): its document system is scripts/demo/vxp_agency.py, system $A at $(vxp_url "$API_HUB")"

# 7a. It sends: a document signed with its organ's key (docaxis sign), by sendEdoc.
SERIAL=$((SERIAL + 1))
DOC_ID="$A,$DATE,$SERIAL-$RUN/TCT-VP"
name="doc$SERIAL-$A"
"$FIXTURES" document -o "$DEMO/docs/$name.xml" \
  --from "$A=${NAME_OF[$A]}" --to "$P=${NAME_OF[$P]}" --id "$DOC_ID" --number "$SERIAL" \
  --notation TCT-VP --date "$DATE" --timestamp "$(date '+%Y/%m/%d %H:%M:%S')" \
  --subject "V/v phối hợp thu thuế (gửi qua API trục, sendEdoc)"
"$DOCAXIS" sign --key "$PKI/organs/$A.key" --cert "$PKI/organs/$A.crt" \
  --chain "$PKI/intermediates.pem" -o "$DEMO/docs/$name.edxml" "$DEMO/docs/$name.xml"
t=$(now)
API_DOC=$(api send "$DEMO/docs/$name.edxml")
[ "$API_DOC" = "$(doc_id_of "$DEMO/docs/$name.edxml")" ] ||
  die "sendEdoc: DocId $API_DOC is not the SHA-256 prefix of the package ($(doc_id_of "$DEMO/docs/$name.edxml"))"
DOCS_SENT=$((DOCS_SENT + 1))
ok "sendEdoc \"$DOC_ID\" to $P: OK, DocId $API_DOC (signed with docaxis sign, committed by hub $API_HUB, $(since "$t"))"
await 60 "\"$DOC_ID\" in the inbox of $P" "${HELPER[@]}" find "$(agent_dir "$P")/inbox" edoc --doc "$DOC_ID"
DELIVERED=$((DELIVERED + 1))
ok "delivered to $(who "$P") via hubs national and ${HUB_OF[$P]} ($(since "$t"))"
await 60 "getSentEdocList: $API_DOC delivered to $P, with its receipt$(last_error)" \
  api_find sent "$API_DOC" -- senderDocId="$API_DOC" toCode="$P" receiveStatus=delivered
ok "getSentEdocList $API_DOC: to $P, sendStatus $(field "$FOUND" sendStatus), receiveStatus delivered: $(field "$FOUND" receiveStatusDesc)"
API_SENT_DOC_ID=$DOC_ID

# 7b. It receives: a document the commune's docaxis-agent sends to it over AMQP.
SERIAL=$((SERIAL + 1))
DOC_ID="$C,$DATE,$SERIAL-$RUN/UBND-VP"
name="doc$SERIAL-$C"
"$FIXTURES" document -o "$DEMO/docs/$name.xml" \
  --from "$C=${NAME_OF[$C]}" --to "$A=${NAME_OF[$A]}" --id "$DOC_ID" --number "$SERIAL" \
  --notation UBND-VP --date "$DATE" --timestamp "$(date '+%Y/%m/%d %H:%M:%S')" \
  --subject "Báo cáo số thu thuế của xã (nhận qua API trục)"
"$DOCAXIS" sign --key "$PKI/organs/$C.key" --cert "$PKI/organs/$C.crt" \
  --chain "$PKI/intermediates.pem" -o "$DEMO/docs/$name.edxml" "$DEMO/docs/$name.xml"
t=$(now)
drop "$C" "$DEMO/docs/$name.edxml"
DOCS_SENT=$((DOCS_SENT + 1))
RECV_ID=$(doc_id_of "$SENT")
info "$(who "$C") sent \"$DOC_ID\" to $A with its docaxis-agent (AMQP): accepted by hub ${HUB_OF[$C]}; its DocId is $RECV_ID"
await 60 "getReceivedEdocList at $A: $RECV_ID from $C$(last_error)" \
  api_find received --type edoc -- docId="$RECV_ID" from="$C" to="$A"
ok "getReceivedEdocList (edoc): $RECV_ID from $C, status $(field "$FOUND" status) ($(since "$t"))"
api get "$RECV_ID" "$DEMO/vxp/inbox/$RECV_ID.edxml" >/dev/null
cmp -s "$SENT" "$DEMO/vxp/inbox/$RECV_ID.edxml" ||
  die "getEdoc $RECV_ID: not the bytes $C sent ($SENT)"
[ -n "$("${HELPER[@]}" find "$DEMO/vxp/inbox" edoc --doc "$DOC_ID")" ] ||
  die "getEdoc $RECV_ID: not the document \"$DOC_ID\""
ok "getEdoc $RECV_ID: \"$DOC_ID\", the exact bytes the commune sent (demo/vxp/inbox/$RECV_ID.edxml)"
state=$(api update "$RECV_ID" "done")
[ "$state" = delivered ] || die "updateStatus $RECV_ID done: state $state, expected delivered"
DELIVERED=$((DELIVERED + 1))
ok "updateStatus $RECV_ID done: OK, delivery $state; hub $API_HUB's receipt goes back to $C"
LISTED=$(api received --type edoc)
! grep -qF "\"docId\": \"$RECV_ID\"" <<<"$LISTED" ||
  die "getReceivedEdocList still lists $RECV_ID after done"
PENDING_RECEIPTS+=("$C|$A|$SENT|document $DOC_ID")

# 7c. The status 01 (arrived) the province's agent answered to its document, read the same way.
t=$(now)
await 60 "getReceivedEdocList (status) at $A: status from $P$(last_error)" \
  api_find received --type status -- from="$P" to="$A"
STATUS_ID=$(field "$FOUND" docId)
api get "$STATUS_ID" "$DEMO/vxp/inbox/$STATUS_ID.edxml" >/dev/null
[ -n "$("${HELPER[@]}" find "$DEMO/vxp/inbox" status --doc "$API_SENT_DOC_ID" --code 01)" ] ||
  die "getEdoc $STATUS_ID: not status 01 for \"$API_SENT_DOC_ID\""
state=$(api update "$STATUS_ID" "done")
[ "$state" = delivered ] || die "updateStatus $STATUS_ID done: state $state, expected delivered"
await 10 "status 01 in $P's sent/" \
  "${HELPER[@]}" find "$(agent_dir "$P")/sent" status --doc "$API_SENT_DOC_ID" --code 01
PENDING_RECEIPTS+=("$P|$A|$FOUND|status 01")
STATUSES=$((STATUSES + 1))
ok "status 01 (arrived) $(who "$P") -> $A: getReceivedEdocList (status), getEdoc, updateStatus done ($(since "$t"))"
check_receipts
