#!/usr/bin/env bash
# Installs every build and test dependency of docaxis from Debian 12 packages.
# Idempotent: packages already present are skipped, so a second run does nothing but check.
#   scripts/install-deps.sh           build and test dependencies
#   scripts/install-deps.sh --bench   also the baselines the benchmarks compare against
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config git
  clang libclang-rt-dev          # libFuzzer and the sanitizer runtimes for clang
  # libraries
  libxml2-dev libxmlsec1-dev libxmlsec1-openssl libssl-dev openssl
  libcurl4-openssl-dev           # hub/crl: fetching CRLs from distribution points
  libsqlite3-dev sqlite3
  libpq-dev postgresql-15         # hub/store_pg (issue 17); its tests start a private server
  patroni etcd-server etcd-client  # scripts/ha: the replicated store cluster (ctest label ha)
  libqpid-proton-cpp12-dev librabbitmq-dev
  libboost-dev libboost-system-dev
  libgtest-dev libgmock-dev
  libcli11-dev nlohmann-json3-dev libtomlplusplus-dev libspdlog-dev
  libjemalloc-dev                # docaxis-hub's allocator (hub/server/CMakeLists.txt)
  # tools used by tests and benchmarks
  xmlsec1 python3
  rabbitmq-server                # the rabbit-bridge tests start their own node (never the service)
  prometheus                     # promtool: the metrics test checks the exposition with it
  # the Debian package (scripts/build-deb.sh) and its test (scripts/packaging/test-package.sh)
  dpkg-dev                       # dpkg-shlibdeps: the package's Depends
  systemd                        # systemd-analyze verify / security on the units
  adduser                        # the package's postinst, run in the test's root
  groff-base                     # formats the manual pages in the test (warnings fail it)
  chromium fonts-noto-core       # the status page's browser test (tests/integration/ops_browser_test.sh): Vietnamese glyphs
)
if [ "${1:-}" = "--bench" ]; then
  # Apache Santuario and a JDK to run it: the verification baseline of scripts/bench.sh.
  PACKAGES+=(libxml-security-java openjdk-17-jdk-headless)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Debian's maintainer scripts would start the rabbitmq-server (and postgresql) service on install. The tests
# run their own broker on a free loopback port, so a policy-rc.d (exit 101: "action
# forbidden") keeps services from starting during this install; one already in place is left
# alone.
POLICY=/usr/sbin/policy-rc.d
ADDED_POLICY=""
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
  $SUDO chmod 755 "$POLICY"
  ADDED_POLICY=1
fi
status=0
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || status=$?
if [ -n "$ADDED_POLICY" ]; then $SUDO rm -f "$POLICY"; fi
[ "$status" -eq 0 ] || exit "$status"
echo "install-deps: done"
