"""pytorch/examples word_language_model, read from the user's checkout (WLM_PATH), run unmodified
with its README's LSTM command (``python main.py --accel --epochs 6``: the default model is the
LSTM; ``--accel`` left out on CPU).

Its ``main.py`` runs as ``__main__`` (runpy); the only thing added is a hook on
``torch.nn.utils.clip_grad_norm_``, which main.py calls once per batch: when a point is due, the
hook scores the test file with main.py's own ``evaluate`` on the model as it is (before that
batch's update) and writes the summed log-probability. Points after its last epoch get the
model main.py ends with (its best on valid, or its last when reloading that fails).

    python drivers/wlm.py --path WLM_PATH --data CACHE --out LOG --seed 0 [-- main.py options]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import runpy
import sys
from pathlib import Path

from _clock import Marks, finish, threads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", required=True, help="the word_language_model folder (its main.py)")
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=int(os.environ.get("PEERS_THREADS", "1")))
    parser.add_argument("main_options", nargs="*", default=["--epochs", "6"])
    args = parser.parse_args()
    threads(args.threads)
    import torch

    marks, main_globals = Marks(args.out), {}

    def write(folder: Path) -> dict:
        g = main_globals["g"]  # main.py's module globals (kept after it ends)
        loss = float(g["evaluate"](g["test_data"]))
        g["model"].train()
        tokens = (len(g["test_data"]) - 1) * g["test_data"].size(1)
        (folder / "pred.json").write_text(json.dumps({"sum_logprob": -loss * tokens, "tokens": tokens}))
        return {"perplexity": math.exp(loss), "test_loss": loss,
                "name": "main.py's evaluate(test_data), perplexity = exp(loss) as main.py prints it"}

    def hook(clip):
        def hooked(*a, **k):
            main_globals.setdefault("g", sys.modules["__main__"].__dict__)
            marks.catch_up(write)
            if marks.finished:
                finish()
            return clip(*a, **k)
        return hooked

    for name in ("clip_grad_norm_", "clip_grad_norm"):  # newer and older main.py
        if hasattr(torch.nn.utils, name):
            setattr(torch.nn.utils, name, hook(getattr(torch.nn.utils, name)))
    sys.path.insert(0, args.path)
    sys.argv = ["main.py", "--data", args.data, "--seed", str(args.seed), "--save",
                str(Path(args.out) / "model.pt"), *args.main_options]
    try:
        runpy.run_path(str(Path(args.path) / "main.py"), run_name="__main__")
    except Exception as exc:  # noqa: BLE001 - e.g. its final torch.load of a pickled model under weights_only
        print(f"wlm.py: main.py ended with {type(exc).__name__}: {exc}", file=sys.stderr)
    if "g" not in main_globals:
        raise SystemExit("wlm.py: main.py never reached a training batch")
    for minute in marks.minutes:  # trained out before the last point: the model main.py ends with
        if minute not in marks.done:
            marks.record(minute, write)


if __name__ == "__main__":
    main()
