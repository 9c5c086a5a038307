"""Writes the tiny vectors files beside this script (run: python make_vectors.py).

Six words, 4 dimensions, values that are multiples of 1/8 so that every format (text and
float32 binary) stores them exactly. ragged_glove.txt is glove.txt with line 4 cut short.
"""

from pathlib import Path

import numpy as np

WORDS = ["the", "cat", "dog", "king", "queen", "paris"]
VECTORS = np.array(
    [
        [0.125, -0.25, 0.5, 0.0],
        [1.0, 0.5, -0.125, 0.25],
        [0.875, 0.625, -0.25, 0.375],
        [-0.5, 1.25, 0.75, -1.0],
        [-0.625, 1.125, 0.875, 1.5],
        [0.25, -1.5, -0.75, 0.125],
    ],
    dtype=np.float32,
)


def rows() -> list[str]:
    return [w + " " + " ".join(repr(float(x)) for x in v) for w, v in zip(WORDS, VECTORS)]


def main(folder: Path = Path(__file__).parent) -> None:
    text = "\n".join(rows()) + "\n"
    (folder / "glove.txt").write_text(text)
    (folder / "w2v.txt").write_text(f"{len(WORDS)} {VECTORS.shape[1]}\n" + text)
    with open(folder / "w2v.bin", "wb") as f:  # the word2vec C tool's layout
        f.write(f"{len(WORDS)} {VECTORS.shape[1]}\n".encode())
        for word, vector in zip(WORDS, VECTORS):
            f.write(word.encode() + b" " + vector.astype("<f4").tobytes() + b"\n")
    ragged = rows()
    ragged[3] = ragged[3].rsplit(" ", 1)[0]  # line 4: 3 values instead of 4
    (folder / "ragged_glove.txt").write_text("\n".join(ragged) + "\n")


if __name__ == "__main__":
    main()
