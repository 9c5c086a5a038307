"""Config of the music task: polyphonic piano rolls (88 keys), each frame predicted from the past."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional

from rnnlp.config.components import TrainConfig
from rnnlp.config.paths import path_field
from rnnlp.config.bounds import positive


@dataclass
class MusicDataConfig:
    """Where the piano rolls come from: a ``.mat`` file of the Boulanger-Lewandowski sets (keys
    ``traindata``/``validdata``/``testdata``), an ``.npz`` of rolls (``<split>`` F×88 frames and
    ``<split>_lengths``), a MIDI file, a folder of MIDI files (with ``train/``, ``valid/``, ``test/``
    subfolders, or one folder per path) or a ``.txt`` list of MIDI paths, one a line."""

    train: Optional[str] = path_field("train")   # None: an error (there is no bundled music)
    valid: Optional[str] = path_field("data")    # None: the valid split of the train file (.mat, .npz, folder)
    test: Optional[str] = path_field("data")     # None: the test split of the train file, when it has one
    format: Optional[str] = None         # mat | npz | midi; None: from the extension (a folder or .txt: midi)
    steps_per_beat: int = positive(4)              # MIDI only: piano-roll frames per quarter note
    root: Optional[str] = None           # data root (relative paths are looked up here); default $RNNLP_DATA
    max_length: Optional[int] = positive(None)     # training: pieces longer than this are cut into chunks of it
    train_limit: Optional[int] = positive(None)    # use only the first N training pieces


@dataclass
class MusicModelConfig:
    """A recurrent network over frames and the distribution of the next frame given its state.

    ``output``: ``bernoulli`` (88 independent keys: the classic baseline) or ``nade`` (keys low
    to high, each conditioned on the keys below it in the same frame and on the recurrent state:
    RNN-NADE, Boulanger-Lewandowski et al. 2012; the frame likelihood stays exact)."""

    cell: Literal["lstm", "gru"] = "lstm"
    hidden_size: int = positive(256)
    num_layers: int = positive(1)
    dropout: float = 0.0                 # on the recurrent outputs (and between layers)
    input_dropout: float = 0.0           # on the previous frame the network reads
    output: Literal["bernoulli", "nade"] = "bernoulli"
    nade_hidden_size: int = positive(64)           # nade: hidden units of the within-frame NADE


@dataclass
class MusicConfig:
    task: Literal["music"] = "music"
    data: MusicDataConfig = field(default_factory=MusicDataConfig)
    model: MusicModelConfig = field(default_factory=MusicModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
