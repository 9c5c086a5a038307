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
