"""Optimizers and learning-rate schedules from a ``TrainConfig``."""

from __future__ import annotations

import math
import time

import torch

from rnnlp.errors import choice_error


def build_optimizer(cfg, params) -> torch.optim.Optimizer:
    """``params``: tensors, or parameter groups (dicts with "params" and their own "lr");
    frozen tensors (requires_grad False) are left out."""
    params = list(params)
    if params and isinstance(params[0], dict):
        params = [{**g, "params": [p for p in g["params"] if p.requires_grad]} for g in params]
    else:
        params = [p for p in params if p.requires_grad]
    if cfg.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    if cfg.optimizer == "adam":
        return torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    raise choice_error("optimizer", cfg.optimizer, ["adamw", "adam", "sgd"])


class Clock:
    """A wall-clock training budget in minutes (None: no budget), started when created.

    The clock only ever stops a run (``fit``); it never shapes one: the LR schedule, unfreezing
    and early stopping depend on the step alone, so the same seed and settings give the same
    weights on a quiet or a busy machine, and a run stopped by the clock at step N is
    reproduced anywhere by ``train.max_steps=N`` (with ``train.schedule_steps`` when it decays).
    """

    def __init__(self, minutes: float | None):
        self.seconds = minutes * 60 if minutes else None
        self.start = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def fraction(self) -> float:
        """Share of the budget used so far (0.0 without a budget)."""
        return self.elapsed() / self.seconds if self.seconds else 0.0

    def resume(self, elapsed: float) -> None:
        """Continue a run that had already used ``elapsed`` seconds of its budget."""
        self.start = time.monotonic() - elapsed


def total_steps(cfg, steps_per_epoch: int) -> int:
    """Optimizer steps a run will take: the epochs' batches, capped by ``cfg.max_steps``."""
    total = steps_per_epoch * cfg.epochs
    return min(total, cfg.max_steps) if cfg.max_steps else total


def schedule_steps(cfg, steps_per_epoch: int) -> int:
    """Steps the LR decay spans: ``cfg.schedule_steps``, else the run's ``total_steps``."""
    return cfg.schedule_steps or total_steps(cfg, steps_per_epoch)


def build_scheduler(cfg, optimizer, steps_per_epoch: int):
    """Per-step LambdaLR (constant/linear/cosine with warmup) or ReduceLROnPlateau (per eval).

    The factor is a function of the step alone (never of the time used): linear and cosine
    decay reach their floor at ``schedule_steps(cfg, steps_per_epoch)``, which is the run's
    ``total_steps`` (``max_steps`` honoured) unless ``cfg.schedule_steps`` names it.
    """
    if cfg.schedule == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="max", factor=0.5, patience=0)
    if cfg.schedule not in ("constant", "linear", "cosine", "slanted"):
        raise choice_error("schedule", cfg.schedule, ["constant", "linear", "cosine", "plateau", "slanted"])
    warm, total, kind = cfg.warmup_steps, max(schedule_steps(cfg, steps_per_epoch), 1), cfg.schedule

    def factor(step: int) -> float:
        if kind == "slanted":
            return slanted_triangular(min(step / total, 1.0), cfg.slanted_fraction, cfg.slanted_ratio)
        if warm and step < warm:
            return (step + 1) / warm
        done = min((step - warm) / max(total - warm, 1), 1.0)
        if kind == "linear":
            return 1.0 - done
        if kind == "cosine":
            return 0.5 * (1.0 + math.cos(math.pi * done))
        return 1.0

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def slanted_triangular(done: float, fraction: float = 0.1, ratio: float = 32.0) -> float:
    """ULMFiT's LR factor (Howard & Ruder 2018, eq. 3) when ``done`` of the run is over: a
    linear rise from 1/ratio to 1 over the first ``fraction``, then a linear fall back."""
    p = done / fraction if done < fraction else 1 - (done - fraction) / (1 - fraction)
    return (1 + p * (ratio - 1)) / ratio
