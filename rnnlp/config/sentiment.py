"""Config of the sentiment task (many-to-one classification)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from rnnlp.config.components import DataConfig, EmbeddingConfig, EncoderConfig, TextConfig, TrainConfig
from rnnlp.config.bounds import nonnegative

# The default model (``rnnlp train sentiment`` with no arguments): full SST-2 over the bundled
# GloVe 50d, tuned to pass 0.82 dev accuracy within 3 minutes on 2 CPU cores
# (benchmarks/default_model.py measures it).
BUNDLED_VECTORS = str(Path(__file__).resolve().parents[1] / "data" / "samples" / "glove" / "glove.6B.50d.sst2.bin.gz")


def _default_embedding() -> EmbeddingConfig:
    return EmbeddingConfig(kind="pretrained", vectors=BUNDLED_VECTORS, extend_vocab=True, dropout=0.3)


def _default_train() -> TrainConfig:
    # one thread: this small BiLSTM at batch 64 spends 3.6x the CPU on two threads for no gain in
    # wall time (benchmarks/results/default_model.md: 53 s on 1 thread, 338 s on 2)
    return TrainConfig(epochs=2, batch_size=64, lr=3e-3, schedule="linear", threads=1)


@dataclass
class ClassifierHeadConfig:
    pool: Literal["last", "mean", "max", "attention"] = "max"   # attention: learned additive weights
    dropout: float = 0.3
    hidden_size: int = nonnegative(0)                 # 0: linear head; >0: one tanh hidden layer first


@dataclass
class SentimentConfig:
    task: Literal["sentiment"] = "sentiment"
    data: DataConfig = field(default_factory=DataConfig)
    text: TextConfig = field(default_factory=TextConfig)
    embedding: EmbeddingConfig = field(default_factory=_default_embedding)
    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    head: ClassifierHeadConfig = field(default_factory=ClassifierHeadConfig)
    train: TrainConfig = field(default_factory=_default_train)
