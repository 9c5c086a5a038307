"""Before a model is built: the config takes what it needs from the LM run it starts from.

Like ``resolve_vectors``, ``resolve`` returns a new config whose fields hold the LM's shape
(where asked) and tokenizer, so that the config saved in checkpoints rebuilds the same model
at load time, when the weights come from the checkpoint and the LM run is no longer read.
"""

from __future__ import annotations

import dataclasses
from dataclasses import replace

from rnnlp.config.components import EncoderConfig
from rnnlp.errors import ConfigError
from rnnlp.transfer.char_features import resolve_char_lm
from rnnlp.transfer.lm_runs import LMRun, read_lm_run

# fields of LMModelConfig that make the shape of its weights (the rest is regularisation)
LM_SHAPE = ("cell", "embedding_dim", "hidden_size", "num_layers", "tie_weights", "output", "cutoffs", "div_value")


def resolve(name: str, cfg, task):
    """``cfg`` of task ``name`` with the shape and tokenizer of its ``init_from`` LM runs
    (unchanged when it has none). ``task``: its table entry, whose ``transfer`` says what it
    starts from an LM and ``word_level`` what its embedding reads. Raises ConfigError for runs
    that cannot fit."""
    kind = task.transfer
    _refuse_elsewhere(name, cfg, kind)
    if kind == "continue" and cfg.model.init_from:
        return _continued_lm(cfg)
    if hasattr(cfg, "char_lm"):  # character-LM features beside the word features
        cfg = resolve_char_lm(cfg)
    if kind == "encoder" and (cfg.encoder.init_from or cfg.encoder.init_from_backward):
        return _encoder_from_lm(cfg, task)
    return cfg


def task_level(cfg, task) -> str:
    """The tokens the task's embedding reads: words for a word-level task (the tagger)."""
    return "word" if task.word_level else cfg.text.level


def _refuse_elsewhere(name: str, cfg, kind: str) -> None:
    if kind == "encoder":
        return
    for f in dataclasses.fields(cfg):
        part = getattr(cfg, f.name)
        if isinstance(part, EncoderConfig) and (part.init_from or part.init_from_backward):
            raise ConfigError(f"{f.name}.init_from is not supported by the {name} task: LM transfer starts "
                              "the encoders of text tasks (sentiment, tagging: see `transfer` in the task table)")


def _encoder_from_lm(cfg, task):
    enc, level = cfg.encoder, task_level(cfg, task)
    if cfg.embedding.kind != "learned":
        raise ConfigError(f"encoder.init_from copies the LM's embeddings, so it needs embedding.kind=learned "
                          f"(got {cfg.embedding.kind})")
    if not enc.init_from:
        raise ConfigError("encoder.init_from_backward needs encoder.init_from (the forward LM run) too")
    if enc.init_from_backward and not enc.bidirectional:
        raise ConfigError("encoder.init_from_backward starts the backward direction: set encoder.bidirectional=true")
    run = read_lm_run(enc.init_from, "encoder.init_from", level)
    if enc.init_from_backward:
        read_lm_run(enc.init_from_backward, "encoder.init_from_backward", level)
    if enc.shape_from_lm:
        cfg = replace(cfg, encoder=replace(enc, **_encoder_shape(run)),
                      embedding=replace(cfg.embedding, embedding_dim=run.config.model.embedding_dim))
    if enc.init_vocab == "lm":
        cfg = replace(cfg, text=replace(cfg.text, path=str(run.path / "tokenizer.json")))
    return cfg


def _encoder_shape(run: LMRun) -> dict:
    """cell, hidden_size, num_layers of an encoder shaped like the LM: the LM's layers of its
    bottom layer's size (a tied LM's narrower top layer does not fit a uniform stack)."""
    sizes = run.layer_sizes()
    layers = next((i for i, s in enumerate(sizes) if s != sizes[0]), len(sizes))
    return {"cell": run.config.model.cell, "hidden_size": sizes[0], "num_layers": layers}


def _continued_lm(cfg):
    """ULMFiT step 2: the LM run's shape, and its tokenizer (init_vocab=lm), its text settings
    (text), or both with the new text's rewrites and minimum count (extend)."""
    m = cfg.model
    run = read_lm_run(m.init_from, "model.init_from")
    shape = {k: getattr(run.config.model, k) for k in LM_SHAPE}
    if m.init_vocab == "text" and shape["output"] == "adaptive":
        raise ConfigError(f"model.init_vocab=text maps a full softmax's rows word by word, but {m.init_from} "
                          "has an adaptive softmax; keep its vocabulary with model.init_vocab=lm")
    if m.init_vocab == "lm":
        text = replace(run.config.text, path=str(run.path / "tokenizer.json"))
    elif m.init_vocab == "extend":
        if run.level != "word":
            raise ConfigError(f"model.init_vocab=extend adds words to a word-level vocabulary, but {m.init_from} "
                              f"is a {run.level}-level LM; keep its vocabulary with model.init_vocab=lm")
        text = replace(run.config.text, path=str(run.path / "tokenizer.json"), extend=True,
                       min_freq=cfg.text.min_freq, replace=[*run.config.text.replace, *cfg.text.replace])
    else:
        text = replace(cfg.text, level=run.level, lowercase=run.config.text.lowercase, path=None)
    return replace(cfg, model=replace(m, **shape), text=text)
