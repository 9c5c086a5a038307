"""The tiny two-step recipe end to end through the CLI: pretrain an LM, continue it on the task's
sentences, fine-tune a classifier from it (ULMFiT), then predict with the result."""

from pathlib import Path

import torch

import rnnlp.api
from rnnlp.cli import main
from rnnlp.transfer.lm_runs import read_lm_run

ROOT = Path(__file__).resolve().parents[2]
LM, SENTIMENT = ROOT / "recipes/lm/tiny.yaml", ROOT / "recipes/sentiment/tiny.yaml"
SST2 = ROOT / "rnnlp/data/samples/sst2/train.tsv"
FAST = ["train.threads=1", "train.progress=false"]


def three_steps(continued: list[str], classifier: list[str]) -> None:
    """pretrained/ (the tiny LM), continued/ (it on SST-2's sentences), classifier/ (from continued/)."""
    main(["train", "lm", "--recipe", str(LM), *FAST, "-o", "pretrained"])
    main(["train", "lm", "--recipe", str(LM), "--train", str(SST2), "data.text_column=sentence",
          "--init-from", "pretrained", *continued, *FAST, "-o", "continued"])
    main(["train", "sentiment", "--recipe", str(SENTIMENT), "--init-from", "continued", "encoder.shape_from_lm=true",
          "encoder.init_vocab=lm", "encoder.bidirectional=false", *classifier, *FAST, "-o", "classifier"])


def test_pretrain_continue_finetune(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    three_steps(["data.train_limit=2000", "train.schedule=slanted", "train.discriminative=2.6"],
                ["train.unfreeze=true", "train.discriminative=2.6", "train.schedule=slanted"])
    err = capsys.readouterr().err
    assert "model.init_from" in err and "every weight copied" in err
    assert "encoder.init_from" in err and "(100.0%) found in the LM's vocabulary" in err
    lm = read_lm_run(tmp_path / "continued", "x")
    clf = rnnlp.api.load(tmp_path / "classifier")
    assert clf.pipeline.vocab() == lm.pipeline.vocab()
    # one epoch of gradual unfreezing trains only the head: the LM's weights are there untouched
    assert torch.equal(clf.model.embedding.weight[1:], lm.weights["embedding.weight"][1:])
    assert torch.equal(clf.model.encoder.fwd[1].weight_hh_l0, lm.weights["layers.1.weight_hh_l0"])
    assert clf.predict(["a gorgeous , witty film"])[0]["label"] in clf.labels


def test_extended_vocabulary_and_rewrites_reach_the_classifier(tmp_path, monkeypatch, capsys):
    """Step two with model.init_vocab=extend: the classifier started from it reads the task's
    words the first LM lacked, through the same rewrites (saved in the tokenizer)."""
    monkeypatch.chdir(tmp_path)
    three_steps(["model.init_vocab=extend", "text.min_freq=2", "text.replace=[[\" n't\", \"n 't\"]]"], [])
    assert "extended by" in capsys.readouterr().err
    first, clf = read_lm_run(tmp_path / "pretrained", "x"), rnnlp.api.load(tmp_path / "classifier")
    assert "film" not in first.vocab and "film" in clf.pipeline.vocab()
    assert clf.pipeline.tokens("it does n't work") == ["it", "doesn", "'t", "work"]
