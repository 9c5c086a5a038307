"""The Python API that the CLI wraps: ``train``, ``load``, ``evaluate``.

    >>> import rnnlp
    >>> run = rnnlp.api.train("sentiment", overrides=["train.epochs=1"])
    >>> model = rnnlp.load(run)
    >>> model.predict(["a gripping, funny film"])
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Iterable

from rnnlp.errors import CheckpointError, choice_error

# task name -> (module with train()/config, config class path, loaded-model class)
TASKS = {
    "sentiment": ("rnnlp.tasks.sentiment", "rnnlp.config.sentiment:SentimentConfig", "Classifier"),
    "lm": ("rnnlp.tasks.lm", "rnnlp.config.lm:LMConfig", "TextGenerator"),
    "tagging": ("rnnlp.tasks.tagging", "rnnlp.config.tagging:TaggingConfig", "Tagger"),
    "translation": ("rnnlp.tasks.translation", "rnnlp.config.translation:TranslationConfig", "Translator"),
    "captioning": ("rnnlp.tasks.captioning", "rnnlp.config.captioning:CaptioningConfig", "Captioner"),
}


def _task(name: str):
    if name not in TASKS:
        raise choice_error("task", name, TASKS)
    module, config_path, predictor = TASKS[name]
    mod_name, cls_name = config_path.split(":")
    return importlib.import_module(module), getattr(importlib.import_module(mod_name), cls_name), predictor


def make_config(task: str, recipe: str | None = None, overrides: Iterable[str] = (), extra: dict | None = None):
    """The task's config: defaults <- recipe <- ``extra`` (nested dict) <- dotted overrides."""
    from rnnlp.config.base import build_config

    _, config_cls, _ = _task(task)
    cfg = build_config(config_cls, recipe, overrides, extra)
    if getattr(cfg, "task", task) != task:
        raise choice_error("task in recipe", cfg.task, [task])
    return cfg


def train(task: str, recipe: str | None = None, overrides: Iterable[str] = (), *,
          extra: dict | None = None, resume: str | None = None) -> Path:
    """Train ``task`` and return the run folder (``<run>/best`` is the best checkpoint)."""
    module, _, _ = _task(task)
    cfg = make_config(task, recipe, overrides, extra)
    return module.train(cfg, resume=resume)


def load(path: str | Path, device: str = "cpu"):
    """Load a checkpoint (or run folder) as its task's model object (``predict``, ``evaluate``...)."""
    from rnnlp.training.checkpoint import read_checkpoint
    from rnnlp.training.distributed import resolve_device

    device = str(resolve_device(device))
    ckpt = read_checkpoint(path)
    task = ckpt["meta"].get("task")
    if task not in TASKS:
        raise CheckpointError(f"checkpoint {ckpt['path']} holds task {task!r}, which this rnnlp "
                              f"version cannot load (known: {', '.join(TASKS)})")
    module, _, predictor = _task(task)
    return getattr(module, predictor)(ckpt, device=device)


def expect_task(model, task: str) -> None:
    """Raise a CheckpointError when a loaded model is of another task than a command needs."""
    if model.task != task:
        raise CheckpointError(f"checkpoint {model.path} holds a {model.task} model; this command "
                              f"needs a {task} checkpoint")
