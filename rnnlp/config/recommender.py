"""Config of the recommender task (next-item recommendation from a user's interactions in time order)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional

from rnnlp.config.components import TrainConfig
from rnnlp.config.paths import path_field
from rnnlp.config.bounds import nonnegative, positive


@dataclass
class InteractionDataConfig:
    """Where the interactions come from and how they become per-user sequences."""

    train: Optional[str] = path_field("train")  # the interaction log (split leave-one-out per user)
    format: Optional[str] = None         # csv | tsv | parquet | movielens | sequences; None: extension
    user_column: str = "user"
    item_column: str = "item"
    time_column: Optional[str] = "timestamp"  # None: file order is time order
    min_user_count: int = nonnegative(1)              # drop users with fewer interactions (after the item filter)
    min_item_count: int = nonnegative(1)              # drop items seen fewer times
    max_length: int = positive(50)                 # most recent items a training sequence keeps
    session_gap: Optional[float] = nonnegative(None)  # seconds of inactivity that start a new training session
    batching: Literal["padded", "session_parallel"] = "padded"  # padded user sequences (pieces of at most
    #   max_length, one RNN call per batch) or GRU4Rec's session-parallel lanes (one item per lane per step)
    root: Optional[str] = None           # data root (relative paths are looked up here)
    train_limit: Optional[int] = positive(None)    # use only the first N interactions of the file (smoke runs)
    refit: bool = False                  # also train on each user's validation item (the second-last), as
    #   the refit after settings were chosen on a run without it: nothing is selected (validation has been
    #   trained on), the last checkpoint is kept; test (the last item) stays unseen


@dataclass
class RecommenderModelConfig:
    cell: Literal["gru", "lstm"] = "gru"
    embedding_dim: int = positive(64)
    hidden_size: int = positive(64)
    num_layers: int = positive(1)
    dropout: float = 0.2                 # on the item embeddings and on the GRU output
    tie_weights: bool = True             # score items with the input embeddings (a projection first)
    loss: Literal["ce", "sampled", "bpr_max", "top1_max"] = "ce"  # ce: full softmax cross-entropy over all
    #   items; sampled: softmax over the batch's targets + popularity-sampled items; bpr_max, top1_max:
    #   GRU4Rec 2018 (Hidasi & Karatzoglou), over the same candidates
    negatives: int = positive(256)                 # popularity-sampled items per batch (sampled, bpr_max, top1_max)
    bpr_reg: float = nonnegative(1.0)                 # bpr_max: weight of the score regularisation
    logq: bool = False                   # sampled: subtract each candidate's log sampling probability
    #   (popularity), so the sampled softmax estimates the full one instead of favouring rare items


@dataclass
class RecommenderEvalConfig:
    ks: list = field(default_factory=lambda: [10, 20])
    sampled_negatives: int = nonnegative(100)         # the older sampled protocol (0: skip it)
    knn_decay: float = 0.8               # item-kNN baseline: weight of a history item per step back


@dataclass
class RecommenderConfig:
    task: Literal["recommender"] = "recommender"
    data: InteractionDataConfig = field(default_factory=InteractionDataConfig)
    model: RecommenderModelConfig = field(default_factory=RecommenderModelConfig)
    eval: RecommenderEvalConfig = field(default_factory=RecommenderEvalConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
