"""The sentiment task end to end on tiny data: train, save, reload, predict, evaluate, resume."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

import rnnlp
from rnnlp.api import make_config, train
from rnnlp.errors import ConfigError, DataError

ROOT = Path(__file__).resolve().parents[2]
TINY = str(ROOT / "recipes" / "sentiment" / "tiny.yaml")


def test_tiny_recipe_trains_saves_reloads_and_predicts_identically(tmp_path):
    run = train("sentiment", TINY, [f"train.output={tmp_path / 'run'}"])
    assert (run / "best" / "model.safetensors").is_file() and (run / "last" / "trainer").is_dir()
    texts = ["a gripping , funny film", "dull", "zzz-unknown"]
    first = rnnlp.load(run).predict_proba(texts)
    second = rnnlp.load(run / "best").predict_proba(texts)
    assert first.shape == (3, 2) and np.array_equal(first, second)
    assert np.allclose(first.sum(1), 1.0)
    with pytest.raises(ValueError, match=r"^texts\[2\] is an empty text$"):
        rnnlp.load(run).predict_proba(["fine", "dull", ""])
    rows = (run / "metrics.jsonl").read_text().splitlines()
    assert len(rows) == 1 and '"step": 2' in rows[0]


def test_same_seed_same_weights(tmp_path):
    a = train("sentiment", TINY, [f"train.output={tmp_path / 'a'}"])
    b = train("sentiment", TINY, [f"train.output={tmp_path / 'b'}"])
    pa, pb = rnnlp.load(a).predict_proba(["fine"]), rnnlp.load(b).predict_proba(["fine"])
    assert np.array_equal(pa, pb)


def test_multiclass_string_labels_from_csv(tmp_path, assets):
    extra = {"data": {"train": str(assets / "sentiment/reviews.csv"), "valid": str(assets / "sentiment/reviews_dev.csv"),
                      "text_column": "review", "label_column": "stars"}}
    run = train("sentiment", TINY, [f"train.output={tmp_path / 'r'}", "train.max_steps=3", "text.min_freq=1"], extra=extra)
    model = rnnlp.load(run)
    assert model.labels == ["neg", "neutral", "pos"]
    assert model.model.head.mlp[-1].out_features == 3  # softmax head for 3 classes
    out = model.predict(["warm and funny"])[0]
    assert out["label"] in model.labels and sum(out["probabilities"].values()) == pytest.approx(1.0)
    report = model.evaluate(str(assets / "sentiment/reviews_dev.csv"))
    assert report["count"] == 3  # the whitespace-only row is skipped
    assert np.array(report["confusion"]).sum() == 3


def test_integer_labels_from_jsonl_are_multiclass(tmp_path, assets):
    extra = {"data": {"train": str(assets / "sentiment/reviews.jsonl"), "text_column": "review", "label_column": "stars"}}
    run = train("sentiment", TINY, [f"train.output={tmp_path / 'r'}"], extra=extra)
    assert rnnlp.load(run).labels == [1, 3, 5]


def test_binary_uses_one_sigmoid_output(tmp_path, assets):
    extra = {"data": {"train": str(assets / "sentiment/binary.tsv")}}
    run = train("sentiment", TINY, [f"train.output={tmp_path / 'r'}"], extra=extra)
    assert rnnlp.load(run).model.head.mlp[-1].out_features == 1


def test_unseen_dev_label_is_an_error(tmp_path, assets):
    dev = tmp_path / "dev.csv"
    dev.write_text("review,stars\ngood,excellent\n")
    extra = {"data": {"train": str(assets / "sentiment/reviews.csv"), "valid": str(dev),
                      "text_column": "review", "label_column": "stars"}}
    with pytest.raises(DataError, match="label 'excellent' .* never appears in the training data"):
        train("sentiment", TINY, [f"train.output={tmp_path / 'r'}"], extra=extra)


def test_all_empty_texts_is_an_error(tmp_path):
    bad = tmp_path / "empty.csv"
    bad.write_text('sentence,label\n" ",1\n"",0\n')
    with pytest.raises(DataError, match="every text in column 'sentence' is empty"):
        train("sentiment", TINY, [f"train.output={tmp_path / 'r'}"], extra={"data": {"train": str(bad)}})


def test_unknown_override_key():
    with pytest.raises(ConfigError, match="unknown key 'encoder.hiden_size'"):
        make_config("sentiment", TINY, ["encoder.hiden_size=3"])


def test_resume_restores_optimizer_and_continues(tmp_path):
    run = train("sentiment", TINY, [f"train.output={tmp_path / 'r'}", "train.max_steps=null", "train.epochs=1"])
    steps_first = len(list((run / "metrics.jsonl").read_text().splitlines()))
    resumed = train("sentiment", TINY, ["train.epochs=2"], resume=str(run))
    rows = (resumed / "metrics.jsonl").read_text().splitlines()
    assert len(rows) == steps_first + 1 and '"epoch": 2' in rows[-1]


def test_pretrained_vectors_are_used(tmp_path, assets):
    vectors = sorted((assets / "vectors").glob("*.txt"))
    if not vectors:
        pytest.skip("no tiny vectors asset")
    run = train("sentiment", TINY, [f"train.output={tmp_path / 'r'}", "embedding.kind=pretrained",
                                     f"embedding.vectors={vectors[0]}", "embedding.freeze=true"])
    model = rnnlp.load(run)
    assert model.config.embedding.embedding_dim == model.model.embedding.weight.shape[1]
    assert not model.model.embedding.weight.requires_grad
    assert torch.all(model.model.embedding.weight[0] == 0)


def test_the_default_config_trains_on_the_bundled_data_and_prints_label_names(tmp_path, capsys):
    """`rnnlp train sentiment` with no arguments, cut to 2 steps on 512 rows: bundled SST-2 and
    GloVe, and the names negative/positive in predict, evaluate and --json (recorded in config.yaml)."""
    from rnnlp.cli import main

    run = train("sentiment", None, [f"train.output={tmp_path / 'r'}", "train.max_steps=2", "data.train_limit=512",
                                    "train.threads=1", "train.progress=false"])
    assert "label_names:\n    0: negative\n    1: positive" in (run / "best" / "config.yaml").read_text()
    assert json.loads((run / "best" / "labels.json").read_text()) == ["0", "1"]  # the data's own text
    model = rnnlp.load(run)
    assert model.config.embedding.kind == "pretrained" and model.model.embedding.weight.shape[1] == 50
    [row] = model.predict(["a gripping , funny film"])
    assert row["label"] in ("negative", "positive") and set(row["probabilities"]) == {"negative", "positive"}
    dev = tmp_path / "dev.tsv"  # gold labels may be given by name too
    dev.write_text("sentence\tlabel\ngood fun\tpositive\ndull\t0\n")
    report = model.evaluate(str(dev))
    assert report["labels"] == ["negative", "positive"] and np.array(report["confusion"]).sum(1).tolist() == [1, 1]
    capsys.readouterr()  # what training printed
    main(["predict", str(run), "a gripping , funny film", "--json"])
    assert json.loads(capsys.readouterr().out)["label"] == row["label"]
    main(["evaluate", str(run), "--data", str(dev)])
    assert "negative" in capsys.readouterr().out


def test_label_names_of_a_recipe_must_match_the_training_labels(tmp_path):
    with pytest.raises(ConfigError, match="data.label_names names label.s. 2 that the training data does not have"):
        train("sentiment", TINY, [f"train.output={tmp_path / 'r'}", "data.label_names={0: neg, 2: pos}"])


def test_a_char_vocabulary_learns_its_embeddings_instead_of_the_bundled_word_vectors(tmp_path):
    run = train("sentiment", TINY, [f"train.output={tmp_path / 'r'}", "embedding.kind=pretrained", "text.level=char"])
    assert rnnlp.load(run).config.embedding.kind == "learned"
