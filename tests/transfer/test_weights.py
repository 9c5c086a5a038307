"""LM runs copied into classifiers, taggers and continued LMs: exact tensors, mapped vocabularies,
one-line errors for runs that cannot fit."""

from pathlib import Path

import pytest
import torch

import rnnlp.api
from rnnlp import transfer
from rnnlp.errors import CheckpointError, ConfigError, DataError
from rnnlp.tasks.table import entry
from rnnlp.transfer.lm_runs import read_lm_run

TAGGING = Path(__file__).resolve().parents[2] / "tests" / "assets" / "tagging" / "train.conll"


def test_classifier_keeps_the_lm_weights_and_maps_words(runs, capsys, prepared):
    prep = prepared("sentiment", [f"encoder.init_from={runs['fwd']}"])
    lm, model = read_lm_run(runs["fwd"] / "best", "x"), prep.model
    words = prep.pipeline.vocab()
    shared = [(i, lm.vocab[w]) for i, w in enumerate(words) if w in lm.vocab and w != "<pad>"]
    assert len(shared) > 20
    rows, lm_rows = zip(*shared)
    assert torch.equal(model.embedding.weight[list(rows)], lm.weights["embedding.weight"][list(lm_rows)])
    layer = model.encoder.fwd[0]
    for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        assert torch.equal(getattr(layer, k + "_l0"), lm.weights[f"layers.0.{k}_l0"])
    assert f"{len(shared)}/{len(words) - 1} words" in capsys.readouterr().err


def test_forward_direction_computes_the_lm_states(runs, prepared):
    """Two layers, bidirectional: the upper forward layer's extra inputs (the backward outputs) start
    at zero, so the forward direction's outputs equal the LM's own layers on the same ids."""
    prep = prepared("sentiment", [f"encoder.init_from={runs['bwd']}", "encoder.num_layers=2",
                                               "embedding.embedding_dim=16"])
    lm_cfg = read_lm_run(runs["bwd"] / "best", "x")
    lm = rnnlp.api.load(lm_cfg.path).model.eval()
    model = prep.model.eval()
    words = prep.pipeline.vocab()
    ids = torch.tensor([[i for i, w in enumerate(words) if w in lm_cfg.vocab][2:9]])
    lm_ids = torch.tensor([[lm_cfg.vocab[words[i]] for i in ids[0].tolist()]])
    out, _ = model.encoder(model.embedding(ids), torch.tensor([ids.size(1)]))
    hidden, _ = lm(lm_ids)
    assert torch.allclose(out[..., :16], hidden, atol=1e-6)


def test_backward_run_and_shape_from_lm(runs, prepared):
    prep = prepared("sentiment", [f"encoder.init_from={runs['bwd']}", "encoder.shape_from_lm=true",
                                               f"encoder.init_from_backward={runs['bwd']}", "encoder.init_vocab=lm",
                                               "embedding.embedding_dim=99", "encoder.hidden_size=7"])
    lm = read_lm_run(runs["bwd"] / "best", "x")
    enc = prep.model.encoder
    assert (enc.num_layers, enc.hidden_size) == (2, 16) and prep.config.embedding.embedding_dim == 16
    assert prep.pipeline.vocab() == lm.pipeline.vocab()
    assert torch.equal(prep.model.embedding.weight[1:], lm.weights["embedding.weight"][1:])
    upper = enc.bwd[1].weight_ih_l0  # inputs [forward; backward]: the LM's in the backward half
    assert torch.equal(upper[:, 16:], lm.weights["layers.1.weight_ih_l0"]) and not upper[:, :16].any()


def test_tagger_keeps_the_lm_weights_beside_char_features(runs, prepared):
    prep = prepared("tagging", [f"data.train={TAGGING}", f"encoder.init_from={runs['fwd']}",
                                             "embedding.oov=zero"])
    lm = read_lm_run(runs["fwd"] / "best", "x")
    w = prep.model.encoder.fwd[0].weight_ih_l0  # inputs: [word 16; chars 8; casing 4]
    assert torch.equal(w[:, :16], lm.weights["layers.0.weight_ih_l0"]) and not w[:, 16:].any()
    for i, word in enumerate(prep.pipeline.vocab()):
        row = prep.model.embedding.weight[i]
        expected = lm.weights["embedding.weight"][lm.vocab[word]] if word in lm.vocab else torch.zeros(16)
        assert word == "<pad>" or torch.equal(row, expected), word


def test_lm_continued_on_new_text(runs, tmp_path, prepared):
    text = tmp_path / "task.txt"
    text.write_text("the cat sat on the mat\nthe dog ran\n" * 20)
    same = prepared("lm", [f"data.train={text}", f"model.init_from={runs['bwd']}",
                                        "model.hidden_size=5"])
    lm = read_lm_run(runs["bwd"] / "best", "x")
    assert same.model.layers[1].hidden_size == 16 and same.model.decoder is not None
    assert all(torch.equal(v, lm.weights[k]) for k, v in same.model.state_dict().items())
    mapped = prepared("lm", [f"data.train={text}", f"model.init_from={runs['bwd']}",
                                          "model.init_vocab=text"])
    words = mapped.pipeline.vocab()
    assert len(words) < len(lm.pipeline.vocab())
    the = words.index("the")
    assert torch.equal(mapped.model.decoder.weight[the], lm.weights["decoder.weight"][lm.vocab["the"]])
    assert torch.equal(mapped.model.layers[0].weight_hh_l0, lm.weights["layers.0.weight_hh_l0"])


def test_lm_vocabulary_extended_by_new_text(runs, tmp_path, prepared):
    """init_vocab=extend keeps every id and weight of the LM, appends the new text's words seen
    min_freq times (most frequent first) with the LM's mean row, and adds text.replace's rewrites."""
    text = tmp_path / "task.txt"
    text.write_text("the film does n't work\nzzfilm is fine\nzzfilm zzfilm zzonce\n" * 2 + "zzrare\n")
    prep = prepared("lm", [f"data.train={text}", f"data.valid={text}", f"model.init_from={runs['adaptive']}",
                           "model.init_vocab=extend",
                           "text.min_freq=2", "text.replace=[[\" n't\", \"n 't\"]]"])
    lm, pipe, model = read_lm_run(runs["adaptive"] / "best", "x"), prep.pipeline, prep.model
    old = lm.pipeline.vocab()
    added = [w for w in pipe.vocab()[len(old):]]
    assert pipe.vocab()[: len(old)] == old
    assert added[0] == "zzfilm" and "zzonce" in added and "zzrare" not in added and "doesn" in added
    assert pipe.tokens("The film does n't work") == ["the", "film", "doesn", "'t", "work"]
    state, n = model.state_dict(), len(old)
    emb = lm.weights["embedding.weight"]
    assert torch.equal(state["embedding.weight"][:n], emb)
    assert torch.allclose(state["embedding.weight"][n:], emb.mean(0).expand(len(added), -1))
    tail = [k for k in lm.weights if k.startswith("adaptive.tail.")][-1]
    rows = lm.weights[tail]
    assert state[tail].shape[0] == rows.shape[0] + len(added)
    assert torch.equal(state[tail][: rows.shape[0]], rows)
    assert torch.allclose(state[tail][rows.shape[0]:], rows.mean(0).expand(len(added), -1))
    same = [k for k in lm.weights if k not in ("embedding.weight", tail)]
    assert same and all(torch.equal(state[k], lm.weights[k]) for k in same)


def test_text_replace_rules_are_checked(runs, tmp_path, prepared):
    with pytest.raises(ConfigError, match=r"text.replace\[0\] must be a \[pattern, replacement\] pair"):
        prepared("sentiment", ["text.replace=[[a]]"])
    with pytest.raises(ConfigError, match=r"text.replace\[1\]: '\(' is not a valid regular expression"):
        prepared("sentiment", ["text.replace=[[a, b], ['(', c]]"])


def test_extend_needs_a_word_lm(runs, tmp_path, prepared):
    with pytest.raises(ConfigError, match="adds words to a word-level vocabulary"):
        prepared("lm", [f"model.init_from={runs['char']}", "model.init_vocab=extend"])


@pytest.mark.parametrize("overrides, error, message", [
    (["encoder.init_from={char}"], ConfigError, "is a char-level language model, but this model reads words"),
    (["encoder.init_from={tagger}"], ConfigError, "is a tagging run; give a language-model run"),
    (["encoder.init_from={missing}"], DataError, "file not found"),
    (["encoder.init_from={fwd}", "encoder.hidden_size=32"], ConfigError,
     "the LM's hidden size is 16, the encoder's 32"),
    (["encoder.init_from={fwd}", "encoder.cell=gru"], ConfigError, "the LM is an lstm, the encoder a gru"),
    (["encoder.init_from={fwd}", "embedding.embedding_dim=8"], ConfigError, "16-dimensional, the model's 8"),
    (["encoder.init_from_backward={fwd}"], ConfigError, "needs encoder.init_from"),
])
def test_runs_that_cannot_fit_are_one_line_errors(runs, tmp_path, overrides, error, message, prepared):
    paths = {k: str(v) for k, v in runs.items()} | {"missing": str(tmp_path / "nothing")}
    with pytest.raises(error, match=message) as info:
        prepared("sentiment", [o.format(**paths) for o in overrides])
    assert "\n" not in str(info.value)


def test_a_folder_without_a_checkpoint_is_a_checkpoint_error(tmp_path, prepared):
    (tmp_path / "empty").mkdir()
    with pytest.raises(CheckpointError, match="checkpoint not found|incomplete"):
        prepared("sentiment", [f"encoder.init_from={tmp_path / 'empty'}"])


def test_init_from_where_no_lm_fits(tmp_path):
    with pytest.raises(ConfigError, match="not supported by the translation task"):
        transfer.resolve("translation", rnnlp.api.make_config("translation", None, [f"encoder.init_from={tmp_path}"]),
                         entry("translation"))
