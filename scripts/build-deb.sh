#!/usr/bin/env bash
# Builds the docaxis Debian package from the CMake build:
#   scripts/build-deb.sh [--build-dir DIR] [--out DIR] [--no-build] [--keep-tree]
# Prints the path of the .deb it wrote (default: <build-dir>/packaging/docaxis_<version>_<arch>.deb).
#
# What goes where (scripts/packaging/README.md):
#   /usr/bin/{docaxis-hub,docaxis,docaxis-agent,docaxis-rabbit-bridge}   built here, stripped
#   /etc/docaxis/{docaxis-hub,agent,bridge}.toml   conffiles, made from the examples in the
#                                                   source tree with paths under /etc/docaxis
#                                                   and /var/lib/docaxis
#   /lib/systemd/system/docaxis-{hub,agent,rabbit-bridge}.service
#   /usr/share/man/man1/*.1.gz, /usr/share/doc/docaxis/{copyright,README.md}
#   /var/lib/docaxis (0700, owned by the docaxis user that postinst creates)
#
# Why dpkg-deb rather than CPack: the package is a handful of files laid out by this script
# in a staging tree, and dpkg-deb packs exactly that tree. CPack would need install() rules
# in every module's CMakeLists.txt and its maintainer scripts passed through CMake variables,
# and would re-run at every configure; here the layout, the maintainer scripts and the Depends
# (dpkg-shlibdeps over the very binaries packed) are in one place anyone can read.
# dpkg-deb --root-owner-group makes every file root:root in the archive, so neither root nor
# fakeroot is needed to build; the docaxis user's paths get their owner in postinst.
#
# Environment: DOCAXIS_DEB_VERSION overrides the version (default: the CMake project's VERSION).
# Needs dpkg-dev (dpkg-shlibdeps), binutils (strip), gzip (scripts/install-deps.sh).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build
OUT=""
DO_BUILD=1
KEEP_TREE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) BUILD=$(cd "$2" && pwd); shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --no-build) DO_BUILD=""; shift ;;
    --keep-tree) KEEP_TREE=1; shift ;;
    -h|--help) sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-deb.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
OUT=${OUT:-$BUILD/packaging}
PKG=$ROOT/scripts/packaging
TARGETS=(docaxis-hub docaxis docaxis-agent docaxis-rabbit-bridge)

if [ -n "$DO_BUILD" ]; then
  cmake --build "$BUILD" --target "${TARGETS[@]}" >&2
fi
# Where CMake put each binary (the one build tree this script was pointed at).
declare -A BIN=(
  [docaxis-hub]=$BUILD/hub/server/docaxis-hub
  [docaxis]=$BUILD/hub/cli/docaxis
  [docaxis-agent]=$BUILD/adapters/agent/docaxis-agent
  [docaxis-rabbit-bridge]=$BUILD/adapters/rabbit-bridge/docaxis-rabbit-bridge
)
for t in "${TARGETS[@]}"; do
  [ -x "${BIN[$t]}" ] || { echo "build-deb.sh: ${BIN[$t]} not built (drop --no-build)" >&2; exit 1; }
done

VERSION=${DOCAXIS_DEB_VERSION:-$(sed -n 's/^project(docaxis VERSION \([0-9.]*\).*/\1/p' "$ROOT/CMakeLists.txt")}
[ -n "$VERSION" ] || { echo "build-deb.sh: no VERSION in CMakeLists.txt's project()" >&2; exit 1; }
ARCH=$(dpkg --print-architecture)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/docaxis-deb.XXXXXX")
[ -n "$KEEP_TREE" ] || trap 'rm -rf "$WORK"' EXIT
TREE=$WORK/tree
mkdir -p "$TREE/DEBIAN" "$TREE/usr/bin" "$TREE/etc/docaxis" "$TREE/lib/systemd/system" \
  "$TREE/usr/share/man/man1" "$TREE/usr/share/doc/docaxis" "$TREE/var/lib/docaxis"
chmod 0700 "$TREE/var/lib/docaxis"

# Binaries: without their debug information (the build keeps it, RelWithDebInfo).
for t in "${TARGETS[@]}"; do
  strip --strip-unneeded -o "$TREE/usr/bin/$t" "${BIN[$t]}"
  chmod 0755 "$TREE/usr/bin/$t"
done

# Configuration: the examples of the source tree, every path moved under /etc/docaxis and
# /var/lib/docaxis. The packaging test checks no other path survives.
header() {
  printf '# Installed by the docaxis package as /etc/docaxis/%s (a conffile: your edits survive\n' "$1"
  printf '# upgrades), made from %s with its paths under /etc/docaxis and\n' "$2"
  printf '# /var/lib/docaxis. The example organs, peers and certificates are placeholders.\n#\n'
}
{
  header docaxis-hub.toml hub/config/docaxis-hub.example.toml
  sed -e 's#/etc/docaxis-hub/#/etc/docaxis/#g' \
      -e 's#^data_dir = "/var/lib/docaxis-hub"#data_dir = "/var/lib/docaxis/hub"#' \
      "$ROOT/hub/config/docaxis-hub.example.toml"
} > "$TREE/etc/docaxis/docaxis-hub.toml"
{
  header agent.toml adapters/agent/agent.example.toml
  sed -e 's#^\(cert_file\|key_file\|trust_file\)\( *\)= "tls/#\1\2= "/etc/docaxis/agent/#' \
      -e 's#^root = "\."  *\#.*#root = "/var/lib/docaxis/agent"     \# the folders below live here#' \
      "$ROOT/adapters/agent/agent.example.toml"
} > "$TREE/etc/docaxis/agent.toml"
{
  header bridge.toml adapters/rabbit-bridge/bridge.example.toml
  sed -e 's#^\(cert_file\|key_file\|trust_file\)\( *\)= "#\1\2= "/etc/docaxis/bridge/#' \
      "$ROOT/adapters/rabbit-bridge/bridge.example.toml"
} > "$TREE/etc/docaxis/bridge.toml"
chmod 0640 "$TREE"/etc/docaxis/*.toml
chmod 0750 "$TREE/etc/docaxis"

install -m 0644 "$PKG"/systemd/docaxis-*.service "$TREE/lib/systemd/system/"
for page in "$PKG"/man/*.1; do
  gzip -9n < "$page" > "$TREE/usr/share/man/man1/$(basename "$page").gz"
done
chmod 0644 "$TREE"/usr/share/man/man1/*.gz
install -m 0644 "$ROOT/LICENSE" "$TREE/usr/share/doc/docaxis/copyright"
install -m 0644 "$PKG/README.md" "$TREE/usr/share/doc/docaxis/README.md"

# Control files. Depends: what the binaries link (dpkg-shlibdeps reads the shlibs of the
# installed library packages), and adduser for postinst.
install -m 0644 "$PKG/debian/conffiles" "$TREE/DEBIAN/conffiles"
install -m 0755 "$PKG/debian/postinst" "$PKG/debian/prerm" "$PKG/debian/postrm" "$TREE/DEBIAN/"
mkdir -p "$WORK/shlibs/debian"
touch "$WORK/shlibs/debian/control"  # dpkg-shlibdeps wants to run in a source package
SHLIBS=$(cd "$WORK/shlibs" && dpkg-shlibdeps -O "${TARGETS[@]/#/$TREE/usr/bin/}" 2>"$WORK/shlibdeps.err" |
         sed -n 's/^shlibs:Depends=//p') || { cat "$WORK/shlibdeps.err" >&2; exit 1; }
[ -n "$SHLIBS" ] || { echo "build-deb.sh: dpkg-shlibdeps found no dependencies" >&2; cat "$WORK/shlibdeps.err" >&2; exit 1; }
SIZE=$(du -sk --exclude=DEBIAN "$TREE" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@INSTALLED_SIZE@/$SIZE/" \
    -e "s/@SHLIBS@/$SHLIBS/" "$PKG/debian/control.in" > "$TREE/DEBIAN/control"

mkdir -p "$OUT"
DEB=$OUT/docaxis_${VERSION}_${ARCH}.deb
dpkg-deb --build -Zxz --root-owner-group "$TREE" "$DEB" >/dev/null
[ -z "$KEEP_TREE" ] || echo "build-deb.sh: staging tree kept in $TREE" >&2
echo "$DEB"
