"""Readers for CoNLL columns, CoNLL-U and token/tag tables; scheme conversion; seqeval agreement."""

import random

import pytest

from rnnlp.data.conll import (convert, entities, from_spans, read_conll, read_conllu, read_tagged,
                              read_tagged_table, to_spans)
from rnnlp.errors import ConfigError, DataError


def test_read_conll_skips_docstart_and_keeps_line_numbers(assets):
    data = read_conll(assets / "tagging/train.conll", 0, 3)
    assert len(data) == 8
    assert data.tokens[0] == ["John", "Smith", "lives", "in", "Paris", "."]
    assert data.tags[0] == ["I-PER", "I-PER", "O", "O", "I-LOC", "O"]
    assert data.lines[:2] == [3, 10]
    pos = read_conll(assets / "tagging/train.conll", "0", "1")  # CLI passes strings
    assert pos.tags[0][:3] == ["NNP", "NNP", "VBZ"]


def test_wrong_number_of_columns_names_file_and_line(assets):
    with pytest.raises(DataError, match=r"bad_columns.conll:3: expected 4 columns .* found 3"):
        read_conll(assets / "tagging/bad_columns.conll", 0, 3)
    with pytest.raises(DataError, match="column 7 does not exist"):
        read_conll(assets / "tagging/train.conll", 0, 7)


def test_read_conllu_skips_multiword_and_empty_nodes(assets):
    data = read_conllu(assets / "tagging/tiny.conllu", "upos")
    assert data.tokens == [["I", "do", "n't", "know", "."], ["Show", "All"]]
    assert data.tags[0] == ["PRON", "AUX", "PART", "VERB", "PUNCT"]
    assert read_conllu(assets / "tagging/tiny.conllu", "xpos").tags[1] == ["VB", "DT"]
    with pytest.raises(DataError, match=r"bad.conllu:2: expected 10 tab-separated"):
        read_conllu(assets / "tagging/bad.conllu")
    with pytest.raises(ConfigError, match="upos, xpos"):
        read_conllu(assets / "tagging/tiny.conllu", "lemma")


def test_read_jsonl_token_and_tag_lists(assets):
    data = read_tagged_table(assets / "tagging/train.jsonl", "json", "words", "ner")
    assert len(data) == 8 and data.tokens[1][3] == "Acme" and data.tags[1][3] == "I-ORG"
    with pytest.raises(DataError, match="column 'tokens' not found"):
        read_tagged_table(assets / "tagging/train.jsonl", "json")


def test_read_tagged_dispatches_on_extension(assets):
    class D:
        format, token_column, tag_column, tag_field, root = None, None, None, "upos", None
    assert read_tagged(assets / "tagging/tiny.conllu", D()).tags[1] == ["VERB", "PRON"]
    assert read_tagged(assets / "tagging/train.conll", D()).tags[0][0] == "I-PER"  # last column


def test_iob1_to_bioes_and_bio():
    iob1 = ["I-PER", "I-PER", "O", "I-LOC", "B-LOC", "I-ORG"]
    assert convert(iob1, "IOB1", "BIO") == ["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "B-ORG"]
    assert convert(iob1, "IOB1", "BIOES") == ["B-PER", "E-PER", "O", "S-LOC", "S-LOC", "S-ORG"]
    assert convert(convert(iob1, "IOB1", "BIOES"), "BIOES", "IOB1") == iob1
    assert convert(["NOUN", "VERB"], "none", "none") == ["NOUN", "VERB"]


def _random_spans(rng, length, types=("PER", "LOC", "ORG")):
    spans, i = [], 0
    while i < length:
        if rng.random() < 0.4:
            n = min(rng.randint(1, 3), length - i)
            spans.append((rng.choice(types), i, i + n))
            i += n
        else:
            i += rng.randint(0, 2) if rng.random() < 0.5 else 1
    return spans


@pytest.mark.parametrize("scheme", ["IOB1", "BIO", "BIOES"])
def test_spans_round_trip_through_every_scheme(scheme):
    rng = random.Random(0)
    for _ in range(300):
        length = rng.randint(1, 12)
        spans = _random_spans(rng, length)
        tags = from_spans(spans, length, scheme)
        assert to_spans(tags, scheme, invalid="error") == spans
        for other in ("IOB1", "BIO", "BIOES"):
            assert convert(convert(tags, scheme, other, "error"), other, scheme, "error") == tags


def test_invalid_bio_is_repaired_by_the_conlleval_rule_or_rejected():
    tags = ["O", "I-PER", "I-PER", "I-LOC", "O"]
    # a continuation that continues nothing starts a chunk of its own type
    assert to_spans(tags, "BIO") == [("PER", 1, 3), ("LOC", 3, 4)]
    assert convert(tags, "BIO", "BIO") == ["O", "B-PER", "I-PER", "B-LOC", "O"]
    with pytest.raises(DataError, match=r"'I-PER' at token 2 follows 'O'"):
        to_spans(tags, "BIO", invalid="error")
    with pytest.raises(DataError, match="never ends"):
        to_spans(["B-PER", "I-PER"], "BIOES", invalid="error")
    assert to_spans(["B-PER", "I-PER"], "BIOES") == [("PER", 0, 2)]
    with pytest.raises(DataError, match="is not a BIO tag"):
        to_spans(["NOUN"], "BIO")
    with pytest.raises(ConfigError, match="tagging scheme"):
        to_spans(["O"], "BILOU")


def test_entities_give_type_and_text():
    out = entities(["John", "Smith", "lives", "in", "Paris", "."],
                   ["B-PER", "E-PER", "O", "O", "S-LOC", "O"], "BIOES")
    assert [(e["type"], e["text"]) for e in out] == [("PER", "John Smith"), ("LOC", "Paris")]


def _f1(gold, pred, scheme):
    g = {(i, s) for i, t in enumerate(gold) for s in to_spans(t, scheme)}
    p = {(i, s) for i, t in enumerate(pred) for s in to_spans(t, scheme)}
    tp = len(g & p)
    prec, rec = tp / max(len(p), 1), tp / max(len(g), 1)
    return 2 * prec * rec / (prec + rec) if prec + rec else 0.0


@pytest.mark.parametrize("scheme", ["BIO", "BIOES"])
def test_seqeval_strict_agrees_with_exact_span_matching(scheme):
    from rnnlp.training.metrics import span_scores
    rng = random.Random(1)
    gold, pred = [], []
    for _ in range(200):
        length = rng.randint(1, 10)
        g = _random_spans(rng, length)
        p = [s for s in g if rng.random() < 0.7] + [s for s in _random_spans(rng, length) if rng.random() < 0.2]
        p = [s for s in p if not any(s != o and s[1] < o[2] and o[1] < s[2] for o in p if o in g)]
        p = sorted(set(p), key=lambda s: s[1])
        p = [s for k, s in enumerate(p) if all(s[1] >= o[2] or s[2] <= o[1] for o in p[:k])]
        gold.append(from_spans(g, length, scheme))
        pred.append(from_spans(p, length, scheme))
    scores = span_scores(gold, pred, scheme)
    assert 0.3 < scores["f1"] < 0.99
    assert scores["f1"] == pytest.approx(_f1(gold, pred, scheme), abs=1e-12)
    # valid sequences: seqeval's default (conlleval) mode gives the same figure
    assert scores["f1_seqeval_default"] == pytest.approx(scores["f1"], abs=1e-12)
