#!/usr/bin/env bash
# Builds and runs the benchmarks; figures go to standard output (record them in BENCHMARKS.md
# with the machine's conditions). Usage: scripts/bench.sh [verify_bench options]
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${DOCAXIS_SHARED_DIR:-$PWD/../shared}
./scripts/install-deps.sh >/dev/null
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDOCAXIS_BENCH=ON >/dev/null
cmake --build build --target verify_bench -j"$(nproc)" | tail -1
./scripts/make-test-pki.sh build/test-pki >/dev/null
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "versions: $(xmlsec1 --version | head -1); $(openssl version); libxml2 $(xml2-config --version 2>/dev/null || dpkg-query -W -f='${Version}' libxml2)"
build/tests/bench/verify_bench build/test-pki "$SHARED/edxml-samples/edoc_new.edxml" "$@"
