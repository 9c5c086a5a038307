"""Wiring that every task repeats: seeds, threads, run folders, splitting, checkpoint callbacks."""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

import numpy as np
import torch

from rnnlp.config.base import to_dict
from rnnlp.training.checkpoint import save_checkpoint


def setup(cfg_train) -> torch.device:
    """Seed every RNG, set torch threads, and pick the device."""
    from rnnlp.training.fit import resolve_device

    random.seed(cfg_train.seed)
    np.random.seed(cfg_train.seed)
    torch.manual_seed(cfg_train.seed)
    if cfg_train.threads:
        torch.set_num_threads(cfg_train.threads)
    return resolve_device(cfg_train.device)


def run_folder(task: str, output: str | None) -> Path:
    folder = Path(output) if output else Path("runs") / f"{task}-{time.strftime('%Y%m%d-%H%M%S')}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def saver(folder: Path, model, config, task: str, pipeline=None, labels=None):
    """The ``save`` callback for ``fit``: best/ and last/ checkpoints in the run folder."""

    def save(kind: str, metrics: dict, trainer: dict | None) -> None:
        save_checkpoint(folder / kind, model=model, config=to_dict(config), task=task,
                        pipeline=pipeline, labels=labels, metrics=metrics, trainer=trainer)

    return save


def say(msg: str) -> None:
    print(msg, file=sys.stderr)
