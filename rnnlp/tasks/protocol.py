"""What a task module provides (``Task``) and what a loaded checkpoint offers (``LoadedModel``).

A task module (``rnnlp/tasks/<name>.py``, listed in ``rnnlp/tasks/table.py``) satisfies
``Task`` structurally: no base class, no registration. ``rnnlp.tasks.driver`` does the rest
for every task: run folder, seeds and threads, optimizer and schedule, banner, ``fit``,
checkpoints, Ctrl-C, exact resume and DDP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Protocol

import torch


@dataclass
class Resumed:
    """The checkpoint a run continues from (a run folder's ``last/``)."""

    path: Path          # the checkpoint folder
    ckpt: dict          # ``read_checkpoint``: config, tokenizer_json, labels, weights, path, meta
    trainer: dict       # ``load_trainer``: counters, optimizer, RNG, and any tensors a task saved


@dataclass
class Prepared:
    """Everything task-specific that one training run needs.

    ``loss(model, batch) -> (loss, stats)`` runs inside the ``forward`` of ``fit``'s
    ``Objective`` (so DDP, autocast and torch.compile see it); a loss that is a mean over
    ``stats["count"]`` items stays exact under DDP. ``model`` is the task model whose
    ``state_dict`` is the checkpoint; the driver loads the resumed weights into it.
    """

    config: Any                                   # resolved config, saved with every checkpoint
    model: torch.nn.Module
    loss: Callable[[torch.nn.Module, Any], tuple]
    batches: Callable[[int], Iterable]            # batches(epoch): the same order for the same epoch
    steps_per_epoch: int
    evaluate: Callable[[torch.nn.Module], dict]   # dev metrics of the model (in eval mode)
    metric: str                                   # the selection metric; "-loss" minimises
    facts: str                                    # banner: "256 train / 0 valid examples, ..."
    pipeline: Any = None                          # TextPipeline saved as tokenizer.json
    labels: list | None = None                    # saved as labels.json
    extra_files: dict = field(default_factory=dict)   # more checkpoint files: name -> text
    describe: Callable[[dict], str] | None = None     # the best row -> "best dev F1 0.8123"
    trainer_tensors: Callable[[], dict] | None = None  # tensors resumed runs need (lm: BPTT state)


class Task(Protocol):
    """A task module: its name, how to prepare a training run, and its loaded-model class."""

    TASK: str
    Loaded: type  # ``Loaded(ckpt, device)`` -> a LoadedModel

    def prepare(self, cfg: Any, resumed: Resumed | None, device: torch.device) -> Prepared:
        """Read the data, build (or take from ``resumed``) the pipelines and labels, build the
        model (without pretrained files when resumed: the checkpoint has the weights)."""


class LoadedModel(Protocol):
    """A checkpoint ready to use, alike for ``rnnlp.load``, the CLI and an HTTP server.

    Besides these, each task offers its verbs (``predict``, ``tag``, ``generate``,
    ``translate``, ``caption``).
    """

    task: str
    path: Path
    config: Any
    device: torch.device
    model: torch.nn.Module

    def info(self) -> dict:
        """task, labels, vocabulary sizes, a config summary and versions (GET /v1/models)."""

    def evaluate(self, **options) -> dict:
        """Scores on labelled data; ``options`` are those of the task's ``eval_options``."""

    def format_report(self, report: dict) -> str:
        """``evaluate``'s report as the lines ``rnnlp evaluate`` prints."""
