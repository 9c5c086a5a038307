"""Config of ``rnnlp embeddings train`` (gensim word2vec/fastText): its ``train.*`` overrides.

Only what gensim's training takes is here, so ``train.lr=...`` is an unknown key with a
did-you-mean rather than a setting that is silently ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rnnlp.config.bounds import positive, within


@dataclass
class VectorTrainConfig:
    epochs: int = positive(5)
    seed: int = within(0, 0, 2**32 - 1)
    threads: int = positive(3)           # gensim's workers; 1 makes runs repeatable


@dataclass
class VectorsConfig:
    train: VectorTrainConfig = field(default_factory=VectorTrainConfig)
