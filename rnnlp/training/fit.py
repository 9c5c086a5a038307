"""``fit``: one small training loop that knows nothing about tasks.

The task supplies the batches, a ``loss_fn(model, batch) -> (loss, stats)`` and an
``evaluate(model) -> metrics``; ``fit`` does the rest: device, clipping, LR schedule, evaluation
cadence, early stopping on the dev metric, best/last checkpoints through a ``save`` callback,
progress bar and JSONL log, resume, and a clean stop on Ctrl-C.
"""

from __future__ import annotations

import json
import math
import sys
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import torch

from rnnlp.training.progress import Progress


@dataclass
class FitResult:
    best: dict = field(default_factory=dict)      # metrics at the best evaluation
    history: list = field(default_factory=list)   # one dict per evaluation
    steps: int = 0
    stopped: str = "epochs"                       # epochs | early_stop | max_steps | interrupted


@dataclass
class _State:
    epoch: int = 0
    step: int = 0
    best_score: float = -math.inf
    bad_evals: int = 0
    tokens: int = 0


class EMA:
    """Exponential moving average of the weights (Polyak averaging), used for evaluation.

    After each optimizer step ``avg = decay * avg + (1 - decay) * weights``. ``swapped(model)``
    puts the averaged weights into the model for evaluation and the best checkpoint, then puts
    the training weights back. The average is not part of the resume state: a resumed run starts
    it again from the current weights.
    """

    def __init__(self, model: torch.nn.Module, decay: float):
        self.decay = decay
        self.params = [p for p in model.parameters() if p.requires_grad]
        self.shadow = [p.detach().clone() for p in self.params]

    @torch.no_grad()
    def update(self) -> None:
        torch._foreach_lerp_(self.shadow, [p.detach() for p in self.params], 1.0 - self.decay)

    @contextmanager
    def swapped(self, model: torch.nn.Module):
        with torch.no_grad():
            backup = [p.detach().clone() for p in self.params]
            for p, s in zip(self.params, self.shadow):
                p.copy_(s)
        try:
            yield model
        finally:
            with torch.no_grad():
                for p, b in zip(self.params, backup):
                    p.copy_(b)


def resolve_device(name: str = "auto") -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        from rnnlp.errors import ConfigError
        raise ConfigError("train.device=cuda but no CUDA device is available; use train.device=cpu")
    return torch.device(name)


def fit(model: torch.nn.Module, batches: Callable[[int], Iterable], loss_fn: Callable, *,
        evaluate: Callable[[torch.nn.Module], dict], metric: str, cfg, optimizer, scheduler=None,
        save: Callable[[str, dict, dict], None] | None = None, log_path: str | Path | None = None,
        resume: dict | None = None, steps_per_epoch: int | None = None) -> FitResult:
    """Train ``model``; ``batches(epoch)`` yields the epoch's batches (already on any device).

    ``metric`` names the dev metric to maximise (prefix ``-`` to minimise, e.g. ``-loss``).
    ``save(kind, metrics, trainer_state)`` is called with kind ``"best"`` on improvement and
    ``"last"`` at each evaluation, with the state ``load_trainer`` restores for ``resume``.
    """
    state, result = _State(), FitResult()
    if resume:
        _restore(resume, state, optimizer, scheduler)
    sign, key = (-1.0, metric[1:]) if metric.startswith("-") else (1.0, metric)
    log = open(log_path, "a", encoding="utf-8") if log_path else None
    device = next(model.parameters()).device
    progress = Progress(cfg.epochs, steps_per_epoch, enabled=cfg.progress)
    ema = EMA(model, cfg.ema) if getattr(cfg, "ema", None) else None
    start = time.perf_counter()
    try:
        for epoch in range(state.epoch, cfg.epochs):
            state.epoch = epoch
            model.train()
            progress.start_epoch(epoch)
            for batch in batches(epoch):
                loss, stats = _train_step(model, batch.to(device), loss_fn, optimizer, scheduler, cfg)
                if ema is not None:
                    ema.update()
                state.step += 1
                state.tokens += batch.num_tokens
                progress.update(loss, stats, batch.num_tokens)
                if cfg.eval_every and state.step % cfg.eval_every == 0:
                    if _evaluate(model, evaluate, state, result, key, sign, cfg, optimizer, scheduler,
                                 save, log, progress, start, ema):
                        result.stopped = "early_stop"
                        return result
                if cfg.max_steps and state.step >= cfg.max_steps:
                    result.stopped = "max_steps"
                    break
            progress.end_epoch()
            stop = _evaluate(model, evaluate, state, result, key, sign, cfg, optimizer, scheduler,
                             save, log, progress, start, ema, epoch_done=True)
            if result.stopped == "max_steps":
                return result
            if stop:
                result.stopped = "early_stop"
                return result
        return result
    except KeyboardInterrupt:
        progress.close()
        result.stopped = "interrupted"
        print("\ninterrupted: the last complete checkpoint is kept", file=sys.stderr)
        return result
    finally:
        result.steps = state.step
        progress.close()
        if log:
            log.close()


def _train_step(model, batch, loss_fn, optimizer, scheduler, cfg):
    loss, stats = loss_fn(model, batch)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if cfg.clip_norm:
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip_norm)
    optimizer.step()
    if scheduler is not None and not _is_plateau(scheduler):
        scheduler.step()
    return loss.item(), stats


def _is_plateau(scheduler) -> bool:
    return isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)


def _evaluate(model, evaluate, state, result, key, sign, cfg, optimizer, scheduler, save, log,
              progress, start, ema=None, epoch_done=False) -> bool:
    """Evaluate (with the averaged weights when EMA is on), log, checkpoint; True: stop early."""
    with ema.swapped(model) if ema is not None else nullcontext():
        model.eval()
        with torch.no_grad():
            metrics = evaluate(model)
        model.train()
        improved = _record(metrics, state, result, key, sign, progress, start, log)
        if save and improved:
            save("best", result.history[-1], None)
    row = result.history[-1]
    if scheduler is not None and _is_plateau(scheduler):
        scheduler.step(sign * float(metrics[key]))
    if save:
        nxt = _State(state.epoch + (1 if epoch_done else 0), state.step, state.best_score,
                     state.bad_evals, state.tokens)
        save("last", row, _trainer_state(nxt, optimizer, scheduler, result.best))
    return bool(cfg.patience) and state.bad_evals >= cfg.patience


def _record(metrics, state, result, key, sign, progress, start, log) -> bool:
    """Append the evaluation row to history and log; update the best score; True if improved."""
    elapsed = time.perf_counter() - start
    row = {"epoch": state.epoch + 1, "step": state.step, "elapsed_s": round(elapsed, 2),
           "train_loss": progress.mean_loss(), "tokens_per_s": round(state.tokens / max(elapsed, 1e-9), 1),
           **{k: v for k, v in metrics.items() if isinstance(v, (int, float))}}
    result.history.append(row)
    score = sign * float(metrics[key])
    improved = score > state.best_score
    if improved:
        state.best_score, state.bad_evals, result.best = score, 0, dict(row)
    else:
        state.bad_evals += 1
    progress.report(row, key, improved)
    if log:
        log.write(json.dumps(row) + "\n")
        log.flush()
    return improved


def _trainer_state(state: _State, optimizer, scheduler, best: dict) -> dict:
    return {"epoch": state.epoch, "step": state.step, "best_score": state.best_score,
            "bad_evals": state.bad_evals, "best": best, "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict() if scheduler is not None else None}


def _restore(resume: dict, state: _State, optimizer, scheduler) -> None:
    state.epoch, state.step = resume["epoch"], resume["step"]
    state.best_score, state.bad_evals = resume["best_score"], resume["bad_evals"]
    optimizer.load_state_dict(resume["optimizer"])
    if scheduler is not None and resume.get("scheduler"):
        scheduler.load_state_dict(resume["scheduler"])
    if resume.get("rng_torch") is not None:
        torch.set_rng_state(resume["rng_torch"])
