#!/usr/bin/env python3
"""The 'version' test: the version has one source, the VERSION file
(docs/design.md §1). Checks that it agrees with Meson's project version (which
meson.build reads from VERSION, and which the pkg-config file and the CMake
package get), with the macros and mmc::version() in include/mmc/version.hpp,
and with the banner of the committed single header.

Usage: check_version.py SOURCE_ROOT MESON_PROJECT_VERSION
"""
import pathlib
import re
import sys


def main() -> int:
    root = pathlib.Path(sys.argv[1])
    meson_version = sys.argv[2]
    problems = []
    version = (root / 'VERSION').read_text(encoding='utf-8').strip()
    match = re.fullmatch(r'(\d+)\.(\d+)\.(\d+)', version)
    if not match:
        print(f'VERSION holds "{version}"; expected MAJOR.MINOR.PATCH, e.g. 0.1.0')
        return 1
    if meson_version != version:
        problems.append(f"meson.project_version() is {meson_version}: project() must read files('VERSION')")

    header = (root / 'include' / 'mmc' / 'version.hpp').read_text(encoding='utf-8')
    expected = {'MMC_VERSION_MAJOR': match.group(1), 'MMC_VERSION_MINOR': match.group(2),
                'MMC_VERSION_PATCH': match.group(3), 'MMC_VERSION_STRING': f'"{version}"'}
    for macro, value in expected.items():
        defined = re.search(rf'^#define {macro} (.+?)\s*$', header, re.MULTILINE)
        if not defined:
            problems.append(f'include/mmc/version.hpp does not #define {macro}')
        elif defined.group(1) != value:
            problems.append(f'include/mmc/version.hpp: {macro} is {defined.group(1)}, VERSION says {value}')

    single = root / 'single_include' / 'mmc' / 'mmc.hpp'
    if single.is_file():
        first = single.read_text(encoding='utf-8').split('\n', 1)[0]
        if not first.startswith(f'// mmc {version} '):
            problems.append(f'single_include/mmc/mmc.hpp is from another version ("{first[:40]}..."): '
                            'run scripts/amalgamate')
    else:
        problems.append('single_include/mmc/mmc.hpp is missing: run scripts/amalgamate')

    for problem in problems:
        print(problem)
    if problems:
        print(f'VERSION is {version}; the version appears in VERSION and include/mmc/version.hpp only '
              '(then run scripts/amalgamate)')
        return 1
    print(f'version {version}: VERSION, meson.project_version(), include/mmc/version.hpp and the single header agree')
    return 0


if __name__ == '__main__':
    sys.exit(main())
