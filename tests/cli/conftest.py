"""Fixtures shared by the CLI tests."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def trained(tmp_path_factory):
    """A tiny sentiment run folder (recipes/sentiment/tiny.yaml)."""
    from rnnlp.api import train

    return train("sentiment", str(ROOT / "recipes" / "sentiment" / "tiny.yaml"),
                 [f"train.output={tmp_path_factory.mktemp('cli') / 'run'}", "train.threads=1"])


@pytest.fixture(scope="session")
def tiny_runs(tmp_path_factory):
    """``tiny_runs(task)``: a tiny trained run folder of ``task`` (its recipes/<task>/tiny.yaml),
    trained once per test session on first use."""
    from rnnlp.api import train

    base, runs = tmp_path_factory.mktemp("tiny_runs"), {}
    extra = {"tagging": {"data": {"train": str(ROOT / "tests/assets/tagging/train.conll")}},
             "captioning": {"data": {"root": str(ROOT)}}}

    def get(task: str):
        if task not in runs:
            runs[task] = train(task, str(ROOT / "recipes" / task / "tiny.yaml"),
                               [f"train.output={base / task}", "train.threads=1", "train.progress=false"],
                               extra=extra.get(task))
        return runs[task]
    return get
