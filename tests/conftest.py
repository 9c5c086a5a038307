import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ASSETS = Path(__file__).parent / "assets"
SHARED = ROOT.parent / "shared" / "data"



def pytest_configure(config):
    config.addinivalue_line("markers", "requires_shared: needs the full datasets in ../shared/data "
                            "(skipped with a reason where they are absent)")


def pytest_runtest_setup(item):
    if item.get_closest_marker("requires_shared") and not SHARED.is_dir():
        pytest.skip(f"shared datasets not found at {SHARED}")


# -- trained once per session: every test that only needs a trained model takes it from here --
CKPTS = ROOT / "tests" / "assets" / "checkpoints_v0_1"
IMAGES = sorted((ROOT / "tests" / "assets" / "captioning" / "images").iterdir())
TASK_NAMES = ("sentiment", "tagging", "translation", "lm", "captioning")
TRAINED = ("recommender", "series", "speech")   # served by ``models``
ALSO_TRAINED = ("music",)                         # in ``trained_runs`` only


@pytest.fixture(scope="session")
def trained_runs(tmp_path_factory) -> dict:
    """task -> run folder of the tasks without a committed tiny checkpoint (two steps each)."""
    import rnnlp

    runs = {}
    for task in TRAINED + ALSO_TRAINED:
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
    return {**loaded, **{task: rnnlp.load(trained_runs[task]) for task in TRAINED}}


@pytest.fixture(scope="session")
def image_paths() -> list[Path]:
    return IMAGES[:3]


@pytest.fixture(scope="session")
def wav_paths() -> list[Path]:
    """Three FSDD clips (8 kHz mono, the tiny speech recipe's rate)."""
    return sorted((ROOT / "tests" / "assets" / "speech" / "fsdd").iterdir())[:3]


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


@pytest.fixture
def shared_data() -> Path:
    """The folder of the full datasets (tests using it carry ``@pytest.mark.requires_shared``)."""
    return SHARED


@pytest.fixture
def assets() -> Path:
    return ASSETS


@pytest.fixture(autouse=True)
def _quiet_env(monkeypatch):
    monkeypatch.setenv("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")


@pytest.fixture
def run_cli(capsys):
    """``run_cli(argv) -> (exit code, stdout, stderr)`` of ``rnnlp.cli.main``; returning is exit 0."""
    from rnnlp.cli import main

    def run(argv):
        capsys.readouterr()
        try:
            main([str(a) for a in argv])
            code = 0
        except SystemExit as exc:
            code = exc.code
        return (code, *capsys.readouterr())

    return run


# Batched and one-at-a-time inference take different kernels (padding changes the reduction
# order of matrix products), so their floats differ in the last bits (3e-8 seen on a fresh
# machine); labels, tags and words must be equal, and numbers within this tolerance.
BATCH_TOLERANCE = 1e-5


def same_results(a, b, tol: float = BATCH_TOLERANCE) -> bool:
    """``a == b`` for nested dicts/lists/strings, with floats equal within ``tol``."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_results(a[k], b[k], tol) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_results(x, y, tol) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(a - b) <= tol
    return a == b


@pytest.fixture
def same():
    """``same(a, b)``: results equal, floats within ``BATCH_TOLERANCE`` (see ``same_results``)."""
    return same_results
