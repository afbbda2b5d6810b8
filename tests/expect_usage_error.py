#!/usr/bin/env python3
"""Run a program that must refuse its arguments: exit status 2 and one stderr
line containing TEXT (what tests/merged_main.cpp prints for a bad selection).

    expect_usage_error.py TEXT PROGRAM [ARG ...]
"""
import subprocess
import sys

if len(sys.argv) < 3:
    sys.exit("usage: expect_usage_error.py TEXT PROGRAM [ARG ...]")
text, command = sys.argv[1], sys.argv[2:]
run = subprocess.run(command, capture_output=True, text=True, timeout=60)
lines = run.stderr.strip().splitlines()
problems = []
if run.returncode != 2:
    problems.append(f"exit status {run.returncode}, expected 2")
if len(lines) != 1 or text not in lines[0]:
    problems.append(f"stderr should be one line containing {text!r}, got {run.stderr!r}")
if problems:
    print(" ".join(command) + ": " + "; ".join(problems))
    sys.exit(1)
print(" ".join(command) + ": refused as expected: " + lines[0])
