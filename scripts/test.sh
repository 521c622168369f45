#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test:
#   1. release build (g++), all ctest tests (unit and integration);
#   2. AddressSanitizer + UndefinedBehaviorSanitizer build (clang), unit tests again;
#   3. the libFuzzer target over the parser and verifier for a bounded time.
# Environment: DOCAXIS_FUZZ_SECONDS (default 60), DOCAXIS_SKIP_SANITIZE=1 / DOCAXIS_SKIP_FUZZ=1
# to skip stages 2 / 3 locally, JOBS (default: number of cores).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
JOBS=${JOBS:-$(nproc)}
FUZZ_SECONDS=${DOCAXIS_FUZZ_SECONDS:-60}

./scripts/install-deps.sh

echo "== release build"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDOCAXIS_BENCH=ON >/dev/null
cmake --build build -j"$JOBS"
echo "== tests"
(cd build && ctest --output-on-failure -j"$JOBS") | tee build/ctest.log
PASSED=$(awk '/tests passed, .* tests failed out of/{print $NF - $(NF-4)}' build/ctest.log)

if [ "${DOCAXIS_SKIP_SANITIZE:-0}" != 1 ] || [ "${DOCAXIS_SKIP_FUZZ:-0}" != 1 ]; then
  echo "== sanitizer build (clang, address+undefined, with the fuzz target)"
  CC=clang CXX=clang++ cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DDOCAXIS_SANITIZE=address,undefined -DDOCAXIS_FUZZ=ON -DDOCAXIS_BENCH=OFF >/dev/null
  cmake --build build-asan -j"$JOBS"
fi
if [ "${DOCAXIS_SKIP_SANITIZE:-0}" != 1 ]; then
  echo "== unit tests under ASan+UBSan"
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
     UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
     ctest -L unit --output-on-failure -j"$JOBS") | tee build-asan/ctest.log
  PASSED=$((PASSED + $(awk '/tests passed, .* tests failed out of/{print $NF - $(NF-4)}' build-asan/ctest.log)))
fi
if [ "${DOCAXIS_SKIP_FUZZ:-0}" != 1 ]; then
  echo "== fuzzing the parser and verifier for ${FUZZ_SECONDS}s"
  "$ROOT/tests/fuzz/run-fuzz.sh" "$ROOT/build-asan" "$FUZZ_SECONDS"
fi
echo "== all tests passed"
echo "tests: ${PASSED} passed, 0 failed"
