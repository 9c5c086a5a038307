"""Helpers the driver and the task modules share: the seeded session, the memory check, messages."""

from __future__ import annotations

import os
import random
import re
from contextlib import contextmanager
from typing import Iterator

import numpy as np
import torch

from rnnlp.training.distributed import process_state, restore_process_state


@contextmanager
def session(cfg_train) -> Iterator[torch.device]:
    """Seed every RNG, set torch threads and deterministic mode, join torchrun's process group
    (if launched by torchrun), and yield the device; on exit the RNG states, threads and
    determinism flags are as they were (a library call leaves the process as it found it)."""
    from rnnlp.training.distributed import init_from_env, leave

    saved = process_state()
    try:
        random.seed(cfg_train.seed)
        np.random.seed(cfg_train.seed)
        torch.manual_seed(cfg_train.seed)
        if cfg_train.threads:
            torch.set_num_threads(cfg_train.threads)
        if cfg_train.deterministic:
            # cuBLAS needs this workspace setting for deterministic results (PyTorch docs: Reproducibility)
            os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
            # warn_only: an op without a deterministic kernel (CTC's CUDA backward) warns, not fails
            torch.use_deterministic_algorithms(True, warn_only=True)
            torch.backends.cudnn.benchmark = False
        joined, device = init_from_env(cfg_train.device)
        try:
            yield device
        except BaseException:
            if joined:
                leave()
            raise
        if joined:
            leave(synchronise=True)
    finally:
        restore_process_state(saved)


def check_memory(cfg, device: torch.device) -> None:
    """Refuse a config whose model cannot fit on ``device`` before anything is allocated
    (``rnnlp.config.memory``): GPU memory free on a CUDA device, else the machine's."""
    from rnnlp.config.memory import available_memory, check_memory as check

    if device.type == "cuda":
        check(cfg, torch.cuda.mem_get_info(device)[0], f"{device}")
    else:
        check(cfg, available_memory(), "this machine")


@contextmanager
def allocation_guard(cfg, device: torch.device) -> Iterator[None]:
    """Turn an allocator failure (torch's error is tens of lines long) into one line that says
    what to lower; the estimate of ``check_memory`` is a lower bound, so a model can still miss."""
    try:
        yield
    except RuntimeError as exc:
        text = str(exc)
        if not (isinstance(exc, torch.OutOfMemoryError) or "can't allocate memory" in text
                or "not enough memory" in text):
            raise
        from rnnlp.config.memory import size, training_bytes
        from rnnlp.errors import ConfigError

        tried = re.search(r"allocate (\d+) bytes", text)
        detail = f"an allocation of {size(int(tried.group(1)))} failed" if tried else "out of memory"
        raise ConfigError(f"the model does not fit in memory on {device} ({detail}; the config's parameters "
                          f"alone need at least {size(training_bytes(cfg))}): lower the sizes (hidden_size, "
                          "embedding_dim, vocabulary) or train.batch_size") from None


def data_config(dcfg, options: dict, keep: tuple | None = None):
    """A new data config for evaluation: the training one (only the fields ``keep``, default
    all) under ``options``, the keywords a loaded model's ``evaluate`` received."""
    from rnnlp.config.base import from_dict, to_dict

    fields = to_dict(dcfg) if keep is None else {k: getattr(dcfg, k) for k in keep}
    return from_dict(type(dcfg), {**fields, **options})


def parameters(model: torch.nn.Module) -> str:
    """The parameter count for banners: ``1,234 parameters``."""
    return f"{sum(p.numel() for p in model.parameters()):,} parameters"
