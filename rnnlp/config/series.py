"""Config of the series task: classification of numeric sequences x(1..t) -> y (ECG, sensors)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional

from rnnlp.config.components import EncoderConfig, TrainConfig
from rnnlp.config.paths import path_field
from rnnlp.config.sentiment import ClassifierHeadConfig
from rnnlp.config.bounds import positive


@dataclass
class SeriesDataConfig:
    """Where the series come from and how they are cleaned before the model sees them."""

    train: Optional[str] = path_field("train")   # None: the bundled synthetic sample
    valid: Optional[str] = path_field("data")    # None: hold out valid_fraction of train
    test: Optional[str] = path_field("data")
    format: Optional[str] = None         # ucr | values | long | ts | npy | npz; None: from the extension
    id_column: str = "id"                # long tables: one row per (id, time)
    time_column: str = "time"
    label_column: str = "label"
    value_columns: Optional[str] = None  # long tables: comma-separated; None: every other column
    normalize: Literal["none", "series", "train"] = "none"  # series: z per series; train: train stats
    nan: Literal["error", "interpolate"] = "error"  # NaN inside a series (trailing NaN = shorter series)
    valid_fraction: float = 0.0          # stratified hold-out of train for selection when valid is None
    root: Optional[str] = None           # data root (relative paths are looked up here); default $RNNLP_DATA
    max_length: Optional[int] = positive(None)     # frames kept per series (longer ones are truncated)
    train_limit: Optional[int] = positive(None)    # use only the first N training series


@dataclass
class FrameConfig:
    """How each time step's values become the encoder's input vectors."""

    projection: Literal["linear", "conv"] = "linear"
    size: int = positive(32)                       # projected frame size (the encoder's input size)
    kernel: int = positive(5)                      # conv: frames seen per output frame
    stride: int = positive(1)                      # conv: >1 shortens the sequence the RNN reads
    layers: int = positive(1)                      # conv: stacked conv + ReLU layers
    dropout: float = 0.0


@dataclass
class SeriesConfig:
    task: Literal["series"] = "series"
    data: SeriesDataConfig = field(default_factory=SeriesDataConfig)
    frames: FrameConfig = field(default_factory=FrameConfig)
    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    head: ClassifierHeadConfig = field(default_factory=ClassifierHeadConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
