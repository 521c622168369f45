#!/usr/bin/env bash
# run-fuzz.sh BUILD_DIR SECONDS: fuzzes the parser and verifier, then the AMQP message decoding,
# each for SECONDS, with a seed corpus of the generated edXML packages (docaxis-fixtures), the
# real samples of DOCAXIS_SHARED_DIR/edxml-samples when that folder is present, and freshly
# signed packages; fails on any crash or sanitizer report.
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
FIXTURES_TOOL=$BUILD/tests/support/docaxis-fixtures
[ -x "$FIXTURES_TOOL" ] || cmake --build "$BUILD" --target docaxis-fixtures >/dev/null
ASAN_OPTIONS=detect_leaks=0 "$FIXTURES_TOOL" set "$SEEDS"
if [ -d "$SHARED/edxml-samples" ]; then
  for f in "$SHARED"/edxml-samples/*.edxml; do cp "$f" "$SEEDS/shared-$(basename "$f")"; done
else
  echo "fuzz: no $SHARED/edxml-samples: seeding from the generated packages only"
fi
# A signed document and a signed status package, so mutations reach the signature checks
# (generated: edoc_new is already from 000.00.13.H30; the status answering it is re-addressed).
cp "$SEEDS/edoc_new.edxml" "$SEEDS/unsigned-edoc_new.edxml"
ASAN_OPTIONS=detect_leaks=0 "$FIXTURES_TOOL" status -o "$SEEDS/unsigned-status_acceptance_03.edxml" \
  --from 000.00.13.H30 --for-organ 000.00.01.G12 --for-doc "000.00.01.G12,2024/04/10,2215/BTC-NSNN" \
  --for-code 2215/BTC-NSNN --for-date 2024/04/10 --code 03
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
