#!/usr/bin/env bash
# The docaxis demo. For now (foundation): build, make a test PKI, sign an edXML package as the
# Hòa Bình Department of Information and Communications (000.00.13.H30), verify it with the
# hub's policy, and show altered or mis-signed copies being refused with the reason.
# The federation issue turns this into the three-hub demo.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SHARED=${DOCAXIS_SHARED_DIR:-$ROOT/../shared}
OUT=$ROOT/demo
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "dependencies"
./scripts/install-deps.sh
step "build (docaxis CLI)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDOCAXIS_BENCH=ON >/dev/null
cmake --build build --target docaxis -j"$(nproc)" | tail -1
DOCAXIS=$ROOT/build/hub/cli/docaxis

step "test PKI in demo/pki (test material only)"
./scripts/make-test-pki.sh "$OUT/pki"
PKI=$OUT/pki
openssl x509 -in "$PKI/organs/000.00.13.H30.crt" -noout -subject -nameopt RFC2253

step "an edXML package from 000.00.13.H30 to the Ministry of Finance 000.00.01.G12"
python3 - "$SHARED/edxml-samples/edoc_new.edxml" "$OUT/document.edxml" <<'PY'
import re, sys
s = open(sys.argv[1], encoding="utf-8").read()
# The sample carries an old SDK signature (not XML-DSig): the header holds one Signature.
s = re.sub(r"<(edXML:)?Signature>.*?</(edXML:)?Signature>\s*", "", s, flags=re.S)
s = s.replace("002.00.20.H13", "000.00.13.H30").replace("28.22.H17", "000.00.01.G12")
open(sys.argv[2], "w", encoding="utf-8").write(s)
PY
grep -m1 -o '<edXML:Subject>[^<]*' "$OUT/document.edxml" | sed 's/<edXML:Subject>/Subject: /'

step "sign (enveloped XML-DSig, exc-C14N, RSA-SHA256, certificate chain in X509Data)"
"$DOCAXIS" sign --key "$PKI/organs/000.00.13.H30.key" --cert "$PKI/organs/000.00.13.H30.crt" \
  --chain "$PKI/intermediates.pem" -o "$OUT/signed.edxml" "$OUT/document.edxml"
echo "signed: demo/signed.edxml ($(wc -c <"$OUT/signed.edxml") bytes)"

VERIFY=("$DOCAXIS" verify --trust "$PKI/trust-anchors.pem" --intermediate "$PKI/intermediates.pem"
        --crl "$PKI/crl/all.pem")
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
"${VERIFY[@]}" "$SHARED/edxml-samples/received_from_vxp_2019_sdk_sample.edxml" || echo "(refused, exit $?)"
"${VERIFY[@]}" --allow-unsigned "$SHARED/edxml-samples/received_from_vxp_2019_sdk_sample.edxml"

step "done: files in demo/"
