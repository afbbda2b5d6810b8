// mmc/version.hpp — the library version, as macros (for #if) and as
// mmc::version() (for printing, e.g. `mmc --version`).
//
// The one source of the version is the VERSION file at the repository root
// (docs/design.md §1): meson.build reads it (project(version: files('VERSION'))),
// so the pkg-config file, the CMake package version file and this header all say
// the same thing. This header is plain text rather than generated at configure
// time because mmc is header-only: it must work from the source tree with just
// an include path. tests/packaging/check_version.py fails when the numbers below
// differ from VERSION; to release, edit VERSION and the three numbers and the
// string here, then run scripts/amalgamate.
#pragma once

#include <string_view>

#define MMC_VERSION_MAJOR 0
#define MMC_VERSION_MINOR 1
#define MMC_VERSION_PATCH 0
#define MMC_VERSION_STRING "0.1.0"
/// One integer for comparisons in the preprocessor: major * 10000 + minor * 100
/// + patch, so 0.1.0 is 100 and `#if MMC_VERSION >= 100` means "0.1.0 or newer".
#define MMC_VERSION (MMC_VERSION_MAJOR * 10000 + MMC_VERSION_MINOR * 100 + MMC_VERSION_PATCH)

namespace mmc {

/// The version of the mmc headers in use: numbers for comparisons, `string`
/// ("0.1.0") for printing.
struct Version {
  int major;
  int minor;
  int patch;
  std::string_view string;
};

/// The version of the mmc headers this translation unit was compiled with.
[[nodiscard]] constexpr Version version() noexcept {
  return {MMC_VERSION_MAJOR, MMC_VERSION_MINOR, MMC_VERSION_PATCH, MMC_VERSION_STRING};
}

}  // namespace mmc
