"""DESIGN.md's import rules: no torch for `rnnlp`, the CLI module or `rnnlp.timeseries`; the
building blocks in rnnlp.nn never import config; lower layers never import higher ones."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "rnnlp"
# layer of each subpackage/module; equal numbers may import each other (models <-> decoding)
LAYERS = {"version": 0, "errors": 0, "io": 0, "config": 1, "text": 2, "timeseries": 2, "data": 3, "nn": 4, "models": 5,
          "decoding": 5, "training": 6, "tasks": 7, "transfer": 7, "forecast": 7, "embeddings": 3,
          "export": 8, "plotting": 8, "api": 8, "serve": 8, "cli": 9, "__init__": 9, "__main__": 10}
ORDER = sorted(LAYERS, key=LAYERS.get)


# One interpreter checks every light import, lightest first (each step adds modules; a step that
# pulls in a heavy one fails, named): the package, the CLI group of embeddings, --help, the
# torch-free packages, a classical forecast, and the server kept out of every other command.
LIGHT_IMPORTS = """
import contextlib, io, sys
from rnnlp.cli import main

def heavy(*names):
    return sorted(set(names) & set(sys.modules))

def run(argv):
    with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.redirect_stderr(io.StringIO()):
        try:
            main(argv)
        except SystemExit:
            pass
    return out.getvalue()

import rnnlp, rnnlp.cli.embeddings, rnnlp.embeddings, rnnlp.tasks.table, rnnlp.tasks.spec
assert not heavy("torch", "gensim", "numpy", "tokenizers"), ("the package and the CLI", heavy("torch", "gensim", "numpy", "tokenizers"))
run(["--help"]); run(["train", "--help"]); run(["generate", "--help"])
assert not heavy("torch"), "rnnlp --help imported torch"
import rnnlp.timeseries, rnnlp.config, rnnlp.text
assert not heavy("torch"), "a torch-free package imported torch"
assert "798.367" in run(["forecast", "--data", "nile", "--model", "kalman", "--horizon", "2"])
assert not heavy("torch"), "the classical forecast imported torch"
run(["predict", "--help"])
import rnnlp.api
assert not heavy("fastapi", "uvicorn", "starlette"), "server modules imported outside rnnlp serve"
print("ok")
"""


def test_light_imports_in_one_interpreter():
    done = subprocess.run([sys.executable, "-c", LIGHT_IMPORTS], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


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
    assert own is not None, f"rnnlp/{rel.parts[0]} has no layer: add it to LAYERS here and to DESIGN.md's map"
    for imported in _imports(path):
        other = _layer(imported)
        assert other is not None, f"{rel} imports rnnlp.{imported}, which has no layer in LAYERS"
        if rel.parts[0] == "nn":
            assert imported != "config", f"{rel} imports rnnlp.config (building blocks take plain arguments)"
        # errors and io are leaf utilities anyone may use
        assert other <= own or imported in ("errors", "io"), f"{rel} (layer {own}) imports rnnlp.{imported}"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PKG.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_edges(path: Path, modules: set[str]):
    """Modules of rnnlp that ``path`` imports anywhere in it (function-level imports too:
    deferring an import hides a circle from Python, not from the reader)."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("rnnlp"):
            for alias in node.names:  # `from rnnlp.timeseries import steady` names a module
                sub = f"{node.module}.{alias.name}"
                yield sub if sub in modules else node.module
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.startswith("rnnlp"))


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle in ``graph`` (as a path that returns to its start), or None (depth-first)."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node):
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt in path:
                return path[path.index(nxt):] + [nxt]
            if nxt not in done and (found := visit(nxt)):
                return found
        done.add(path.pop())
        return None

    for node in sorted(graph):
        if node not in done and (found := visit(node)):
            return found
    return None


def test_cycle_finder_finds_a_circle_and_accepts_a_tree():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


@pytest.mark.parametrize("package", sorted(p.name for p in PKG.iterdir() if (p / "__init__.py").exists()))
def test_no_import_circle_inside_a_package(package):
    """Modules of one package import each other in one direction only (a package's __init__,
    which gathers its public names, is left out: importing it is importing the package)."""
    paths = [p for p in (PKG / package).rglob("*.py") if p.name != "__init__.py"]
    modules = {_module_name(p) for p in paths}
    graph = {_module_name(p): set(_import_edges(p, modules)) & modules for p in paths}
    assert (circle := _cycle(graph)) is None, f"import circle in rnnlp.{package}: {' -> '.join(circle)}"


def test_no_import_circle_between_packages():
    """The packages and root modules of rnnlp import each other in one direction only (function-level
    imports included; ``from rnnlp import x`` counts as importing ``rnnlp.x``)."""
    graph: dict[str, set[str]] = {}
    for path in PKG.rglob("*.py"):
        me = path.relative_to(PKG).parts[0].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("rnnlp"):
                names = [f"rnnlp.{a.name}" for a in node.names] if node.module == "rnnlp" else [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names if a.name.startswith("rnnlp")]
            else:
                continue
            graph.setdefault(me, set()).update(n.split(".")[1] for n in names if "." in n and n.split(".")[1] != me)
    assert (circle := _cycle(graph)) is None, f"import circle between packages: {' -> '.join(circle)}"
