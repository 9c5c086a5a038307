"""Config of the language-model task (next-token prediction over a text stream)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional

from rnnlp.config.components import TextConfig, TrainConfig
from rnnlp.config.paths import path_field
from rnnlp.config.bounds import positive


@dataclass
class LMDataConfig:
    """Plain text files (``.gz`` read transparently); one corpus, read as a stream of tokens."""

    train: Optional[str] = path_field("train")  # None: an error (there is no bundled LM corpus)
    valid: Optional[str] = path_field("data")   # None: the last ``valid_fraction`` of train is held out
    test: Optional[str] = path_field("data")
    root: Optional[str] = None           # data root (relative paths are looked up here); default $RNNLP_DATA
    valid_fraction: float = 0.1
    eos: Optional[bool] = None           # <eos> after every line; None: word/bpe yes, char no
    bptt: int = positive(35)                       # steps per batch (truncated backprop through time)
    random_bptt: bool = False            # AWD-LSTM style random lengths around bptt
    eval_batch_size: int = positive(10)
    train_limit: Optional[int] = positive(None)    # use only the first N training tokens
    text_column: Optional[str] = None    # tables (tsv, csv, json, parquet): the column holding the text
    reverse: bool = False                # read the text backwards: a backward LM (flair, ULMFiT bwd)


@dataclass
class LMModelConfig:
    cell: Literal["lstm", "gru"] = "lstm"
    embedding_dim: int = positive(200)
    hidden_size: int = positive(200)
    num_layers: int = positive(2)
    tie_weights: bool = False            # output = embedding matrix (last layer sized embedding_dim)
    dropout: float = 0.2                 # locked dropout on the top layer's output
    dropout_input: float = 0.2           # locked dropout on the embeddings
    dropout_hidden: float = 0.2          # locked dropout between layers
    dropout_embedding: float = 0.0       # drop whole words' embedding rows (AWD-LSTM dropoute)
    output: Literal["softmax", "adaptive"] = "softmax"
    cutoffs: list[int] = field(default_factory=lambda: [2000, 10000])  # adaptive cluster bounds
    div_value: float = 4.0               # adaptive: each tail cluster's width shrinks by this
    # ULMFiT step 2: continue an LM run on new text; its shape (the fields above) is taken from it
    init_from: Optional[str] = path_field("file")  # an `rnnlp train lm` run or checkpoint
    # lm: keep its tokenizer; text: the new text's words, rows mapped (full softmax only); extend: its
    # tokenizer plus the new text's words it lacks (text.min_freq or more, new rows = the mean row) and
    # text.replace's rewrites added to its normalizer (ULMFiT's step 2 on a new domain's vocabulary)
    init_vocab: Literal["lm", "text", "extend"] = "lm"


@dataclass
class LMConfig:
    task: Literal["lm"] = "lm"
    data: LMDataConfig = field(default_factory=LMDataConfig)
    text: TextConfig = field(default_factory=TextConfig)
    model: LMModelConfig = field(default_factory=LMModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
