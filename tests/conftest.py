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
