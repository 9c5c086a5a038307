"""Build the data that `rnnlp train sentiment` uses when given none (run once, then commit).

    RNNLP_DATA=../shared/data python recipes/sentiment/bundle_default.py

Writes, under rnnlp/data/samples/:
- sst2/train_full.tsv.gz: the full GLUE SST-2 training file (67,349 phrases), copied unchanged;
- glove/glove.6B.50d.sst2.bin.gz: the GloVe 6B 50d rows of the SST-2 training words and of
  GloVe's 20,000 most frequent words (so text outside SST-2 is covered too), in GloVe's order,
  word2vec binary (float32 holding float16-rounded values, which gzip packs tighter; the
  default model was tuned on these);
- MANIFEST.json: bytes, rows and sha256 of those files and the sst2 sample and dev set, which
  tests/data/test_samples.py checks.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "rnnlp" / "data" / "samples"
TOP_WORDS = 20_000
FOLDERS = ("sst2", "glove")  # the sentiment task's bundled files (series/ belongs to the series task)


def training_words(path: Path) -> list[str]:
    """The whitespace tokens of the sentence column, first-seen order."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        next(f)  # header
        return list(dict.fromkeys(w for line in f for w in line.split("\t")[0].split()))


def trimmed_glove(glove: Path, words: list[str]):
    import numpy as np
    from gensim.models import KeyedVectors

    from rnnlp.embeddings.files import load

    kv = load(glove)
    keep = set(words) | set(kv.index_to_key[:TOP_WORDS])
    rows = [i for i, w in enumerate(kv.index_to_key) if w in keep]
    kv.vectors = kv.vectors.astype(np.float16).astype(np.float32)
    out = KeyedVectors(kv.vector_size)
    out.add_vectors([kv.index_to_key[i] for i in rows], kv.vectors[rows])
    return out


def rows(path: Path) -> int:
    """Data rows: lines after the header of a table, vectors of a vectors file."""
    if ".bin" in path.suffixes:
        with gzip.open(path, "rb") as f:
            return int(f.readline().split()[0])
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return sum(1 for _ in f) - 1


def manifest() -> dict:
    files = sorted(p for folder in FOLDERS for p in (SAMPLES / folder).iterdir() if p.suffix in (".gz", ".tsv"))
    return {str(p.relative_to(SAMPLES)): {"bytes": p.stat().st_size, "rows": rows(p),
                                          "sha256": hashlib.sha256(p.read_bytes()).hexdigest()} for p in files}


def main() -> None:
    data = Path(os.environ.get("RNNLP_DATA", ROOT.parent / "shared" / "data"))
    train = data / "sentiment" / "sst2" / "train.tsv.gz"
    shutil.copyfile(train, SAMPLES / "sst2" / "train_full.tsv.gz")
    from rnnlp.embeddings.files import save

    kv = trimmed_glove(data / "embeddings" / "glove_6b_50d" / "glove.6B.50d.top50k.txt.gz", training_words(train))
    save(kv, SAMPLES / "glove" / "glove.6B.50d.sst2.bin.gz")
    text = json.dumps(manifest(), indent=2) + "\n"
    (SAMPLES / "MANIFEST.json").write_text(text, encoding="utf-8")
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
