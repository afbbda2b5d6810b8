#!/usr/bin/env python3
"""The repository stands on its own: no product file may point at documents or
trackers a user of mmc cannot see, and every section of docs/design.md that is
cited must exist.

    tests/repo/check_references.py [SOURCE_ROOT]     (default: the current directory)

Checked files: those git knows (tracked, plus untracked files that are not
ignored, so a new file is checked before its first commit) when SOURCE_ROOT is
a git checkout and git works there; otherwise every file below SOURCE_ROOT
except build*/ folders, .git and the other ignored output folders. Binary files
are skipped. This script itself is not scanned (it has to spell the patterns).

A line fails when it
  1. names a design document outside the repository (the upper-case design
     file name, a path into the folder beside the checkout, or phrases that
     refer to that document; the exact patterns are BRIEF_PATTERNS below);
  2. cites an internal tracker number (the word for a tracker entry or a pull
     request followed by a number, or a bare number sign with a number; the
     exact patterns are ISSUE_WORD and HASH_NUMBER below). Public references of other
     projects stay allowed: an owner/repo or a known project name right before
     the number sign or the tracker word, URLs, and quoted colour literals;
  3. cites "docs/design.md §X.Y" (or "§X.Y-X.Z", "§X, §Y") for a section that
     is not a heading of docs/design.md ("## 3. Math reference",
     "### 3.1 kNN estimators", ...). The numbering of docs/design.md is
     therefore stable: renumbering it fails here until every citation follows.

Exit status 0 when everything passes, 1 with one "path:line: problem" per
finding otherwise (2 on a usage error). Python standard library only.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys

SELF = os.path.join("tests", "repo", "check_references.py")
DESIGN_DOC = os.path.join("docs", "design.md")

# Folders never walked when git is unavailable (build outputs, ignored data).
SKIP_DIRS = {".git", "__pycache__", "subprojects", "mmc-demo", "gpu-check-out", "build-cuda-deps"}

# Sections docs/design.md must always have, whether cited today or not.
REQUIRED_SECTIONS = ["1", "2", "3", "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "4", "5", "6"]

# Projects whose public trackers may be cited by name right before the number.
KNOWN_PROJECTS = {
    "scikit-learn", "sklearn", "numpy", "scipy", "pytorch", "torch", "eigen", "meson",
    "mesonbuild", "ninja", "npeet", "jidt", "googletest", "gtest", "benchmark",
    "google-benchmark", "cpython", "python", "llvm", "clang", "gcc", "cuda", "cub",
    "thrust", "cccl", "nanoflann", "mpmath", "debian", "mixed_ksg", "pandas",
}

# 1. Out-of-tree design documents. Case-sensitive: the product's own file is docs/design.md (lower case).
BRIEF_PATTERNS = [
    (re.compile(r"DESIGN\.md"), "names a design document outside the repository (cite docs/design.md §N instead)"),
    (re.compile(r"\bDESIGN\b"), "names a design document outside the repository (cite docs/design.md §N instead)"),
    (re.compile(r"\.\./shared\b"), "points outside the repository (../shared)"),
    (re.compile(r"\bshare[d]/[D]ESIGN"), "points at a design document outside the repository"),
    (re.compile(r"\bdesign " r"brief\b", re.IGNORECASE), "mentions a design document outside the repository"),
    (re.compile(r"\bthe " r"brief's\b", re.IGNORECASE), "mentions a design document outside the repository"),
]

# 2. Issue numbers.
ISSUE_WORD = re.compile(
    r"\b(?:issues?|pull requests?|PRs?|tickets?)[ \t]*[-#]?[ \t]*#?\d+\b", re.IGNORECASE)
HASH_NUMBER = re.compile(r"(?P<prefix>[\w./-]*)#(?P<number>\d+)\b")
URL = re.compile(r"\b(?:https?|ftp)://\S+")
OWNER_REPO = re.compile(r"^[\w.-]+/[\w.-]+$")

# 3. Citations of docs/design.md sections.
SECTION = r"§\s?\d+(?:\.\d+)*"
CITATION = re.compile(
    r"(?:docs/)?design\.md\)?[ \t]*(?P<refs>" + SECTION +
    r"(?:[ \t]*(?:[-–][ \t]*§?|,[ \t]*|;[ \t]*|[ \t]+and[ \t]+|[ \t]*&[ \t]*)" +
    r"(?:§\s?)?\d+(?:\.\d+)*)*)")
NUMBER = re.compile(r"\d+(?:\.\d+)*")
HEADING = re.compile(r"^#{1,6}[ \t]+(?P<number>\d+(?:\.\d+)*)\.?[ \t]+\S")


def list_files(root: str) -> list[str]:
    """Relative paths of the files to check (see the module docstring)."""
    if os.path.isdir(os.path.join(root, ".git")) or os.path.isfile(os.path.join(root, ".git")):
        try:
            out = subprocess.run(
                ["git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE).stdout
            names = sorted({n for n in out.decode("utf-8", "surrogateescape").split("\0") if n})
            return [n for n in names if os.path.isfile(os.path.join(root, n))]
        except (OSError, subprocess.CalledProcessError):
            pass  # no git, or git refuses the checkout: walk the tree instead
    found = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("build"))
        for name in sorted(files):
            found.append(os.path.relpath(os.path.join(directory, name), root))
    return found


def read_text(path: str) -> str | None:
    """The file's text, or None for a binary file."""
    with open(path, "rb") as f:
        data = f.read()
    if b"\0" in data:
        return None
    return data.decode("utf-8", "replace")


def known_reference(prefix: str) -> bool:
    """Whether the token before '#N' (or before the word "issue") names a public tracker."""
    token = prefix.strip().rstrip(":,").lower()
    if token.endswith("'s"):
        token = token[:-2]
    return bool(OWNER_REPO.match(token)) or token in KNOWN_PROJECTS


def issue_findings(line: str) -> list[str]:
    """Internal issue references on one line (URLs removed first)."""
    text = URL.sub(" ", line)
    found = []
    for m in ISSUE_WORD.finditer(text):
        before = text[:m.start()].split()
        if before and known_reference(before[-1]):
            continue
        found.append(f"cites an internal issue number ('{m.group(0).strip()}'); cite docs/design.md, "
                     "a paper, or the test/benchmark/docs page that holds the figure")
    for m in HASH_NUMBER.finditer(text):
        prefix = m.group("prefix")
        if prefix:
            if known_reference(prefix):
                continue
        else:
            before = text[m.start() - 1] if m.start() > 0 else ""
            after = text[m.end()] if m.end() < len(text) else ""
            if before in "'\"" and after in "'\"" and before and len(m.group("number")) in (3, 4, 6, 8):
                continue  # a colour literal such as '#999'
            if before == "&":
                continue  # an HTML character reference such as &#160;
            if any(w.group(0).endswith(m.group(0)) for w in ISSUE_WORD.finditer(text)):
                continue  # already reported as "issue #N"
        found.append(f"cites an issue number ('{m.group(0)}') that is not 'owner/repo#N' or a known "
                     "project's; cite docs/design.md or the page that holds the figure")
    return found


def design_sections(root: str) -> set[str]:
    """Section numbers that are headings of docs/design.md."""
    sections = set()
    text = read_text(os.path.join(root, DESIGN_DOC)) or ""
    in_code = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            continue
        m = HEADING.match(line)
        if m:
            sections.add(m.group("number"))
    return sections


def expand(refs: str) -> list[str]:
    """Section numbers of a citation: '§3.2–3.3, §3.5' -> ['3.2', '3.3', '3.5']."""
    return NUMBER.findall(refs)


def main(argv: list[str]) -> int:
    if len(argv) > 2 or (len(argv) == 2 and argv[1] in ("-h", "--help")):
        print(__doc__.strip())
        return 2 if len(argv) > 2 else 0
    root = os.path.abspath(argv[1] if len(argv) == 2 else ".")
    if not os.path.isdir(root):
        print(f"check_references: '{root}' is not a directory; pass the source root", file=sys.stderr)
        return 2

    problems: list[str] = []
    design_path = os.path.join(root, DESIGN_DOC)
    if not os.path.isfile(design_path):
        problems.append(f"{DESIGN_DOC}: missing; every 'docs/design.md §N' citation needs it")
        sections: set[str] = set()
    else:
        sections = design_sections(root)
        for number in REQUIRED_SECTIONS:
            if number not in sections:
                problems.append(f"{DESIGN_DOC}: has no heading for section {number} (e.g. "
                                f"'## {number}. Title' or '### {number} Title'); its numbering "
                                "must stay stable")

    files = list_files(root)
    checked = citations = 0
    for rel in files:
        if os.path.normpath(rel) == SELF:
            continue
        text = read_text(os.path.join(root, rel))
        if text is None:
            continue
        checked += 1
        for number, line in enumerate(text.splitlines(), start=1):
            where = f"{rel}:{number}"
            for pattern, message in BRIEF_PATTERNS:
                if pattern.search(line):
                    problems.append(f"{where}: {message}: {line.strip()[:120]}")
                    break
            for message in issue_findings(line):
                problems.append(f"{where}: {message}: {line.strip()[:120]}")
            if os.path.isfile(design_path):
                for m in CITATION.finditer(line):
                    for section in expand(m.group("refs")):
                        citations += 1
                        if section not in sections:
                            problems.append(
                                f"{where}: cites docs/design.md §{section}, which is not a heading "
                                f"of {DESIGN_DOC}: {line.strip()[:120]}")

    if problems:
        print(f"check_references: {len(problems)} problem(s) in {root}:")
        for p in problems:
            print(f"  {p}")
        print("The repository must stand on its own: cite docs/design.md (its sections are "
              "headings there), a paper, or the test/benchmark/docs page instead of an "
              "out-of-tree design document or an internal tracker number.")
        return 1
    print(f"check_references: OK: {checked} files checked, {citations} docs/design.md "
          f"citations resolved against {len(sections)} sections, no out-of-tree references.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
