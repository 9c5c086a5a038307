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
