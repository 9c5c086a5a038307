"""Fixtures shared by the CLI tests."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def trained(tiny_runs):
    """A tiny sentiment run folder (recipes/sentiment/tiny.yaml), the session's one."""
    return tiny_runs("sentiment")
