"""Config of the speech task: CTC recognition of wav files (characters, digits or words)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional

from rnnlp.config.components import EncoderConfig, TrainConfig
from rnnlp.config.paths import path_field
from rnnlp.config.series import FrameConfig
from rnnlp.config.bounds import positive


@dataclass
class SpeechDataConfig:
    """Where the recordings and their transcripts come from.

    ``train``/``valid`` name a manifest (csv, tsv or jsonl with ``path`` and ``transcript``
    columns; paths relative to ``audio``, else to the manifest's folder) or, with ``pattern``, a
    folder or zip of wav files whose names hold the transcript: ``{label}_{speaker}_{index}.wav``
    (FSDD). ``*_filter`` keeps the files whose name fields match: ``index=5-49``, ``speaker!=theo``,
    ``speaker=jackson,theo``; several conditions joined by ``;``.
    """

    train: Optional[str] = path_field("train")    # None: the bundled tones sample
    valid: Optional[str] = path_field("data")     # None: the training source with valid_filter
    audio: Optional[str] = path_field("data")     # folder or zip the manifest's paths are in
    pattern: Optional[str] = None                 # file-name pattern; its {label} is the transcript
    train_filter: Optional[str] = None
    valid_filter: Optional[str] = None            # with valid None: pick the dev files from train's source
    path_column: str = "path"
    transcript_column: str = "transcript"
    units: Literal["char", "word"] = "char"       # what CTC emits: characters, or space-separated words
    lowercase: bool = False
    root: Optional[str] = None                    # data root (relative paths are looked up here)
    train_limit: Optional[int] = positive(None)             # use only the first N training recordings
    skip_bad_files: bool = False                  # train without unreadable wav files (named, counted)


@dataclass
class FeatureConfig:
    """Log-mel features (torch.stft + a Slaney mel filterbank) and SpecAugment masking."""

    sample_rate: int = 16000                      # audio at other rates is resampled to this
    n_mels: int = 40
    win_ms: float = 25.0
    hop_ms: float = 10.0
    fmin: float = 0.0
    fmax: Optional[float] = None                  # None: sample_rate / 2
    freq_masks: int = 0                           # SpecAugment (training only): masks per utterance
    freq_width: int = 8                           # widest frequency mask, in mel bands
    time_masks: int = 0
    time_width: int = 10                          # widest time mask, in frames
    time_ratio: float = 0.2                       # a time mask covers at most this share of frames


@dataclass
class SpeechConfig:
    task: Literal["speech"] = "speech"
    data: SpeechDataConfig = field(default_factory=SpeechDataConfig)
    features: FeatureConfig = field(default_factory=FeatureConfig)
    frames: FrameConfig = field(default_factory=FrameConfig)   # conv + stride subsample before the RNN
    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    beam_size: int = 1                            # CTC decoding: 1 = greedy, else prefix beam search
    train: TrainConfig = field(default_factory=TrainConfig)
