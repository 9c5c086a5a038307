"""The version of rnnlp, declared once (pyproject reads it; checkpoints record it)."""

__version__ = "0.3.0"
