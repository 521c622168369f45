#!/usr/bin/env bash
# Builds and runs a benchmark; figures go to standard output (record them in BENCHMARKS.md
# with these conditions).
#   scripts/bench.sh [verify_bench options: --rounds N --seconds S --xmlsec1-docs N]
#       the verification benchmark with its baselines (xmlsec, Santuario) in one run
#   scripts/bench.sh --hub [hub_bench options: --rate R[,R...] --seconds S --senders N ...]
#       the one-hub end-to-end benchmark: a real docaxis-hub over mutual TLS on loopback,
#       by default offered 1,000 packages/s for 20 s, then saturation for 20 s
#       (tests/bench/README.md; hub_bench --help lists every option); with --topology two-hop
#       the same through three federated hubs, h30 -> national -> g12
#   scripts/bench.sh --rabbit [rabbit_bench options: --rate R[,R...] --seconds S ...]
#       the RabbitMQ baseline of the same shape and the same bytes (a package written by
#       hub_bench): a fresh rabbitmq-server node of its own per run, persistent messages,
#       publisher confirms, consumer acks (rabbit_bench --help lists every option)
#   scripts/bench.sh --e2e [--rounds N] [--seconds S]
#       issue 7's comparison in one run: N rounds (default 3) of hub_bench one hub, rabbit_bench
#       and hub_bench two hops, each at 1,000/s offered and at saturation (S-second windows,
#       default 15); medians, the hub : RabbitMQ ratio, and a chart ($BUILD/bench-e2e.svg)
#   scripts/bench.sh --hub --stored N --waiting-retries M --size 20M ...
#       growth (issue 7): a spool pre-filled before each hub starts, made once and kept in
#       $BUILD/bench-seed (unless --seed-dir is given); packages of another size
#   scripts/bench.sh --vxp [vxp_bench options: --threads N --rounds N --seconds S --systems N ...]
#       the axis HTTP API (hub/vxp): sendEdoc over HTTP and HTTPS with SDK-style clients (a new
#       connection per request) against AMQP ingest of the same packages in the same run, then
#       getReceivedEdocList with 10,000 systems on a store pre-filled with 1,000,000 packages
#       (--quick: a smoke run; vxp_bench --help lists every option)
# BUILD (default build) is the build folder; JOBS (default: every core) the build's -j.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
# The sample every benchmark starts from: the generated edoc_new.edxml (tests/support/, target
# generated_packages), a realistic document of the demo federation, ~12.8 KB once signed.
SAMPLE=$BUILD/generated-packages/edoc_new.edxml
JOBS=${JOBS:-$(nproc)}

if [ "${1:-}" = "--hub" ]; then
  shift
  ./scripts/install-deps.sh >/dev/null
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDOCAXIS_BENCH=ON >/dev/null
  cmake --build "$BUILD" --target docaxis-hub hub_bench generated_packages -j"$JOBS" | tail -1
  ./scripts/make-test-pki.sh "$BUILD/test-pki" >/dev/null
  echo "versions: $(openssl version | cut -d' ' -f1-2); Qpid Proton $(dpkg-query -W -f='${Version}' libqpid-proton-cpp12); SQLite $(dpkg-query -W -f='${Version}' libsqlite3-0); libxml2 $(dpkg-query -W -f='${Version}' libxml2)"
  seed=(--seed-dir "$BUILD/bench-seed")
  for a in "$@"; do [ "$a" = --seed-dir ] && seed=(); done
  "$BUILD/tests/bench/hub_bench" --hub "$BUILD/hub/server/docaxis-hub" --pki "$BUILD/test-pki" \
    --sample "$SAMPLE" "${seed[@]}" "$@" | tee "$BUILD/bench-hub.txt"
  exit 0  # a failed run (hub_bench exit 1 or 2) has already stopped the script with its code
fi
if [ "${1:-}" = "--vxp" ]; then
  shift
  ./scripts/install-deps.sh >/dev/null
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDOCAXIS_BENCH=ON >/dev/null
  cmake --build "$BUILD" --target docaxis-hub vxp_bench generated_packages -j"$JOBS" | tail -1
  ./scripts/make-test-pki.sh "$BUILD/test-pki" >/dev/null
  echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "versions: $(openssl version | cut -d' ' -f1-2); Qpid Proton $(dpkg-query -W -f='${Version}' libqpid-proton-cpp12); SQLite $(dpkg-query -W -f='${Version}' libsqlite3-0)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  "$BUILD/tests/bench/vxp_bench" --hub "$BUILD/hub/server/docaxis-hub" --pki "$BUILD/test-pki" \
    --sample "$SAMPLE" "$@" | tee "$BUILD/bench-vxp.txt"
  exit "${PIPESTATUS[0]}"
fi
if [ "${1:-}" = "--e2e" ]; then
  shift
  ROUNDS=3 SECS=15
  while [ $# -gt 0 ]; do
    case "$1" in
      --rounds) ROUNDS=$2; shift 2 ;;
      --seconds) SECS=$2; shift 2 ;;
      *) echo "bench.sh --e2e: unknown option $1" >&2; exit 2 ;;
    esac
  done
  ./scripts/install-deps.sh >/dev/null
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDOCAXIS_BENCH=ON >/dev/null
  cmake --build "$BUILD" --target docaxis-hub hub_bench rabbit_bench generated_packages -j"$JOBS" | tail -1
  ./scripts/make-test-pki.sh "$BUILD/test-pki" >/dev/null
  # Enough pre-signed packages per sender for 4,000/s over the 5 s warm-up and the window.
  HB=("$BUILD/tests/bench/hub_bench" --hub "$BUILD/hub/server/docaxis-hub" --pki "$BUILD/test-pki"
      --sample "$SAMPLE")
  PKG=$BUILD/bench-package.edxml
  "${HB[@]}" --packages 1 --write-package "$PKG"
  HB+=(--packages $(((5 + SECS) * 4000 / 3)))
  OUT=$BUILD/bench-e2e.txt
  {
    echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "versions: $(openssl version | cut -d' ' -f1-2); Qpid Proton $(dpkg-query -W -f='${Version}' libqpid-proton-cpp12); SQLite $(dpkg-query -W -f='${Version}' libsqlite3-0); RabbitMQ $(dpkg-query -W -f='${Version}' rabbitmq-server); Erlang $(dpkg-query -W -f='${Version}' erlang-base); rabbitmq-c $(dpkg-query -W -f='${Version}' librabbitmq4)"
    echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown); rounds: $ROUNDS; window: $SECS s"
  } | tee "$OUT"
  for round in $(seq "$ROUNDS"); do
    echo "# round $round: one hub, RabbitMQ, two hops (load $(cut -d' ' -f1 /proc/loadavg))" | tee -a "$OUT"
    "${HB[@]}" --rate 1000,0 --seconds "$SECS" | grep '^e2e' | tee -a "$OUT" || echo "(failed: see above)"
    "$BUILD/tests/bench/rabbit_bench" --payload "$PKG" --rate 1000,0 --seconds "$SECS" |
      grep '^baseline' | tee -a "$OUT" || echo "(failed: see above)"
    "${HB[@]}" --topology two-hop --rate 1000,0 --seconds "$SECS" | grep '^e2e' | tee -a "$OUT" ||
      echo "(failed: see above)"
  done
  awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
         if ($0 ~ /^(e2e|baseline)/ && f["result"] == "ok") {
           k = $1 " " $2 " rate=" f["rate"]; n[k]++; v[k, n[k]] = f["delivered/s"]; p[k, n[k]] = f["p99_ms"] } }
       function med(a, k, m,   i, j, t, x) { for (i = 1; i <= m; i++) x[i] = a[k, i]
         for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (x[j] < x[i]) { t = x[i]; x[i] = x[j]; x[j] = t }
         return m % 2 ? x[(m + 1) / 2] : (x[m / 2] + x[m / 2 + 1]) / 2 }
       END { for (k in n) { m[k] = med(v, k, n[k]); printf "median %-32s delivered/s=%.0f p99_ms=%.1f (%d runs)\n", k, m[k], med(p, k, n[k]), n[k] }
             h = m["e2e one-hub rate=0"]; r = m["baseline rabbitmq rate=0"]
             if (h && r) printf "ratio one hub : RabbitMQ at saturation = %.2fx\n", h / r }' "$OUT" |
    sort | tee -a "$OUT"
  python3 scripts/bench_chart.py "$OUT" "$BUILD/bench-e2e.svg" && echo "chart: $BUILD/bench-e2e.svg"
  exit 0
fi
if [ "${1:-}" = "--rabbit" ]; then
  shift
  ./scripts/install-deps.sh >/dev/null
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDOCAXIS_BENCH=ON >/dev/null
  cmake --build "$BUILD" --target hub_bench rabbit_bench generated_packages -j"$JOBS" | tail -1
  payload=()
  if [[ " $* " != *" --payload "* ]]; then
    # One of hub_bench's signed packages: the very bytes the hub benchmark moves.
    ./scripts/make-test-pki.sh "$BUILD/test-pki" >/dev/null
    PKG=$BUILD/bench-package.edxml
    "$BUILD/tests/bench/hub_bench" --pki "$BUILD/test-pki" --sample "$SAMPLE" \
      --packages 1 --write-package "$PKG"
    payload=(--payload "$PKG")
  fi
  echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "versions: RabbitMQ $(dpkg-query -W -f='${Version}' rabbitmq-server); Erlang $(dpkg-query -W -f='${Version}' erlang-base); rabbitmq-c $(dpkg-query -W -f='${Version}' librabbitmq4)"
  "$BUILD/tests/bench/rabbit_bench" "${payload[@]}" "$@" | tee "$BUILD/bench-rabbit.txt"
  exit "${PIPESTATUS[0]}"
fi
./scripts/install-deps.sh --bench >/dev/null
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDOCAXIS_BENCH=ON >/dev/null
cmake --build "$BUILD" --target verify_bench generated_packages -j"$JOBS" | tail -1
./scripts/make-test-pki.sh "$BUILD/test-pki" >/dev/null
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "versions: $(xmlsec1 --version | head -1); $(openssl version | cut -d' ' -f1-2); libxml2 $(dpkg-query -W -f='${Version}' libxml2); Santuario $(dpkg-query -W -f='${Version}' libxml-security-java); $(java -version 2>&1 | head -1)"
DOC=$BUILD/bench-document.edxml
"$BUILD/tests/bench/verify_bench" "$BUILD/test-pki" "$SAMPLE" \
  --write-doc "$DOC" "$@" | tee "$BUILD/bench-verify.txt"

# Apache Santuario on the same document, same run.
CP=/usr/share/java/xmlsec.jar:/usr/share/java/commons-codec.jar:/usr/share/java/slf4j-api.jar
mkdir -p "$BUILD/santuario"
javac -nowarn -cp "$CP" -d "$BUILD/santuario" tests/bench/santuario/SantuarioBench.java
ROUNDS=5 SECS=2
args=("$@")
for i in "${!args[@]}"; do
  case "${args[$i]}" in
    --rounds) ROUNDS=${args[$((i + 1))]} ;;
    --seconds) SECS=${args[$((i + 1))]} ;;
  esac
done
java -cp "$CP:$BUILD/santuario" SantuarioBench "$DOC" "$ROUNDS" "$SECS" 2>/dev/null |
  tee -a "$BUILD/bench-verify.txt"
awk '$1=="hub/native" && $2==1 {h=$3} $1=="santuario" {s=$3}
     END { if (h && s) printf "ratio hub/native : santuario, 1 thread      = %.2fx\n", h/s }' "$BUILD/bench-verify.txt"
