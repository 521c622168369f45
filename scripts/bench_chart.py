#!/usr/bin/env python3
"""Draws the end-to-end benchmark's chart (SVG, no third-party modules) from the lines that
hub_bench and rabbit_bench print (`scripts/bench.sh --e2e` collects them in one file).

    scripts/bench_chart.py RESULTS.txt OUT.svg

Left: packages/s at saturation per system (bar = median of the runs, dots = each run).
Right: latency p50/p95/p99 at 1,000 packages/s offered (median of the runs), log scale.
Exit 2 when the file holds no result line.
"""
import math
import statistics
import sys

SYSTEMS = [("e2e one-hub", "docaxis, one hub", "#1f6feb"),
           ("e2e two-hop", "docaxis, two hops", "#8250df"),
           ("baseline rabbitmq", "RabbitMQ (no verification)", "#9a6700")]


def parse(path):
    runs = {key: {"sat": [], "fixed": []} for key, _, _ in SYSTEMS}
    with open(path, encoding="utf-8") as f:
        for line in f:
            key = next((k for k, _, _ in SYSTEMS if line.startswith(k + " ")), None)
            if key is None:
                continue
            fields = dict(p.split("=", 1) for p in line.split() if "=" in p)
            if fields.get("result") != "ok" or fields.get("p50_ms", "na") == "na":
                continue
            run = {k: float(fields[k]) for k in ("delivered/s", "p50_ms", "p95_ms", "p99_ms")}
            runs[key]["sat" if fields.get("rate") == "0" else "fixed"].append(run)
    return runs


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;")


def chart(runs):
    width, height, top, bottom = 960, 420, 60, 330
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           'font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           '<text x="20" y="28" font-size="16" font-weight="bold">docaxis end to end: 12.8 KB '
           'signed edXML, durable (fsync), receipts on; 2-core VM, loopback</text>']
    # Left panel: throughput at saturation.
    shown = [(k, label, colour) for k, label, colour in SYSTEMS if runs[k]["sat"]]
    peak = max((r["delivered/s"] for k, _, _ in shown for r in runs[k]["sat"]), default=1)
    scale = (bottom - top) / (peak * 1.15)
    x0, bar = 70, 90
    out.append(f'<text x="{x0}" y="{top - 12}" font-weight="bold">packages/s at saturation '
               '(bar: median; dots: runs)</text>')
    out.append(f'<line x1="{x0 - 10}" y1="{bottom}" x2="{x0 + 130 * len(shown)}" '
               f'y2="{bottom}" stroke="#444"/>')
    for i, (k, label, colour) in enumerate(shown):
        rates = [r["delivered/s"] for r in runs[k]["sat"]]
        med = statistics.median(rates)
        x = x0 + i * 130
        out.append(f'<rect x="{x}" y="{bottom - med * scale:.1f}" width="{bar}" '
                   f'height="{med * scale:.1f}" fill="{colour}" opacity="0.8"/>')
        out.append(f'<text x="{x + bar / 2}" y="{bottom - med * scale - 6:.1f}" '
                   f'text-anchor="middle">{med:,.0f}</text>')
        for j, r in enumerate(rates):
            out.append(f'<circle cx="{x + 15 + j * 60 / max(1, len(rates) - 1):.1f}" '
                       f'cy="{bottom - r * scale:.1f}" r="3" fill="black"/>')
        for n, word in enumerate(esc(label).split(", ")):
            out.append(f'<text x="{x + bar / 2}" y="{bottom + 16 + 14 * n}" '
                       f'text-anchor="middle">{word}</text>')
    # Right panel: latency at 1,000/s offered, log scale from 0.1 ms to 10 s.
    shown = [(k, label, colour) for k, label, colour in SYSTEMS if runs[k]["fixed"]]
    lx0, lo, hi = 520, math.log10(0.1), math.log10(10000)
    ly = lambda ms: bottom - (math.log10(max(ms, 0.1)) - lo) / (hi - lo) * (bottom - top)
    out.append(f'<text x="{lx0}" y="{top - 12}" font-weight="bold">latency at 1,000/s '
               'offered, ms (p50 / p95 / p99, median of runs)</text>')
    for ms in (0.1, 1, 10, 100, 1000, 10000):
        out.append(f'<line x1="{lx0}" y1="{ly(ms):.1f}" x2="{width - 20}" y2="{ly(ms):.1f}" '
                   'stroke="#ddd"/>')
        out.append(f'<text x="{lx0 - 6}" y="{ly(ms) + 4:.1f}" text-anchor="end">{ms:g}</text>')
    for i, (k, label, colour) in enumerate(shown):
        x = lx0 + 20 + i * 140
        for j, q in enumerate(("p50_ms", "p95_ms", "p99_ms")):
            v = statistics.median(r[q] for r in runs[k]["fixed"])
            bx = x + j * 36
            out.append(f'<rect x="{bx}" y="{ly(v):.1f}" width="30" height="{bottom - ly(v):.1f}" '
                       f'fill="{colour}" opacity="{0.9 - 0.25 * j:.2f}"/>')
            out.append(f'<text x="{bx + 15}" y="{ly(v) - 4:.1f}" text-anchor="middle" '
                       f'font-size="10">{v:.3g}</text>')
            out.append(f'<text x="{bx + 15}" y="{bottom + 14}" text-anchor="middle" '
                       f'font-size="10">{q[:3]}</text>')
        for n, word in enumerate(esc(label).split(", ")):
            out.append(f'<text x="{x + 51}" y="{bottom + 30 + 14 * n}" '
                       f'text-anchor="middle">{word}</text>')
    out.append('</svg>')
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    runs = parse(sys.argv[1])
    if not any(runs[k]["sat"] or runs[k]["fixed"] for k in runs):
        print(f"{sys.argv[1]}: no result line", file=sys.stderr)
        sys.exit(2)
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        f.write(chart(runs))


if __name__ == "__main__":
    main()
