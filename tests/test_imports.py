"""DESIGN.md's import rules: no torch for `rnnlp`, the CLI module or `rnnlp.timeseries`; the
building blocks in rnnlp.nn never import config; lower layers never import higher ones."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "rnnlp"
# layer of each subpackage/module; equal numbers may import each other (models <-> decoding)
LAYERS = {"errors": 0, "io": 0, "config": 1, "text": 2, "timeseries": 2, "data": 3, "nn": 4, "models": 5,
          "decoding": 5, "training": 6, "tasks": 7, "embeddings": 7, "forecasting": 7, "forecast_data": 7,
          "export": 8, "plotting": 8, "api": 8, "cli": 9}
ORDER = sorted(LAYERS, key=LAYERS.get)


@pytest.mark.parametrize("module", ["rnnlp", "rnnlp.cli", "rnnlp.timeseries", "rnnlp.config", "rnnlp.text"])
def test_no_torch_on_import(module):
    code = f"import sys, {module}; assert 'torch' not in sys.modules, 'torch imported by {module}'"
    subprocess.run([sys.executable, "-c", code], check=True)


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("rnnlp."):
            yield node.module.split(".")[1]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("rnnlp."):
                    yield alias.name.split(".")[1]


def _layer(name: str) -> int | None:
    name = name.removesuffix(".py")
    if name.startswith("cli"):
        name = "cli"
    return LAYERS.get(name)


@pytest.mark.parametrize("path", sorted(p for p in PKG.rglob("*.py")), ids=lambda p: str(p.relative_to(PKG)))
def test_layering(path):
    rel = path.relative_to(PKG)
    own = _layer(rel.parts[0])
    if own is None:
        return
    for imported in _imports(path):
        other = _layer(imported)
        if other is None:
            continue
        if rel.parts[0] == "nn":
            assert imported != "config", f"{rel} imports rnnlp.config (building blocks take plain arguments)"
        # errors and io are leaf utilities anyone may use
        assert other <= own or imported in ("errors", "io"), f"{rel} (layer {own}) imports rnnlp.{imported}"
