#!/usr/bin/env bash
# Builds and runs the verification benchmark with its baselines in one run; figures go to
# standard output (record them in BENCHMARKS.md with these conditions).
#   scripts/bench.sh [verify_bench options: --rounds N --seconds S --xmlsec1-docs N]
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${DOCAXIS_SHARED_DIR:-$PWD/../shared}
./scripts/install-deps.sh --bench >/dev/null
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDOCAXIS_BENCH=ON >/dev/null
cmake --build build --target verify_bench -j"$(nproc)" | tail -1
./scripts/make-test-pki.sh build/test-pki >/dev/null
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "versions: $(xmlsec1 --version | head -1); $(openssl version | cut -d' ' -f1-2); libxml2 $(dpkg-query -W -f='${Version}' libxml2); Santuario $(dpkg-query -W -f='${Version}' libxml-security-java); $(java -version 2>&1 | head -1)"
DOC=build/bench-document.edxml
build/tests/bench/verify_bench build/test-pki "$SHARED/edxml-samples/edoc_new.edxml" \
  --write-doc "$DOC" "$@" | tee build/bench-verify.txt

# Apache Santuario on the same document, same run.
CP=/usr/share/java/xmlsec.jar:/usr/share/java/commons-codec.jar:/usr/share/java/slf4j-api.jar
mkdir -p build/santuario
javac -nowarn -cp "$CP" -d build/santuario tests/bench/santuario/SantuarioBench.java
ROUNDS=5 SECS=2
args=("$@")
for i in "${!args[@]}"; do
  case "${args[$i]}" in
    --rounds) ROUNDS=${args[$((i + 1))]} ;;
    --seconds) SECS=${args[$((i + 1))]} ;;
  esac
done
java -cp "$CP:build/santuario" SantuarioBench "$DOC" "$ROUNDS" "$SECS" 2>/dev/null |
  tee -a build/bench-verify.txt
awk '$1=="hub/native" && $2==1 {h=$3} $1=="santuario" {s=$3}
     END { if (h && s) printf "ratio hub/native : santuario, 1 thread      = %.2fx\n", h/s }' build/bench-verify.txt
