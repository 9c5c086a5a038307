"""rnnlp: strong, fast, honest RNN baselines for text tasks and time series.

Importing ``rnnlp`` does not import torch; ``rnnlp.load`` and ``rnnlp.train`` do, lazily.
"""

from rnnlp.version import __version__

__all__ = ["__version__", "load", "train"]


def __getattr__(name):
    if name in ("load", "train", "api"):
        import importlib

        api = importlib.import_module("rnnlp.api")
        return api if name == "api" else getattr(api, name)
    raise AttributeError(f"module 'rnnlp' has no attribute {name!r}")
