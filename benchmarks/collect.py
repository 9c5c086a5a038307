"""Write BENCHMARKS.md from the per-area result files in benchmarks/results/ (one section each).

    python benchmarks/collect.py

Each results file is written by hand from the output of the benchmark or training command it
names; this script only concatenates them, in a fixed order, under one header.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ORDER = ["sentiment", "lm", "tagging", "translation", "captioning", "embeddings", "timeseries", "forecasting",
         "gpu"]
HEADER = """# rnnlp benchmarks

Every figure below comes from a command in this repository, named next to it, with the machine
and date. The development machine is a 2-core CPU container (no GPU) that was shared with other
training jobs while these were measured: wall-clock times are inflated and noisy, so speed
claims are ratios measured side by side in one run. Regenerate this file with
`python benchmarks/collect.py` after updating `benchmarks/results/*.md`.
"""


def main() -> None:
    files = {p.stem: p for p in (ROOT / "benchmarks" / "results").glob("*.md")}
    names = [n for n in ORDER if n in files] + sorted(set(files) - set(ORDER))
    parts = [HEADER] + [files[n].read_text().strip() + "\n" for n in names]
    (ROOT / "BENCHMARKS.md").write_text("\n".join(parts))
    print(f"BENCHMARKS.md: {', '.join(names)}")


if __name__ == "__main__":
    main()
