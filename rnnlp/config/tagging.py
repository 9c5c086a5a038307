"""Config of the tagging task (one tag per token: NER, chunking, POS)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional, Union

from rnnlp.config.components import EmbeddingConfig, EncoderConfig, TextConfig, TrainConfig
from rnnlp.config.paths import path_field
from rnnlp.config.bounds import positive


@dataclass
class TaggingDataConfig:
    """Tagged files. ``format`` None: from the extension (.conllu, .json/.jsonl, .parquet, else conll)."""

    train: Optional[str] = path_field("train")  # None: the bundled tiny CoNLL sample
    valid: Optional[str] = path_field("data")
    test: Optional[str] = path_field("data")
    format: Optional[str] = None         # conll | conllu | json | parquet
    token_column: Union[int, str, None] = None  # conll: column number (0); tables: name ("tokens")
    tag_column: Union[int, str, None] = None    # conll: column number (-1 = last); tables: "tags"
    tag_field: Literal["upos", "xpos"] = "upos"  # conllu
    scheme: str = "BIO"                  # scheme of the files: IOB1 | BIO | BIOES | none (POS)
    invalid: Literal["repair", "error"] = "repair"  # invalid sequences: conlleval rule, or reject
    root: Optional[str] = None           # data root (relative paths are looked up here); default $RNNLP_DATA
    max_length: int = positive(128)                # longer sentences are cut into pieces of this many tokens
    max_word_length: int = positive(24)            # characters per word seen by the char encoder
    train_limit: Optional[int] = positive(None)    # use only the first N training sentences


@dataclass
class TaggerConfig:
    scheme: str = "BIOES"                # scheme the model is trained in (none: as in the files)
    head: Literal["crf", "softmax"] = "crf"
    char: Literal["cnn", "lstm", "none"] = "cnn"
    char_dim: int = positive(25)                   # character embedding size
    char_hidden: int = positive(50)                # CNN filters, or LSTM hidden size per direction
    char_kernel: int = positive(3)                 # CNN window
    casing: bool = True                  # casing class of each word (the lookup is lower-cased)
    casing_dim: int = positive(8)
    vectors_vocab: bool = True           # add the words of embedding.vectors to the vocabulary
    word_dropout: float = 0.0            # replace words by <unk> in training
    dropout: float = 0.5                 # locked (variational) dropout on encoder input and output


@dataclass
class CharLMConfig:
    """Contextual string embeddings (flair): states of character LM runs as word features,
    beside the word and character-CNN features (rnnlp/nn/char_lm.py)."""

    forward: Optional[str] = path_field("file")   # a char-level `rnnlp train lm` run
    backward: Optional[str] = path_field("file")  # one trained on reversed text (lm data.reverse=true)
    freeze: bool = True                  # frozen: no gradients, features cached per sentence
    aux_weight: float = 0.0              # LM-LSTM-CRF: >0 co-trains fresh LMs (both directions, sized by
    #                                       embedding_dim, hidden_sizes) on the task's sentences, adding
    #                                       their next-character loss times this to the tagger's
    # the LMs' shape: written from the runs when training starts (a checkpoint rebuilds without
    # them); given by you for co-trained LMs (vocab_size then comes from the tagger's characters)
    cell: Literal["lstm", "gru"] = "lstm"
    vocab_size: int = 0
    embedding_dim: int = 0
    hidden_sizes: list[int] = field(default_factory=list)


@dataclass
class TaggingConfig:
    task: Literal["tagging"] = "tagging"
    data: TaggingDataConfig = field(default_factory=TaggingDataConfig)
    text: TextConfig = field(default_factory=TextConfig)
    embedding: EmbeddingConfig = field(default_factory=EmbeddingConfig)
    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    model: TaggerConfig = field(default_factory=TaggerConfig)
    char_lm: CharLMConfig = field(default_factory=CharLMConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
