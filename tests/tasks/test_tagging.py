"""The tagging task end to end on tiny CoNLL / CoNLL-U assets: train, save, reload, tag, evaluate."""

from pathlib import Path

import pytest
import torch

import rnnlp
from rnnlp.api import train
from rnnlp.errors import DataError, InputError

ROOT = Path(__file__).resolve().parents[2]
TINY = str(ROOT / "recipes" / "tagging" / "tiny.yaml")
SENTENCES = ["John Smith lives in Paris .", "Mary works for Acme Corp in Berlin ."]


def _data(assets, **extra):
    return {"data": {"train": str(assets / "tagging/train.conll"),
                     "valid": str(assets / "tagging/dev.conll"), **extra}}


def test_tiny_recipe_trains_saves_reloads_and_tags_identically(tmp_path, assets):
    run = train("tagging", TINY, [f"train.output={tmp_path / 'run'}"], extra=_data(assets))
    assert (run / "best" / "tagging.json").is_file() and (run / "last" / "trainer").is_dir()
    first, second = rnnlp.load(run), rnnlp.load(run / "best")
    a, b = first.predict(SENTENCES), second.predict(SENTENCES)
    assert a == b
    assert a[0]["tokens"] == SENTENCES[0].split() and len(a[0]["tags"]) == 6
    assert set(first.labels) == {"O", *(f"{p}-{t}" for p in "BIES" for t in ("PER", "LOC", "ORG", "MISC"))}
    assert all(t in first.labels for row in a for t in row["tags"]) and "entities" in a[0]
    for (name, w1), (_, w2) in zip(first.model.state_dict().items(), second.model.state_dict().items()):
        assert torch.equal(w1, w2), name
    rows = (run / "metrics.jsonl").read_text().splitlines()
    assert len(rows) == 1 and '"step": 2' in rows[0] and '"f1"' in rows[0]


def test_training_learns_the_tiny_data(tmp_path, assets):
    over = [f"train.output={tmp_path / 'r'}", "train.max_steps=null", "train.epochs=25",
            "train.lr=0.02", "train.batch_size=8"]
    model = rnnlp.load(train("tagging", TINY, over, extra=_data(assets)))
    out = model.predict(["John Smith lives in Paris ."])[0]
    assert [(e["type"], e["text"]) for e in out["entities"]] == [("PER", "John Smith"), ("LOC", "Paris")]
    report = model.evaluate(str(assets / "tagging/train.conll"))
    assert report["f1"] == 1.0 and report["accuracy"] == 1.0


def test_evaluate_counts_unknown_gold_tags_as_wrong(tmp_path, assets):
    model = rnnlp.load(train("tagging", TINY, [f"train.output={tmp_path / 'r'}"], extra=_data(assets)))
    report = model.evaluate(str(assets / "tagging/dev.conll"))
    assert report["unknown_tags"] == {"S-DATE": 1}  # I-DATE in IOB1 = S-DATE in the model's BIOES
    assert report["sentences"] == 4 and report["tokens"] == 20
    assert "DATE" in report["per_type"] and report["per_type"]["DATE"]["recall"] == 0.0
    text = model.format_report(report)
    assert "S-DATE=1" in text and "overall" in text and "seqeval strict" in text


def test_empty_and_very_long_sentences(tmp_path, assets):
    model = rnnlp.load(train("tagging", TINY, [f"train.output={tmp_path / 'r'}", "data.max_length=16"],
                             extra=_data(assets)))
    long = " ".join(["Paris"] * 1000)
    with pytest.raises(InputError, match=r"^texts\[0\] is an empty text$"):
        model.predict(["", long, "   "])
    row = model.tag(long)
    assert len(row["tags"]) == len(row["scores"]) == 1000  # tagged in pieces of data.max_length tokens


def test_softmax_head_char_lstm_and_conllu_pos(tmp_path, assets):
    path = str(assets / "tagging/tiny.conllu")
    extra = {"data": {"train": path, "valid": path, "format": "conllu", "scheme": "none",
                      "token_column": None, "tag_column": None}}
    over = [f"train.output={tmp_path / 'p'}", "model.scheme=none", "model.head=softmax", "model.char=lstm"]
    model = rnnlp.load(train("tagging", TINY, over, extra=extra))
    assert model.model.crf is None and model.labels == ["AUX", "PART", "PRON", "PUNCT", "VERB"]
    rows = model.predict(["I do n't know ."])
    assert "entities" not in rows[0] and len(rows[0]["tags"]) == 5
    report = model.evaluate(path)
    assert "f1" not in report and 0.0 <= report["accuracy"] <= 1.0
    assert report["unknown_tags"] == {}  # every tag of the file was seen in training
    assert "overall" not in model.format_report(report)


def test_jsonl_training_data_with_bio_scheme(tmp_path, assets):
    extra = {"data": {"train": str(assets / "tagging/train.jsonl"), "format": "json",
                      "token_column": "words", "tag_column": "ner", "scheme": "IOB1"}}
    model = rnnlp.load(train("tagging", TINY, [f"train.output={tmp_path / 'j'}", "model.scheme=BIO"],
                             extra=extra))
    assert "B-ORG" in model.labels and not any(t.startswith(("E-", "S-")) for t in model.labels)


def test_invalid_sequences_rejected_when_configured(tmp_path, assets):
    bad = tmp_path / "bad.conll"
    bad.write_text("Anna B-PER\nlives O\nin O\n\nthe O\nFrench I-MISC\nteam O\n")
    extra = {"data": {"train": str(bad), "scheme": "BIO", "tag_column": -1, "invalid": "error"}}
    with pytest.raises(DataError, match=r"bad.conll:5: invalid BIO sequence: 'I-MISC' at token 2"):
        train("tagging", TINY, [f"train.output={tmp_path / 'x'}"], extra=extra)
    extra["data"]["invalid"] = "repair"
    model = rnnlp.load(train("tagging", TINY, [f"train.output={tmp_path / 'y'}"], extra=extra))
    assert "S-MISC" in model.labels  # repaired: I-MISC after O opens a chunk


def test_missing_training_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="--train FILE"):
        train("tagging", TINY, [f"train.output={tmp_path / 'n'}"])


def test_matmul_forward_algorithm_matches_the_crf():
    from rnnlp.models.tagger import log_partition
    from rnnlp.nn.crf import CRF, allowed_transitions

    torch.manual_seed(0)
    names = ["O"] + [f"{p}-{t}" for t in ("PER", "LOC") for p in "BIES"]
    crf = CRF(len(names), *allowed_transitions(names, "BIOES"))
    with torch.no_grad():
        crf.transitions.normal_(0, 3.0)
        crf.start.normal_(0, 3.0)
    emissions = (torch.randn(5, 9, len(names)) * 4).requires_grad_()
    mask = torch.arange(9).unsqueeze(0) < torch.tensor([9, 1, 4, 7, 2]).unsqueeze(1)
    fast = log_partition(crf, emissions, mask)
    grad_fast = torch.autograd.grad(fast.sum(), [emissions, crf.transitions])
    slow = crf.log_partition(emissions, mask)
    grad_slow = torch.autograd.grad(slow.sum(), [emissions, crf.transitions])
    assert torch.allclose(fast, slow, atol=1e-4, rtol=1e-5)
    for a, b in zip(grad_fast, grad_slow):
        assert torch.allclose(a, b, atol=1e-5)


# -- raw-text tagging ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def tagger(tmp_path_factory):
    """The tiny recipe on IOB1 CoNLL (punctuation stands alone), model scheme BIOES."""
    assets = ROOT / "tests" / "assets"
    return rnnlp.load(train("tagging", TINY, [f"train.output={tmp_path_factory.mktemp('tag') / 'r'}"],
                            extra=_data(assets)))


def test_raw_text_is_split_as_the_training_data_and_every_offset_points_into_it(tagger):
    text = "John Smith lives in Paris."
    row = tagger.tag(text)
    assert row["text"] == text and row["tokens"] == ["John", "Smith", "lives", "in", "Paris", "."]
    assert [text[s:e] for s, e in row["offsets"]] == row["tokens"]
    assert len(row["tags"]) == len(row["scores"]) == 6 and all(0 < p <= 1 for p in row["scores"])
    assert set(row["tags"]) <= {"O"} | {f"{p}-{t}" for p in "BI" for t in ("PER", "LOC", "ORG", "MISC")}  # IOB1
    assert tagger.tag(text, tokenize="whitespace")["tokens"][-1] == "Paris."
    assert tagger.tag(["John", "lives"], tokenize=None)["tokens"] == ["John", "lives"]  # one sentence
    rows = tagger.tag([text, ["Paris", "."]])
    assert rows[0] == row and rows[1]["text"] == "Paris ." and rows[1]["offsets"] == [[0, 5], [6, 7]]
    assert tagger.predict(text) == row  # the server's (and 0.1's) name


def test_tags_come_back_in_the_training_data_scheme_with_spans_as_seqeval_reads_them(tagger):
    """Model output fixed (BIOES, with scores) to check the conversion to IOB1 and the spans."""
    from seqeval.metrics.sequence_labeling import get_entities

    text = "Peter Brown met Anna Lee in New York ."
    model_tags = ["B-PER", "E-PER", "O", "S-PER", "S-PER", "O", "B-LOC", "E-LOC", "O"]
    probs = [0.9, 0.7, 1.0, 0.6, 0.5, 1.0, 0.8, 0.6, 1.0]
    tagger.tag_tokens = lambda sentences, batch_size, scores: ([model_tags], [probs])
    try:
        row = tagger.tag(text)
    finally:
        del tagger.tag_tokens
    assert row["tags"] == ["I-PER", "I-PER", "O", "I-PER", "B-PER", "O", "I-LOC", "I-LOC", "O"]  # IOB1
    expected = [(kind, row["offsets"][s][0], row["offsets"][e][1]) for kind, s, e in get_entities(row["tags"])]
    assert [(sp["label"], sp["start"], sp["end"]) for sp in row["spans"]] == expected
    assert [sp["text"] for sp in row["spans"]] == ["Peter Brown", "Anna", "Lee", "New York"]
    assert all(text[sp["start"]: sp["end"]] == sp["text"] for sp in row["spans"])
    assert [sp["score"] for sp in row["spans"]] == pytest.approx([0.8, 0.6, 0.5, 0.7])  # mean of the tokens
    assert row["entities"][0] == {"type": "PER", "token_start": 0, "token_end": 2, "text": "Peter Brown"}


@pytest.mark.parametrize("texts, kwargs, message", [
    (None, {}, "texts is None; give one item or a list of them"),
    ("  ", {}, "texts is an empty text"),
    (["Paris", None], {}, r"texts\[1\] is None"),
    (["Paris", []], {}, r"texts\[1\] is an empty token list"),
    ([["Paris", ""]], {}, r"texts\[0\]\[1\] is an empty text"),
    ("Paris", {"tokenize": None}, "texts must be a list of tokens with tokenize=None, got str"),
    ("Paris", {"tokenize": "spacy"}, "unknown tokenize 'spacy'; choose one of: 'model', 'whitespace', None"),
])
def test_bad_input_is_a_one_line_value_error(tagger, texts, kwargs, message):
    with pytest.raises(InputError, match=f"^{message}$") as found:
        tagger.tag(texts, **kwargs)
    assert isinstance(found.value, ValueError)


def test_checkpoints_without_word_rules_or_data_scheme_answer_as_before():
    old = rnnlp.load(ROOT / "tests" / "assets" / "checkpoints_v0_1" / "tagging")
    row = old.tag("EU rejects German call.")
    assert row["tokens"][-1] == "call." and old.output_scheme == old.scheme == "BIOES"
