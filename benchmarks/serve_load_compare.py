"""Before and after a change, by the serve_load protocol: the medians of several serve_load.py
runs of each side (run in ABBA order at the run level), with each side's range, side by side.

    python benchmarks/serve_load_compare.py \
        --before benchmarks/logs/serve_load/before_791fe5a*.md \
        --after benchmarks/results/serve.md benchmarks/logs/serve_load/after_*.md

Reads the tables serve_load.py wrote (each file's own header says its command, commit, date and
load); writes benchmarks/results/serve_compare.md. A change is "beyond noise" here when the
medians differ by more than the spread of either side's own runs.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import RESULTS, ROOT, Report  # noqa: E402

# (row label in serve_load's tables, column index after the label, what it is, higher is better)
FIGURES = [
    ("dynamic batching", 0, "sentiment, batched: requests/s", True),
    ("dynamic batching", 4, "sentiment, batched: CPU ms/request, event loop", False),
    ("dynamic batching", 5, "sentiment, batched: CPU ms/request, model", False),
    ("one at a time", 0, "sentiment, one at a time: requests/s", True),
    ("sampled", 0, "generation, sampled: 1 stream tokens/s", True),
    ("sampled", 1, "generation, sampled: each of 16 streams tokens/s", True),
    ("sampled", 2, "generation, sampled: 16 streams, all tokens/s", True),
    ("sampled", 6, "generation, sampled: CPU ms/token, 1 stream", False),
    ("sampled", 7, "generation, sampled: CPU ms/token, 16 streams", False),
    ("greedy", 0, "generation, greedy: 1 stream tokens/s", True),
    ("greedy", 2, "generation, greedy: 16 streams, all tokens/s", True),
    ("greedy", 6, "generation, greedy: CPU ms/token, 1 stream", False),
    ("greedy", 7, "generation, greedy: CPU ms/token, 16 streams", False),
]


def read_figures(path: Path) -> dict:
    """{figure: value} from one serve_load.py output file."""
    rows = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) > 2:
            rows.setdefault(cells[0].split(" (")[0].split(",")[0], cells[1:])
    out = {}
    for label, column, name, _ in FIGURES:
        cells = rows.get(label)
        if cells is None:
            raise SystemExit(f"serve_load_compare.py: {path} has no '{label}' row: is it serve_load.py's output?")
        out[name] = float(re.match(r"[-\d.]+", cells[column]).group())
    return out


def header_line(path: Path, key: str) -> str:
    found = next((line for line in path.read_text().splitlines() if line.startswith(key)), "")
    return found[len(key):].strip().rstrip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", nargs="+", type=Path, required=True, help="serve_load.py outputs of the old code")
    parser.add_argument("--after", nargs="+", type=Path, required=True, help="serve_load.py outputs of the new code")
    parser.add_argument("--out", type=Path, default=RESULTS / "serve_compare.md")
    args = parser.parse_args(argv)
    rep = Report(__file__, "Serving before and after the hardening (issue 28): serve_load.py runs, medians")
    sides = {"before": args.before, "after": args.after}
    values = {side: [read_figures(p) for p in paths] for side, paths in sides.items()}
    runs = ["| side | file | code | date | load start/end |", "|---|---|---|---|---|"]
    for side, paths in sides.items():
        for p in paths:
            load = re.findall(r"([\d.]+) at the (?:start|end)", header_line(p, "Load average (1 min):"))
            server = header_line(p, "Server code:") or header_line(p, "Code:")
            runs.append(f"| {side} | `{p.resolve().relative_to(ROOT)}` | {server.split(' (')[0]} | "
                        f"{header_line(p, 'Date:')} | {'/'.join(load)} |")
    table = ["| figure | before: median (range) | after: median (range) | after / before | beyond noise |",
             "|---|---|---|---|---|"]
    for _, _, name, higher in FIGURES:
        b, a = [v[name] for v in values["before"]], [v[name] for v in values["after"]]
        mb, ma = statistics.median(b), statistics.median(a)
        spread = max(max(b) - min(b), max(a) - min(a))
        worse = (ma < mb) if higher else (ma > mb)
        verdict = "no" if abs(ma - mb) <= spread else ("worse" if worse else "better")
        table.append(f"| {name} | {mb:g} ({min(b):g} - {max(b):g}) | {ma:g} ({min(a):g} - {max(a):g}) | "
                     f"{ma / mb:.2f} | {verdict} |")
    body = "\n".join([
        f"{len(args.before)} runs of the old code and {len(args.after)} of the new, the same command and models "
        "(serve_load.py: both servers up, the same warm-up, 3 alternating rounds, medians); the runs of the two "
        "sides alternate at the run level (ABBA). Each cell: the median of the runs, their range. "
        "'beyond noise': the medians differ by more than the spread of either side's own runs.", "",
        *runs, "", *table])
    print(rep.write(body, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
