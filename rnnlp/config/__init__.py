"""Typed configs: dataclasses loaded strictly from YAML recipes plus dotted overrides."""

from rnnlp.config.base import build_config, from_dict, load_yaml, parse_override, to_dict
from rnnlp.config.components import DataConfig, EmbeddingConfig, EncoderConfig, TextConfig, TrainConfig

__all__ = ["build_config", "from_dict", "load_yaml", "parse_override", "to_dict", "DataConfig",
           "EmbeddingConfig", "EncoderConfig", "TextConfig", "TrainConfig"]
