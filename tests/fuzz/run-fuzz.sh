#!/usr/bin/env bash
# run-fuzz.sh BUILD_DIR SECONDS: fuzzes the parser and verifier, then the AMQP message decoding,
# each for SECONDS, with a seed corpus
# of the real edXML samples plus freshly signed packages; fails on any crash or sanitizer report.
set -euo pipefail
BUILD=$1
SECONDS_TO_RUN=${2:-60}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SHARED=${DOCAXIS_SHARED_DIR:-$ROOT/../shared}
PKI=$BUILD/test-pki
"$ROOT/scripts/make-test-pki.sh" "$PKI" >/dev/null
SEEDS=$BUILD/fuzz-seeds
CORPUS=$BUILD/fuzz-corpus
mkdir -p "$SEEDS" "$CORPUS"
cp "$SHARED"/edxml-samples/*.edxml "$SEEDS"/
# A signed document and a signed status package, so mutations reach the signature checks.
python3 - "$SHARED/edxml-samples" "$SEEDS" <<'PY'
import re, sys
src, out = sys.argv[1], sys.argv[2]
for name in ("edoc_new.edxml", "status_acceptance_03.edxml"):
    s = open(f"{src}/{name}", encoding="utf-8").read()
    s = re.sub(r"(<(?:edXML:)?From>\s*<(?:edXML:)?OrganId>)[^<]*", r"\g<1>000.00.13.H30", s, count=1)
    s = re.sub(r"<(edXML:)?Signature>.*?</(edXML:)?Signature>", "", s, flags=re.S)
    open(f"{out}/unsigned-{name}", "w", encoding="utf-8").write(s)
PY
for f in "$SEEDS"/unsigned-*; do
  ASAN_OPTIONS=detect_leaks=0 "$BUILD/hub/cli/docaxis" sign --key "$PKI/organs/000.00.13.H30.key" \
    --cert "$PKI/organs/000.00.13.H30.crt" --chain "$PKI/intermediates.pem" \
    -o "${f/unsigned-/signed-}" "$f"
done
DOCAXIS_FUZZ_PKI=$PKI ASAN_OPTIONS=detect_leaks=1 \
  "$BUILD/tests/fuzz/fuzz_verify" -max_total_time="$SECONDS_TO_RUN" -max_len=65536 \
  -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "$CORPUS" "$SEEDS" 2>&1 | tail -15
echo "fuzz: verify ${SECONDS_TO_RUN}s without a crash"
# The AMQP listener's message decoding: seeds are the hub's own encodings.
AMQP_SEEDS=$BUILD/fuzz-amqp-seeds
AMQP_CORPUS=$BUILD/fuzz-amqp-corpus
mkdir -p "$AMQP_SEEDS" "$AMQP_CORPUS"
DOCAXIS_FUZZ_AMQP_SEEDS=$AMQP_SEEDS ASAN_OPTIONS=detect_leaks=1 \
  "$BUILD/tests/fuzz/fuzz_amqp_message" -max_total_time="$SECONDS_TO_RUN" -max_len=16384 \
  -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "$AMQP_CORPUS" "$AMQP_SEEDS" 2>&1 | tail -15
echo "fuzz: amqp message decoding ${SECONDS_TO_RUN}s without a crash"
