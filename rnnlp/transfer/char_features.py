"""Character LM runs as the tagger's contextual features (``char_lm.forward``/``backward``).

``resolve_char_lm`` writes the runs' shape into the tagging config (before the tagger is
built); ``initialise_char_lm`` copies their weights and fills each LM's character lookup from
the tagger's character vocabulary (after).
"""

from __future__ import annotations

import json
from dataclasses import replace

import torch

from rnnlp.errors import ConfigError
from rnnlp.training.distributed import say
from rnnlp.transfer.lm_runs import LMRun, read_lm_run

KEYS = ("char_lm.forward", "char_lm.backward")


def shape(run: LMRun) -> dict:
    """The fields of ``CharLMConfig`` that size a ``CharLM`` like ``run``."""
    return {"cell": run.config.model.cell, "vocab_size": int(run.weights["embedding.weight"].shape[0]),
            "embedding_dim": run.config.model.embedding_dim, "hidden_sizes": run.layer_sizes()}


def _runs(cfg) -> list[LMRun]:
    c = cfg.char_lm
    return [read_lm_run(path, key, "char") for path, key in zip((c.forward, c.backward), KEYS) if path]


def resolve_char_lm(cfg):
    """The tagging config with ``char_lm``'s shape fields from its runs (unchanged without runs)."""
    c = cfg.char_lm
    if c.aux_weight:
        _check_cotrained(c)
    if not c.forward:
        if c.backward:
            raise ConfigError("char_lm.backward needs char_lm.forward (the forward character LM run) too")
        return cfg
    shapes = [shape(run) for run in _runs(cfg)]
    if len(shapes) == 2 and shapes[0] != shapes[1]:
        raise ConfigError(f"char_lm.forward and char_lm.backward must have the same shape; got {shapes[0]} "
                          f"and {shapes[1]}")
    return replace(cfg, char_lm=replace(cfg.char_lm, **shapes[0]))


def _check_cotrained(c) -> None:
    """Co-trained LMs (LM-LSTM-CRF) are fresh, trained, and sized by the config."""
    if c.forward or c.backward:
        raise ConfigError("char_lm.aux_weight co-trains fresh character LMs on the task's sentences; "
                          "drop char_lm.forward/backward (or set char_lm.aux_weight=0 to use the runs)")
    if c.freeze:
        raise ConfigError("char_lm.aux_weight trains the character LMs: set char_lm.freeze=false")
    if c.embedding_dim <= 0 or not c.hidden_sizes or min(c.hidden_sizes) <= 0:
        raise ConfigError("co-trained character LMs need their size: char_lm.embedding_dim=N and "
                          "char_lm.hidden_sizes=[H] (e.g. 25 and [100])")


@torch.no_grad()
def initialise_char_lm(model, chars: list[str], cfg) -> None:
    """Copy the char LM runs into ``model.char_lm``; map the tagger's characters to theirs."""
    features = model.char_lm
    for run, lm, key in zip(_runs(cfg), (features.forward_lm, features.backward_lm), KEYS):
        lm.load_state_dict({**_lm_weights(run), "lookup": lookup(chars, run)}, strict=True)
        found = int((lm.lookup[2:-2] != run.pipeline.unk_id).sum())  # after <pad>, <unk>
        say(f"{key} {run.path}: {found}/{len(chars) - 2} of the tagger's characters known to the LM; "
            f"{'frozen' if cfg.char_lm.freeze else 'fine-tuned'}, {lm.output_size} features a word")


def _lm_weights(run: LMRun) -> dict:
    return {k: v for k, v in run.weights.items() if k == "embedding.weight" or k.startswith("layers.")}


def lookup(chars: list[str], run: LMRun) -> torch.Tensor:
    """LM id of each tagger character (its own id order), then of the start marker and the space."""
    pipe = run.pipeline
    vocab = pipe.tokenizer.get_vocab()

    def one(text: str) -> int:
        ids = pipe.encode(text)
        return ids[0] if len(ids) == 1 else pipe.unk_id

    start = vocab.get("\n", pipe.bos_id)  # flair starts each sentence with a newline
    return torch.tensor([pipe.unk_id] + [one(c) for c in chars[1:]] + [start, one(" ")], dtype=torch.long)


def tagger_chars(prep) -> list[str]:
    """The tagger's character vocabulary (written beside its checkpoints)."""
    return json.loads(prep.extra_files["tagging.json"])["chars"]
