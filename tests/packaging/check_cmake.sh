#!/usr/bin/env bash
# The 'packaging_cmake' test: mmc must be usable from CMake (docs/design.md §1)
#   (a) installed: `meson install` into a temporary prefix, then
#       find_package(mmc <VERSION> CONFIG REQUIRED) + target mmc::mmc in
#       cmake_consumer/, built and run; a request for the next minor version
#       must be rejected (0.x: SameMinorVersion);
#   (b) as a source tree: add_subdirectory(<mmc>) + mmc::mmc (the top-level
#       CMakeLists.txt), built and run.
# The consumer includes one estimator header (a few seconds of compile each).
# Usage: check_cmake.sh SOURCE_ROOT PACKAGING_DIR   (CXX: the compiler to use;
# exits 77, "skipped", when cmake is not installed: scripts/setup installs it)
set -euo pipefail
src=$(cd "$1" && pwd)
here=$(cd "$2" && pwd)
command -v cmake >/dev/null || { echo "cmake not found: skipping (scripts/setup installs it)"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mmc-cmake.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
step() { echo "== packaging_cmake: $*"; }
version=$(<"$src/VERSION")

# CXX may start with a compiler launcher (ccache); CMake wants that separately.
read -r -a cxx_words <<<"${CXX:-c++}"
cmake_compiler=(-DCMAKE_CXX_COMPILER="${cxx_words[0]}")
if [[ ${#cxx_words[@]} -gt 1 && "${cxx_words[0]}" == *ccache ]]; then
  cmake_compiler=(-DCMAKE_CXX_COMPILER_LAUNCHER="${cxx_words[0]}" -DCMAKE_CXX_COMPILER="${cxx_words[1]}")
fi
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
# No CMAKE_BUILD_TYPE: no optimisation flags, the cheapest compile.
configure() {  # configure BUILD_DIR CMAKE_ARGS...
  local dir=$1
  shift
  cmake -S "$here/cmake_consumer" -B "$dir" "${generator[@]}" "${cmake_compiler[@]}" \
    -DMMC_EXPECTED_VERSION="$version" "$@"
}

step "(a) meson install into $tmp/prefix, then find_package(mmc $version)"
# -Dpython=disabled: the C++ install only (the Python module has its own tests).
meson setup "$tmp/mmc-build" "$src" --prefix="$tmp/prefix" \
  -Dtests=disabled -Dbenchmarks=disabled -Dexamples=false -Dtools=false -Dcuda=disabled -Dpython=disabled >"$tmp/meson-setup.log" \
  || { cat "$tmp/meson-setup.log"; exit 1; }
meson install -C "$tmp/mmc-build" --quiet
config=$(find "$tmp/prefix" -name mmcConfig.cmake -print -quit)
[[ -n "$config" ]] || { echo "no mmcConfig.cmake installed under $tmp/prefix"; exit 1; }
[[ -f "$(dirname "$config")/mmcConfigVersion.cmake" ]] || { echo "no mmcConfigVersion.cmake next to $config"; exit 1; }
echo "installed: ${config#"$tmp/prefix/"}"
# Only the prefix is given: no path into the source tree.
configure "$tmp/installed" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DMMC_REQUIRED_VERSION="$version"
cmake --build "$tmp/installed"
"$tmp/installed/cmake_consumer"

IFS=. read -r major minor _ <<<"$version"
newer="$major.$((minor + 1))"
step "(a') find_package(mmc $newer) must be rejected"
if configure "$tmp/too-new" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DMMC_REQUIRED_VERSION="$newer" \
    >"$tmp/too-new.log" 2>&1; then
  cat "$tmp/too-new.log"
  echo "find_package(mmc $newer) accepted the installed mmc $version"
  exit 1
fi
grep -q "mmcConfig.cmake, version: $version" "$tmp/too-new.log" \
  || { cat "$tmp/too-new.log"; echo "find_package(mmc $newer) failed, but not for the version"; exit 1; }

step "(b) add_subdirectory(<source tree>)"
configure "$tmp/subdirectory" -DMMC_SOURCE_DIR="$src"
cmake --build "$tmp/subdirectory"
"$tmp/subdirectory/cmake_consumer"
step "all good"
