#!/usr/bin/env bash
# The pinned contract of `docaxis sign` and `docaxis verify` (README.md): output lines, --json,
# exit codes 0 / 1 / 2, atomic -o output. Run by CTest with DOCAXIS, DOCAXIS_PKI and
# DOCAXIS_FIXTURES set (after the dsig_fixtures setup).
set -uo pipefail
: "${DOCAXIS:?}" "${DOCAXIS_PKI:?}" "${DOCAXIS_FIXTURES:?}"
PKI=$DOCAXIS_PKI
FIX=$DOCAXIS_FIXTURES
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
failures=0
passed=0
check() {  # check NAME CONDITION-EXIT-STATUS
  if [ "$2" -eq 0 ]; then passed=$((passed + 1)); else failures=$((failures + 1)); echo "FAILED: $1"; fi
}
TRUST=(--trust "$PKI/trust-anchors.pem" --intermediate "$PKI/intermediates.pem" --crl "$PKI/crl/all.pem")

# 1. OK line for a good package, exit 0.
out=$("$DOCAXIS" verify "${TRUST[@]}" "$FIX/good-rsa.edxml"); rc=$?
check "good package exits 0" $((rc != 0))
[[ "$out" == "OK $FIX/good-rsa.edxml organ=000.00.13.H30 signer=\"UID=000.00.13.H30,CN=Organ 000.00.13.H30,O=docaxis test PKI,C=VN\" alg=http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" ]]
check "OK line format: $out" $?

# 2. One line per file, FAIL with code and reason, exit 1 when any failed.
out=$("$DOCAXIS" verify "${TRUST[@]}" "$FIX/good-ecdsa.edxml" "$FIX/tampered-subject.edxml" "$FIX/cert-revoked.edxml"); rc=$?
check "any failure exits 1 (got $rc)" $((rc != 1))
[ "$(printf '%s\n' "$out" | wc -l)" -eq 3 ]; check "three lines" $?
printf '%s\n' "$out" | sed -n 1p | grep -q "^OK $FIX/good-ecdsa.edxml organ=000.00.04.G14 .*alg=http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256$"
check "ECDSA OK line" $?
printf '%s\n' "$out" | sed -n 2p | grep -q "^FAIL $FIX/tampered-subject.edxml digest-mismatch: .*changed after it was signed"
check "FAIL line with code and reason" $?
printf '%s\n' "$out" | sed -n 3p | grep -q "^FAIL $FIX/cert-revoked.edxml cert-revoked: certificate \"UID=000.00.92.H30"
check "revoked names the certificate" $?

# 3. Policy flags: relaxed= suffix.
out=$("$DOCAXIS" verify "${TRUST[@]}" --allow-unsigned "$FIX/unsigned.edxml"); rc=$?
check "allow-unsigned exits 0" $((rc != 0))
[[ "$out" == *'signer="" alg=none relaxed=unsigned' ]]; check "unsigned relaxation shown: $out" $?
"$DOCAXIS" verify "${TRUST[@]}" "$FIX/unsigned.edxml" >/dev/null; check "unsigned refused by default" $(($? != 1))
out=$("$DOCAXIS" verify "${TRUST[@]}" --allow-sha1 "$FIX/legacy-rsa-sha1.edxml"); rc=$?
check "allow-sha1 exits 0" $((rc != 0))
[[ "$out" == *"relaxed=legacy-sha1" ]]; check "sha1 relaxation shown: $out" $?
out=$("$DOCAXIS" verify "${TRUST[@]}" --no-sender-binding "$FIX/wrong-key-sender.edxml"); rc=$?
check "no-sender-binding exits 0" $((rc != 0))
[[ "$out" == *"organ=000.00.31.H30"*"relaxed=no-sender-binding" ]]; check "binding relaxation shown: $out" $?

# 4. --json: an array, one object per file, with the documented keys.
"$DOCAXIS" verify "${TRUST[@]}" --json "$FIX/good-rsa.edxml" "$FIX/hmac.edxml" >"$WORK/out.json"; rc=$?
check "--json with a failure exits 1" $((rc != 1))
python3 - "$WORK/out.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert isinstance(r, list) and len(r) == 2, r
assert r[0]["ok"] is True and r[0]["organ"] == "000.00.13.H30" and r[0]["signed"] is True, r[0]
assert r[0]["relaxations"] == [] and r[0]["alg"].endswith("rsa-sha256"), r[0]
assert r[1]["ok"] is False and r[1]["code"] == "algorithm-forbidden" and "HMAC" in r[1]["reason"], r[1]
PY
check "--json shape" $?

# 5. Usage errors exit 2: no --trust, unknown flag, unreadable trust file, missing FILE.
"$DOCAXIS" verify "$FIX/good-rsa.edxml" >/dev/null 2>&1; check "no --trust exits 2" $(($? != 2))
"$DOCAXIS" verify --bogus "${TRUST[@]}" "$FIX/good-rsa.edxml" >/dev/null 2>&1; check "unknown flag exits 2" $(($? != 2))
echo "not a pem" >"$WORK/bad.pem"
"$DOCAXIS" verify --trust "$WORK/bad.pem" "$FIX/good-rsa.edxml" >/dev/null 2>&1; check "bad trust file exits 2" $(($? != 2))
"$DOCAXIS" verify "${TRUST[@]}" >/dev/null 2>&1; check "no FILE exits 2" $(($? != 2))
"$DOCAXIS" >/dev/null 2>&1; check "no command exits 2" $(($? != 2))

# 6. sign -o writes a verifiable package; refusals exit 1 and leave no output file.
python3 - "$FIX/good-rsa.edxml" "$WORK/plain.edxml" <<'PY'
import re, sys
s = open(sys.argv[1], encoding="utf-8").read()
s = re.sub(r'<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">.*?</Signature>', "", s, flags=re.S)
open(sys.argv[2], "w", encoding="utf-8").write(s)
PY
"$DOCAXIS" sign --key "$PKI/organs/000.00.13.H30.key" --cert "$PKI/organs/000.00.13.H30.crt" \
  --chain "$PKI/intermediates.pem" -o "$WORK/signed.edxml" "$WORK/plain.edxml"
check "sign exits 0" $?
"$DOCAXIS" verify "${TRUST[@]}" "$WORK/signed.edxml" >/dev/null; check "signed output verifies" $?
[ ! -e "$WORK/signed.edxml.tmp" ]; check "no temporary file left" $?
"$DOCAXIS" sign --key "$PKI/organs/000.00.13.H30.key" --cert "$PKI/organs/000.00.13.H30.crt" \
  -o "$WORK/twice.edxml" "$WORK/signed.edxml" 2>"$WORK/err"; rc=$?
check "signing a signed package exits 1" $((rc != 1))
grep -q "already-signed" "$WORK/err"; check "already-signed named" $?
[ ! -e "$WORK/twice.edxml" ]; check "refused sign writes nothing" $?
"$DOCAXIS" sign --key "$PKI/organs/000.00.31.H30.key" --cert "$PKI/organs/000.00.31.H30.crt" \
  "$WORK/plain.edxml" >/dev/null 2>"$WORK/err"; rc=$?
check "signing for another organ exits 1" $((rc != 1))
grep -q "sender-mismatch" "$WORK/err"; check "sender-mismatch named" $?
"$DOCAXIS" sign --key "$PKI/organs/000.00.31.H30.key" --cert "$PKI/organs/000.00.13.H30.crt" \
  "$WORK/plain.edxml" >/dev/null 2>&1; check "key/cert mismatch exits 2" $(($? != 2))

echo "cli: $passed passed, $failures failed"
[ "$failures" -eq 0 ]
