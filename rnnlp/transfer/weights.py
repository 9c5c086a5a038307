"""After a model is built: copy an LM run's weights into it.

Embedding rows are mapped word by word (words the LM lacks keep their initial row, or become
zero, as ``embedding.oov`` says). Each LM layer's four tensors go into one direction of the
encoder's layer of the same depth. Where that layer reads more inputs than the LM's did (the
tagger's character and casing features beside the word vectors; the other direction's output
in the layers above the first), the LM's input columns are copied into their place and the
other columns start at zero, so that at initialisation the forward direction computes exactly
the LM's states, and training lets the new inputs in.
"""

from __future__ import annotations

import torch

from rnnlp.errors import ConfigError
from rnnlp.training.distributed import say
from rnnlp.transfer.char_features import initialise_char_lm, tagger_chars
from rnnlp.transfer.lm_runs import read_lm_run
from rnnlp.transfer.shapes import task_level

PARAMS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
CELLS = {4: "lstm", 3: "gru"}  # gates stacked in weight_hh's rows


def initialise(task, prep) -> None:
    """Copy the ``init_from`` LM runs of ``prep.config`` into ``prep.model`` (no-op without them);
    ``task``: the task's table entry (its ``transfer``)."""
    cfg = prep.config
    kind = task.transfer
    if kind == "continue" and cfg.model.init_from:
        _continue_lm(prep.model, prep.pipeline, cfg)
    if kind == "encoder" and cfg.encoder.init_from:
        _start_encoder(task, prep.model, prep.pipeline, cfg)
    if hasattr(cfg, "char_lm") and cfg.char_lm.forward:
        initialise_char_lm(prep.model, tagger_chars(prep), cfg)


# -- embeddings --------------------------------------------------------------------------
@torch.no_grad()
def map_rows(target: torch.Tensor, words: list[str], source: torch.Tensor, source_vocab: dict,
             missing: str = "random") -> int:
    """Copy ``source`` rows into ``target`` by word; returns how many of ``words`` were found.

    ``words[i]`` names row i of ``target``; ``<pad>`` is left as it is. ``missing``: "zero"
    zeroes the rows of words the LM lacks, anything else keeps their initial values.
    """
    if target.dim() == 2 and target.shape[1] != source.shape[1]:
        raise ConfigError(f"the LM's embeddings are {source.shape[1]}-dimensional, the model's "
                          f"{target.shape[1]}: set embedding.embedding_dim={source.shape[1]} "
                          "(or encoder.shape_from_lm=true)")
    found = 0
    for i, word in enumerate(words):
        if word == "<pad>":
            continue
        j = source_vocab.get(word)
        if j is not None and j < source.shape[0]:
            target[i] = source[j]
            found += 1
        elif missing == "zero":
            target[i] = 0
    return found


def coverage(found: int, words: list[str]) -> str:
    total = sum(w != "<pad>" for w in words)
    return f"{found}/{total} words ({found / max(total, 1):.1%}) found in the LM's vocabulary"


# -- recurrent layers ----------------------------------------------------------------------
def encoder_layer(encoder, layer: int, backward: bool) -> dict:
    """The four parameters of one direction of one layer of an ``RNNEncoder`` (either mode)."""
    if encoder.mode == "pack":
        suffix = f"_l{layer}" + ("_reverse" if backward else "")
        return {k: getattr(encoder.rnn, k + suffix) for k in PARAMS}
    stack = encoder.bwd if backward else encoder.fwd
    return {k: getattr(stack[layer], k + "_l0") for k in PARAMS}


@torch.no_grad()
def copy_layer(target: dict, source: dict, offset: int, where: str) -> None:
    """LM layer ``source`` into encoder layer ``target``; its inputs land at column ``offset``
    of ``weight_ih`` and the other input columns become zero."""
    have, want = int(source["weight_hh"].shape[1]), int(target["weight_hh"].shape[1])
    cells = [CELLS.get(int(t["weight_hh"].shape[0]) // h, "rnn") for t, h in ((source, have), (target, want))]
    if cells[0] != cells[1]:
        raise ConfigError(f"{where}: the LM is an {cells[0]}, the encoder a {cells[1]}; set encoder.cell={cells[0]}")
    if have != want:
        raise ConfigError(f"{where}: the LM's hidden size is {have}, the encoder's {want}; "
                          f"set encoder.hidden_size={have}, or encoder.shape_from_lm=true")
    inputs = int(source["weight_ih"].shape[1])
    if offset + inputs > target["weight_ih"].shape[1]:
        raise ConfigError(f"{where}: the LM layer reads {inputs} inputs, the encoder's only "
                          f"{int(target['weight_ih'].shape[1]) - offset}; match embedding.embedding_dim to the LM's")
    target["weight_ih"].zero_()
    target["weight_ih"][:, offset: offset + inputs] = source["weight_ih"]
    for k in PARAMS[1:]:
        target[k].copy_(source[k])


def copy_direction(encoder, run, backward: bool, key: str) -> int:
    """Every LM layer that the encoder has into one direction; returns how many were copied."""
    layers = min(run.config.model.num_layers, encoder.num_layers)
    for i in range(layers):
        offset = encoder.hidden_size if (backward and i > 0) else 0  # inputs are [forward; backward]
        copy_layer(encoder_layer(encoder, i, backward), run.layer(i), offset,
                   f"{key} layer {i + 1}")
    return layers


def _start_encoder(task, model, pipeline, cfg) -> None:
    enc, level = cfg.encoder, task_level(cfg, task)
    run = read_lm_run(enc.init_from, "encoder.init_from", level)
    words = pipeline.vocab()
    found = map_rows(model.embedding.weight, words, run.weights["embedding.weight"], run.vocab, cfg.embedding.oov)
    layers = copy_direction(model.encoder, run, False, "encoder.init_from")
    say(f"encoder.init_from {run.path}: {coverage(found, words)}; embeddings and {layers} of its "
        f"{run.config.model.num_layers} layers start the encoder's forward direction")
    if enc.init_from_backward:
        back = read_lm_run(enc.init_from_backward, "encoder.init_from_backward", level)
        layers = copy_direction(model.encoder, back, True, "encoder.init_from_backward")
        say(f"encoder.init_from_backward {back.path}: {layers} layers start the backward direction")


# -- an LM continued on new text (ULMFiT step 2) -----------------------------------------------
OUTPUT_ROWS = ("embedding.weight", "decoder.weight", "decoder.bias", "output_bias")


@torch.no_grad()
def _continue_lm(model, pipeline, cfg) -> None:
    run = read_lm_run(cfg.model.init_from, "model.init_from")
    state = model.state_dict()
    if cfg.model.init_vocab == "lm":
        model.load_state_dict(run.weights, strict=True)
        say(f"model.init_from {run.path}: every weight copied; its vocabulary ({pipeline.vocab_size} words) is kept")
        return
    if cfg.model.init_vocab == "extend":
        added = _extend_rows(state, run.weights)
        say(f"model.init_from {run.path}: every weight copied; its vocabulary of {len(run.vocab)} words extended "
            f"by {added} words of the new text (min count {cfg.text.min_freq}), their rows the LM's mean row")
        return
    words = pipeline.vocab()
    for key, value in run.weights.items():
        if key in OUTPUT_ROWS:
            found = map_rows(state[key], words, value, run.vocab, "random")
        else:
            state[key].copy_(value)
    say(f"model.init_from {run.path}: {coverage(found, words)}; its layers copied")


def _extend_rows(state: dict, weights: dict) -> int:
    """Copy ``weights`` into ``state``; a tensor that grew in its first dimension (one row per
    word: embedding, output rows, the adaptive softmax's last cluster) keeps the LM's rows first,
    and the rows after them (the added words) become the mean of the LM's rows (ULMFiT).
    Returns how many rows the embedding grew by."""
    for key, value in weights.items():
        target = state[key]
        if target.shape == value.shape:
            target.copy_(value)
        elif target.dim() == value.dim() and target.shape[1:] == value.shape[1:] and target.shape[0] > value.shape[0]:
            target[: value.shape[0]] = value
            target[value.shape[0]:] = value.mean(dim=0)
        else:
            raise ConfigError(f"model.init_from: {key} is {tuple(value.shape)} in the LM and {tuple(target.shape)} "
                              "here; model.init_vocab=extend only adds rows")
    return int(state["embedding.weight"].shape[0] - weights["embedding.weight"].shape[0])
