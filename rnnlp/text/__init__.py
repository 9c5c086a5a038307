"""Text pipelines over HF tokenizers (no torch)."""

from rnnlp.text.pipeline import SPECIALS, TextPipeline

__all__ = ["SPECIALS", "TextPipeline"]
