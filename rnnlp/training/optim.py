"""Optimizers and learning-rate schedules from a ``TrainConfig``."""

from __future__ import annotations

import math
import time

import torch

from rnnlp.errors import choice_error


def build_optimizer(cfg, params) -> torch.optim.Optimizer:
    params = [p for p in params if p.requires_grad]
    if cfg.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    if cfg.optimizer == "adam":
        return torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    raise choice_error("optimizer", cfg.optimizer, ["adamw", "adam", "sgd"])


class Clock:
    """A wall-clock training budget in minutes (None: no budget), started when created."""

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


def build_scheduler(cfg, optimizer, total_steps: int, clock: Clock | None = None):
    """Per-step LambdaLR (constant/linear/cosine with warmup) or ReduceLROnPlateau (per eval).

    With a ``clock`` holding a time budget, linear and cosine decay follow whichever is further
    along, the steps or the time, so the LR reaches its floor when the budget runs out.
    """
    if cfg.schedule == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="max", factor=0.5, patience=0)
    if cfg.schedule not in ("constant", "linear", "cosine"):
        raise choice_error("schedule", cfg.schedule, ["constant", "linear", "cosine", "plateau"])
    warm, total, kind = cfg.warmup_steps, max(total_steps, 1), cfg.schedule
    if clock is None and getattr(cfg, "time_limit_minutes", None):
        clock = Clock(cfg.time_limit_minutes)

    def factor(step: int) -> float:
        if warm and step < warm:
            return (step + 1) / warm
        done = (step - warm) / max(total - warm, 1)
        if clock is not None:
            done = max(done, clock.fraction())
        done = min(done, 1.0)
        if kind == "linear":
            return 1.0 - done
        if kind == "cosine":
            return 0.5 * (1.0 + math.cos(math.pi * done))
        return 1.0

    scheduler = _LambdaLR(optimizer, factor)
    scheduler.clock = clock  # fit shares it, so a resumed run continues the budget
    return scheduler


class _LambdaLR(torch.optim.lr_scheduler.LambdaLR):
    """LambdaLR whose state (saved in checkpoints as JSON) leaves out the clock."""

    def state_dict(self) -> dict:
        state = super().state_dict()
        state.pop("clock", None)
        return state
