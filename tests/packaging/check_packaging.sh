#!/usr/bin/env bash
# The 'packaging' test (docs/design.md §6): mmc must be usable
#   (a) as a Meson subproject: a consumer project with subprojects/mmc -> the
#       source tree calls dependency('mmc');
#   (b) installed: `meson setup --prefix=$TMP/prefix && meson install` from the
#       source tree, then consumer.cpp (which includes only <mmc/mmc.hpp>) is
#       compiled with nothing but `pkg-config --cflags --libs mmc` and run.
# Usage: check_packaging.sh SOURCE_ROOT PACKAGING_DIR   (CXX: the compiler to use)
set -euo pipefail
src=$(cd "$1" && pwd)
here=$(cd "$2" && pwd)
cxx=${CXX:-c++}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mmc-packaging.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
step() { echo "== packaging: $*"; }

step "(a) Meson subproject"
cp -r "$here/consumer" "$tmp/consumer"
mkdir -p "$tmp/consumer/subprojects"
ln -s "$src" "$tmp/consumer/subprojects/mmc"
# --force-fallback-for: use the subproject even if an mmc.pc is installed on this machine.
CXX="$cxx" meson setup "$tmp/consumer-build" "$tmp/consumer" --force-fallback-for=mmc
ninja -C "$tmp/consumer-build"
"$tmp/consumer-build/consumer"

step "(b) meson install into $tmp/prefix, then pkg-config"
# -Dpython=disabled: the Python module (docs/python.md) has its own tests; building
# it here only doubled this test's time.
meson setup "$tmp/mmc-build" "$src" --prefix="$tmp/prefix" \
  -Dtests=disabled -Dbenchmarks=disabled -Dexamples=false -Dtools=false -Dcuda=disabled -Dpython=disabled
meson install -C "$tmp/mmc-build" --quiet
# The installed headers are exactly the source tree's.
diff -r "$src/include/mmc" "$tmp/prefix/include/mmc"
pcdir=$(dirname "$(find "$tmp/prefix" -name mmc.pc -print -quit)")
[[ -f "$pcdir/mmc.pc" ]] || { echo "no mmc.pc installed under $tmp/prefix"; exit 1; }
export PKG_CONFIG_PATH="$pcdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
flags=$(pkg-config --cflags --libs mmc)
echo "pkg-config --cflags --libs mmc: $flags"
# Nothing but the pkg-config flags: no -I into the source tree.
# shellcheck disable=SC2086
"$cxx" "$here/consumer/consumer.cpp" $flags -o "$tmp/consumer-pkgconfig"
"$tmp/consumer-pkgconfig"
step "all good"
