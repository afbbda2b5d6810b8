#!/usr/bin/env python3
"""The 'header_hygiene' test: what mmc's headers put into a user's translation
unit (docs/design.md §1; rules in docs/developer-guide.md, "Consumers"):

  * every macro they #define is named MMC_... (a user's macros and ours
    cannot collide);
  * no `using namespace` anywhere (it would leak into the user's code, or
    make our own name lookup depend on what else is included);
  * nothing in the global namespace: at file scope there are only
    `namespace mmc... { }` blocks (and `namespace std` / `namespace Eigen`
    blocks, which exist only to specialise their traits).

The CUDA headers (include/mmc/cuda*, *.cuh) are checked by nvcc, not here. The
compiler side of hygiene (-Wall -Wextra -Wpedantic -Wshadow) is checked by the
'single_header' test, which compiles the examples against the single header.

Usage: check_hygiene.py INCLUDE_DIR
"""
import pathlib
import re
import sys

DEFINE_RE = re.compile(r'^\s*#\s*define\s+([A-Za-z_]\w*)')
ALLOWED_TOP_NAMESPACES = {'mmc', 'std', 'Eigen'}
IDENTIFIER_START = re.compile(r'[A-Za-z_]')
STRING_PREFIX_RE = re.compile(r'(u8|u|U|L)?(R)?"')


def tokens(text: str):
    """(line, token) for the identifiers and punctuation of a C++ header, with
    comments, string/character literals, numbers and preprocessor lines skipped."""
    i, line, n = 0, 1, len(text)
    at_line_start = True
    while i < n:
        c = text[i]
        if c == '\n':
            line += 1
            i += 1
            at_line_start = True
            continue
        if c in ' \t\r\f\v':
            i += 1
            continue
        if c == '#' and at_line_start:  # preprocessor line, with continuations
            while i < n and text[i] != '\n':
                if text[i] == '\\' and i + 1 < n and text[i + 1] == '\n':
                    line += 1
                    i += 1
                i += 1
            continue
        at_line_start = False
        if text.startswith('//', i):
            while i < n and text[i] != '\n':
                i += 1
            continue
        if text.startswith('/*', i):
            end = text.index('*/', i + 2)
            line += text.count('\n', i, end)
            i = end + 2
            continue
        prefix = STRING_PREFIX_RE.match(text, i) if c in 'uUL"R' else None
        if prefix:
            start = prefix.end()
            if prefix.group(2):  # raw string R"delim( ... )delim"
                delim = text[start:text.index('(', start)]
                end = text.index(')' + delim + '"', start) + len(delim) + 2
            else:
                end = start
                while text[end] != '"':
                    end += 2 if text[end] == '\\' else 1
                end += 1
            line += text.count('\n', i, end)
            i = end
            continue
        if c == "'":
            end = i + 1
            while text[end] != "'":
                end += 2 if text[end] == '\\' else 1
            i = end + 1
            continue
        if c.isdigit() or (c == '.' and i + 1 < n and text[i + 1].isdigit()):
            # pp-number, including digit separators (1'000) and exponents (1e-3)
            i += 1
            while i < n and (text[i].isalnum() or text[i] in "._'"
                             or (text[i] in '+-' and text[i - 1] in 'eEpP')):
                i += 1
            continue
        if IDENTIFIER_START.match(c):
            end = i + 1
            while end < n and (text[end].isalnum() or text[end] == '_'):
                end += 1
            yield line, text[i:end]
            i = end
            continue
        if text.startswith('::', i):
            yield line, '::'
            i += 2
            continue
        yield line, c
        i += 1


def global_scope_problems(relative: str, text: str):
    """File-scope declarations outside the allowed namespace blocks."""
    problems = []
    depth = 0
    statement = []  # tokens of the current file-scope statement
    for line, token in tokens(text):
        if depth > 0:
            if token == '{':
                depth += 1
            elif token == '}':
                depth -= 1
            continue
        statement.append((line, token))
        if token == '{':
            words = [t for _, t in statement]
            if not (len(words) >= 3 and words[0] == 'namespace' and words[1] in ALLOWED_TOP_NAMESPACES):
                problems.append(f'{relative}:{statement[0][0]}: at global scope: '
                                f'{" ".join(words[:12])} ... (put it in namespace mmc)')
            depth = 1
            statement = []
        elif token == ';':
            words = [t for _, t in statement]
            problems.append(f'{relative}:{statement[0][0]}: at global scope: '
                            f'{" ".join(words[:12])} (put it in namespace mmc)')
            statement = []
        elif token == '}':
            problems.append(f'{relative}:{line}: unbalanced }} at global scope')
            statement = []
    if depth != 0:
        problems.append(f'{relative}: unbalanced braces (the checker could not follow this file)')
    return problems


def main() -> int:
    include_dir = pathlib.Path(sys.argv[1])
    headers = sorted(p for p in (include_dir / 'mmc').rglob('*.hpp')
                     if 'cuda' not in p.relative_to(include_dir).parts)
    problems = []
    macros = 0
    for path in headers:
        relative = path.relative_to(include_dir).as_posix()
        text = path.read_text(encoding='utf-8')
        for number, source_line in enumerate(text.splitlines(), 1):
            define = DEFINE_RE.match(source_line)
            if define:
                macros += 1
                if not define.group(1).startswith('MMC_'):
                    problems.append(f'{relative}:{number}: macro {define.group(1)} is not prefixed MMC_')
        previous = None
        for line, token in tokens(text):
            if previous == 'using' and token == 'namespace':
                problems.append(f'{relative}:{line}: `using namespace` in a header '
                                '(qualify the names, or use a namespace alias inside a function)')
            previous = token
        problems += global_scope_problems(relative, text)
    for problem in problems:
        print(problem)
    print(f'header_hygiene: {len(headers)} headers, {macros} macro definitions: '
          + (f'{len(problems)} problem(s)' if problems else 'all macros MMC_*, no using namespace, '
             'nothing at global scope'))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
