"""Writes reference.json: what rnnlp 0.1.0 predicted with these checkpoints.

The checkpoints are the ``best/`` folders of the tiny recipes trained with rnnlp 0.1.0
(``rnnlp train <task> --recipe recipes/<task>/tiny.yaml``, seed 0, one thread); run this
script with rnnlp 0.1.0 from the repository root to rebuild reference.json.
"""

import json
from pathlib import Path

import rnnlp

HERE = Path(__file__).parent
ASSETS = HERE.parent


def predictions() -> dict:
    out = {}
    out["sentiment"] = [r["probabilities"] for r in rnnlp.load(HERE / "sentiment").predict(["a fine film", "dull"])]
    out["tagging"] = [r["tags"] for r in rnnlp.load(HERE / "tagging").predict(["EU rejects German call", "Peter"])]
    out["lm"] = rnnlp.load(HERE / "lm").generate("the", 8, greedy=True)
    out["translation"] = rnnlp.load(HERE / "translation").translate(["ein hund", "eine katze"], beam_size=2)
    images = sorted((ASSETS / "captioning" / "images").iterdir())[:2]
    out["captioning"] = rnnlp.load(HERE / "captioning").caption(images, beam_size=2)
    return out


if __name__ == "__main__":
    (HERE / "reference.json").write_text(json.dumps(predictions(), indent=1) + "\n", encoding="utf-8")
