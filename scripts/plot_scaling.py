#!/usr/bin/python3
"""Plots wall time against N, on log-log axes, from Google Benchmark JSON.

Reads the JSON written by benchmarks/bench_ksg (the BM_Ksg1Scale rows: KSG-1,
1 + 1 dimensions, N from 10^4 to 10^7, 1 and 2 threads), run with

  bench_ksg --benchmark_filter=BM_Ksg1Scale \\
            --benchmark_out=BENCH.json --benchmark_out_format=json

and writes an SVG with one series per thread count, each labelled with its
least-squares slope of log10(seconds) against log10(N), plus a dashed
reference line of slope 1. Also prints a Markdown table (one column per thread
count) and the slopes to stdout. Standard library only.

  scripts/plot_scaling.py BENCH.json --filter BM_Ksg1Scale \\
      --out docs/benchmarks/ksg_time_vs_n.svg \\
      --title "KSG-1, 1 + 1 dimensions, k = 3"

Benchmark names look like "BM_Ksg1Scale/N:10000/d:1/threads:1/real_time";
N and threads come from the "/key:value" parts (threads defaults to 1).
Aggregate rows (mean, median, stddev of repetitions) and rows that report an
error are skipped; repeated runs of one (N, threads) are reduced to their
median. The y value is real_time converted to seconds with time_unit.
Exits with status 2 and a one-line message when nothing matches.
"""
import argparse
import json
import math
import sys

UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}

# Okabe-Ito colours (colour-blind safe) and marker shapes, cycled per series.
COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
MARKERS = ["circle", "square", "triangle", "diamond"]

SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")

# Plot geometry (pixels).
WIDTH, HEIGHT = 640, 420
LEFT, RIGHT, TOP, BOTTOM = 78, 20, 44, 58


def fail(message):
    print(f"plot_scaling.py: error: {message}", file=sys.stderr)
    sys.exit(2)


def parse_name(name):
    """Splits "base/key:value/.../flag" into (base, {key: value})."""
    parts = name.split("/")
    keys = {}
    for p in parts[1:]:
        if ":" in p:
            k, v = p.split(":", 1)
            keys[k] = v
    return parts[0], keys


def load(path, wanted):
    """Returns {threads: {N: seconds}} for the rows whose base name is wanted."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except OSError as e:
        fail(f"cannot read {path}: {e.strerror}")
    except json.JSONDecodeError as e:
        fail(f"{path} is not valid JSON: {e}")
    rows = doc.get("benchmarks") if isinstance(doc, dict) else None
    if not isinstance(rows, list):
        fail(f"{path} has no 'benchmarks' list (not Google Benchmark JSON?)")

    samples = {}
    for row in rows:
        if row.get("run_type") == "aggregate" or row.get("error_occurred"):
            continue
        base, keys = parse_name(str(row.get("name", "")))
        if base != wanted or "N" not in keys:
            continue
        unit = row.get("time_unit", "ns")
        if unit not in UNIT_SECONDS:
            fail(f"unknown time_unit {unit!r} in {row.get('name')}")
        try:
            n = int(float(keys["N"]))
            threads = int(keys.get("threads", "1"))
            seconds = float(row["real_time"]) * UNIT_SECONDS[unit]
        except (KeyError, ValueError):
            continue
        if n <= 0 or not seconds > 0:
            continue
        samples.setdefault(threads, {}).setdefault(n, []).append(seconds)

    if not samples:
        fail(f"no non-aggregate benchmark named {wanted}/N:... in {path}")
    return {t: {n: median(v) for n, v in by_n.items()} for t, by_n in samples.items()}


def median(values):
    v = sorted(values)
    m = len(v) // 2
    return v[m] if len(v) % 2 else 0.5 * (v[m - 1] + v[m])


def slope(points):
    """Least-squares slope of log10(seconds) on log10(N); None under 2 points."""
    if len(points) < 2:
        return None
    xs = [math.log10(n) for n, _ in points]
    ys = [math.log10(s) for _, s in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx


def thread_label(t):
    return f"{t} thread" if t == 1 else f"{t} threads"


def format_seconds(s):
    if s >= 1:
        return f"{s:.3g} s"
    if s >= 1e-3:
        return f"{s * 1e3:.3g} ms"
    if s >= 1e-6:
        return f"{s * 1e6:.3g} µs"
    return f"{s * 1e9:.3g} ns"


def seconds_tick(e):
    """Label of the tick at 10^e seconds: 1 ms, 10 ms, 100 ms, 1 s, 10 s ..."""
    for unit, base in (("s", 0), ("ms", -3), ("µs", -6), ("ns", -9)):
        if e >= base:
            return f"{10 ** (e - base)} {unit}"
    return f"10{str(e).translate(SUPERSCRIPT)} s"


def esc(text):
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("'", "&apos;").replace('"', "&quot;"))


def num(v):
    return f"{v:.2f}".rstrip("0").rstrip(".")


def marker(shape, x, y, colour, r=4.0):
    style = f"fill='{colour}' stroke='white' stroke-width='1'"
    if shape == "circle":
        return f"<circle cx='{num(x)}' cy='{num(y)}' r='{num(r)}' {style}/>"
    if shape == "square":
        return (f"<rect x='{num(x - r)}' y='{num(y - r)}' width='{num(2 * r)}' "
                f"height='{num(2 * r)}' {style}/>")
    if shape == "triangle":
        h = r * 1.2
        pts = [(x, y - h), (x - h, y + 0.8 * h), (x + h, y + 0.8 * h)]
    else:  # diamond
        h = r * 1.3
        pts = [(x, y - h), (x + h, y), (x, y + h), (x - h, y)]
    return f"<polygon points='{' '.join(f'{num(a)},{num(b)}' for a, b in pts)}' {style}/>"


def decade_range(lo, hi):
    """Integer exponents (a, b) with 10^a <= lo, hi <= 10^b and b > a."""
    a = math.floor(math.log10(lo) + 1e-9)
    b = math.ceil(math.log10(hi) - 1e-9)
    if b <= a:
        b = a + 1
    return a, b


def render_svg(series, slopes, title):
    all_n = [n for pts in series.values() for n, _ in pts]
    all_s = [s for pts in series.values() for _, s in pts]
    x0, x1 = decade_range(min(all_n), max(all_n))
    y0, y1 = decade_range(min(all_s), max(all_s))

    pw, ph = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(n):
        return LEFT + (math.log10(n) - x0) / (x1 - x0) * pw

    def py(s):
        return TOP + ph - (math.log10(s) - y0) / (y1 - y0) * ph

    out = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{WIDTH}' height='{HEIGHT}' "
        f"viewBox='0 0 {WIDTH} {HEIGHT}' font-family='sans-serif' font-size='13'>",
        "<rect width='100%' height='100%' fill='white'/>",
        f"<text x='{num(LEFT + pw / 2)}' y='26' text-anchor='middle' font-size='16'>{esc(title)}</text>",
        f"<clipPath id='plot'><rect x='{LEFT}' y='{TOP}' width='{pw}' height='{ph}'/></clipPath>",
    ]

    # Grid and ticks: major lines at powers of ten, faint minor lines at 2..9.
    for e in range(x0, x1 + 1):
        for m in range(1, 10):
            if e == x1 and m > 1:
                break
            x = px(m * 10.0 ** e)
            colour = "#d0d0d0" if m == 1 else "#eeeeee"
            out.append(f"<line x1='{num(x)}' y1='{TOP}' x2='{num(x)}' y2='{TOP + ph}' stroke='{colour}'/>")
        x = px(10.0 ** e)
        out.append(f"<text x='{num(x)}' y='{TOP + ph + 20}' text-anchor='middle'>10"
                   f"<tspan baseline-shift='super' font-size='10'>{e}</tspan></text>")
    for e in range(y0, y1 + 1):
        for m in range(1, 10):
            if e == y1 and m > 1:
                break
            y = py(m * 10.0 ** e)
            colour = "#d0d0d0" if m == 1 else "#eeeeee"
            out.append(f"<line x1='{LEFT}' y1='{num(y)}' x2='{LEFT + pw}' y2='{num(y)}' stroke='{colour}'/>")
        y = py(10.0 ** e)
        out.append(f"<text x='{LEFT - 6}' y='{num(y + 4)}' text-anchor='end'>{esc(seconds_tick(e))}</text>")
    out.append(f"<rect x='{LEFT}' y='{TOP}' width='{pw}' height='{ph}' fill='none' stroke='black'/>")
    out.append(f"<text x='{num(LEFT + pw / 2)}' y='{HEIGHT - 14}' text-anchor='middle'>N (samples)</text>")
    out.append(f"<text transform='translate(18 {num(TOP + ph / 2)}) rotate(-90)' "
               f"text-anchor='middle'>wall time per estimate</text>")

    # Reference line of slope 1 through the first point of the first series.
    first = series[min(series)][0]
    c = math.log10(first[1]) - math.log10(first[0])  # log10 s = log10 N + c

    def ref(n):
        return 10.0 ** (math.log10(n) + c)

    a, b = 10.0 ** x0, 10.0 ** x1
    out.append(f"<line x1='{num(px(a))}' y1='{num(py(ref(a)))}' x2='{num(px(b))}' y2='{num(py(ref(b)))}' "
               f"stroke='#888888' stroke-width='1.5' stroke-dasharray='6 4' clip-path='url(#plot)'/>")

    # Series.
    legend = []
    for i, t in enumerate(sorted(series)):
        colour, shape = COLOURS[i % len(COLOURS)], MARKERS[i % len(MARKERS)]
        pts = series[t]
        path = " ".join(f"{num(px(n))},{num(py(s))}" for n, s in pts)
        out.append(f"<polyline points='{path}' fill='none' stroke='{colour}' stroke-width='2'/>")
        out.extend(marker(shape, px(n), py(s), colour) for n, s in pts)
        k = slopes[t]
        legend.append((colour, shape, f"{thread_label(t)}, slope {k:.2f}" if k is not None
                       else thread_label(t)))
    legend.append(("#888888", None, "∝ N"))

    # Legend in the top-left corner of the plot (the curves rise to the right).
    lx, ly, row = LEFT + 12, TOP + 12, 20
    longest = max(len(text) for _, _, text in legend)
    out.append(f"<rect x='{lx - 6}' y='{ly - 4}' width='{num(40 + 7.4 * longest)}' "
               f"height='{row * len(legend) + 2}' fill='white' fill-opacity='0.9' stroke='#cccccc'/>")
    for j, (colour, shape, text) in enumerate(legend):
        y = ly + row * j + row / 2 - 1
        if shape is None:
            out.append(f"<line x1='{lx}' y1='{num(y)}' x2='{lx + 26}' y2='{num(y)}' stroke='{colour}' "
                       f"stroke-width='1.5' stroke-dasharray='6 4'/>")
        else:
            out.append(f"<line x1='{lx}' y1='{num(y)}' x2='{lx + 26}' y2='{num(y)}' stroke='{colour}' "
                       f"stroke-width='2'/>")
            out.append(marker(shape, lx + 13, y, colour))
        out.append(f"<text x='{lx + 34}' y='{num(y + 4.5)}'>{esc(text)}</text>")

    out.append("</svg>")
    return "\n".join(out) + "\n"


def markdown(series, slopes):
    threads = sorted(series)
    ns = sorted({n for pts in series.values() for n, _ in pts})
    lookup = {t: dict(series[t]) for t in threads}
    lines = ["| N | " + " | ".join(f"seconds ({thread_label(t)})" for t in threads) + " |",
             "|---:|" + "---:|" * len(threads)]
    for n in ns:
        cells = [f"{lookup[t][n]:.4g}" if n in lookup[t] else "–" for t in threads]
        lines.append(f"| {n:,} | " + " | ".join(cells) + " |")
    parts = [f"{thread_label(t)} {slopes[t]:.2f}" if slopes[t] is not None else f"{thread_label(t)} n/a"
             for t in threads]
    lines.append("")
    lines.append("Slope of log10(seconds) against log10(N): " + ", ".join(parts) + ".")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("json", help="Google Benchmark JSON (--benchmark_out_format=json)")
    ap.add_argument("--filter", default="BM_Ksg1Scale",
                    help="benchmark base name, the part of the name before the first '/' "
                         "(default: BM_Ksg1Scale)")
    ap.add_argument("--out", help="SVG file to write (omit to print the table only)")
    ap.add_argument("--title", default="KSG-1, 1 + 1 dimensions, k = 3", help="plot title")
    args = ap.parse_args()

    data = load(args.json, args.filter)
    series = {t: sorted(by_n.items()) for t, by_n in data.items()}
    slopes = {t: slope(pts) for t, pts in series.items()}

    print(markdown(series, slopes))
    if args.out:
        try:
            with open(args.out, "w", encoding="utf-8") as f:
                f.write(render_svg(series, slopes, args.title))
        except OSError as e:
            fail(f"cannot write {args.out}: {e.strerror}")


if __name__ == "__main__":
    main()
