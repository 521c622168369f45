#!/usr/bin/env bash
# The packaging test (ctest "packaging.deb", label packaging):
#   scripts/packaging/test-package.sh BUILD_DIR
# builds the .deb with scripts/build-deb.sh from BUILD_DIR's binaries, installs it with dpkg
# into a clean root, and checks what an administrator gets: files, owners and modes, the
# conffiles, the docaxis system user, the units (systemd-analyze verify), the manual pages,
# the installed configuration; then a second install (postinst is idempotent) and a purge.
#
# The clean root: this machine's own system as a copy-on-write overlay (lowerdir=/, the upper
# layer on a tmpfs) in a private mount namespace (unshare --mount), entered with chroot.
# Nothing reaches the real system and everything vanishes when the test ends. dpkg -i runs
# there for real: the Depends are checked against the installed libraries, and postinst runs
# with the system's adduser and dpkg-statoverride, so a broken postinst fails the install. A
# docaxis package or user the machine may already have is removed in the copy first. It needs
# root (mounts, chroot) and overlayfs: without root the test reports itself skipped (exit 77).
# debootstrap was the alternative: a real minimal Debian, but a download of ~100 MB and
# minutes per run, and no network in CI would fail it; the overlay takes seconds.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:?usage: test-package.sh BUILD_DIR}
BUILD=$(cd "$BUILD" && pwd)

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIPPED: the packaging test needs root (overlay mount, chroot); run it as root in CI"
  exit 77
fi
# Re-run in a private mount namespace: every mount below disappears with the process.
if [ -z "${DOCAXIS_PKG_NS:-}" ]; then
  exec unshare --mount --propagation private env DOCAXIS_PKG_NS=1 "$0" "$@"
fi

failures=0
checks=0
ok() { checks=$((checks + 1)); echo "ok   $*"; }
bad() { checks=$((checks + 1)); failures=$((failures + 1)); echo "FAIL $*"; }
quiet() { "$@" >/dev/null 2>&1; }
check() { # description command...
  local what=$1; shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/docaxis-pkgtest.XXXXXX")
trap 'umount -R "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT

# Everything below lives on a tmpfs that disappears with this mount namespace.
mount -t tmpfs -o size=1g tmpfs "$WORK" || { echo "FAIL: cannot mount a tmpfs"; exit 1; }
mkdir -p "$WORK/upper" "$WORK/work" "$WORK/root" "$WORK/out"

echo "== building the package"
DEB=$("$ROOT/scripts/build-deb.sh" --build-dir "$BUILD" --no-build --out "$WORK/out") ||
  { echo "FAIL scripts/build-deb.sh"; exit 1; }
echo "$DEB"

echo "== the archive"
control=$(dpkg-deb -f "$DEB")
check "Depends names adduser and the C library" \
  grep -qE '^Depends: .*adduser.*libc6 \(>= ' <<<"$control"
for lib in libssl3 libxml2 libxmlsec1-openssl libsqlite3-0 libqpid-proton-cpp12 librabbitmq4; do
  check "Depends names $lib" grep -qE "^Depends: .*\b$lib\b" <<<"$control"
done
check "conffiles: the three configuration files" \
  diff <(dpkg-deb --ctrl-tarfile "$DEB" | tar -xO ./conffiles | sort) \
       <(printf '%s\n' /etc/docaxis/agent.toml /etc/docaxis/bridge.toml /etc/docaxis/docaxis-hub.toml)
check "every file in the archive is root:root" \
  bash -c "! dpkg-deb -c '$DEB' | awk '{print \$2}' | grep -v '^root/root\$'"

echo "== a clean root: this system as a copy-on-write overlay"
if ! mount -t overlay overlay -o "lowerdir=/,upperdir=$WORK/upper,workdir=$WORK/work" "$WORK/root"; then
  echo "FAIL: cannot mount an overlay of / (overlayfs needed)"; exit 1
fi
R=$WORK/root
mount -t proc proc "$R/proc"
mount --rbind /dev "$R/dev"
mount -t tmpfs tmpfs "$R/run"   # no /run/systemd/system: postinst does not talk to systemd
mount -t tmpfs tmpfs "$R/tmp"
cp "$DEB" "$R/tmp/"
IN=(chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 HOME=/root)
PKGFILE=/tmp/$(basename "$DEB")

# Clean: no docaxis package, user, group or files from an earlier install on this machine.
"${IN[@]}" sh -c 'dpkg-query -W docaxis >/dev/null 2>&1 && dpkg --purge docaxis >/dev/null;
  getent passwd docaxis >/dev/null && userdel docaxis;
  getent group docaxis >/dev/null && groupdel docaxis;
  for p in /etc/docaxis /var/lib/docaxis; do
    dpkg-statoverride --list $p >/dev/null && dpkg-statoverride --remove $p; done;
  rm -rf /etc/docaxis /var/lib/docaxis; exit 0'
check "the root starts without the docaxis user" bash -c "! ${IN[*]} getent passwd docaxis >/dev/null"

echo "== dpkg -i (postinst runs in the root)"
if "${IN[@]}" dpkg -i "$PKGFILE" >"$WORK/dpkg.log" 2>&1; then
  ok "dpkg -i installs the package (Depends satisfied, postinst exit 0)"
else
  bad "dpkg -i:"; cat "$WORK/dpkg.log"
fi
in_root() { "${IN[@]}" "$@"; }
stat_is() { # path "owner:group mode type"
  local got
  got=$(in_root stat -c '%U:%G %a %F' "$1" 2>&1)
  if [ "$got" = "$2" ]; then ok "$1 is $2"; else bad "$1 is '$got', wanted '$2'"; fi
}

echo "== files, owners, modes"
for b in docaxis-hub docaxis docaxis-agent docaxis-rabbit-bridge; do
  stat_is "/usr/bin/$b" "root:root 755 regular file"
  check "$b --help runs in the root (its libraries resolve)" quiet in_root "/usr/bin/$b" --help
  stat_is "/usr/share/man/man1/$b.1.gz" "root:root 644 regular file"
  warnings=$(in_root sh -c "zcat /usr/share/man/man1/$b.1.gz | groff -man -Tutf8 -ww -z" 2>&1)
  if [ -z "$warnings" ]; then ok "$b.1 formats without a groff warning"
  else bad "$b.1: $warnings"; fi
done
stat_is /var/lib/docaxis "docaxis:docaxis 700 directory"
stat_is /etc/docaxis "root:docaxis 750 directory"
for f in docaxis-hub.toml agent.toml bridge.toml; do
  stat_is "/etc/docaxis/$f" "root:docaxis 640 regular file"
done
conffiles=$(in_root dpkg-query -W -f='${Conffiles}\n' docaxis | awk 'NF {print $1}' | sort)
check "dpkg lists the three conffiles" test "$conffiles" = \
  "$(printf '%s\n' /etc/docaxis/agent.toml /etc/docaxis/bridge.toml /etc/docaxis/docaxis-hub.toml)"
for u in docaxis-hub docaxis-agent docaxis-rabbit-bridge; do
  stat_is "/lib/systemd/system/$u.service" "root:root 644 regular file"
done

echo "== the docaxis user"
IFS=: read -r _ _ uid gid _ home shell < <(in_root getent passwd docaxis)
check "docaxis is a system user (uid ${uid:-none} below 1000)" test "${uid:-99999}" -lt 1000
check "its shell is ${shell:-none}, no login" test "${shell:-}" = /usr/sbin/nologin
check "its home is /var/lib/docaxis" test "${home:-}" = /var/lib/docaxis
check "its primary group is docaxis" test "$(in_root getent group "${gid:-x}" | cut -d: -f1)" = docaxis
check "the docaxis user may not log in (no password)" \
  bash -c "in_shadow=\$(${IN[*]} getent shadow docaxis | cut -d: -f2); [ \"\$in_shadow\" = '*' ] || [ \"\$in_shadow\" = '!' ] || [ \"\${in_shadow#!}\" != \"\$in_shadow\" ]"

echo "== the units"
verify=$(in_root systemd-analyze verify /lib/systemd/system/docaxis-hub.service \
  /lib/systemd/system/docaxis-agent.service /lib/systemd/system/docaxis-rabbit-bridge.service 2>&1)
status=$?
# Only what concerns our units: verify also reports on unrelated units of the machine.
ours=$(grep -i docaxis <<<"$verify")
if [ "$status" -eq 0 ] && [ -z "$ours" ]; then ok "systemd-analyze verify: the three units, no finding"
else bad "systemd-analyze verify (exit $status): ${ours:-$verify}"; fi
hub_unit=$(in_root cat /lib/systemd/system/docaxis-hub.service)
for directive in 'Type=notify' 'Restart=on-failure' 'ExecReload=/bin/kill -HUP $MAINPID' \
    'User=docaxis' 'ProtectSystem=strict' 'ReadWritePaths=/var/lib/docaxis' 'NoNewPrivileges=yes' \
    'PrivateTmp=yes' 'ProtectHome=yes' 'CapabilityBoundingSet=' \
    'ExecStart=/usr/bin/docaxis-hub --config /etc/docaxis/docaxis-hub.toml'; do
  check "docaxis-hub.service: $directive" grep -qxF -- "$directive" <<<"$hub_unit"
done
check "docaxis-hub.service: LimitNOFILE set" grep -qE '^LimitNOFILE=[0-9]+$' <<<"$hub_unit"
# The exposure systemd itself computes from the sandboxing (0 best .. 10 worst; --threshold is
# in tenths).
for u in docaxis-hub docaxis-agent docaxis-rabbit-bridge; do
  if in_root systemd-analyze security --offline=yes --threshold=30 --no-pager \
      "/lib/systemd/system/$u.service" >"$WORK/security.log" 2>&1; then
    ok "$u.service: systemd-analyze security exposure at most 3.0 of 10 ($(grep -o 'Overall exposure level.*' "$WORK/security.log" | sed 's/\x1b\[[0-9;]*m//g'))"
  else
    bad "$u.service: systemd-analyze security exposure above 3.0:"; tail -3 "$WORK/security.log"
  fi
done

echo "== the installed configuration"
hubcfg=$(in_root runuser -u docaxis -- docaxis-hub --config /etc/docaxis/docaxis-hub.toml --check-config 2>&1)
check "docaxis-hub --check-config as docaxis reads it, and finds only the certificates missing" \
  bash -c '[ -n "$1" ] && ! grep -v "does not exist" <<<"$1"' _ "$hubcfg"
check "no value names /etc/docaxis-hub or /var/lib/docaxis-hub" \
  bash -c "! ${IN[*]} sh -c 'sed \"s/#.*//\" /etc/docaxis/*.toml' | grep -E '/(etc|var/lib)/docaxis-hub'"
check "the hub's data_dir is under /var/lib/docaxis" \
  grep -qx 'data_dir = "/var/lib/docaxis/hub"' <(in_root cat /etc/docaxis/docaxis-hub.toml)
check "docaxis-agent run --check-config as docaxis accepts agent.toml" \
  in_root runuser -u docaxis -- docaxis-agent run --config /etc/docaxis/agent.toml --check-config
check "docaxis-rabbit-bridge --check-config as docaxis accepts bridge.toml" \
  in_root runuser -u docaxis -- docaxis-rabbit-bridge --config /etc/docaxis/bridge.toml --check-config
check "another user cannot read /etc/docaxis" \
  bash -c "! ${IN[*]} runuser -u nobody -- cat /etc/docaxis/bridge.toml >/dev/null 2>&1"

echo "== install again (postinst idempotent), then purge"
check "a second dpkg -i succeeds" quiet in_root dpkg -i "$PKGFILE"
stat_is /var/lib/docaxis "docaxis:docaxis 700 directory"
in_root runuser -u docaxis -- sh -c 'mkdir -p /var/lib/docaxis/hub && echo x >/var/lib/docaxis/hub/spool.sqlite'
check "purge succeeds" quiet in_root dpkg --purge docaxis
check "purge removes the conffiles" bash -c "! ${IN[*]} test -e /etc/docaxis/docaxis-hub.toml"
check "purge removes the permission overrides" \
  bash -c "! ${IN[*]} dpkg-statoverride --list | grep -q docaxis"
check "purge keeps /var/lib/docaxis with the hub's spool (evidence)" in_root test -s /var/lib/docaxis/hub/spool.sqlite
check "purge removes the binaries" bash -c "! ${IN[*]} test -e /usr/bin/docaxis-hub"

echo "== $checks checks, $failures failed"
[ "$failures" -eq 0 ]
