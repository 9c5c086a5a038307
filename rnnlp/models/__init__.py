"""Assembled task models (one ``torch.nn.Module`` per task head); ``builders`` turns configs into them.

Every head is importable from here, e.g. ``from rnnlp.models import SequenceTagger``. The
names resolve lazily (PEP 562) so that ``import rnnlp.models`` loads only the head asked for.
"""

from __future__ import annotations

import importlib

# head -> the module that defines it (one row per task head)
_HEADS = {
    "SequenceClassifier": "rnnlp.models.classifier",      # sentiment
    "SequenceTagger": "rnnlp.models.tagger",              # tagging
    "LanguageModel": "rnnlp.models.language_model",       # lm
    "Seq2Seq": "rnnlp.models.seq2seq",                    # translation
    "ImageCaptioner": "rnnlp.models.captioner",           # captioning
    "SequentialRecommender": "rnnlp.models.recommender",  # recommender
    "SeriesClassifier": "rnnlp.models.series",            # series
    "MusicModel": "rnnlp.models.music",                   # music
}

__all__ = sorted(_HEADS)


def __getattr__(name: str):
    if name in _HEADS:
        return getattr(importlib.import_module(_HEADS[name]), name)
    raise AttributeError(f"module 'rnnlp.models' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HEADS))
