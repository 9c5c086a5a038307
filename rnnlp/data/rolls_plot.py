"""A piano roll as a PNG image (matplotlib, the ``plot`` extra, imported inside the function)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rnnlp.data.midi import LOWEST, check_roll


def plot_roll(roll: np.ndarray, path, steps_per_beat: int = 4, title: str | None = None) -> Path:
    """Draw frames left to right, keys bottom to top (only the range of keys used), beats on x."""
    import matplotlib
    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    roll = check_roll(roll, "roll")
    used = np.flatnonzero(roll.any(0))
    low, high = (int(used[0]), int(used[-1])) if used.size else (39, 51)  # an empty roll: around middle C
    fig, ax = plt.subplots(figsize=(min(16, 2 + len(roll) / 16), 4))
    ax.imshow(roll[:, low: high + 1].T, origin="lower", aspect="auto", cmap="Greys", interpolation="nearest",
              extent=(0, len(roll) / steps_per_beat, LOWEST + low - 0.5, LOWEST + high + 0.5))
    ax.set_xlabel("beats")
    ax.set_ylabel("MIDI pitch")
    ax.set_title(title or f"{len(roll)} frames, {int(roll.sum())} key-frames")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
