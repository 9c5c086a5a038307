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

PROBE_STEPS = 16  # timed steps at least, after one untimed step (first-call costs, allocations)
PROBE_SECONDS = 2.0  # ... and at least this long (at most a 50th of the budget), when the epoch has the steps


def size_steps(model: torch.nn.Module, batches: Callable[[int], Iterable], loss: Callable, evaluate: Callable,
               tcfg, steps_per_epoch: int, build_optimizer: Callable) -> dict:
    """``{"max_steps", "seconds_per_step", "eval_seconds", "save_seconds", "probe_seconds", "minutes"}``:
    the steps that fit ``tcfg.size_to_minutes`` (what the probe itself took counts against the
    budget), at least 1 and at most the configured epochs' steps; under torchrun the ranks' mean.

    A step costs the *mean* of the timed steps (batches of different lengths: the median of a
    skewed sample under-counts), plus its share of the evaluations and of the checkpoints: at
    each evaluation ``last/`` (weights and optimizer state) and, when it improves, ``best/``
    (counted as always: the budget is a ceiling), and ``last/`` every ``save_every`` steps."""
    start = time.perf_counter()
    saved = distributed.process_state()
    probe = copy.deepcopy(model)
    try:
        per_step, optimizer = _time_steps(probe, batches, loss, tcfg, build_optimizer)
        save_seconds = _time_save(probe, optimizer)
        probe.eval()
        began = time.perf_counter()
        with torch.no_grad():
            evaluate(probe)
        eval_seconds = time.perf_counter() - began
    finally:
        distributed.restore_process_state(saved)
        del probe
    spent = time.perf_counter() - start
    every = max(tcfg.eval_every or steps_per_epoch, 1)
    overall = per_step + (eval_seconds + 2 * save_seconds) / every \
        + (save_seconds / tcfg.save_every if tcfg.save_every else 0)
    budget = tcfg.size_to_minutes * 60 - spent
    steps = math.floor(budget / overall) if budget > 0 else 1
    steps = int(distributed.mean_across_ranks(float(min(max(steps, 1), steps_per_epoch * tcfg.epochs))))
    return {"max_steps": steps, "seconds_per_step": round(per_step, 4), "eval_seconds": round(eval_seconds, 2),
            "save_seconds": round(save_seconds, 3),
            "seconds_overall": round(overall, 4), "probe_seconds": round(spent, 1), "minutes": tcfg.size_to_minutes}


def _time_steps(probe: torch.nn.Module, batches, loss, tcfg, build_optimizer) -> tuple[float, object]:
    """(Mean seconds of a training step of ``probe`` (forward, backward, clipping, update), its
    optimizer): at least ``PROBE_STEPS`` steps and ``PROBE_SECONDS``, or the whole first epoch."""
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
        if len(times) >= PROBE_STEPS and sum(times) >= min(PROBE_SECONDS, tcfg.size_to_minutes * 60 / 50):
            break
    if not times:  # an epoch of one batch: its one (untimed) step is the best figure there is
        return time.perf_counter() - began, optimizer
    return statistics.fmean(times), optimizer


def _time_save(probe: torch.nn.Module, optimizer) -> float:
    """Seconds to write the probe's weights and its optimizer's tensors as a checkpoint does
    (safetensors, to a temporary folder that is removed)."""
    import tempfile

    from safetensors.torch import save_file

    tensors = {f"model.{k}": v.detach().clone() for k, v in probe.state_dict().items()}
    for n, state in optimizer.state_dict()["state"].items():
        tensors.update({f"optim.{n}.{k}": v.clone() for k, v in state.items()
                        if isinstance(v, torch.Tensor) and v.dim()})
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        save_file(tensors, f"{folder}/probe.safetensors")
    return time.perf_counter() - began
