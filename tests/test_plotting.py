"""``rnnlp.plotting``: each plot writes a PNG; without matplotlib, a one-line ConfigError."""

import sys

import numpy as np
import pytest

from rnnlp.errors import ConfigError
from rnnlp.plotting import (plot_caption_attention, plot_forecast, plot_translation_attention, pyplot)

PNG = b"\x89PNG"


def test_missing_matplotlib_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ConfigError) as exc:
        pyplot("--plot")
    assert str(exc.value) == "--plot needs matplotlib: pip install 'rnnlp[plot]'"


def test_plots_write_pngs(tmp_path):
    pytest.importorskip("matplotlib")
    rng = np.random.default_rng(0)
    weights = rng.dirichlet(np.ones(4), size=3)  # 3 target tokens over 4 source tokens
    plot_translation_attention({"weights": weights, "source_tokens": list("abcd"), "target_tokens": list("xyz")},
                               tmp_path / "t.png")
    grid = rng.random((2, 7, 7))
    plot_caption_attention({"image": rng.integers(0, 255, (32, 48, 3), dtype=np.uint8), "weights": grid,
                            "tokens": ["a", "dog"], "caption": "a dog"}, tmp_path / "c.png")
    values = np.arange(20, dtype=float).reshape(10, 2)
    curve = ("ar", values[:3] + 1, values[:3], values[:3] + 2)
    plot_forecast(tmp_path / "f.png", values, ["a", "b"], np.arange(10.0), 10, [curve], "title")
    assert [(tmp_path / n).read_bytes()[:4] for n in ("t.png", "c.png", "f.png")] == [PNG] * 3
