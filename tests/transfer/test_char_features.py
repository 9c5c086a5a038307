"""Character-LM word features (flair) equal the LMs' own states at the word boundaries."""

from pathlib import Path

import pytest
import torch

import rnnlp.api
from rnnlp.errors import ConfigError
from rnnlp.nn.char_lm import spell

TAGGING = Path(__file__).resolve().parents[2] / "tests" / "assets" / "tagging" / "train.conll"
WORDS = ["John", "met", "Anna", "in", "Paris"]


def direct_states(run, text: str, positions: list[int]) -> torch.Tensor:
    """The LM (loaded as `rnnlp generate` would) over "\\n" + text; its top states at ``positions``."""
    lm = rnnlp.api.load(run)
    ids = torch.tensor([[lm.pipeline.tokenizer.get_vocab()["\n"]] + lm.pipeline.encode(text)])
    hidden, _ = lm.model(ids)
    return hidden[0, positions]


def test_features_equal_a_direct_pass_of_both_lms(runs, prepared):
    prep = prepared("tagging", [f"data.train={TAGGING}", f"char_lm.forward={runs['char']}",
                                f"char_lm.backward={runs['charb']}"])
    chars = json_chars(prep)
    row = [[chars.index(c) for c in w] for w in WORDS]
    ids = torch.zeros(1, len(WORDS), max(map(len, row)), dtype=torch.long)
    for t, w in enumerate(row):
        ids[0, t, : len(w)] = torch.tensor(w)
    features = prep.model.char_lm.eval()
    with torch.no_grad():
        got = features(ids, torch.ones(1, len(WORDS), dtype=torch.bool))[0]
    text = " ".join(WORDS) + " "
    starts = [text.index(w) for w in WORDS]
    fwd = direct_states(runs["char"], text, [s + len(w) for s, w in zip(starts, WORDS)])
    bwd = direct_states(runs["charb"], text[::-1], [len(text) - s for s in starts])
    assert got.shape == (len(WORDS), 32)
    assert torch.allclose(got[:, :16], fwd, atol=1e-6) and torch.allclose(got[:, 16:], bwd, atol=1e-6)
    assert len(features.cache) == 1 and torch.equal(features(ids, torch.ones(1, len(WORDS), dtype=torch.bool))[0], got)
    assert not any(p.requires_grad for p in features.parameters())


def json_chars(prep):
    from rnnlp.transfer.char_features import tagger_chars
    return tagger_chars(prep)


def test_spelling_positions():
    lookup = torch.tensor([1, 1, 7, 8, 9, 4, 5])  # tagger ids 2, 3, 4 -> 7, 8, 9; start 4, space 5
    words = [torch.tensor([2, 3]), torch.tensor([4])]
    ids, pos = spell(words, lookup, backward=False)
    assert ids.tolist() == [4, 7, 8, 5, 9, 5] and pos == [2, 4]
    ids, pos = spell(words, lookup, backward=True)
    assert ids.tolist() == [4, 5, 9, 5, 8, 7] and pos == [5, 2]


def test_tuned_lms_train_with_the_tagger(runs, prepared):
    prep = prepared("tagging", [f"data.train={TAGGING}", f"char_lm.forward={runs['char']}", "char_lm.freeze=false"])
    batch = next(iter(prep.batches(0)))
    prep.model.train()
    loss, _ = prep.loss(prep.model, batch)
    loss.backward()
    assert prep.model.char_lm.forward_lm.layers[0].weight_hh_l0.grad.abs().sum() > 0
    assert not prep.model.char_lm.cache


def test_a_word_lm_is_no_char_lm(runs, prepared):
    with pytest.raises(ConfigError, match="is a word-level language model, but this model reads chars"):
        prepared("tagging", [f"data.train={TAGGING}", f"char_lm.forward={runs['fwd']}"])


def direct_next_char_nll(lm, streams):
    """Summed NLL and count of each stream's next characters, one stream at a time."""
    total, count = 0.0, 0
    for ids in streams:
        logits = lm.decoder(lm(ids.unsqueeze(0)))[0, :-1]
        total = total + torch.nn.functional.cross_entropy(logits, ids[1:], reduction="sum")
        count += len(ids) - 1
    return total, count


def test_cotrained_lms_add_their_loss(prepared):
    prep = prepared("tagging", [f"data.train={TAGGING}", "char_lm.aux_weight=0.5", "char_lm.freeze=false",
                                "char_lm.embedding_dim=6", "char_lm.hidden_sizes=[5]"])
    model, batch = prep.model.train(), next(iter(prep.batches(0)))
    model.drop.p = 0.0  # the tiny recipe's dropout is 0 already; say so for the exact comparison
    features = model.char_lm
    emissions = model(batch)
    sentences = [[w[w > 0] for w in batch.chars[b, :n]] for b, n in enumerate(batch.lengths.tolist())]
    nll = [direct_next_char_nll(lm, [spell(s, lm.lookup, backward)[0] for s in sentences])
           for lm, backward in ((features.forward_lm, False), (features.backward_lm, True))]
    expected = sum(total / count for total, count in nll) / 2
    assert torch.allclose(features.aux_loss, expected, atol=1e-5)
    tag_loss = model._tag_loss(emissions, batch.targets, batch.mask)
    loss = model.loss(emissions, batch.targets, batch.mask)
    assert torch.allclose(loss, tag_loss + 0.5 * expected, atol=1e-5) and features.aux_loss is None
    loss.backward()
    assert features.backward_lm.decoder.weight.grad.abs().sum() > 0


def test_cotrained_lms_need_a_size(prepared):
    with pytest.raises(ConfigError, match="need their size"):
        prepared("tagging", [f"data.train={TAGGING}", "char_lm.aux_weight=0.5", "char_lm.freeze=false"])
