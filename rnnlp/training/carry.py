"""Recurrent state carried from batch to batch: one mechanism for truncated BPTT over token
streams (the language model) and session-parallel lanes (the recommender).

A task's loss reads ``carry.state`` (None at the start), runs its model from it and hands the
new state to ``carry.keep`` (the graph is cut there). Each epoch starts the state afresh except
the epoch a resumed run continues. ``tensors()`` is the task's ``Prepared.trainer_tensors``:
``fit`` saves them with ``last/``, so a run resumed mid-epoch continues with the very same state.

A state is a tensor, a tuple of tensors (an LSTM's ``(h, c)``), or a list of either (one per
layer); saved as ``<prefix><j>`` (a tuple's parts) or ``<prefix><layer>.<j>`` (a list).
"""

from __future__ import annotations

import torch

from rnnlp.models.language_model import detach_state


class Carry:
    """The carried state of one run (see the module docstring); ``resumed``: the run's
    ``Resumed`` (its trainer tensors under ``prefix``) or None."""

    def __init__(self, prefix: str, resumed=None, device=None):
        self.prefix, self.state = prefix, None
        self.resumed = unflatten(saved(resumed, prefix, device), prefix)

    def start_epoch(self) -> None:
        """The state the epoch starts from: None, or the saved one in the epoch a resumed run continues."""
        self.state, self.resumed = self.resumed, None

    def keep(self, state) -> None:
        """The state the next batch starts from, cut from this batch's graph."""
        self.state = detach_state(state)

    def tensors(self) -> dict:
        return flatten(self.state, self.prefix)


def saved(resumed, prefix: str, device=None) -> dict:
    """The carried tensors of a checkpoint saved mid-epoch; none from one saved at an epoch's end
    (the next epoch starts the state afresh)."""
    trainer = resumed.trainer if resumed else {}
    if trainer.get("batch", 0) == 0:
        return {}
    return {k: v.to(device) if device is not None else v for k, v in trainer.items()
            if torch.is_tensor(v) and k.startswith(prefix)}


def flatten(state, prefix: str) -> dict:
    """``state`` as named tensors (see the module docstring)."""
    if state is None:
        return {}
    if isinstance(state, list):
        return {f"{prefix}{i}.{j}": t for i, layer in enumerate(state)
                for j, t in enumerate(layer if isinstance(layer, tuple) else (layer,))}
    return {f"{prefix}{j}": t for j, t in enumerate(state if isinstance(state, tuple) else (state,))}


def unflatten(tensors: dict, prefix: str):
    """The state ``flatten`` named (None when there is none)."""
    rests = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
    if not rests:
        return None
    one = lambda parts: tuple(parts[j] for j in sorted(parts)) if len(parts) > 1 else parts[min(parts)]  # noqa: E731
    if all("." in k for k in rests):
        layers: dict[int, dict[int, torch.Tensor]] = {}
        for key, value in rests.items():
            i, j = map(int, key.split("."))
            layers.setdefault(i, {})[j] = value
        return [one(parts) for _, parts in sorted(layers.items())]
    return one({int(k): v for k, v in rests.items()})
