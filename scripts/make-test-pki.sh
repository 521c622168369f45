#!/usr/bin/env bash
# Generates the docaxis TEST PKI (roots, issuing CA, organ/hub/special/look-alike leaves, CRLs)
# into OUTDIR. Test material only: never commit the output, never use it in production.
# The layout is documented in certs/README.md; tests depend on the exact paths.
#
# Usage: scripts/make-test-pki.sh OUTDIR
#
# Idempotent: if OUTDIR/.complete exists and was written by this version of the script,
# nothing is done. Otherwise the whole PKI is built in a
# temporary directory next to OUTDIR, moved into place, and .complete is written last.
# Needs only the openssl command (OpenSSL 3.0) plus coreutils.
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: $0 OUTDIR   (generates the docaxis test PKI into OUTDIR)" >&2
  exit 2
fi
command -v openssl >/dev/null || { echo "make-test-pki: openssl not found" >&2; exit 1; }

OUT_ARG=$1
mkdir -p "$(dirname -- "$OUT_ARG")"
PARENT=$(cd -- "$(dirname -- "$OUT_ARG")" && pwd -P)
OUTDIR="$PARENT/$(basename -- "$OUT_ARG")"

# .complete records which version of this script made the PKI; a changed script rebuilds it.
SCRIPT_HASH=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-64)
complete_ok() { [ -f "$OUTDIR/.complete" ] && grep -q "$SCRIPT_HASH" "$OUTDIR/.complete"; }
if complete_ok; then
  echo "test PKI already in $OUTDIR"
  exit 0
fi

umask 022
START_TS=$(date +%s)
T=$(mktemp -d "$PARENT/.make-test-pki.XXXXXX")
cleanup() { rm -rf -- "$T"; }
trap cleanup EXIT

W="$T/.work"            # CA databases, configs, CSRs; removed before the move
mkdir -p "$W" "$T/crl" "$T/organs" "$T/hubs" "$T/special" "$T/lookalike"

# ---------------------------------------------------------------- dates (UTC, YYYYMMDDHHMMSSZ)
BASE_TIME="$(date -u "+%Y-%m-%d %H:%M:%S") UTC"   # one reference instant for all dates
d() { date -u -d "$BASE_TIME $1" +%Y%m%d%H%M%SZ; }
NOW_MINUS_1D=$(d '1 day ago')
CA_END=$(d '1 day ago + 10 years')
LEAF_END=$(d '1 day ago + 2 years')
EXPIRED_START=$(d '3 years ago')
EXPIRED_END=$(d '1 year ago')
FUTURE_START=$(d '+1 year')
FUTURE_END=$(d '+3 years')

BASE_DN="/C=VN/O=docaxis test PKI"
ROOT_DN="$BASE_DN/CN=docaxis Test Root CA"
INT_DN="$BASE_DN/CN=docaxis Test Issuing CA"

# ---------------------------------------------------------------- helpers
# key_rsa FILE [BITS] / key_ec FILE : unencrypted PKCS#8 PEM, mode 0600
key_rsa() {
  openssl genpkey -quiet -algorithm RSA -pkeyopt "rsa_keygen_bits:${2:-2048}" -out "$1"
  chmod 0600 "$1"
}
key_ec() {
  openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -pkeyopt ec_param_enc:named_curve -out "$1"
  chmod 0600 "$1"
}

# make_ca_db NAME : creates $W/NAME/{index.txt,crlnumber,newcerts} and $W/NAME/ca.cnf
# The config carries the [req] section used for every CSR and all extension profiles.
make_ca_db() {
  local db="$W/$1"
  mkdir -p "$db/newcerts"
  : >"$db/index.txt"
  echo 01 >"$db/crlnumber"
  cat >"$db/ca.cnf" <<EOF
[ ca ]
default_ca = CA_default

[ CA_default ]
dir              = $db
database         = \$dir/index.txt
new_certs_dir    = \$dir/newcerts
crlnumber        = \$dir/crlnumber
rand_serial      = yes
unique_subject   = no
default_md       = sha256
default_days     = 730
default_crl_days = 30
policy           = policy_anything
preserve         = yes
email_in_dn      = no
copy_extensions  = none
crl_extensions   = crl_ext

[ policy_anything ]
countryName            = optional
organizationName       = optional
commonName             = supplied
UID                    = optional

[ req ]
distinguished_name = req_dn
string_mask        = utf8only
utf8               = yes
prompt             = no
[ req_dn ]
CN = unused

[ crl_ext ]
authorityKeyIdentifier = keyid:always

[ root_ext ]
basicConstraints       = critical,CA:TRUE
keyUsage               = critical,keyCertSign,cRLSign
subjectKeyIdentifier   = hash

[ int_ext ]
basicConstraints       = critical,CA:TRUE,pathlen:0
keyUsage               = critical,keyCertSign,cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ organ_ext ]
basicConstraints       = critical,CA:FALSE
keyUsage               = critical,digitalSignature,nonRepudiation
extendedKeyUsage       = emailProtection,clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ hub_ext ]
basicConstraints       = critical,CA:FALSE
keyUsage               = critical,digitalSignature
extendedKeyUsage       = serverAuth,clientAuth
subjectAltName         = DNS:localhost,IP:127.0.0.1
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ ca_usage_ext ]
basicConstraints       = critical,CA:TRUE
keyUsage               = critical,keyCertSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ no_sign_ext ]
basicConstraints       = critical,CA:FALSE
keyUsage               = critical,keyEncipherment
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
EOF
}

# csr DB KEY SUBJ OUTCSR
csr() {
  openssl req -new -config "$W/$1/ca.cnf" -key "$2" -subj "$3" -utf8 -sha256 -out "$4"
}

# sign DB ISSUER_CRT ISSUER_KEY CSR OUTCRT EXT START END
sign() {
  openssl ca -config "$W/$1/ca.cnf" -batch -notext -md sha256 -preserveDN \
    -cert "$2" -keyfile "$3" -in "$4" -out "$5" -extensions "$6" \
    -startdate "$7" -enddate "$8" 2>"$W/last-ca.log" || { cat "$W/last-ca.log" >&2; return 1; }
}

# selfsign DB KEY SUBJ OUTCRT
selfsign() {
  local db=$1 key=$2 subj=$3 out=$4
  csr "$db" "$key" "$subj" "$W/$db/self.csr"
  openssl ca -config "$W/$db/ca.cnf" -batch -notext -md sha256 -preserveDN -selfsign \
    -keyfile "$key" -in "$W/$db/self.csr" -out "$out" -extensions root_ext \
    -startdate "$NOW_MINUS_1D" -enddate "$CA_END" 2>"$W/last-ca.log" \
    || { cat "$W/last-ca.log" >&2; return 1; }
}

# leaf DB ISSUER_CRT ISSUER_KEY KEYTYPE OUTBASE SUBJ EXT [START END]
#   KEYTYPE: rsa | rsa1024 | ec ; writes OUTBASE.key, OUTBASE.crt, OUTBASE.chain.pem (= issuer),
#   OUTBASE.fullchain.pem (leaf then issuer, for TLS)
leaf() {
  local db=$1 icrt=$2 ikey=$3 kt=$4 base=$5 subj=$6 ext=$7
  local start=${8:-$NOW_MINUS_1D} end=${9:-$LEAF_END}
  case $kt in
    rsa) key_rsa "$base.key" ;;
    rsa1024) key_rsa "$base.key" 1024 ;;
    ec) key_ec "$base.key" ;;
    *) echo "bad key type $kt" >&2; return 1 ;;
  esac
  csr "$db" "$base.key" "$subj" "$W/leaf.csr"
  sign "$db" "$icrt" "$ikey" "$W/leaf.csr" "$base.crt" "$ext" "$start" "$end"
  cp "$icrt" "$base.chain.pem"
  cat "$base.crt" "$icrt" >"$base.fullchain.pem"  # leaf + issuer, as a TLS endpoint presents it
}

organ_dn() { echo "$BASE_DN/CN=Organ $1/UID=$1"; }

# ---------------------------------------------------------------- real root + issuing CA
make_ca_db root
make_ca_db int
key_rsa "$T/root-ca.key"
selfsign root "$T/root-ca.key" "$ROOT_DN" "$T/root-ca.crt"
key_rsa "$T/intermediate-ca.key"
csr root "$T/intermediate-ca.key" "$INT_DN" "$W/int.csr"
sign root "$T/root-ca.crt" "$T/root-ca.key" "$W/int.csr" "$T/intermediate-ca.crt" int_ext \
  "$NOW_MINUS_1D" "$CA_END"
cp "$T/root-ca.crt" "$T/trust-anchors.pem"
cp "$T/intermediate-ca.crt" "$T/intermediates.pem"

ICRT="$T/intermediate-ca.crt"
IKEY="$T/intermediate-ca.key"

# ---------------------------------------------------------------- organs
# 000.00.41.H30 and 000.00.05.G22: the demo's organs on the axis HTTP API (scripts/demo/topology.sh).
ORGANS_RSA=(000.00.13.H30 000.00.31.H30 000.21.31.H30 000.00.00.G22 000.00.01.G12
            000.00.41.H30 000.00.05.G22)
for o in "${ORGANS_RSA[@]}"; do
  leaf int "$ICRT" "$IKEY" rsa "$T/organs/$o" "$(organ_dn "$o")" organ_ext
done
leaf int "$ICRT" "$IKEY" ec "$T/organs/000.00.04.G14" "$(organ_dn 000.00.04.G14)" organ_ext

# ---------------------------------------------------------------- hubs (EC P-256, TLS server+client)
# Every hub certificate carries its machine-readable hub name as the subjectAltName URI
# urn:docaxis:hub:<name> (certs/README.md): a receipt counts only when its signer carries the
# URI of the IssuerHub it names. One extension section per hub, since the SAN differs.
HUBS=(h30 national g12)
for h in "${HUBS[@]}"; do
  sed -e '/^\[ hub_ext \]$/,/^$/!d' -e "s/^\[ hub_ext \]$/[ hub_ext_$h ]/" \
    -e "s|^subjectAltName .*|subjectAltName         = DNS:localhost,IP:127.0.0.1,URI:urn:docaxis:hub:$h|" \
    "$W/int/ca.cnf" >>"$W/int/ca.cnf.hubs"
done
cat "$W/int/ca.cnf.hubs" >>"$W/int/ca.cnf"
for h in "${HUBS[@]}"; do
  leaf int "$ICRT" "$IKEY" ec "$T/hubs/$h" "$BASE_DN/CN=docaxis hub $h" "hub_ext_$h"
done

# ---------------------------------------------------------------- special cases
S="$T/special"
leaf int "$ICRT" "$IKEY" rsa "$S/expired" "$(organ_dn 000.00.90.H30)" organ_ext \
  "$EXPIRED_START" "$EXPIRED_END"
leaf int "$ICRT" "$IKEY" rsa "$S/not-yet-valid" "$(organ_dn 000.00.91.H30)" organ_ext \
  "$FUTURE_START" "$FUTURE_END"
leaf int "$ICRT" "$IKEY" rsa "$S/revoked" "$(organ_dn 000.00.92.H30)" organ_ext
leaf int "$ICRT" "$IKEY" rsa "$S/no-uid" "$BASE_DN/CN=No UID organ" organ_ext
leaf int "$ICRT" "$IKEY" rsa "$S/ca-usage" "$(organ_dn 000.00.93.H30)" ca_usage_ext
leaf int "$ICRT" "$IKEY" rsa "$S/no-sign-usage" "$(organ_dn 000.00.94.H30)" no_sign_ext
leaf int "$ICRT" "$IKEY" rsa1024 "$S/weak-rsa1024" "$(organ_dn 000.00.95.H30)" organ_ext

# ---------------------------------------------------------------- CRLs
# First the issuing CA's CRL as it was before the revocation (tests of CRL reloading swap it
# for the current one), then the revocation.
openssl ca -config "$W/int/ca.cnf" -batch -md sha256 -cert "$ICRT" -keyfile "$IKEY" \
  -gencrl -crldays 30 -out "$T/crl/intermediate-before-revocation.crl.pem" 2>"$W/last-ca.log" \
  || { cat "$W/last-ca.log" >&2; exit 1; }
openssl ca -config "$W/int/ca.cnf" -batch -md sha256 -cert "$ICRT" -keyfile "$IKEY" \
  -revoke "$S/revoked.crt" -crl_reason keyCompromise 2>"$W/last-ca.log" \
  || { cat "$W/last-ca.log" >&2; exit 1; }
openssl ca -config "$W/int/ca.cnf" -batch -md sha256 -cert "$ICRT" -keyfile "$IKEY" \
  -gencrl -crldays 30 -out "$T/crl/intermediate.crl.pem" 2>"$W/last-ca.log" \
  || { cat "$W/last-ca.log" >&2; exit 1; }
openssl ca -config "$W/root/ca.cnf" -batch -md sha256 -cert "$T/root-ca.crt" \
  -keyfile "$T/root-ca.key" -gencrl -crldays 30 -out "$T/crl/root.crl.pem" 2>"$W/last-ca.log" \
  || { cat "$W/last-ca.log" >&2; exit 1; }
cat "$T/crl/intermediate.crl.pem" "$T/crl/root.crl.pem" >"$T/crl/all.pem"
cat "$T/crl/intermediate-before-revocation.crl.pem" "$T/crl/root.crl.pem" \
  >"$T/crl/all-before-revocation.pem"

# ---------------------------------------------------------------- look-alike hierarchy
# Same subject DNs as the real root / issuing CA / organ 000.00.13.H30, different keys.
L="$T/lookalike"
make_ca_db lroot
make_ca_db lint
key_rsa "$L/root-ca.key"
selfsign lroot "$L/root-ca.key" "$ROOT_DN" "$L/root-ca.crt"
key_rsa "$L/intermediate-ca.key"
csr lroot "$L/intermediate-ca.key" "$INT_DN" "$W/lint.csr"
sign lroot "$L/root-ca.crt" "$L/root-ca.key" "$W/lint.csr" "$L/intermediate-ca.crt" int_ext \
  "$NOW_MINUS_1D" "$CA_END"
leaf lint "$L/intermediate-ca.crt" "$L/intermediate-ca.key" rsa "$L/000.00.13.H30" \
  "$(organ_dn 000.00.13.H30)" organ_ext

# ---------------------------------------------------------------- sanity checks, then publish
for f in "$T/organs/000.00.13.H30.crt" "$L/000.00.13.H30.crt"; do
  subj=$(openssl x509 -in "$f" -noout -subject -nameopt RFC2253)
  case $subj in
    *UID=000.00.13.H30,CN=Organ\ 000.00.13.H30,O=docaxis\ test\ PKI,C=VN) ;;
    *) echo "make-test-pki: unexpected subject in $f: $subj" >&2; exit 1 ;;
  esac
done
openssl verify -CAfile "$T/root-ca.crt" -untrusted "$ICRT" "$T/organs/000.00.13.H30.crt" >/dev/null
for h in "${HUBS[@]}"; do
  san=$(openssl x509 -in "$T/hubs/$h.crt" -noout -ext subjectAltName)
  case $san in
    *"URI:urn:docaxis:hub:$h"*) ;;
    *) echo "make-test-pki: hubs/$h.crt lacks URI:urn:docaxis:hub:$h: $san" >&2; exit 1 ;;
  esac
done

rm -rf -- "$W"
chmod 0755 "$T"
# .complete is the last file written; the finished tree then appears under OUTDIR by one rename.
printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$SCRIPT_HASH" >"$T/.complete"
if complete_ok; then                     # a concurrent run finished first: keep its PKI
  echo "test PKI already in $OUTDIR"
  exit 0
fi
rm -rf -- "$OUTDIR"                      # stale or partial output from an interrupted run
if ! mv -T -- "$T" "$OUTDIR"; then
  if complete_ok; then echo "test PKI already in $OUTDIR"; exit 0; fi
  echo "make-test-pki: could not move the PKI into $OUTDIR" >&2
  exit 1
fi
trap - EXIT

n_crt=$(find "$OUTDIR" -name '*.crt' | wc -l)
n_key=$(find "$OUTDIR" -name '*.key' | wc -l)
echo "test PKI written to $OUTDIR in $(( $(date +%s) - START_TS ))s: $n_crt certificates, $n_key keys"
echo "  trust anchor : root-ca.crt (CN=docaxis Test Root CA); issuing CA: intermediate-ca.crt"
echo "  organs       : ${ORGANS_RSA[*]} (RSA-2048), 000.00.04.G14 (EC P-256)"
echo "  hubs         : ${HUBS[*]} (EC P-256, TLS server+client, SAN URI urn:docaxis:hub:<name>)"
echo "  special      : expired not-yet-valid revoked no-uid ca-usage no-sign-usage weak-rsa1024"
echo "  CRLs         : crl/intermediate.crl.pem (revokes special/revoked.crt), crl/root.crl.pem, crl/all.pem"
echo "                 crl/all-before-revocation.pem (the same, from before that revocation)"
echo "  look-alike   : lookalike/ (same DNs as the real root/issuing CA/000.00.13.H30, other keys)"
