"""Assembled task models; ``builders`` turns configs into them."""

from rnnlp.models.classifier import SequenceClassifier

__all__ = ["SequenceClassifier"]
