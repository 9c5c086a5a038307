"""Distributed data parallel on PyTorch's own engine (``torchrun``), and device choice.

``torchrun --nproc_per_node N -m rnnlp train <task> ...`` starts N processes with ``RANK``,
``WORLD_SIZE`` and ``LOCAL_RANK`` set. ``init_from_env`` joins the process group (gloo on CPU,
NCCL on CUDA); ``BucketBatcher`` then gives each rank an equal slice of every global batch,
``fit`` wraps the model in ``DistributedDataParallel`` (gradients averaged), and only rank 0
writes logs and checkpoints. ``train.batch_size`` stays the global batch size.
"""

from __future__ import annotations

import os
import random
import sys
from contextlib import contextmanager
from datetime import timedelta

import numpy as np
import torch
import torch.distributed as dist

BARRIER_SECONDS = 300  # how long ranks that finished wait for the others before leaving


def world() -> tuple[int, int]:
    """(rank, world size) of this process; (0, 1) when not distributed."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def is_main() -> bool:
    return world()[0] == 0


def init_from_env(device_name: str = "auto") -> tuple[bool, torch.device]:
    """Join the process group torchrun describes (if any): (joined it now, this rank's device)."""
    size = int(os.environ.get("WORLD_SIZE", "1"))
    cuda = torch.cuda.is_available() and device_name in ("auto", "cuda")
    joined = size > 1 and not dist.is_initialized()
    if joined:
        dist.init_process_group(backend="nccl" if cuda else "gloo")
    if size > 1 and cuda:
        local = int(os.environ.get("LOCAL_RANK", "0"))
        torch.cuda.set_device(local)
        return joined, torch.device("cuda", local)
    return joined, resolve_device(device_name)


def leave(synchronise: bool = False) -> None:
    """Leave the process group. With ``synchronise`` (a run that ended normally) the ranks
    meet first, so none tears its connections down while another still uses them (gloo can
    abort a rank at exit then); a rank that failed leaves at once and must not hang the others,
    so the meeting has a timeout."""
    if not dist.is_initialized():
        return
    if synchronise:
        try:
            if dist.get_backend() == "gloo":
                dist.monitored_barrier(timeout=timedelta(seconds=BARRIER_SECONDS))
            else:
                dist.barrier()
        except RuntimeError:  # another rank failed or timed out: leave anyway
            pass
    dist.destroy_process_group()


def resolve_device(name: str = "auto") -> torch.device:
    """``auto`` -> cuda when available, else cpu; asking for cuda without one is a ConfigError."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        from rnnlp.errors import ConfigError
        raise ConfigError(f"device {name!r} asked for, but no CUDA device is available; use --device cpu")
    if name not in ("cpu",) and not name.startswith(("cuda", "mps")):
        from rnnlp.errors import choice_error
        raise choice_error("device", name, ["auto", "cpu", "cuda"])
    return torch.device(name)


def wrap(model: torch.nn.Module) -> torch.nn.Module:
    """``DistributedDataParallel`` around ``model`` when distributed, else ``model`` itself."""
    if world()[1] == 1:
        return model
    from torch.nn.parallel import DistributedDataParallel

    device = model_device(model)
    if device.type == "cuda":
        # batch statistics over the global batch, as in one process (same parameter names);
        # SyncBatchNorm needs a GPU: on CPU each rank normalises over its own share
        model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)
    return DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)


def model_device(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device


def sum_across_ranks(value: float) -> float:
    """The sum of a float over all ranks (the value itself when not distributed)."""
    if world()[1] == 1:
        return value
    device = "cuda" if dist.get_backend() == "nccl" else "cpu"
    tensor = torch.tensor([value], dtype=torch.float64, device=device)
    dist.all_reduce(tensor)
    return float(tensor.item())


def mean_across_ranks(value: float) -> float:
    """The mean of a float over all ranks (the value itself when not distributed)."""
    return sum_across_ranks(value) / world()[1]


def say(msg: str) -> None:
    """A progress/info line on stderr (rank 0 only under torchrun)."""
    if is_main():
        print(msg, file=sys.stderr)


def process_state() -> dict:
    """The process-wide state a run changes: the random generators, torch threads, deterministic kernels."""
    return {"random": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
            "threads": torch.get_num_threads(), "deterministic": torch.are_deterministic_algorithms_enabled(),
            "warn_only": torch.is_deterministic_algorithms_warn_only_enabled(),
            "cudnn_benchmark": torch.backends.cudnn.benchmark}


@contextmanager
def torch_threads(count: int | None):
    """Run with ``count`` torch threads (None: as set), then restore the previous setting."""
    if count is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def restore_process_state(saved: dict) -> None:
    """Put back what ``process_state`` saved."""
    random.setstate(saved["random"])
    np.random.set_state(saved["numpy"])
    torch.set_rng_state(saved["torch"])
    if saved["cuda"] is not None:
        torch.cuda.set_rng_state_all(saved["cuda"])
    torch.set_num_threads(saved["threads"])
    torch.use_deterministic_algorithms(saved["deterministic"], warn_only=saved["warn_only"])
    torch.backends.cudnn.benchmark = saved["cudnn_benchmark"]
