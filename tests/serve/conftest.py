"""Fixtures of the server tests: every task's tiny checkpoint, loaded once (the recommender,
series and speech tasks have none committed: their tiny recipes are trained for two steps, once)."""

import base64
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CKPTS = ROOT / "tests" / "assets" / "checkpoints_v0_1"
IMAGES = sorted((ROOT / "tests" / "assets" / "captioning" / "images").iterdir())
TASK_NAMES = ("sentiment", "tagging", "translation", "lm", "captioning")
TRAINED = ("recommender", "series", "speech")


@pytest.fixture(scope="session")
def trained_runs(tmp_path_factory) -> dict:
    """task -> run folder of the tasks without a committed tiny checkpoint (two steps each)."""
    import rnnlp

    runs = {}
    for task in TRAINED:
        out = tmp_path_factory.mktemp(task) / "run"
        runs[task] = rnnlp.api.train(task, str(ROOT / "recipes" / task / "tiny.yaml"), [
            f"train.output={out}", "train.threads=1", "train.max_steps=2", "train.epochs=1", "train.progress=false"])
    return runs


@pytest.fixture(scope="session")
def models(trained_runs):
    """name -> loaded model, one per task (named after the task)."""
    import torch

    import rnnlp

    torch.set_num_threads(1)
    loaded = {name: rnnlp.load(CKPTS / name) for name in TASK_NAMES}
    return {**loaded, **{task: rnnlp.load(run) for task, run in trained_runs.items()}}


@pytest.fixture(scope="session")
def image_paths() -> list[Path]:
    return IMAGES[:3]


@pytest.fixture(scope="session")
def images_b64() -> list[str]:
    return [base64.b64encode(p.read_bytes()).decode() for p in IMAGES[:3]]


@pytest.fixture(scope="session")
def wav_paths() -> list[Path]:
    """Three FSDD clips (8 kHz mono, the tiny speech recipe's rate)."""
    return sorted((ROOT / "tests" / "assets" / "speech" / "fsdd").iterdir())[:3]
