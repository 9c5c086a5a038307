"""An ``rnnlp train lm`` run as a source of weights: read once, checked, described."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from rnnlp.errors import ConfigError


@dataclass(frozen=True)
class LMRun:
    """A language-model checkpoint: its folder, config (``LMConfig``), tokenizer and weights."""

    path: Path
    config: object
    pipeline: object
    weights: dict

    @property
    def level(self) -> str:
        return self.pipeline.level

    @property
    def vocab(self) -> dict:
        """token -> row of the LM's embedding matrix."""
        return self.pipeline.tokenizer.get_vocab()

    def layer(self, i: int) -> dict:
        """The four tensors of recurrent layer ``i`` (``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``)."""
        return {k: self.weights[f"layers.{i}.{k}_l0"] for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}

    def layer_sizes(self) -> list[int]:
        """Hidden size of each recurrent layer, bottom first (a tied LM's top one is embedding_dim)."""
        return [int(self.layer(i)["weight_hh"].shape[1]) for i in range(self.config.model.num_layers)]


def read_lm_run(path, key: str, level: str | None = None) -> LMRun:
    """The LM run at ``path`` (a run folder or checkpoint) named by config field ``key``.

    Raises ConfigError (one line) when it is not a language model or its tokenizer level is
    not ``level``; CheckpointError when there is no checkpoint there.
    """
    task, run = _read(str(Path(path).resolve()))
    if run is None:
        raise ConfigError(f"{key}={path} is a {task} run; give a language-model run "
                          f"(made by 'rnnlp train lm')")
    if level is not None and run.level != level:
        raise ConfigError(f"{key}={path} is a {run.level}-level language model, but this model reads "
                          f"{level}s; give a {level}-level LM run (text.level={level})")
    return run


@functools.lru_cache(maxsize=4)
def _read(path: str) -> tuple[str, LMRun | None]:
    """(task of the checkpoint, the LMRun when it is a language model)."""
    from rnnlp.config.base import from_dict
    from rnnlp.config.lm import LMConfig
    from rnnlp.text import TextPipeline
    from rnnlp.training.checkpoint import read_checkpoint

    ckpt = read_checkpoint(path)
    task = ckpt["meta"].get("task")
    if task != "lm":
        return str(task), None
    pipeline = TextPipeline.from_json(ckpt["tokenizer_json"], where=str(ckpt["path"]))
    return task, LMRun(Path(ckpt["path"]), from_dict(LMConfig, ckpt["config"]), pipeline, ckpt["weights"])
