"""Behaviour unchanged by a refactor: the same recipe, seed and steps trained from two checkouts
(before and after), their metrics.jsonl compared line by line, timing fields left out.

    python benchmarks/behaviour_unchanged.py --before ../ci-clone --after . sst2 conll2003 \
        [--steps 300 --eval-every 100]
    python benchmarks/behaviour_unchanged.py --before ../ci-clone --after . --decode
    python benchmarks/behaviour_unchanged.py --before ../ci-clone --after . --tiny lm recommender

``--steps 0``: the recipe's full length (its epochs and eval_every, no cap): the published run.
``--side before|after``: train one side only (the two sides can then run as two processes); the
comparison is made once both sides' logs are there (``--side none``: compare only). ``--after-log FILE``: the after side is an
existing run's metrics.jsonl (a headline seed's log: ``benchmarks/headlines.py`` trains the same
recipe, seed and thread count from this checkout), not trained again.

``--decode``: greedy and beam outputs of the committed translation and captioning checkpoints
(tests/assets/checkpoints_v0_1) on the committed sets (translation val.de; captioning test.txt's
images), through ``rnnlp translate`` / ``rnnlp caption --json`` of each checkout: identical or not.

``--tiny TASK...``: each task's tiny recipe (``recipes/<task>/tiny.yaml`` of each checkout, seed
0, one thread; the recommender with session-parallel lanes, where state is carried across
batches) trained from both checkouts; the sha256 of best/ and last/ ``model.safetensors``
compared (log: tiny.json).

Each checkout's own ``rnnlp`` package is put first on ``PYTHONPATH`` (the same interpreter and
libraries for both sides), one process at a time, one thread. ``--steps`` caps the run (the
schedule is then planned over those steps on both sides alike: a shortened run, labelled so, not
the published figure's full run). Logs: benchmarks/logs/behaviour/<row>/{before,after}/ and
result.json (commits, the fields compared, the first difference if any).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOGS = ROOT / "benchmarks" / "logs" / "behaviour"
ROWS = {"sst2": ("sentiment", "recipes/sentiment/sst2_bilstm.yaml"),
        "conll2003": ("tagging", "recipes/tagging/conll2003_bilstm_crf.yaml")}
TIMING = {"elapsed_s", "tokens_per_s", "examples_per_s", "seconds", "wall_s", "samples_per_s"}


def commit(checkout: Path) -> str:
    return subprocess.run(["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True, check=True).stdout.strip()


def train(checkout: Path, row: str, out: Path, args) -> None:
    task, recipe = ROWS[row]
    env = {**os.environ, "PYTHONPATH": str(checkout.resolve()), "RNNLP_DATA": str(args.data_root.resolve())}
    cmd = [sys.executable, "-m", "rnnlp", "train", task, "--recipe", str(checkout / recipe), "-o", str(out),
           "train.threads=1", "train.seed=0", "train.progress=false", "--overwrite",
           *([f"train.max_steps={args.steps}", f"train.eval_every={args.eval_every}"] if args.steps else [])]
    subprocess.run(cmd, env=env, check=True, cwd=checkout)


def lines(path: Path) -> list[dict]:
    return [{k: v for k, v in json.loads(line).items() if k not in TIMING}
            for line in path.read_text().splitlines() if line.strip()]


DECODE = {  # name -> (command args after the checkpoint, with {assets})
    "translation_greedy": ["translate", "{ckpts}/translation", "--input", "{assets}/translation/val.de", "--beam-size", "1"],
    "translation_beam5": ["translate", "{ckpts}/translation", "--input", "{assets}/translation/val.de", "--beam-size", "5",
                          "--n-best", "2"],
    "captioning_greedy": ["caption", "{ckpts}/captioning", "--input", "{images}", "--beam-size", "1"],
    "captioning_beam3": ["caption", "{ckpts}/captioning", "--input", "{images}", "--beam-size", "3"],
}


def decode(args) -> None:
    assets = ROOT / "tests" / "assets"
    images = args.runs / "caption_images.txt"  # test.txt's image names, as paths
    args.runs.mkdir(parents=True, exist_ok=True)
    names = [n.strip() for n in (assets / "captioning" / "test.txt").read_text().splitlines() if n.strip()]
    images.write_text("".join(f"{assets / 'captioning' / 'images' / n}\n" for n in names))
    out = {}
    for name, template in DECODE.items():
        argv = [a.format(assets=assets, ckpts=assets / "checkpoints_v0_1", images=images) for a in template]
        found = {}
        for side, checkout in (("before", args.before), ("after", args.after)):
            env = {**os.environ, "PYTHONPATH": str(checkout.resolve())}
            done = subprocess.run([sys.executable, "-m", "rnnlp", *argv, "--json", "--quiet"], env=env,
                                  capture_output=True, text=True, check=True)
            found[side] = done.stdout
        out[name] = {"identical": found["before"] == found["after"], "rows": len(found["after"].splitlines())}
        print(f"{name}: {'identical' if out[name]['identical'] else 'DIFFERENT'} ({out[name]['rows']} rows)")
    LOGS.mkdir(parents=True, exist_ok=True)
    (LOGS / "decode.json").write_text(json.dumps({
        "results": out, "before": commit(args.before), "after": commit(args.after),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "command": " ".join(sys.argv)}, indent=1) + "\n")


ASSETS = ROOT / "tests" / "assets"
TINY_EXTRA = {  # the data tests/tasks/test_every_task.py gives the recipes that name none
    "tagging": [f"data.train={ASSETS / 'tagging/train.conll'}", f"data.valid={ASSETS / 'tagging/dev.conll'}"],
    "recommender": ["data.batching=session_parallel"],  # the lanes carry state across batches
}


def tiny(args) -> None:
    import hashlib

    out = {}
    for task in args.rows:
        digests = {}
        for side, checkout in (("before", args.before), ("after", args.after)):
            run = args.runs / "tiny" / task / side
            env = {**os.environ, "PYTHONPATH": str(checkout.resolve())}
            subprocess.run([sys.executable, "-m", "rnnlp", "train", task, "--recipe",
                            str(checkout / "recipes" / task / "tiny.yaml"), "-o", str(run), "train.threads=1",
                            "train.seed=0", "train.progress=false", "--overwrite", *TINY_EXTRA.get(task, [])],
                           env=env, check=True, cwd=checkout, capture_output=True)
            digests[side] = {f: hashlib.sha256((run / f / "model.safetensors").read_bytes()).hexdigest()
                             for f in ("best", "last")}
        out[task] = {"identical": digests["before"] == digests["after"], **digests,
                     "overrides": TINY_EXTRA.get(task, [])}
        print(f"{task} tiny: {'identical' if out[task]['identical'] else 'DIFFERENT'} weights (best/, last/)")
    LOGS.mkdir(parents=True, exist_ok=True)
    (LOGS / "tiny.json").write_text(json.dumps({
        "results": out, "before": commit(args.before), "after": commit(args.after), "threads": 1,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "command": " ".join(sys.argv)}, indent=1) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("rows", nargs="*", help=f"training rows: {', '.join(sorted(ROWS))}")
    ap.add_argument("--decode", action="store_true", help="compare greedy/beam outputs instead of training")
    ap.add_argument("--tiny", action="store_true", help="ROWS are tasks: compare their tiny recipes' weights")
    ap.add_argument("--before", type=Path, required=True)
    ap.add_argument("--after", type=Path, default=ROOT)
    ap.add_argument("--steps", type=int, default=300, help="cap each run (0: the recipe's full length)")
    ap.add_argument("--side", choices=("before", "after", "none"),
                    help="train this side only (none: train nothing, compare the logs already there)")
    ap.add_argument("--after-log", type=Path, help="the after side's metrics.jsonl, from a run already made")
    ap.add_argument("--eval-every", type=int, default=100)
    ap.add_argument("--data-root", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--runs", type=Path, default=ROOT / "runs_behaviour")
    args = ap.parse_args()
    if args.decode:
        return decode(args)
    if args.tiny:
        return tiny(args)
    unknown = sorted(set(args.rows) - set(ROWS))
    if unknown or not args.rows:
        ap.error(f"give training rows from {', '.join(sorted(ROWS))}" + (f"; unknown: {unknown}" if unknown else ""))
    for row in args.rows:
        name = row if args.steps else f"{row}_full"  # the full-length logs beside the shortened ones
        found = {}
        for side, checkout in (("before", args.before), ("after", args.after)):
            dest = LOGS / name / side
            if side == "after" and args.after_log:
                dest.mkdir(parents=True, exist_ok=True)
                (dest / "metrics.jsonl").write_text(args.after_log.read_text())
                meta = json.loads((args.after_log.parent / "meta.json").read_text())
                (dest / "source.json").write_text(json.dumps({"log": str(args.after_log), "meta": meta}, indent=1))
            elif args.side in (None, side):
                out = args.runs / name / side
                start = time.time()
                train(checkout, row, out, args)
                dest.mkdir(parents=True, exist_ok=True)
                (dest / "metrics.jsonl").write_text((out / "metrics.jsonl").read_text())
                (dest / "source.json").write_text(json.dumps({"commit": commit(checkout),
                                                              "minutes": round((time.time() - start) / 60, 1)}))
            if not (dest / "metrics.jsonl").is_file():
                continue
            source = json.loads((dest / "source.json").read_text()) if (dest / "source.json").is_file() else {}
            found[side] = {"commit": source.get("commit") or (source.get("meta", {}).get("provenance") or {}).get("commit", "?")[:7],
                           "minutes": source.get("minutes"), "lines": lines(dest / "metrics.jsonl")}
        if len(found) < 2:
            print(f"{name}: {', '.join(found)} logged; compare once both sides are", file=sys.stderr)
            continue
        same = found["before"]["lines"] == found["after"]["lines"]
        first = next((i for i, (a, b) in enumerate(zip(found["before"]["lines"], found["after"]["lines"])) if a != b),
                     None)
        result = {"row": row, "identical": same, "steps": args.steps or "the recipe's", "eval_every":
                  args.eval_every if args.steps else "the recipe's",
                  "compared": sorted(found["before"]["lines"][-1]) if found["before"]["lines"] else [],
                  "left_out": sorted(TIMING), "first_difference": first,
                  **{side: {k: v for k, v in f.items() if k != "lines"} for side, f in found.items()},
                  "load_end": os.getloadavg()[0], "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                  "command": " ".join(sys.argv)}
        (LOGS / name / "result.json").write_text(json.dumps(result, indent=1) + "\n")
        print(f"{name}: {'identical' if same else f'DIFFERENT from line {first}'} "
              f"({found['before']['commit']} vs {found['after']['commit']}, {len(found['after']['lines'])} lines)")

if __name__ == "__main__":
    main()
