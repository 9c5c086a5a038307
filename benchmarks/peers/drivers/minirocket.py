"""aeon MiniRocket on the converted ECG5000 arrays (moved here from benchmarks/series.py). It has
no training curve: one fit (numba compiles first, on a few series, untimed), then its test
predictions at every point the fit finished before (a point before the end of the fit gets none).

    python drivers/minirocket.py --data CACHE --out LOG --seed 0
"""

from __future__ import annotations

import time
from pathlib import Path

from _clock import Marks, driver_parser


def main() -> None:
    parser = driver_parser(__doc__)
    args = parser.parse_args()
    import numpy as np
    from aeon.classification.convolution_based import MiniRocketClassifier

    train, test = np.load(Path(args.data) / "train.npz"), np.load(Path(args.data) / "test.npz")
    x, y, xt = train["X"], train["y"], test["X"]
    few = np.concatenate([np.flatnonzero(y == c)[:4] for c in np.unique(y)])
    start = time.time()
    MiniRocketClassifier(random_state=0, n_jobs=args.threads).fit(x[few], y[few]).predict(x[few])  # numba compiles
    marks = Marks(args.out)
    marks.paused += time.time() - start  # the compilation is not the model's time
    model = MiniRocketClassifier(random_state=args.seed, n_jobs=args.threads).fit(x, y)
    fitted = marks.elapsed()
    pred = model.predict(xt)

    def write(folder: Path) -> dict:
        (folder / "pred.txt").write_text("".join(f"{p}\n" for p in pred))
        return {"accuracy": float((pred == test["y"]).mean()), "fit_s": round(fitted, 2),
                "name": "accuracy of aeon's predict (numpy)"}

    for minute in marks.minutes:
        if fitted <= minute * 60:
            marks.record(minute, write)


if __name__ == "__main__":
    main()
