"""Config of the translation task (sequence to sequence with attention)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional

from rnnlp.config.components import EmbeddingConfig, EncoderConfig, TextConfig, TrainConfig
from rnnlp.config.paths import path_field
from rnnlp.config.bounds import nonnegative, positive


@dataclass
class ParallelDataConfig:
    """Aligned text files (one sentence a line, ``.gz`` allowed) or one table with two columns."""

    source: Optional[str] = path_field("train")  # training source sentences (aligned text file)
    target: Optional[str] = path_field("train")  # training target sentences, line i translates line i
    valid_source: Optional[str] = path_field("data")
    valid_target: Optional[str] = path_field("data")
    train: Optional[str] = path_field("train")   # or: a tsv/csv/jsonl/parquet table with both columns
    valid: Optional[str] = path_field("data")
    source_column: str = "source"
    target_column: str = "target"
    format: Optional[str] = None         # table format when the extension does not tell
    root: Optional[str] = None           # data root (relative paths are looked up here); default $RNNLP_DATA
    max_length: int = positive(100)                # BPE tokens kept per side (longer: truncated, warned)
    train_limit: Optional[int] = positive(None)    # use only the first N training pairs
    valid_limit: Optional[int] = positive(None)    # BLEU during training on the first N valid pairs only


@dataclass
class TranslationTextConfig:
    """BPE on both sides: one joint vocabulary or one per side."""

    vocab: Literal["joint", "separate"] = "separate"
    # cased: a translation keeps the source's case, and cased BLEU is the standard (issue 15)
    source: TextConfig = field(default_factory=lambda: TextConfig(level="bpe", lowercase=False, vocab_size=8000))
    target: TextConfig = field(default_factory=lambda: TextConfig(level="bpe", lowercase=False, vocab_size=8000))


@dataclass
class DecoderConfig:
    cell: Literal["gru", "lstm"] = "gru"
    hidden_size: int = positive(256)
    num_layers: int = positive(1)
    dropout: float = 0.0                 # between layers
    attention: Literal["additive", "general", "dot"] = "general"  # Bahdanau | Luong general/dot
    input_feed: bool = False             # feed the previous attentional vector to the RNN (Luong)
    bridge: bool = True                  # tanh(W·encoder final state) as the first decoder state
    output_dropout: float = 0.3          # on the attentional vector before the output layer
    tie_embeddings: bool = True          # output layer = target embedding matrix


@dataclass
class DecodeConfig:
    """Defaults for translating (each can be changed per call)."""

    beam_size: int = positive(5)
    length_penalty: float = nonnegative(0.6)          # GNMT alpha
    max_len_ratio: float = positive(1.5)           # most target tokens = ratio · source tokens + extra
    max_len_extra: int = nonnegative(5)
    batch_size: int = positive(64)


@dataclass
class Seq2SeqTrainConfig:
    teacher_forcing: float = 1.0         # probability of feeding the gold previous token
    teacher_forcing_final: Optional[float] = None  # linear schedule to this ratio (None: constant)
    label_smoothing: float = 0.1
    eval_beam_size: int = positive(1)              # decoding used for the dev BLEU during training


@dataclass
class TranslationConfig:
    task: Literal["translation"] = "translation"
    data: ParallelDataConfig = field(default_factory=ParallelDataConfig)
    text: TranslationTextConfig = field(default_factory=TranslationTextConfig)
    source_embedding: EmbeddingConfig = field(default_factory=lambda: EmbeddingConfig(embedding_dim=256))
    target_embedding: EmbeddingConfig = field(default_factory=lambda: EmbeddingConfig(embedding_dim=256))
    encoder: EncoderConfig = field(default_factory=lambda: EncoderConfig(cell="gru", hidden_size=256))
    decoder: DecoderConfig = field(default_factory=DecoderConfig)
    seq2seq: Seq2SeqTrainConfig = field(default_factory=Seq2SeqTrainConfig)
    decode: DecodeConfig = field(default_factory=DecodeConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
