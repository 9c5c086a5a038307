"""Writes tests/assets/music/tiny.npz (train/valid/test splits of short chord rolls, a few KB)
tiny.mat (the same splits as the Boulanger-Lewandowski .mat files hold them: traindata,
validdata, testdata, 1×N cell arrays) and tiny.mid (the first test piece). Run from the repository root: python tests/assets/music/make_tiny.py"""

from pathlib import Path

import numpy as np
import scipy.io

from rnnlp.data.midi import write_midi
from rnnlp.data.music import write_npz

HERE = Path(__file__).resolve().parent


def piece(rng, frames: int) -> np.ndarray:
    """Triads (sometimes with the octave) whose root walks by small steps every two frames."""
    roll, root = np.zeros((frames, 88), np.uint8), int(rng.integers(15, 31))
    for t in range(frames):
        if t % 2 == 0:
            root = int(np.clip(root + rng.integers(-2, 3), 10, 40))
            chord = [root, root + 4, root + 7] + ([root + 12] if rng.random() < 0.5 else [])
        roll[t, chord] = 1
    return roll


def main() -> None:
    rng = np.random.default_rng(0)
    splits = {name: [piece(rng, int(rng.integers(12, 30))) for _ in range(count)]
              for name, count in (("train", 12), ("valid", 4), ("test", 4))}
    write_npz(HERE / "tiny.npz", splits)
    cells = {}
    for name, rolls in splits.items():
        cell = np.empty((1, len(rolls)), dtype=object)
        for i, roll in enumerate(rolls):
            cell[0, i] = roll
        cells[f"{name}data"] = cell
    scipy.io.savemat(HERE / "tiny.mat", cells, do_compression=True)
    write_midi(splits["test"][0], HERE / "tiny.mid", steps_per_beat=2)


if __name__ == "__main__":
    main()
