"""Exponential moving average of model weights (Polyak averaging)."""

from __future__ import annotations

from contextlib import contextmanager

import torch


class EMA:
    """Exponential moving average of the weights (Polyak averaging), used for evaluation.

    After each optimizer step ``avg = decay * avg + (1 - decay) * weights``. ``swapped(model)``
    puts the averaged weights into the model for evaluation and the best checkpoint, then puts
    the training weights back. The average is part of the resume state (``state`` /
    ``load_state``: named tensors in the trainer state), so a resumed run continues it exactly.
    """

    def __init__(self, model: torch.nn.Module, decay: float):
        self.decay = decay
        self.params = [p for p in model.parameters() if p.requires_grad]
        self.shadow = [p.detach().clone() for p in self.params]

    @torch.no_grad()
    def update(self) -> None:
        torch._foreach_lerp_(self.shadow, [p.detach() for p in self.params], 1.0 - self.decay)

    def state(self) -> dict:
        """The average as named tensors (``ema.<i>``) for the trainer state of ``last/``."""
        return {f"ema.{i}": t.detach().cpu().clone() for i, t in enumerate(self.shadow)}

    @torch.no_grad()
    def load_state(self, trainer: dict) -> None:
        """Continue the average saved by ``state``; a trainer state without it (a checkpoint of
        an older rnnlp) restarts the average from the current weights, as before."""
        for i, shadow in enumerate(self.shadow):
            saved = trainer.get(f"ema.{i}")
            if saved is not None:
                shadow.copy_(saved)

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
