# shellcheck shell=bash
# Sourced by scripts/demo.sh: the foundation demo (--foundation).

# The foundation demo (the first version of this script): one signed package, forgeries refused.
foundation_demo() {
  local OUT=$DEMO/foundation
  mkdir -p "$OUT"
  local VERIFY=("$DOCAXIS" verify --trust "$PKI/trust-anchors.pem" --intermediate "$PKI/intermediates.pem"
                --crl "$PKI/crl/all.pem")
  step "an edXML package from 000.00.13.H30 to the Ministry of Finance 000.00.01.G12"
  "$FIXTURES" document -o "$OUT/document.edxml" \
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
  if [ -f "$SAMPLES/received_from_vxp_2019_sdk_sample.edxml" ]; then
    "${VERIFY[@]}" "$SAMPLES/received_from_vxp_2019_sdk_sample.edxml" || echo "(refused, exit $?)"
    "${VERIFY[@]}" --allow-unsigned "$SAMPLES/received_from_vxp_2019_sdk_sample.edxml"
  else
    echo "(skipped: the real samples are not in $SAMPLES; set DOCAXIS_SHARED_DIR to show it)"
  fi
  step "done: files in demo/foundation/"
}
