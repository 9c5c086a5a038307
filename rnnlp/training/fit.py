"""``fit``: one small training loop that knows nothing about tasks.

The task supplies the batches, a ``loss_fn(model, batch) -> (loss, stats)`` and an
``evaluate(model) -> metrics``; ``fit`` does the rest: device transfer, mixed precision on
CUDA, clipping, LR schedule, evaluation cadence, early stopping on the dev metric, best/last
checkpoints through a ``save`` callback (every ``save_every`` steps too, for exact mid-epoch
resume), progress bar and JSONL log, DistributedDataParallel under torchrun, and a clean stop
on Ctrl-C.

The loss runs inside ``Objective.forward`` (the task model and its loss as one module), so
the wrappers that only see ``forward`` (DistributedDataParallel, autocast, torch.compile)
see the whole step, whichever methods of the task model the loss calls.
"""

from __future__ import annotations

import itertools
import math
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import torch

from rnnlp.config.components import TrainConfig
from rnnlp.errors import TrainingError
from rnnlp.io import json_dumps
from rnnlp.training import distributed
from rnnlp.training.distributed import resolve_device  # noqa: F401  (public here for tasks)
from rnnlp.training.ema import EMA
from rnnlp.training.optim import Clock
from rnnlp.training.progress import Progress

__all__ = ["EMA", "FitResult", "Objective", "fit", "resolve_device"]

DIVERGED = 100.0  # a loss this many times the first step's is reported as divergence


class Objective(torch.nn.Module):
    """The task model with its loss: ``forward(batch) -> (loss, stats)``.

    Its only submodule is ``model``, so its parameters are the model's; checkpoints save the
    task model itself (keys unchanged). Under torchrun a loss averaged over ``stats["count"]``
    items is rescaled so that DDP's mean of the ranks' gradients is the gradient of the mean
    over the global batch (ranks may hold different numbers of tokens, or none).
    """

    def __init__(self, model: torch.nn.Module, loss_fn: Callable):
        super().__init__()
        self.model, self.loss_fn = model, loss_fn

    def forward(self, batch):
        size = distributed.world()[1]
        if size > 1 and self.training and batch.num_tokens == 0:
            return self._nothing()
        loss, stats = self.loss_fn(self.model, batch)
        if size > 1 and self.training:  # every rank joins the sum, with a count or without
            total = distributed.sum_across_ranks(float(stats.get("count", 0)))
            if "count" in stats:
                loss = loss * (stats["count"] * size / max(total, 1.0))
        return loss, stats

    def _nothing(self):
        """The share of a rank whose part of a short last batch is empty: zero gradients for
        every parameter (DDP waits for all of them), and its zero count in the global count."""
        distributed.sum_across_ranks(0.0)
        zero = sum(p.sum() for p in self.model.parameters() if p.requires_grad) * 0.0
        return zero, {"count": 0}


@dataclass
class FitResult:
    best: dict = field(default_factory=dict)      # metrics at the best evaluation
    history: list = field(default_factory=list)   # one dict per evaluation
    steps: int = 0
    stopped: str = "epochs"              # epochs | early_stop | max_steps | time_limit | interrupted
    warning: str | None = None           # divergence noticed during the run (see ``check_loss``)
    sized: dict | None = None            # how train.size_to_minutes chose max_steps (rnnlp.training.sizing)


@dataclass
class _State:
    epoch: int = 0
    step: int = 0
    best_score: float = -math.inf
    bad_evals: int = 0
    tokens: int = 0
    batch: int = 0          # batches done in the current epoch (the sampler position)
    first_loss: float | None = None  # the loss of the first step: the yardstick of divergence
    diverged: str | None = None      # a one-line warning once the loss runs far above its start


@dataclass
class _Loop:
    """Everything one run of ``fit`` holds, so helpers take one argument instead of twelve."""

    model: torch.nn.Module
    train_model: torch.nn.Module
    evaluate: Callable
    cfg: TrainConfig
    optimizer: torch.optim.Optimizer
    scheduler: object
    save: Callable | None
    log: object
    progress: Progress
    key: str
    sign: float
    ema: EMA | None
    amp: object
    start: float
    clock: Clock
    state: _State = field(default_factory=_State)
    result: FitResult = field(default_factory=FitResult)


def fit(model: torch.nn.Module, batches: Callable[[int], Iterable], loss_fn: Callable, *,
        evaluate: Callable[[torch.nn.Module], dict], metric: str, cfg: TrainConfig, optimizer,
        scheduler=None, clock: Clock | None = None, save: Callable[[str, dict, dict], None] | None = None,
        log_path: str | Path | None = None, resume: dict | None = None,
        steps_per_epoch: int | None = None) -> FitResult:
    """Train ``model``; ``batches(epoch)`` yields the epoch's batches in a fixed order per epoch.

    ``metric`` names the dev metric to maximise (prefix ``-`` to minimise, e.g. ``-loss``).
    ``save(kind, metrics, trainer_state)`` is called with kind ``"best"`` on improvement and
    ``"last"`` at each evaluation and every ``cfg.save_every`` steps, with the state that
    ``load_trainer`` returns and ``resume`` takes (it continues mid-epoch, exactly).
    ``clock`` is the time budget (default: a new one of ``cfg.time_limit_minutes``); pass the
    scheduler's clock so that LR decay and the stop follow the same budget. Ctrl-C stops the
    loop with ``stopped == "interrupted"``; the caller decides what to tell and how to exit.
    """
    main = distributed.is_main()
    loop = _Loop(model, distributed.wrap(Objective(model, loss_fn)), evaluate, cfg, optimizer, scheduler,
                 save if main else None, open(log_path, "a", encoding="utf-8") if log_path and main else None,
                 Progress(cfg.epochs, steps_per_epoch, enabled=cfg.progress and main),
                 metric.lstrip("-"), -1.0 if metric.startswith("-") else 1.0,
                 EMA(model, cfg.ema) if cfg.ema else None,
                 _Precision(cfg.precision, distributed.model_device(model)),
                 time.perf_counter(), clock if clock is not None else Clock(cfg.time_limit_minutes))
    if resume:
        _restore(resume, loop)
    try:
        _run(loop, batches)
    except KeyboardInterrupt:
        loop.result.stopped = "interrupted"
    finally:
        loop.result.steps, loop.result.warning = loop.state.step, loop.state.diverged
        loop.progress.close()
        if loop.log:
            loop.log.close()
    return loop.result


def _run(loop: _Loop, batches) -> None:
    state, cfg = loop.state, loop.cfg
    device = distributed.model_device(loop.model)
    for epoch in range(state.epoch, cfg.epochs):
        state.epoch = epoch
        loop.train_model.train()
        loop.progress.start_epoch(epoch, done=state.batch)
        for batch in itertools.islice(batches(epoch), state.batch, None):  # resume mid-epoch
            if device.type == "cuda" and hasattr(batch, "pin_memory"):
                batch = batch.pin_memory()
            _train_step(loop, batch.to(device))
            if cfg.eval_every and state.step % cfg.eval_every == 0 and _evaluate(loop):
                loop.result.stopped = "early_stop"
                return
            if cfg.save_every and state.step % cfg.save_every == 0:
                _save_last(loop, loop.result.history[-1] if loop.result.history else {})
            if cfg.max_steps and state.step >= cfg.max_steps:
                loop.result.stopped = "max_steps"
                break
            if _out_of_time(loop):
                loop.result.stopped = "time_limit"
                print(f"\ntime limit reached after {state.step} steps: final evaluation", file=sys.stderr)
                break
        loop.progress.end_epoch()
        epoch_done = loop.result.stopped not in ("max_steps", "time_limit")
        if epoch_done:
            state.epoch, state.batch = epoch + 1, 0
        history = loop.result.history
        if history and history[-1]["step"] == state.step:  # eval_every just evaluated this step
            stop = False
            _save_last(loop, history[-1])  # the resume point is now the next epoch
        else:
            stop = _evaluate(loop)
        if not epoch_done:
            return
        if stop:
            loop.result.stopped = "early_stop"
            return


def _out_of_time(loop: _Loop) -> bool:
    """The time budget is spent (under torchrun: on any rank, so all ranks stop together)."""
    if loop.clock.seconds is None:
        return False
    over = loop.clock.fraction() >= 1.0
    if distributed.world()[1] > 1:
        over = distributed.mean_across_ranks(float(over)) > 0
    return over


def _train_step(loop: _Loop, batch) -> None:
    cfg, opt = loop.cfg, loop.optimizer
    with loop.amp.autocast():
        loss, stats = loop.train_model(batch)
    value = loss.item()
    check_loss(loop, value)
    opt.zero_grad(set_to_none=True)
    loop.amp.backward(loss)
    if cfg.clip_norm:
        loop.amp.unscale(opt)
        torch.nn.utils.clip_grad_norm_(loop.model.parameters(), cfg.clip_norm)
    loop.amp.step(opt)
    if loop.scheduler is not None and not _is_plateau(loop.scheduler):
        loop.scheduler.step()
    if loop.ema is not None:
        loop.ema.update()
    loop.state.step += 1
    loop.state.batch += 1
    loop.state.tokens += batch.num_tokens
    loop.progress.update(value, stats, batch.num_tokens)


def check_loss(loop: _Loop, value: float) -> None:
    """A non-finite loss stops the run at once (TrainingError naming the step); a loss far above
    the first step's (DIVERGED times) is noted once, on stderr and in the log."""
    state = loop.state
    if not math.isfinite(value):
        raise TrainingError(f"the training loss is {value} at step {state.step + 1}: the run diverged and "
                            "nothing of this step was saved; lower train.lr, set train.clip_norm, or check "
                            "the inputs (e.g. pretrained vectors with non-finite rows)")
    if state.first_loss is None:
        state.first_loss = value
    elif state.diverged is None and value > DIVERGED * max(state.first_loss, 1e-3):
        state.diverged = (f"the training loss {value:.4g} at step {state.step + 1} is over {DIVERGED:g}x the "
                          f"first step's {state.first_loss:.4g}: the run may be diverging (lower train.lr)")
        print(f"warning: {state.diverged}", file=sys.stderr)
        if loop.log:
            loop.log.write(json_dumps({"step": state.step + 1, "warning": state.diverged}) + "\n")


def _is_plateau(scheduler) -> bool:
    return isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)


def _evaluate(loop: _Loop) -> bool:
    """Evaluate (with the averaged weights when EMA is on), log, checkpoint; True: stop early."""
    state = loop.state
    with loop.ema.swapped(loop.model) if loop.ema is not None else nullcontext():
        loop.model.eval()
        with torch.no_grad():
            metrics = loop.evaluate(loop.model)
        loop.train_model.train()
        improved = _record(loop, metrics)
        if loop.save and improved:
            loop.save("best", loop.result.history[-1], None)
    if loop.scheduler is not None and _is_plateau(loop.scheduler):
        loop.scheduler.step(loop.sign * float(metrics[loop.key]))
    _save_last(loop, loop.result.history[-1])
    return bool(loop.cfg.patience) and state.bad_evals >= loop.cfg.patience


def _record(loop: _Loop, metrics: dict) -> bool:
    """Append the evaluation row to history and log; update the best score; True if improved."""
    state, result = loop.state, loop.result
    elapsed = time.perf_counter() - loop.start
    row = {"epoch": _epoch_label(state), "step": state.step, "elapsed_s": round(elapsed, 2),
           "train_loss": distributed.mean_across_ranks(loop.progress.mean_loss()),
           "tokens_per_s": round(state.tokens / max(elapsed, 1e-9), 1),
           **{k: v for k, v in metrics.items() if isinstance(v, (int, float))}}
    result.history.append(row)
    score = loop.sign * float(metrics[loop.key])
    improved = score > state.best_score
    if improved:
        state.best_score, state.bad_evals, result.best = score, 0, dict(row)
    else:
        state.bad_evals += 1
    loop.progress.report(row, loop.key, improved)
    if loop.log:
        loop.log.write(json_dumps(row, ensure_ascii=True) + "\n")
        loop.log.flush()
    return improved


def _epoch_label(state: _State) -> int:
    """1-based epoch an evaluation belongs to (an epoch-end evaluation runs after the counter moved)."""
    return state.epoch if state.batch == 0 and state.step else state.epoch + 1


def _save_last(loop: _Loop, row: dict) -> None:
    if loop.save:
        loop.save("last", row, _trainer_state(loop))


def _trainer_state(loop: _Loop) -> dict:
    s = loop.state
    rng = {"rng_cuda": torch.cuda.get_rng_state()} if torch.cuda.is_available() else {}
    return {"epoch": s.epoch, "step": s.step, "batch": s.batch, "best_score": s.best_score,
            "bad_evals": s.bad_evals, "tokens": s.tokens, "best": loop.result.best,
            "optimizer": loop.optimizer.state_dict(),
            "scheduler": loop.scheduler.state_dict() if loop.scheduler is not None else None,
            "scaler": loop.amp.state_dict(), "elapsed": loop.clock.elapsed(), "first_loss": s.first_loss,
            "diverged": s.diverged, **rng, **(loop.ema.state() if loop.ema is not None else {})}


def _restore(resume: dict, loop: _Loop) -> None:
    s = loop.state
    s.epoch, s.step, s.batch = resume["epoch"], resume["step"], resume.get("batch", 0)
    s.best_score, s.bad_evals, s.tokens = resume["best_score"], resume["bad_evals"], resume.get("tokens", 0)
    loop.result.best = resume.get("best") or {}
    loop.optimizer.load_state_dict(resume["optimizer"])
    if loop.scheduler is not None and resume.get("scheduler"):
        loop.scheduler.load_state_dict(resume["scheduler"])
    if resume.get("scaler"):
        loop.amp.load_state_dict(resume["scaler"])
    loop.clock.resume(resume.get("elapsed", 0.0))
    s.first_loss, s.diverged = resume.get("first_loss"), resume.get("diverged")
    if loop.ema is not None:
        loop.ema.load_state(resume)
    if resume.get("rng_torch") is not None:
        torch.set_rng_state(resume["rng_torch"])
    if resume.get("rng_cuda") is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state(resume["rng_cuda"])


class _Precision:
    """fp32, or autocast to bf16/fp16 on CUDA (fp16 with a gradient scaler)."""

    def __init__(self, precision: str, device: torch.device):
        self.on = precision in ("bf16", "fp16") and device.type == "cuda"
        self.dtype = torch.bfloat16 if precision == "bf16" else torch.float16
        self.scaler = torch.amp.GradScaler("cuda") if self.on and precision == "fp16" else None

    def autocast(self):
        return torch.autocast("cuda", dtype=self.dtype) if self.on else nullcontext()

    def backward(self, loss) -> None:
        (self.scaler.scale(loss) if self.scaler else loss).backward()

    def unscale(self, optimizer) -> None:
        if self.scaler:
            self.scaler.unscale_(optimizer)

    def step(self, optimizer) -> None:
        if self.scaler:
            self.scaler.step(optimizer)
            self.scaler.update()
        else:
            optimizer.step()

    def state_dict(self):
        return self.scaler.state_dict() if self.scaler else None

    def load_state_dict(self, state) -> None:
        if self.scaler and state:
            self.scaler.load_state_dict(state)
