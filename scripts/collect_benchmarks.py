#!/usr/bin/python3
"""Turns the Google Benchmark JSON of bench_estimators (docs/design.md §6)
into the Markdown speed tables of docs/benchmarks.md. Standard library only.

  scripts/collect_benchmarks.py bench_estimators.json [-o speed.md]

Benchmark names are "family/estimator[/mode]/N:<n>/d:<d>[/threads:<t>]" (plus
Google Benchmark's own "/iterations:1", "/real_time" suffixes). Tables:
  * kNN family: wall time of one estimate (one thread), rows (estimator, d),
    columns N;
  * KSG-1 with 1 and 2 threads (speed-up);
  * neural: milliseconds per training step (N = 5000) for each d, and seconds
    of one full estimate at the defaults (N = 5000, d = 5).
The header repeats the machine context Google Benchmark recorded (CPUs, MHz,
load average) so that a table never travels without it.
"""
import argparse
import json
import sys

UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def parse_name(name):
    parts = name.split("/")
    keys = {}
    path = []
    for p in parts:
        if ":" in p:
            k, v = p.split(":", 1)
            keys[k] = v
        elif p not in ("real_time", "process_time", "manual_time"):
            path.append(p)
    return path, keys


def seconds(bench):
    return bench["real_time"] * UNIT_SECONDS[bench.get("time_unit", "ns")]


def fmt_time(s):
    if s < 1e-3:
        return f"{s * 1e6:.0f} µs"
    if s < 1:
        return f"{s * 1e3:.3g} ms"
    return f"{s:.3g} s"


def load(paths):
    context, results = None, []
    for p in paths:
        with open(p) as f:
            data = json.load(f)
        context = context or data.get("context", {})
        for b in data.get("benchmarks", []):
            if b.get("run_type", "iteration") != "iteration" or b.get("error_occurred"):
                continue
            path, keys = parse_name(b["name"])
            results.append((path, keys, b))
    return context, results


def context_text(c):
    load_avg = c.get("load_avg")
    load_text = ", ".join(f"{v:.2f}" for v in load_avg) if load_avg else "not recorded"
    # Debian's libbenchmark records neither its version nor a "release" build
    # type; that describes the harness library only, not the measured code
    # (bench_estimators itself is always compiled -O3 -DNDEBUG).
    version = c.get("library_version")
    harness = f"Google Benchmark {version}" if version else "Google Benchmark"
    return (f"{harness} (code under test: -O3 -DNDEBUG), {c.get('date', '?')}, host "
            f"{c.get('host_name', '?')}: "
            f"{c.get('num_cpus', '?')} CPUs at {c.get('mhz_per_cpu', '?')} MHz; load average at the "
            f"start (1, 5, 15 min): {load_text}.\n")


def knn_table(results):
    cells, ns, order = {}, set(), []
    for path, keys, b in results:
        if path[0] != "knn":
            continue
        est, n, d = path[1], int(keys["N"]), int(keys["d"])
        cells[(est, d, n)] = seconds(b)
        ns.add(n)
        if (est, d) not in order:
            order.append((est, d))
    if not cells:
        return ""
    ns = sorted(ns)
    out = ["| estimator | d per side | " + " | ".join(f"N = {n:,}".replace(",", " ") for n in ns) + " |",
           "| --- | ---: |" + " ---: |" * len(ns)]
    for est, d in order:
        row = [fmt_time(cells[(est, d, n)]) if (est, d, n) in cells else "–" for n in ns]
        out.append(f"| {est} | {d} | " + " | ".join(row) + " |")
    return "\n".join(out) + "\n"


def threads_table(results):
    cells = {}
    for path, keys, b in results:
        if path[0] == "knn_threads":
            cells[(path[1], int(keys["N"]), int(keys["d"]), int(keys["threads"]))] = seconds(b)
    if not cells:
        return ""
    out = ["| estimator | N | d per side | 1 thread | 2 threads | speed-up |",
           "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for (est, n, d) in sorted({k[:3] for k in cells}):
        one, two = cells.get((est, n, d, 1)), cells.get((est, n, d, 2))
        if one and two:
            out.append(f"| {est} | {n} | {d} | {fmt_time(one)} | {fmt_time(two)} | {one / two:.2f} |")
    return "\n".join(out) + "\n"


def neural_tables(results):
    steps, full, dims, order = {}, {}, set(), []
    for path, keys, b in results:
        if path[0] != "neural":
            continue
        est, mode, d = path[1], path[2], int(keys["d"])
        if est not in order:
            order.append(est)
        if mode == "step":
            rate = b.get("items_per_second")
            steps[(est, d)] = 1.0 / rate if rate else float("nan")
            dims.add(d)
        else:
            full[est] = (seconds(b), b.get("mi"))
    if not order:
        return ""
    dims = sorted(dims)
    out = ["| estimator | " + " | ".join(f"ms/step, d = {d}" for d in dims) +
           " | full estimate (defaults, N = 5000, d = 5) |",
           "| --- |" + " ---: |" * (len(dims) + 1)]
    for est in order:
        row = [f"{steps[(est, d)] * 1e3:.2f}" if (est, d) in steps else "–" for d in dims]
        f = fmt_time(full[est][0]) if est in full else "–"
        out.append(f"| {est} | " + " | ".join(row) + f" | {f} |")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("json", nargs="+", help="Google Benchmark JSON output(s)")
    ap.add_argument("-o", "--output", help="write the Markdown here (default: stdout)")
    args = ap.parse_args()
    context, results = load(args.json)
    if not results:
        sys.exit("collect_benchmarks: no benchmark results in " + ", ".join(args.json))
    md = ["## Speed (bench_estimators)\n", context_text(context)]
    knn_note = ("\nRows: MI estimators on (x, y); `kl_entropy` is H(X) of x alone; `ksg_cmi` is "
                "I(X;Y|Z) with a third d-column block z; `ross` is I(X;L) for 3 labels; "
                "`plugin` is the discrete MI of two 10-symbol codes (no d).\n")
    for title, table in (("kNN family: one estimate, one thread (x, y: d columns each, "
                          "pairs with rho = 0.5)", knn_table(results) + knn_note),
                         ("KSG-1: threads", threads_table(results)),
                         ("Neural estimators: one thread (default network and batch)",
                          neural_tables(results) + "\n`cene` is the CENE classifier H(L | X) for "
                          "3 labels (per step; its full-estimate time depends on early stopping).\n")):
        if table:
            md += [f"\n### {title}\n", table]
    text = "\n".join(md)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
