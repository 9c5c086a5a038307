"""Wiring that every task repeats: seeds, threads, run folders, splitting, checkpoint callbacks."""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch

from rnnlp.config.base import to_dict
from rnnlp.training.checkpoint import save_checkpoint


def setup(cfg_train) -> torch.device:
    """Seed every RNG, set torch threads and deterministic mode, join torchrun's process group
    (if launched by torchrun), and pick the device."""
    from rnnlp.training.distributed import init_from_env

    random.seed(cfg_train.seed)
    np.random.seed(cfg_train.seed)
    torch.manual_seed(cfg_train.seed)
    if cfg_train.threads:
        torch.set_num_threads(cfg_train.threads)
    if getattr(cfg_train, "deterministic", False):
        # cuBLAS needs this workspace setting for deterministic results (PyTorch docs: Reproducibility)
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True)
        torch.backends.cudnn.benchmark = False
    return init_from_env(cfg_train.device)


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


def resume_point(resume: str, config_cls, cfg):
    """Saved config, checkpoint and trainer state of a run folder's ``last/`` (or a checkpoint).

    The saved (resolved) config wins; only ``train.epochs`` may be raised, to train longer.
    """
    from rnnlp.config.base import from_dict
    from rnnlp.training.checkpoint import load_trainer, read_checkpoint

    last = Path(resume) / "last" if (Path(resume) / "last").is_dir() else Path(resume)
    ckpt = read_checkpoint(last)
    saved = from_dict(config_cls, ckpt["config"])
    saved.train.epochs = max(saved.train.epochs, cfg.train.epochs)
    return saved, ckpt, load_trainer(last)


def say(msg: str) -> None:
    """A progress/info line on stderr (rank 0 only under torchrun)."""
    from rnnlp.training.distributed import is_main

    if is_main():
        print(msg, file=sys.stderr)
