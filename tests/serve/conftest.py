"""Fixtures of the server tests (``models``, every task's tiny model loaded once, is in tests/conftest.py)."""

import base64
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IMAGES = sorted((ROOT / "tests" / "assets" / "captioning" / "images").iterdir())


@pytest.fixture(scope="session")
def images_b64() -> list[str]:
    return [base64.b64encode(p.read_bytes()).decode() for p in IMAGES[:3]]
