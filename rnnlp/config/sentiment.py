"""Config of the sentiment task (many-to-one classification)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from rnnlp.config.components import DataConfig, EmbeddingConfig, EncoderConfig, TextConfig, TrainConfig


@dataclass
class ClassifierHeadConfig:
    pool: Literal["last", "mean", "max", "attention"] = "max"   # attention: learned additive weights
    dropout: float = 0.3
    hidden_size: int = 0                 # 0: linear head; >0: one tanh hidden layer first


@dataclass
class SentimentConfig:
    task: Literal["sentiment"] = "sentiment"
    data: DataConfig = field(default_factory=DataConfig)
    text: TextConfig = field(default_factory=TextConfig)
    embedding: EmbeddingConfig = field(default_factory=EmbeddingConfig)
    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    head: ClassifierHeadConfig = field(default_factory=ClassifierHeadConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
