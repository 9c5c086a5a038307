"""ULMFiT's fine-tuning options over a model's layer groups (Howard & Ruder 2018, section 3.2).

A model's layer groups, bottom first: the input group (embedding, and the tagger's character,
casing and character-LM encoders), one group per recurrent layer (both directions), and the
output group (whatever else: the classifier head, the tagger's projection and CRF, the LM's
softmax).

- ``train.discriminative=2.6``: group d below the top trains at ``lr / 2.6**d``.
- ``train.unfreeze=true``: epoch k (from 0) trains only the top k+1 groups; the rest are frozen.
  With ``train.unfreeze_every=N`` a group is let in every N steps instead (a run of few epochs
  then trains all layers for most of its steps, as fastai's ULMFiT stages do).
- ``train.schedule=slanted``: the slanted triangular LR (``rnnlp.training.optim``).
"""

from __future__ import annotations

import re

from torch import nn

from rnnlp.errors import ConfigError

INPUT_PARTS = ("embedding", "chars", "casing", "char_lm")  # what feeds the encoder


def layer_groups(model: nn.Module) -> list[list[nn.Parameter]]:
    """Parameter lists of ``model``'s layer groups, bottom first (see the module docstring).

    Knows the classifier and tagger (an ``encoder``) and the language model (``layers``).
    """
    depth = _layer_of(model)
    count = 1 + _num_layers(model) + 1
    groups: list[list[nn.Parameter]] = [[] for _ in range(count)]
    for name, param in model.named_parameters():
        groups[depth(name, count)].append(param)
    return [g for g in groups if g]


def _num_layers(model) -> int:
    if hasattr(model, "encoder") and hasattr(model.encoder, "num_layers"):
        return model.encoder.num_layers
    if isinstance(getattr(model, "layers", None), nn.ModuleList):
        return len(model.layers)
    raise ConfigError(f"train.discriminative and train.unfreeze know the sentiment, tagging and lm "
                      f"models, not {type(model).__name__}")


def _layer_of(model):
    """name, group count -> group index of a parameter name."""
    patterns = (r"^encoder\.(?:fwd|bwd)\.(\d+)\.", r"^encoder\.rnn\.\w+_l(\d+)(?:_reverse)?$", r"^layers\.(\d+)\.")

    def depth(name: str, count: int) -> int:
        if name.split(".")[0] in INPUT_PARTS:
            return 0
        for pattern in patterns:
            match = re.search(pattern, name)
            if match:
                return 1 + int(match.group(1))
        return count - 1

    return depth


def discriminative_groups(groups: list, lr: float, factor: float) -> list[dict]:
    """Optimizer parameter groups: the top group at ``lr``, each one below ``factor`` times lower."""
    top = len(groups) - 1
    return [{"params": params, "lr": lr / factor ** (top - i)} for i, params in enumerate(groups)]


def unfreeze(groups: list, epoch: int, trainable: set) -> None:
    """Let the top ``epoch + 1`` groups train; freeze the others (parameters outside
    ``trainable``, frozen by the config, stay frozen)."""
    first = max(len(groups) - 1 - epoch, 0)
    for i, params in enumerate(groups):
        for p in params:
            p.requires_grad_(i >= first and id(p) in trainable)


def fine_tuning(model: nn.Module, tcfg, batches):
    """(parameters or parameter groups for the optimizer, ``batches(epoch)``) for ``fit``:
    with ``train.discriminative`` one LR per layer group, with ``train.unfreeze`` batches
    that unfreeze one more group at each epoch's start. Without either, unchanged."""
    if tcfg.unfreeze_every and not tcfg.unfreeze:
        raise ConfigError(f"train.unfreeze_every={tcfg.unfreeze_every} paces gradual unfreezing: set train.unfreeze=true "
                          "too (or train.unfreeze_every=0)")
    if not tcfg.discriminative and not tcfg.unfreeze:
        return model.parameters(), batches
    if tcfg.discriminative is not None and tcfg.discriminative < 1:
        raise ConfigError(f"train.discriminative must be >= 1 (ULMFiT: 2.6), got {tcfg.discriminative}")
    groups = layer_groups(model)
    params = discriminative_groups(groups, tcfg.lr, tcfg.discriminative or 1.0)
    if not tcfg.unfreeze:
        return params, batches
    trainable = {id(p) for p in model.parameters() if p.requires_grad}

    def unfreezing(epoch: int):
        unfreeze(groups, epoch, trainable)
        yield from batches(epoch)

    return params, (_by_steps(groups, trainable, batches, tcfg.unfreeze_every) if tcfg.unfreeze_every else unfreezing)


def _by_steps(groups: list, trainable: set, batches, every: int):
    """``batches`` that let one more group train every ``every`` steps, counted over epochs."""
    step = 0

    def unfreezing(epoch: int):
        nonlocal step
        for batch in batches(epoch):
            if step % every == 0:  # a new stage starts: one more group trains from here
                unfreeze(groups, step // every, trainable)
            step += 1
            yield batch

    return unfreezing
