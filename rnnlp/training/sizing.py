"""Size a run to a time budget before it starts: the one way a clock may shape a run.

``train.size_to_minutes=M`` times a few training steps and one evaluation on a *copy* of the
model (with its own optimizer; the real model, its optimizer and every random generator are
left as they were), then fixes ``train.max_steps`` so that the steps and their evaluations take
about M minutes on this machine. From then on the run is an ordinary step-planned run: its
schedule decays over the chosen steps, the config saved with it holds ``max_steps``, and the
same command with ``train.max_steps=N`` gives the same weights on any machine (a given
``max_steps`` is never re-sized). The clock stops nothing here; ``train.time_limit_minutes``
still may.
"""

from __future__ import annotations

import copy
import math
import statistics
import time
from typing import Callable, Iterable

import torch

from rnnlp.training import distributed

PROBE_STEPS = 8  # timed steps, after one untimed step (first-call costs, allocations)


def size_steps(model: torch.nn.Module, batches: Callable[[int], Iterable], loss: Callable, evaluate: Callable,
               tcfg, steps_per_epoch: int, build_optimizer: Callable) -> dict:
    """``{"max_steps", "seconds_per_step", "eval_seconds", "probe_seconds", "minutes"}``: the steps
    that fit ``tcfg.size_to_minutes`` (what the probe itself took counts against the budget), at
    least 1 and at most the configured epochs' steps; under torchrun the ranks' mean."""
    start = time.perf_counter()
    saved = distributed.process_state()
    probe = copy.deepcopy(model)
    try:
        per_step = _time_steps(probe, batches, loss, tcfg, build_optimizer)
        probe.eval()
        began = time.perf_counter()
        with torch.no_grad():
            evaluate(probe)
        eval_seconds = time.perf_counter() - began
    finally:
        distributed.restore_process_state(saved)
        del probe
    spent = time.perf_counter() - start
    every = tcfg.eval_every or steps_per_epoch
    budget = tcfg.size_to_minutes * 60 - spent
    steps = math.floor(budget / (per_step + eval_seconds / max(every, 1))) if budget > 0 else 1
    steps = int(distributed.mean_across_ranks(float(min(max(steps, 1), steps_per_epoch * tcfg.epochs))))
    return {"max_steps": steps, "seconds_per_step": round(per_step, 4), "eval_seconds": round(eval_seconds, 2),
            "probe_seconds": round(spent, 1), "minutes": tcfg.size_to_minutes}


def _time_steps(probe: torch.nn.Module, batches, loss, tcfg, build_optimizer) -> float:
    """Median seconds of a training step of ``probe`` (forward, backward, clipping, update)."""
    optimizer = build_optimizer(tcfg, probe.parameters())
    device = next(probe.parameters()).device
    probe.train()
    times = []
    for i, batch in enumerate(batches(0)):
        began = time.perf_counter()
        value, _ = loss(probe, batch.to(device))
        optimizer.zero_grad(set_to_none=True)
        value.backward()
        if tcfg.clip_norm:
            torch.nn.utils.clip_grad_norm_(probe.parameters(), tcfg.clip_norm)
        optimizer.step()
        if i:
            times.append(time.perf_counter() - began)
        if i >= PROBE_STEPS:
            break
    if not times:  # an epoch of one batch: its one (untimed) step is the best figure there is
        return time.perf_counter() - began
    return statistics.median(times)
