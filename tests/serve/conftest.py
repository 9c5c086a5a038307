"""Fixtures of the server tests: every task's tiny checkpoint, loaded once."""

import base64
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CKPTS = ROOT / "tests" / "assets" / "checkpoints_v0_1"
IMAGES = sorted((ROOT / "tests" / "assets" / "captioning" / "images").iterdir())
TASK_NAMES = ("sentiment", "tagging", "translation", "lm", "captioning")


@pytest.fixture(scope="session")
def models():
    """name -> loaded model, one per task (named after the task)."""
    import torch

    import rnnlp

    torch.set_num_threads(1)
    return {name: rnnlp.load(CKPTS / name) for name in TASK_NAMES}


@pytest.fixture(scope="session")
def image_paths() -> list[Path]:
    return IMAGES[:3]


@pytest.fixture(scope="session")
def images_b64() -> list[str]:
    return [base64.b64encode(p.read_bytes()).decode() for p in IMAGES[:3]]
