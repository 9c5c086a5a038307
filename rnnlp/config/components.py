"""Config dataclasses for the components every task shares.

Field names follow PyTorch (``hidden_size``, ``num_layers``, ``embedding_dim``). Facts that come
from data (vocabulary size, classes, pad id) are not config.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional, Union

from rnnlp.config.paths import path_field
from rnnlp.config.bounds import nonnegative, positive, within


@dataclass
class DataConfig:
    """Where the examples come from. Paths are local files or, online, hub dataset names."""

    train: Optional[str] = path_field("train", hub=True)  # None: the task's bundled sample
    valid: Optional[str] = path_field("data", hub=True)
    test: Optional[str] = path_field("data", hub=True)
    text_column: str = "sentence"
    label_column: str = "label"
    format: Optional[str] = None         # csv | tsv | json | parquet; None: from the extension
    root: Optional[str] = None           # data root (relative paths are looked up here); default $RNNLP_DATA
    max_length: int = positive(256)                # tokens kept per example (longer ones are truncated)
    train_limit: Optional[int] = positive(None)    # use only the first N training examples (sentiment: rows)
    # names printed for the labels, {0: negative, 1: positive} or [negative, positive] (class order)
    label_names: Optional[Union[dict, list]] = None


@dataclass
class TextConfig:
    """How text becomes ids (a ``TextPipeline`` over HF tokenizers)."""

    level: Literal["word", "char", "bpe"] = "word"
    lowercase: bool = True
    min_freq: int = nonnegative(1)
    max_size: Optional[int] = positive(None)       # word/char vocabulary cap (most frequent first)
    vocab_size: int = positive(8000)               # BPE merges target
    path: Optional[str] = path_field("tokenizer")  # a prebuilt pipeline JSON (e.g. vocab/); skips building
    # regex rewrites after lowercasing, in order: [[pattern, replacement], ...]; saved in the tokenizer,
    # so a run reads new text as it read its training text (e.g. [[" n't", "n 't"]]: PTB -> WikiText)
    replace: list[list[str]] = field(default_factory=list)
    # with path: add the training text's words that the file lacks (min_freq or more, new ids after its
    # own) and rebuild its normalizer from lowercase and replace (the LM continued by init_vocab=extend)
    extend: bool = False


@dataclass
class EmbeddingConfig:
    kind: Literal["learned", "onehot", "pretrained"] = "learned"
    embedding_dim: int = positive(100)             # ignored for onehot (= vocab size) and pretrained (= file)
    vectors: Optional[str] = path_field("file")  # GloVe / word2vec file for kind=pretrained
    freeze: bool = False
    extend_vocab: bool = False           # add the vectors' words to a word vocabulary (pretrained)
    oov: Literal["random", "zero", "compose"] = "random"  # compose: well-made = mean(well, made)
    dropout: float = 0.0
    word_dropout: float = 0.0            # training: replace tokens by <unk> with this probability


@dataclass
class EncoderConfig:
    cell: Literal["lstm", "gru", "rnn"] = "lstm"
    hidden_size: int = positive(128)
    num_layers: int = positive(1)
    bidirectional: bool = True
    dropout: float = 0.0                 # between layers
    mode: Literal["pad", "pack"] = "pad"  # pad (+ per-sequence reversal) measured faster on CPU
    # LM transfer (sentiment, tagging; rnnlp/transfer/): a word-level LM run's embeddings and layers
    # start the forward direction, a backward LM run's the backward one (else as configured)
    init_from: Optional[str] = path_field("file")           # an `rnnlp train lm` run or checkpoint
    init_from_backward: Optional[str] = path_field("file")  # a backward LM run (trained on reversed text)
    shape_from_lm: bool = False          # take embedding_dim, hidden_size, num_layers, cell from the LM
    init_vocab: Literal["task", "lm"] = "task"  # task: words of the data, mapped; lm: the LM's tokenizer


@dataclass
class TrainConfig:
    epochs: int = positive(5)
    batch_size: int = positive(64)
    optimizer: Literal["adamw", "adam", "sgd"] = "adamw"
    lr: float = positive(2e-3)
    weight_decay: float = nonnegative(0.0)
    momentum: float = nonnegative(0.9)
    schedule: Literal["constant", "linear", "cosine", "plateau", "slanted"] = "constant"
    slanted_fraction: float = 0.1        # slanted triangular (ULMFiT): share of the steps spent rising
    slanted_ratio: float = 32.0          # slanted: the peak LR is this many times the lowest
    discriminative: Optional[float] = None  # ULMFiT 2.6: a layer group d below the top trains at lr / 2.6^d
    unfreeze: bool = False               # gradual unfreezing: epoch k trains the top k+1 layer groups
    unfreeze_every: int = 0              # with unfreeze: one more group every this many steps (0: every epoch)
    warmup_steps: int = nonnegative(0)
    schedule_steps: Optional[int] = positive(None)  # steps the linear/cosine/slanted decay spans; None: the run's
    #                                       total (epochs, capped by max_steps)
    clip_norm: Optional[float] = nonnegative(5.0)
    ema: Optional[float] = None          # e.g. 0.999: evaluate and keep an average of the weights
    save_every: Optional[int] = positive(None)     # steps between resume checkpoints (last/), besides evals
    precision: Literal["fp32", "bf16", "fp16"] = "fp32"  # autocast on CUDA; CPU stays fp32
    deterministic: bool = True           # deterministic kernels: the same seed gives the same weights
    #                                       (false trades that for speed on CUDA; CPU is unaffected)
    patience: Optional[int] = positive(None)       # early stopping: epochs without dev improvement
    eval_every: Optional[int] = positive(None)     # steps; None: once per epoch
    bucket: bool = True                  # length-bucketed batches
    seed: int = within(0, 0, 2**32 - 1)
    threads: Optional[int] = positive(None)        # torch intra-op threads; None: torch default
    device: str = "auto"                 # auto | cpu | cuda
    max_steps: Optional[int] = positive(None)      # stop after N steps (tests, smoke runs)
    time_limit_minutes: Optional[float] = positive(None)  # stop after the step that crosses this wall time
    #                                       (evaluate, save); it never shapes the schedule
    size_to_minutes: Optional[float] = positive(None)  # before the run: time a few steps and an evaluation
    #                                       on a copy of the model, then fix max_steps to fill about this many
    #                                       minutes (recorded; the same run anywhere with train.max_steps=N)
    output: Optional[str] = None         # checkpoint directory; None: runs/<task>-<time>
    progress: bool = True
    log_every: int = positive(50)


__all__ = ["DataConfig", "TextConfig", "EmbeddingConfig", "EncoderConfig", "TrainConfig", "field"]
