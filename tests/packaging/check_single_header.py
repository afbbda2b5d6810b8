#!/usr/bin/env python3
"""The 'single_header' test: the committed single header
single_include/mmc/mmc.hpp (written by scripts/amalgamate, docs/design.md §1)

  1. is up to date: scripts/amalgamate is re-run into a temporary directory
     and the result must equal the committed file ("run scripts/amalgamate");
  2. is all a program needs: every program in examples/ is compiled with
     `-I single_include` and Eigen only (no -I include), its mmc includes
     replaced by <mmc/mmc.hpp>, under -Wall -Wextra -Wpedantic -Wshadow
     -Werror (the flags users' builds are likely to have; -Wconversion is an
     exception, see docs/developer-guide.md);
  3. works: knn_basics is run.

Each translation unit that includes all of mmc costs ~20 s of g++ time, most
of it instantiating Eigen for the non-template functions, so the examples are
compiled as ONE translation unit: each example's code goes into its own
namespace (mmc_example_<name>, its main() becoming an ordinary function there),
its #include lines are hoisted to the top, and #line directives keep compiler
messages pointing at examples/<name>.cpp. An example that cannot live in a
namespace (e.g. one that specialises std::hash) would need this test changed.

Usage: check_single_header.py SOURCE_ROOT   (CXX: the compiler to use)
"""
import difflib
import os
import pathlib
import re
import shlex
import subprocess
import sys
import tempfile

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]')
RUN = 'knn_basics'  # the example that is run (the smallest one; no arguments)
WARNINGS = ['-Wall', '-Wextra', '-Wpedantic', '-Wshadow', '-Werror']
STALE = ('single_include/mmc/mmc.hpp is out of date with include/mmc: run scripts/amalgamate '
         '(and commit single_include/mmc/mmc.hpp)')


def eigen_flags():
    """Eigen's include directory as -isystem (its own code is not ours to warn about)."""
    try:
        out = subprocess.run(['pkg-config', '--cflags-only-I', 'eigen3'], check=True,
                             capture_output=True, text=True).stdout.split()
        return [flag.replace('-I', '-isystem', 1) if flag.startswith('-I') else flag for flag in out]
    except (OSError, subprocess.CalledProcessError):
        return ['-isystem', '/usr/include/eigen3']


def combined_examples(root: pathlib.Path):
    """One translation unit holding every example (see the module comment)."""
    examples = sorted((root / 'examples').glob('*.cpp'))
    if not any(path.stem == RUN for path in examples):
        raise SystemExit(f'examples/{RUN}.cpp, the example this test runs, is missing: update {__file__}')
    includes = ['#include <mmc/mmc.hpp>\n']
    bodies = []
    run_takes_arguments = False
    for path in examples:
        name = path.stem
        body = [f'namespace mmc_example_{name} {{\n', f'#line 1 "examples/{path.name}"\n']
        for line in path.read_text(encoding='utf-8').splitlines(keepends=True):
            match = INCLUDE_RE.match(line)
            if match:
                if not match.group(1).startswith('mmc/') and line not in includes:
                    includes.append(line)
                line = '\n'  # hoisted (or replaced by <mmc/mmc.hpp>); the blank keeps line numbers
            body.append(line if line.endswith('\n') else line + '\n')
        body.append(f'}}  // namespace mmc_example_{name}\n')
        bodies += body
        if name == RUN:
            run_takes_arguments = re.search(r'\bint\s+main\s*\(\s*int\b', ''.join(body)) is not None
    call = f'mmc_example_{RUN}::main(argc, argv)' if run_takes_arguments else f'mmc_example_{RUN}::main()'
    main = ['#line 1 "check_single_header.py: generated main"\n',
            'int main(int argc, char** argv) {\n',
            '  static_cast<void>(argc);\n  static_cast<void>(argv);\n',
            f'  return {call};\n}}\n']
    return ''.join(includes + bodies + main), [path.name for path in examples]


def main() -> int:
    root = pathlib.Path(sys.argv[1]).resolve()
    cxx = shlex.split(os.environ.get('CXX', 'c++'))
    committed = root / 'single_include' / 'mmc' / 'mmc.hpp'
    failed = False
    with tempfile.TemporaryDirectory(prefix='mmc-single-header.') as tmp:
        tmp = pathlib.Path(tmp)

        print('== single_header: (1) is the committed file up to date?', flush=True)
        fresh = tmp / 'mmc.hpp'
        subprocess.run([sys.executable, str(root / 'scripts' / 'amalgamate'), '--source-root', str(root),
                        '--output', str(fresh)], check=True)
        if not committed.is_file():
            print(f'{committed} does not exist: run scripts/amalgamate')
            return 1
        old = committed.read_text(encoding='utf-8').splitlines(keepends=True)
        new = fresh.read_text(encoding='utf-8').splitlines(keepends=True)
        if old != new:
            diff = list(difflib.unified_diff(old, new, 'single_include/mmc/mmc.hpp (committed)',
                                             'scripts/amalgamate output (from include/mmc)', n=1))
            sys.stdout.writelines(diff[:40])
            if len(diff) > 40:
                print(f'... ({len(diff) - 40} more diff lines)')
            print(STALE, flush=True)
            failed = True
        else:
            print('up to date')

        print('== single_header: (2) the examples compiled against the committed single header only',
              flush=True)
        source, names = combined_examples(root)
        unit = tmp / 'examples_single_header.cpp'
        unit.write_text(source, encoding='utf-8')
        program = tmp / 'examples_single_header'
        command = cxx + ['-std=c++20', '-O0', '-I', str(root / 'single_include')] + eigen_flags() + WARNINGS + [
            str(unit), '-o', str(program), '-pthread']
        print(f'{", ".join(names)}:\n{shlex.join(command)}', flush=True)
        if subprocess.run(command, cwd=root).returncode != 0:
            print('the examples do not compile against single_include/mmc/mmc.hpp'
                  + (f' (which is stale: {STALE})' if failed else ''))
            return 1

        print(f'== single_header: (3) run examples/{RUN}.cpp', flush=True)
        if subprocess.run([str(program)], cwd=tmp).returncode != 0:
            print(f'examples/{RUN}.cpp failed when built from the single header')
            return 1
    if failed:
        print(STALE)
        return 1
    print('== single_header: all good')
    return 0


if __name__ == '__main__':
    sys.exit(main())
