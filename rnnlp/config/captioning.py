"""Config of the captioning task (CNN image encoder + attentive LSTM decoder, Show, Attend and Tell)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional

from rnnlp.config.components import TextConfig, TrainConfig
from rnnlp.config.paths import path_field
from rnnlp.config.bounds import nonnegative, positive


@dataclass
class CaptionDataConfig:
    """Images in a folder or zip, and their captions.

    Two layouts. With ``captions`` (one file holding every caption: Flickr8k token format
    ``image.jpg#k<TAB>caption``, optionally ``.gz``, or a csv/jsonl table), ``train``/``valid``/
    ``test`` are image lists, one name a line (the official split files). Without it,
    ``train``/``valid``/``test`` are csv/jsonl tables of (image, caption) rows.
    """

    images: Optional[str] = path_field("data")     # folder or .zip of images
    captions: Optional[str] = path_field("train")  # all captions (token file or table); see above
    train: Optional[str] = path_field("train")
    valid: Optional[str] = path_field("data")
    test: Optional[str] = path_field("data")
    image_column: str = "image"
    caption_column: str = "caption"
    format: Optional[str] = None         # table format when the extension does not tell
    root: Optional[str] = None           # data root (relative paths are looked up here); default $RNNLP_DATA
    max_length: int = positive(24)                 # caption tokens kept (longer ones are truncated)
    train_limit: Optional[int] = positive(None)    # use only the first N training images
    valid_limit: Optional[int] = positive(250)     # dev BLEU during training on the first N valid images


@dataclass
class ImageConfig:
    """How an image becomes a tensor: resize to ``size``², then a ``crop``² window."""

    size: int = positive(72)                       # every image is resized (squashed) to size × size
    crop: int = positive(64)                       # training: random crop; evaluation: centre crop
    augment: Optional[bool] = None       # random crop + flip; None: on for the from-scratch encoder
    flip: bool = True                    # horizontal flips when augmenting


@dataclass
class ImageEncoderConfig:
    backbone: Literal["small", "resnet18", "resnet34", "resnet50"] = "small"
    channels: list[int] = field(default_factory=lambda: [32, 64, 128, 256])  # small CNN stages
    convs_per_stage: int = positive(1)             # small CNN: 3×3 convs per stage (each + BatchNorm + ReLU)
    weights: Optional[str] = path_field("file")  # torchvision backbone: a local state_dict file
    freeze: bool = False                 # keep the encoder's weights fixed
    cache_features: bool = False         # frozen encoder: compute grid features once, train on them
    dropout: float = 0.0                 # on the feature grid


@dataclass
class CaptionDecoderConfig:
    embedding_dim: int = positive(128)
    hidden_size: int = positive(256)
    attention_size: int = positive(256)
    dropout: float = 0.3                 # before the output layer
    gate: bool = True                    # context scaled by sigmoid(W h) (the gating scalar β)
    doubly_stochastic: float = 1.0       # λ of λ·mean_s (1 - Σ_t α_ts)² (0 = off)


@dataclass
class CaptionDecodeConfig:
    beam_size: int = positive(3)
    length_penalty: float = nonnegative(0.0)          # GNMT alpha
    max_len: int = positive(20)                    # most generated tokens (eos included)
    batch_size: int = positive(64)


@dataclass
class CaptioningConfig:
    task: Literal["captioning"] = "captioning"
    data: CaptionDataConfig = field(default_factory=CaptionDataConfig)
    text: TextConfig = field(default_factory=lambda: TextConfig(level="word", min_freq=5))
    image: ImageConfig = field(default_factory=ImageConfig)
    encoder: ImageEncoderConfig = field(default_factory=ImageEncoderConfig)
    decoder: CaptionDecoderConfig = field(default_factory=CaptionDecoderConfig)
    decode: CaptionDecodeConfig = field(default_factory=CaptionDecodeConfig)
    train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=10, batch_size=32, lr=1e-3))
