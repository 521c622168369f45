#!/usr/bin/env bash
# Generates the signed edXML fixtures of the dsig tests (tests/unit/dsig/) and every attack
# variant of shared/notes/xmldsig-hardening.md into OUT_DIR, one file each, plus
# OUT_DIR/expected.tsv: file <TAB> expected code ("ok" = accepted) <TAB> short description.
# The code is what dsig::verify_package returns under the default VerifyPolicy with a
# TrustStore of PKI_DIR/trust-anchors.pem, intermediates.pem and crl/all.pem.
#
# Usage: DOCAXIS=build/hub/cli/docaxis tests/data/make-dsig-fixtures.sh PKI_DIR OUT_DIR
#   PKI_DIR  output of scripts/make-test-pki.sh
#   DOCAXIS  the built docaxis binary: good fixtures are signed by the project's own signer
#   DOCAXIS_SHARED_DIR (optional) the shared/ folder with edxml-samples/ (default: ../shared
#            beside the repository)
#
# Needs bash, python3 (standard library only), xmlsec1 and openssl. Attack variants are made
# with xmlsec1 template signing (a ds:Signature skeleton with empty DigestValue and
# SignatureValue) and with text surgery after signing. Where an attack only matters if the
# cryptography still holds (XSW, transforms, KeyValue, comment injection...), the script checks
# that plain xmlsec1 really accepts the forged file, so a test cannot pass for the wrong reason.
#
# Idempotent: does nothing if OUT_DIR/.complete exists and was made from the same PKI by the
# same version of this script and the same docaxis binary (a regenerated PKI makes old
# fixtures unverifiable; a rebuilt signer must be tested on its own output). Otherwise
# builds everything in a temporary directory next to OUT_DIR and moves it into place; any
# failing step aborts with a message and a non-zero status (DSIG_FIXTURES_KEEP_WORK=1 keeps the
# temporary directory for inspection).
set -euo pipefail

if [ $# -ne 2 ] || [ -z "$1" ] || [ -z "$2" ]; then
  echo "usage: DOCAXIS=path/to/docaxis $0 PKI_DIR OUT_DIR" >&2
  exit 2
fi
die() { echo "make-dsig-fixtures: $*" >&2; exit 1; }
for tool in python3 xmlsec1 openssl sha256sum; do
  command -v "$tool" >/dev/null || die "$tool not found (scripts/install-deps.sh installs it)"
done
[ -n "${DOCAXIS:-}" ] || die "set DOCAXIS to the built docaxis binary (build/hub/cli/docaxis)"
[ -x "$DOCAXIS" ] || die "DOCAXIS=$DOCAXIS is not an executable"

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
PKI=$(cd -- "$1" && pwd -P) || die "PKI_DIR $1 does not exist"
[ -f "$PKI/.complete" ] || die "$PKI is not a finished test PKI (run scripts/make-test-pki.sh $1)"
SHARED=${DOCAXIS_SHARED_DIR:-$SCRIPT_DIR/../../../shared}
[ -f "$SHARED/edxml-samples/edoc_new.edxml" ] || die "no edxml-samples under $SHARED (set DOCAXIS_SHARED_DIR)"
SHARED=$(cd -- "$SHARED" && pwd -P)

mkdir -p -- "$(dirname -- "$2")"
PARENT=$(cd -- "$(dirname -- "$2")" && pwd -P)
OUT="$PARENT/$(basename -- "$2")"

# Which PKI, which generator and which signer made the fixtures.
STAMP=$(cat "${BASH_SOURCE[0]}" "$PKI/.complete" "$PKI/root-ca.crt" \
  "$PKI/organs/000.00.13.H30.crt" "$DOCAXIS" | sha256sum | cut -d' ' -f1)
if [ -f "$OUT/.complete" ] && grep -qx "stamp $STAMP" "$OUT/.complete"; then
  echo "dsig fixtures already in $OUT"
  exit 0
fi

START_TS=$(date +%s)
T=$(mktemp -d "$PARENT/.make-dsig-fixtures.XXXXXX")
cleanup() {
  if [ -n "${DSIG_FIXTURES_KEEP_WORK:-}" ]; then echo "make-dsig-fixtures: work kept in $T" >&2
  else rm -rf -- "$T"; fi
}
trap cleanup EXIT
mkdir -p "$T/.work"

DOCAXIS_BIN=$(cd -- "$(dirname -- "$DOCAXIS")" && pwd -P)/$(basename -- "$DOCAXIS")
python3 - "$PKI" "$T" "$SHARED" "$DOCAXIS_BIN" <<'PYTHON'
import base64, io, os, re, subprocess, sys, zipfile

PKI, OUT, SHARED, DOCAXIS = sys.argv[1:5]
WORK = os.path.join(OUT, ".work")
SAMPLES = os.path.join(SHARED, "edxml-samples")

ED_NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
DS = "http://www.w3.org/2000/09/xmldsig#"
ENVELOPED = DS + "enveloped-signature"
EXC = "http://www.w3.org/2001/10/xml-exc-c14n#"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
RSA_SHA1 = DS + "rsa-sha1"
HMAC_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SHA1 = DS + "sha1"
MD5 = "http://www.w3.org/2001/04/xmldsig-more#md5"
ROOT_OPEN = '<edXML xmlns="%s">' % ED_NS
SENDER = "000.00.13.H30"
FORGED_SUBJECT = "V/v chuyển khẩn 5 tỷ đồng vào tài khoản 0123456789"

expected = []   # (file, code, description)


def fail(msg):
    sys.exit("make-dsig-fixtures: " + msg)


def run(cmd, what):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        fail("%s failed (exit %d): %s\n%s%s" % (what, p.returncode, " ".join(cmd), p.stdout, p.stderr))
    return p


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def write(path, text):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def sub_once(text, old, new, what=None):
    n = text.count(old)
    if n != 1:
        fail("expected exactly one %r (%s), found %d" % (old[:80], what or "surgery", n))
    return text.replace(old, new)


def emit(name, text, code, description):
    if any(e[0] == name for e in expected):
        fail("duplicate fixture " + name)
    write(os.path.join(OUT, name), text)
    expected.append((name, code, description))


# ------------------------------------------------------------------ base packages
def zip_payload(seed):
    """base64 of a ZIP holding one <uuid>.edxml entry, as the official SDK sends it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("3f6c2a8e-5b1d-4c7e-9a0f-%012d.edxml" % seed, (2019, 1, 16, 8, 30, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<VanBan so="%d">Quyết định 1896/QĐ-TTg về '
                'việc kết nối, liên thông phần mềm quản lý văn bản.</VanBan>\n' % seed)
        z.writestr(info, body.encode("utf-8"))
    return base64.b64encode(buf.getvalue()).decode("ascii")


def strip_sdk_signature(s):
    start = s.find("      <Signature>")
    end = s.find("</Signature>\n", start)
    if start < 0 or end < 0:
        fail("the SDK <Signature> was not found in the edoc sample")
    return s[:start] + s[end + len("</Signature>\n"):]


def edoc(sender=SENDER, root_id=None, keep_sdk_signature=False):
    """edoc_new.edxml made realistic: From = sender, valid To, no SDK signature, real payload."""
    s = read(os.path.join(SAMPLES, "edoc_new.edxml"))
    s = sub_once(s, "<edXML:OrganId>002.00.20.H13</edXML:OrganId>",
                 "<edXML:OrganId>%s</edXML:OrganId>" % sender, "From/OrganId")
    s = sub_once(s, "<edXML:OrganId>28.22.H17</edXML:OrganId>",
                 "<edXML:OrganId>000.00.01.G12</edXML:OrganId>", "To/OrganId")
    s = sub_once(s, "<edXML:DocumentId>000.00.00.G22,2015/09/30,7816/VPCP-TTĐT</edXML:DocumentId>",
                 "<edXML:DocumentId>%s,2019/01/16,74/VPCP-TTĐT</edXML:DocumentId>" % sender, "DocumentId")
    s = sub_once(s, "<edXML:OrganId>000.00.00.G22</edXML:OrganId>",
                 "<edXML:OrganId>%s</edXML:OrganId>" % sender, "TraceHeader/OrganId")
    if not keep_sdk_signature:
        s = strip_sdk_signature(s)
    s = re.sub(r"REMOVED-BASE64-PAYLOAD:[^<]*", zip_payload(1), s)
    if root_id:
        s = sub_once(s, ROOT_OPEN, '<edXML xmlns="%s" Id="%s">' % (ED_NS, root_id), "root")
    return s


def from_xml(organ_text):
    return "<edXML:From>\n          <edXML:OrganId>%s</edXML:OrganId>" % organ_text


def status(sender=SENDER):
    s = read(os.path.join(SAMPLES, "status_acceptance_03.edxml"))
    return sub_once(s, "<edXML:OrganId>000.00.00.H41</edXML:OrganId>",
                    "<edXML:OrganId>%s</edXML:OrganId>" % sender, "status From/OrganId")


# ------------------------------------------------------------------ signing
def pki(base):
    return ["%s/%s.key" % (PKI, base), "%s/%s.crt" % (PKI, base), "%s/%s.chain.pem" % (PKI, base)]


def cert_b64(base):
    pem = read("%s/%s.crt" % (PKI, base))
    return "".join(l for l in pem.splitlines() if "-----" not in l)


counter = [0]


def tmp(suffix):
    counter[0] += 1
    return os.path.join(WORK, "%03d%s" % (counter[0], suffix))


def docaxis_sign(text, base):
    key, crt, chain = pki(base)
    src, dst = tmp(".in.xml"), tmp(".signed.xml")
    write(src, text)
    run([DOCAXIS, "sign", "--key", key, "--cert", crt, "--chain", chain, "-o", dst, src],
        "docaxis sign with " + base)
    return read(dst)


def xmlsec_sign(text, key_args, extra=()):
    src, dst = tmp(".tmpl.xml"), tmp(".signed.xml")
    write(src, text)
    run(["xmlsec1", "--sign"] + list(key_args) + list(extra) + ["--output", dst, src],
        "xmlsec1 template signing")
    return read(dst)


def organ_key(base):
    return ["--privkey-pem", ",".join(pki(base))]


def id_attr(element):
    return ["--id-attr:Id", "%s:%s" % (ED_NS, element)]


def transform_xml(t):
    return t if t.startswith("<") else '<Transform Algorithm="%s"/>' % t


def reference(uri, transforms=(ENVELOPED, EXC), digest=SHA256, attrs=""):
    ts = "".join(transform_xml(t) + "\n" for t in transforms)
    return ('<Reference%s URI="%s">\n%s<DigestMethod Algorithm="%s"/>\n<DigestValue></DigestValue>\n'
            '</Reference>\n') % (attrs, uri, "<Transforms>\n%s</Transforms>\n" % ts if ts else "", digest)


def signature(references=None, method=RSA_SHA256, c14n=EXC, keyinfo="<X509Data/>", method_params="",
              tail=""):
    """A Signature template, in the default-namespace form the docaxis signer writes."""
    if references is None:
        references = reference("")
    ki = "<KeyInfo>\n%s\n</KeyInfo>\n" % keyinfo if keyinfo is not None else ""
    return ('<Signature xmlns="%s">\n<SignedInfo>\n<CanonicalizationMethod Algorithm="%s"/>\n'
            '<SignatureMethod Algorithm="%s">%s</SignatureMethod>\n%s</SignedInfo>\n'
            '<SignatureValue></SignatureValue>\n%s%s</Signature>') % (
        DS, c14n, method, method_params, references, ki, tail)


HEADER_END = "\n    </edXML:edXMLHeader>"


def with_template(doc, sig):
    """Appends the template as the last child of edXMLHeader, like the docaxis signer does."""
    return sub_once(doc, HEADER_END, "\n    " + sig + "</edXML:edXMLHeader>", "edXMLHeader end")


SIG_RE = re.compile(r'<(?:ds:)?Signature xmlns(?::ds)?="http://www\.w3\.org/2000/09/xmldsig#">.*?'
                    r'</(?:ds:)?Signature>', re.S)


def sig_of(text):
    found = SIG_RE.findall(text)
    if len(found) != 1:
        fail("expected one XML-DSig Signature, found %d" % len(found))
    return found[0]


def element(text, name):
    m = re.search(r"<(?:ds:)?%s\b[^>]*>.*?</(?:ds:)?%s>" % (name, name), text, re.S)
    if not m:
        fail("no <%s> found" % name)
    return m.group(0)


def inner(text, name):
    m = re.search(r"<(?:ds:)?%s\b[^>]*>(.*?)</(?:ds:)?%s>" % (name, name), text, re.S)
    if not m:
        fail("no <%s> found" % name)
    return m.group(1)


def move_signature(text, before):
    """Moves the Signature, without any whitespace, to just before `before` (a unique string).
    The text nodes stay exactly as they were, so the enveloped digest still matches."""
    sig = sig_of(text)
    return sub_once(text.replace(sig, "", 1), before, sig + before, "move target")


def xmlsec_verify(text, args, must_pass=True, what=""):
    path = tmp(".check.xml")
    write(path, text)
    p = subprocess.run(["xmlsec1", "--verify"] + list(args) + [path], capture_output=True, text=True)
    if (p.returncode == 0) != must_pass:
        fail("plain xmlsec1 %s %s, but the fixture needs it to %s:\n%s" % (
            "accepted" if p.returncode == 0 else "rejected", what, "pass" if must_pass else "fail",
            p.stderr[-2000:]))


TRUST_CA = ["--trusted-pem", PKI + "/root-ca.crt", "--untrusted-pem", PKI + "/intermediate-ca.crt"]
TRUST = TRUST_CA + ["--enabled-key-data", "x509"]


def crypto_holds(text, what, extra=()):
    """Proves the attack is real: xmlsec1 without the hub's profile accepts the forged file."""
    xmlsec_verify(text, TRUST + list(extra), True, what)


def crypto_broken(text, what, extra=()):
    xmlsec_verify(text, TRUST + list(extra), False, what)


# ================================================================== good packages
base = edoc()
good = docaxis_sign(base, "organs/" + SENDER)
emit("good-rsa.edxml", good, "ok", "edoc from 000.00.13.H30 signed by the docaxis signer, RSA-SHA256")
ecdsa = docaxis_sign(edoc("000.00.04.G14"), "organs/000.00.04.G14")
emit("good-ecdsa.edxml", ecdsa, "ok", "edoc from 000.00.04.G14 signed with its EC P-256 key, ECDSA-SHA256")
good_status = docaxis_sign(status(), "organs/" + SENDER)
emit("good-status.edxml", good_status, "ok", "status 03 from 000.00.13.H30 signed by the docaxis signer")

root_id_tmpl = with_template(edoc(root_id="pkg-1"), signature(reference("#pkg-1")))
good_root_id = xmlsec_sign(root_id_tmpl, organ_key("organs/" + SENDER), id_attr("edXML"))
crypto_holds(good_root_id, "good-root-id", id_attr("edXML"))
emit("good-root-id.edxml", good_root_id, "ok",
     'Reference URI="#pkg-1" naming the root\'s Id (xmlsec1 template), the other accepted form')

# #id excludes what stands beside the root: a processing instruction before the root is not
# signed, so changing it after signing must not break the signature (and URI="" covers it).
root_id_pi_tmpl = root_id_tmpl.replace("?>", '?>\n<?xml-stylesheet href="a.xsl"?>\n<!-- c -->', 1)
good_root_id_pi = xmlsec_sign(root_id_pi_tmpl, organ_key("organs/" + SENDER), id_attr("edXML"))
crypto_holds(good_root_id_pi, "good-root-id-pi", id_attr("edXML"))
emit("good-root-id-pi.edxml", good_root_id_pi, "ok",
     "#pkg-1 reference in a document with a processing instruction and a comment before the root")
pi_changed = sub_once(good_root_id_pi, 'href="a.xsl"', 'href="b.xsl"', "PI")
crypto_holds(pi_changed, "root-id-pi-changed", id_attr("edXML"))
emit("root-id-pi-changed.edxml", pi_changed, "ok",
     "the PI beside the root changed after a #id signature: outside the signed node-set")
pi_added = good.replace("?>", '?>\n<?xml-stylesheet href="a.xsl"?>', 1)
crypto_broken(pi_added, "pi-added-whole-document")
emit("pi-added-whole-document.edxml", pi_added, "digest-mismatch",
     'a PI added before the root of a URI="" signed document: the whole document is signed')

comment_split = sub_once(good, from_xml(SENDER), from_xml("000.00.1<!-- -->3.H30"), "From")
crypto_holds(comment_split, "comment-split-ok")
emit("comment-split-ok.edxml", comment_split, "ok",
     "comment inside From/OrganId (000.00.1<!-- -->3.H30) after signing: C14N drops it, the full "
     "text is still the signer's organ; a first-text-node reader would see 000.00.1")

# ================================================================== tampering after signing
subject = inner(good, "edXML:Subject")
SUBJECT_XML = "<edXML:Subject>%s</edXML:Subject>" % subject
FORGED_XML = "<edXML:Subject>%s</edXML:Subject>" % FORGED_SUBJECT
tampered = sub_once(good, SUBJECT_XML, FORGED_XML, "Subject")
crypto_broken(tampered, "tampered-subject")
emit("tampered-subject.edxml", tampered, "digest-mismatch", "Subject text changed after signing")

payload = inner(good, "edXML:ContentTransferEncoded")
t = sub_once(good, payload, zip_payload(666), "payload")
crypto_broken(t, "tampered-attachment")
emit("tampered-attachment.edxml", t, "digest-mismatch",
     "attachment ContentTransferEncoded replaced by another ZIP after signing")

# The attacker changes Subject and recomputes DigestValue (the digest does not depend on the
# key: xmlsec1 computes it for the tampered document), but cannot redo SignatureValue.
resign = tampered.replace(sig_of(tampered), signature(), 1)
forged_digest = inner(xmlsec_sign(resign, organ_key("organs/000.00.31.H30")), "DigestValue")
t = sub_once(tampered, inner(good, "DigestValue"), forged_digest, "DigestValue")
crypto_broken(t, "tampered-subject-redigested")
emit("tampered-subject-redigested.edxml", t, "signature-invalid",
     "Subject changed and DigestValue recomputed for it: the Reference matches, SignatureValue over "
     "the altered SignedInfo does not")

t = sub_once(good, '<CanonicalizationMethod Algorithm="%s"/>' % EXC,
             '<CanonicalizationMethod Algorithm="%s"/>' % C14N, "CanonicalizationMethod")
crypto_broken(t, "tampered-signedinfo")
emit("tampered-signedinfo.edxml", t, "signature-invalid",
     "SignedInfo CanonicalizationMethod changed to inclusive C14N after signing (allowed by the "
     "profile; the Reference digest still matches)")

t = sub_once(good, '<Reference URI="">', '<Reference Id="ref-1" URI="">', "Reference")
crypto_broken(t, "tampered-signedinfo-refattr")
emit("tampered-signedinfo-refattr.edxml", t, "signature-invalid",
     "Reference attribute (Id) added to SignedInfo after signing; the digest still matches")

t = sub_once(good, inner(good, "SignatureValue"), inner(good_status, "SignatureValue"), "SignatureValue")
crypto_broken(t, "signaturevalue-swapped")
emit("signaturevalue-swapped.edxml", t, "signature-invalid",
     "SignatureValue taken from another document signed by the same key")

leaf = inner(good, "X509Certificate")
t = sub_once(good, leaf, "\n" + cert_b64("organs/000.00.31.H30") + "\n", "X509Certificate")
emit("cert-swapped.edxml", t, "signature-invalid",
     "signer X509Certificate replaced by organ 000.00.31.H30's (a trusted cert, From unchanged): "
     "the signature does not verify with that key")

# ================================================================== keys and certificates
t = xmlsec_sign(with_template(base, signature()), organ_key("organs/000.00.31.H30"))
crypto_holds(t, "wrong-key-sender")
emit("wrong-key-sender.edxml", t, "sender-mismatch",
     "From/OrganId 000.00.13.H30 but signed (validly) with 000.00.31.H30's certificate")

for name, organ, code, what in [
        ("expired", "000.00.90.H30", "cert-expired", "certificate expired a year ago"),
        ("not-yet-valid", "000.00.91.H30", "cert-not-yet-valid", "certificate valid only from next year"),
        ("revoked", "000.00.92.H30", "cert-revoked", "certificate listed in crl/intermediate.crl.pem "
                                                     "(ok when no CRL is configured)"),
        ("ca-usage", "000.00.93.H30", "cert-usage", "signer is a CA certificate (CA:TRUE, keyCertSign)"),
        ("no-sign-usage", "000.00.94.H30", "cert-usage", "signer keyUsage is keyEncipherment only"),
        ("weak-rsa1024", "000.00.95.H30", "cert-usage", "signer key is RSA-1024")]:
    emit("cert-%s.edxml" % name, docaxis_sign(edoc(organ), "special/" + name), code,
         "From %s signed with special/%s: %s" % (organ, name, what))

emit("cert-lookalike.edxml", docaxis_sign(base, "lookalike/" + SENDER), "cert-untrusted",
     "signed by a look-alike 000.00.13.H30 whose CA names copy the real ones")
emit("cert-no-uid.edxml", docaxis_sign(base, "special/no-uid"), "signer-no-organ",
     "signed with special/no-uid (chains fine, no UID to bind to From)")

# ================================================================== wrapping and placement
# URI="" covers the whole document: moving the signed header into a wrapper breaks the digest.
header = element(good, "edXML:MessageHeader")
forged_header = sub_once(header, SUBJECT_XML, FORGED_XML, "Subject")
t = sub_once(good, header, forged_header + '\n      <x:Wrapper xmlns:x="urn:x-attacker">' + header +
             "</x:Wrapper>", "MessageHeader")
crypto_broken(t, "xsw-wrapper")
emit("xsw-wrapper.edxml", t, "digest-mismatch",
     "forged MessageHeader in place, the signed one moved into a wrapper (URI=\"\" signature)")

# With URI="#pkg-1" the classic XSW works against plain xmlsec1: a forged root holds the
# Signature where the hub looks, the signed original (minus its Signature) sits elsewhere.
root_sig = sig_of(good_root_id)
original = good_root_id[good_root_id.index("<edXML "):].replace(root_sig, "", 1).rstrip("\n")
forged = sub_once(good_root_id, SUBJECT_XML, FORGED_XML, "Subject").replace(' Id="pkg-1"', "", 1)


def append_to_root(doc, xml):
    return sub_once(doc, "</AttachmentEncoded>\n</edXML>", "</AttachmentEncoded>\n" + xml + "\n</edXML>",
                    "root end")


t = append_to_root(forged, '<x:Wrapper xmlns:x="urn:x-attacker">%s</x:Wrapper>' % original)
crypto_holds(t, "xsw-id-wrapper", id_attr("edXML"))
emit("xsw-id-wrapper.edxml", t, "reference-invalid",
     "XSW: forged root (no Id) with the Signature; the signed root Id=pkg-1 wrapped at the end; "
     "plain xmlsec1 accepts it")

package = base[base.index("<edXML "):].rstrip("\n")
enveloping = ('<?xml version="1.0" encoding="UTF-8"?>\n' +
              signature(reference("#pkg", transforms=(EXC,)),
                        tail='<Object Id="pkg">%s</Object>\n' % package) + "\n")
t = xmlsec_sign(enveloping, organ_key("organs/" + SENDER))
crypto_holds(t, "enveloping-root")
emit("enveloping-root.edxml", t, "not-edxml",
     "enveloping signature as the root, the package inside ds:Object (the Verifier alone says "
     "signature-misplaced)")

# Signed content inside ds:Object: the enveloping signature above (its Object holds the true
# package) is put where the hub looks for the signature of a forged package.
t = with_template(sub_once(base, SUBJECT_XML, FORGED_XML, "Subject"), sig_of(t))
crypto_holds(t, "xsw-object")
emit("xsw-object.edxml", t, "object-forbidden",
     "XSW: forged package whose Signature references the true package kept in its ds:Object "
     "(Reference URI=\"#pkg\"); plain xmlsec1 accepts it")

t = append_to_root(forged.replace("<edXML xmlns=\"%s\">" % ED_NS,
                                  '<edXML xmlns="%s" Id="pkg-1">' % ED_NS, 1),
                   '<x:Wrapper xmlns:x="urn:x-attacker">%s</x:Wrapper>' % original)
emit("id-conflict.edxml", t, "id-conflict",
     "XSW with ID confusion: the forged root and the wrapped signed root both carry Id=pkg-1")

t = sub_once(good_root_id, "?>\n<edXML", '?>\n<!DOCTYPE edXML [\n<!ATTLIST edXML Id ID #IMPLIED>\n]>\n<edXML',
             "prolog")
emit("dtd-id.edxml", t, "dtd-forbidden", "DOCTYPE declaring Id as an ID attribute")

msg_doc = sub_once(base, "<edXML:MessageHeader>", '<edXML:MessageHeader Id="msg">', "MessageHeader")
t = xmlsec_sign(with_template(msg_doc, signature(reference("#msg"))), organ_key("organs/" + SENDER),
                id_attr("MessageHeader"))
t = sub_once(t, inner(t, "edXML:ContentTransferEncoded"), zip_payload(666), "payload")
crypto_holds(t, "reference-child", id_attr("MessageHeader"))
emit("reference-child.edxml", t, "reference-invalid",
     'Reference URI="#msg" signs only MessageHeader; the attachment was swapped afterwards and '
     "plain xmlsec1 still accepts it")

t = xmlsec_sign(with_template(msg_doc, signature(reference("") + reference("#msg"))),
                organ_key("organs/" + SENDER), id_attr("MessageHeader"))
crypto_holds(t, "two-references", id_attr("MessageHeader"))
emit("two-references.edxml", t, "reference-invalid", 'two References (URI="" and URI="#msg")')

t = move_signature(good, "<edXML:TraceHeaderList>")
crypto_holds(t, "signature-not-last")
emit("signature-not-last.edxml", t, "signature-misplaced",
     "valid Signature moved before TraceHeaderList (not the last child of edXMLHeader)")

t = move_signature(good, "</edXML:MessageHeader>")
crypto_holds(t, "signature-in-messageheader")
emit("signature-in-messageheader.edxml", t, "signature-misplaced",
     "valid Signature moved to the end of MessageHeader")

t = sub_once(good, "<edXML:TraceHeaderList>", sig_of(ecdsa) + "\n      <edXML:TraceHeaderList>",
             "TraceHeaderList")
emit("two-signatures.edxml", t, "multiple-signatures",
     "a second Signature (from the ECDSA fixture) inserted before TraceHeaderList")

# ================================================================== transforms
XPATH = ('<Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116">'
         '<XPath xmlns:edXML="%s">not(ancestor-or-self::edXML:Subject)</XPath></Transform>' % ED_NS)
XSLT = ('<Transform Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116">'
        '<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="1.0">'
        '<xsl:template match="/"><constant/></xsl:template>'
        '</xsl:stylesheet></Transform>')
XPATH2 = ('<Transform Algorithm="http://www.w3.org/2002/06/xmldsig-filter2">'
          '<dsig-xpath:XPath xmlns:dsig-xpath="http://www.w3.org/2002/06/xmldsig-filter2" '
          'xmlns:edXML="%s" Filter="subtract">//edXML:Subject</dsig-xpath:XPath></Transform>' % ED_NS)
for name, tr, desc in [("xpath", XPATH, "XPath transform leaving Subject unsigned"),
                       ("xslt", XSLT, "XSLT transform mapping any document to a constant"),
                       ("xpath2", XPATH2, "XPath-Filter2 subtracting Subject")]:
    t = xmlsec_sign(with_template(base, signature(reference("", (ENVELOPED, tr, EXC)))),
                    organ_key("organs/" + SENDER))
    t = sub_once(t, SUBJECT_XML, FORGED_XML, "Subject")
    crypto_holds(t, "transform-" + name)
    emit("transform-%s.edxml" % name, t, "transform-forbidden",
         desc + "; Subject forged after signing and plain xmlsec1 still accepts it")

# base64 as a reference transform cannot digest a whole document, so it is put into a signed
# package after signing: the profile must refuse it before any cryptography.
t = sub_once(good, '<Transform Algorithm="%s"/>' % EXC,
             '<Transform Algorithm="%s"/>\n<Transform Algorithm="%sbase64"/>' % (EXC, DS), "c14n")
emit("transform-base64.edxml", t, "transform-forbidden", "base64 transform added to the Reference")

t = xmlsec_sign(with_template(base, signature(reference("", (EXC,)))), organ_key("organs/" + SENDER))
emit("no-enveloped-transform.edxml", t, "reference-invalid",
     'Reference URI="" without the enveloped-signature transform')

# ================================================================== algorithms and key info
hmac_key = tmp(".hmac.bin")
with open(hmac_key, "wb") as f:
    f.write(b"docaxis-fixture-hmac-key-0123456789")
x509_leaf = "<X509Data>\n<X509Certificate>%s</X509Certificate>\n</X509Data>" % cert_b64("organs/" + SENDER)
for name, params, desc in [("hmac", "", "HMAC-SHA256 SignatureMethod"),
                           ("hmac-truncated", "<HMACOutputLength>128</HMACOutputLength>",
                            "HMAC-SHA256 with HMACOutputLength 128")]:
    t = xmlsec_sign(with_template(base, signature(method=HMAC_SHA256, method_params=params,
                                                  keyinfo="<KeyName>shared</KeyName>")),
                    ["--hmackey", hmac_key])
    xmlsec_verify(t, ["--hmackey", hmac_key], True, name)
    t = sub_once(t, "<KeyName>shared</KeyName>", x509_leaf, "KeyName")
    emit("%s.edxml" % name, t, "algorithm-forbidden",
         desc + " (valid for its key); KeyInfo carries 000.00.13.H30's certificate")

attacker = ["--privkey-pem", PKI + "/lookalike/%s.key" % SENDER]
t = xmlsec_sign(with_template(base, signature(keyinfo="<KeyValue/>")), attacker)
xmlsec_verify(t, [], True, "keyvalue-only")
emit("keyvalue-only.edxml", t, "keyinfo-invalid",
     "KeyInfo holds only an attacker's KeyValue; plain xmlsec1 1.2.37 accepts it")

with_cert = "<X509Data>\n%s</X509Data>" % "".join(
    "<X509Certificate>%s</X509Certificate>\n" % cert_b64(c)
    for c in ("organs/" + SENDER, "intermediate-ca"))
t = sub_once(t, "</KeyValue>", "</KeyValue>\n" + with_cert, "KeyValue")
xmlsec_verify(t, TRUST_CA, True, "keyvalue-before-x509")
emit("keyvalue-before-x509.edxml", t, "keyinfo-invalid",
     "attacker KeyValue before 000.00.13.H30's legitimate X509Data; plain xmlsec1 uses the KeyValue")

t = sub_once(good, "<KeyInfo>\n<X509Data>",
             '<KeyInfo>\n<RetrievalMethod URI="http://127.0.0.1:1/cert.der" '
             'Type="http://www.w3.org/2000/09/xmldsig#rawX509Certificate"/>\n<X509Data>', "KeyInfo")
emit("retrieval-method.edxml", t, "keyinfo-invalid", "RetrievalMethod to http://127.0.0.1:1/cert.der in KeyInfo")

t = sub_once(good, element(good, "KeyInfo"), "", "KeyInfo")
emit("no-keyinfo.edxml", t, "keyinfo-invalid", "KeyInfo removed")

t = xmlsec_sign(with_template(base, signature(reference("", digest=MD5))), organ_key("organs/" + SENDER))
emit("md5-digest.edxml", t, "algorithm-forbidden", "MD5 DigestMethod (valid signature)")

t = xmlsec_sign(with_template(base, signature(method=RSA_SHA1, c14n=C14N,
                                              references=reference("", digest=SHA1))),
                organ_key("organs/" + SENDER))
crypto_holds(t, "legacy-rsa-sha1")
emit("legacy-rsa-sha1.edxml", t, "legacy-algorithm",
     "rsa-sha1 + sha1 + inclusive C14N like the official SDK (ok with allow_sha1: legacy-sha1)")

# ================================================================== external references
for name, uri in [("ref-http", "http://127.0.0.1:1/x"), ("ref-file", "file:///etc/passwd")]:
    local = tmp(".external.txt")
    write(local, "root:x:0:0:root:/root:/bin/bash\n")
    t = xmlsec_sign(with_template(base, signature(reference(uri, transforms=()))),
                    organ_key("organs/" + SENDER), ["--url-map:" + uri, local])
    emit("%s.edxml" % name, t, "reference-invalid", 'Reference URI="%s" (signed over a local copy)' % uri)

# ================================================================== parser attacks
PROLOG = '<?xml version="1.0" encoding="UTF-8"?>\n'


def with_doctype(doc, doctype, subject_text=None):
    d = sub_once(doc, PROLOG, PROLOG + doctype + "\n", "prolog")
    if subject_text is not None:
        d = sub_once(d, SUBJECT_XML, "<edXML:Subject>%s</edXML:Subject>" % subject_text, "Subject")
    return d


emit("xxe.edxml", with_doctype(good, '<!DOCTYPE edXML [\n<!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>', "&xxe;"),
     "dtd-forbidden", "external entity file:///etc/passwd referenced in Subject")
lol = '<!DOCTYPE edXML [\n<!ENTITY lol "lol">\n' + "".join(
    '<!ENTITY lol%d "%s">\n' % (i, ("&lol%d;" % (i - 1) if i > 1 else "&lol;") * 10) for i in range(1, 10)) + "]>"
emit("billion-laughs.edxml", with_doctype(good, lol, "&lol9;"), "dtd-forbidden",
     "billion laughs: nine levels of ten-fold entity expansion in Subject")
emit("external-dtd.edxml", with_doctype(good, '<!DOCTYPE edXML SYSTEM "http://127.0.0.1:1/evil.dtd">'),
     "dtd-forbidden", "external DTD subset at http://127.0.0.1:1/evil.dtd")
emit("parameter-entity.edxml",
     with_doctype(good, '<!DOCTYPE edXML [\n<!ENTITY % ext SYSTEM "http://127.0.0.1:1/x.dtd">\n%ext;\n]>'),
     "dtd-forbidden", "external parameter entity in the internal subset")
content = inner(good, "edXML:Content")
deep = sub_once(good, "<edXML:Content>%s</edXML:Content>" % content,
                "<edXML:Content>" + "<d>" * 100000 + "</d>" * 100000 + "</edXML:Content>", "Content")
emit("deep-nesting.edxml", deep, "malformed-xml",
     "100000 nested elements in Content (libxml2 stops at depth 256 without XML_PARSE_HUGE)")

# ================================================================== comment injection
# The signed From/OrganId is "000.00.13.H30.evil.example" (signed with 000.00.13.H30's key via a
# template, since the docaxis signer refuses it); a comment after "000.00.13.H30" keeps the
# signature valid. A reader of the first text node would see exactly the signer's UID and bind;
# the hub reads the full text and must refuse the binding.
evil = edoc("000.00.13.H30.evil.example")
t = xmlsec_sign(with_template(evil, signature()), organ_key("organs/" + SENDER))
t = sub_once(t, from_xml("000.00.13.H30.evil.example"), from_xml("000.00.13.H30<!---->.evil.example"), "From")
crypto_holds(t, "comment-injection")
emit("comment-injection.edxml", t, "sender-mismatch",
     "From/OrganId signed as 000.00.13.H30.evil.example, comment injected after 000.00.13.H30: the "
     "signature holds, the first text node equals the signer's UID, the full text does not")

# ================================================================== unsigned
emit("unsigned.edxml", base, "unsigned", "no signature at all (ok with allow_unsigned: unsigned)")
emit("unsigned-status.edxml", status(), "unsigned", "status 03 from 000.00.13.H30 without signature")
emit("sdk-signature.edxml", edoc(keep_sdk_signature=True), "unsigned",
     "only the official SDK's <Signature> without the XML-DSig namespace")

with open(os.path.join(OUT, "expected.tsv"), "w", encoding="utf-8") as f:
    f.write("file\tcode\tdescription\n")
    for name, code, desc in expected:
        if "\t" in desc or "\n" in desc:
            fail("bad description for " + name)
        f.write("%s\t%s\t%s\n" % (name, code, desc))
print("%d fixtures" % len(expected))
PYTHON

rm -rf -- "$T/.work"
chmod 0755 "$T"
{ date -u +%Y-%m-%dT%H:%M:%SZ; echo "stamp $STAMP"; echo "pki $PKI"; } >"$T/.complete"
if [ -f "$OUT/.complete" ] && grep -qx "stamp $STAMP" "$OUT/.complete"; then
  echo "dsig fixtures already in $OUT"   # a concurrent run finished first: keep its files
  exit 0
fi
rm -rf -- "$OUT"                         # stale (other PKI or signer) or partial output
mv -T -- "$T" "$OUT" || die "could not move the fixtures into $OUT"
trap - EXIT
echo "dsig fixtures written to $OUT in $(( $(date +%s) - START_TS ))s ($(($(wc -l <"$OUT/expected.tsv") - 1)) files, see expected.tsv)"
