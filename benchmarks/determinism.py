"""What deterministic kernels cost: the default model trained with ``train.deterministic`` on and
off, side by side (issue 25: deterministic by default; where it costs speed, say how much).

    python benchmarks/determinism.py [--steps 300] [--rounds 3]

Each round trains README's main job for ``--steps`` steps once with each setting (alternating, the
same seed, one thread, after one untimed warm-up run of each); the time is ``fit``'s own clock at
the last evaluation (data loading excluded). It also checks that two runs of one setting give
byte-identical weights. Writes benchmarks/results/determinism.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

from _results import RESULTS, Report

import rnnlp


def train(deterministic: bool, steps: int, folder: Path) -> tuple[float, bytes]:
    run = rnnlp.api.train("sentiment", overrides=[f"train.output={folder}", f"train.max_steps={steps}",
                                                  "train.threads=1", "train.progress=false",
                                                  f"train.deterministic={str(deterministic).lower()}"],
                          overwrite=True)
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines() if "step" in line]
    return rows[-1]["elapsed_s"], (run / "last" / "model.safetensors").read_bytes()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    report = Report(__file__, "Deterministic kernels: their cost on this machine", argv)
    times: dict[bool, list[float]] = {True: [], False: []}
    weights: dict[bool, set] = {True: set(), False: set()}
    with tempfile.TemporaryDirectory() as tmp:
        for setting in (True, False):  # warm-up, untimed
            weights[setting].add(train(setting, args.steps, Path(tmp) / f"w{setting}")[1])
        for r in range(args.rounds):
            for setting in (True, False):
                seconds, data = train(setting, args.steps, Path(tmp) / f"r{r}{setting}")
                times[setting].append(seconds)
                weights[setting].add(data)
    on, off = statistics.median(times[True]), statistics.median(times[False])
    body = "\n".join([
        f"README's main job (`rnnlp train sentiment`), {args.steps} steps, one thread, seed 0; "
        f"{args.rounds} alternating rounds after one untimed warm-up run of each; `fit`'s clock (data loading "
        "excluded).", "",
        "| train.deterministic | median seconds | per round | distinct weight files over all runs |",
        "|---|---:|---|---:|",
        f"| true (the default) | {on:.2f} | {', '.join(f'{t:.2f}' for t in times[True])} | {len(weights[True])} |",
        f"| false | {off:.2f} | {', '.join(f'{t:.2f}' for t in times[False])} | {len(weights[False])} |", "",
        f"Cost of deterministic kernels on this CPU: {on / off:.3f}x the time of the default kernels "
        f"({'within noise' if abs(on / off - 1) < 0.05 else 'measurable'}). On CUDA `train.deterministic=false` "
        "trades them for speed (cuDNN and scatter kernels); `benchmarks/gpu.py` measures it where a GPU is lent."])
    print(report.write(body, RESULTS / "determinism.md"))


if __name__ == "__main__":
    sys.exit(main())
