"""Every tiny recipe trains from an unrelated working folder, and its run evaluates from another.

The recipes name their files relative to themselves, so no ``--data-root`` is needed; the run
records absolute paths, so ``rnnlp evaluate RUN`` works wherever it is typed.
"""

import json
import shutil
from pathlib import Path

import pytest
import yaml

from rnnlp.cli import main
from rnnlp.config.base import from_dict
from rnnlp.config.paths import path_fields

ROOT = Path(__file__).resolve().parents[2]
TINY = sorted((ROOT / "recipes").glob("*/tiny.yaml"))
FAST = ["train.max_steps=1", "train.threads=1", "train.progress=false"]


def config_of(checkpoint: Path):
    import importlib

    from rnnlp.tasks.table import TASKS

    data = yaml.safe_load((checkpoint / "config.yaml").read_text())
    module, name = TASKS[data["task"]].config.split(":")
    return from_dict(getattr(importlib.import_module(module), name), data)


@pytest.mark.parametrize("recipe", TINY, ids=lambda p: p.parent.name)
def test_a_tiny_recipe_trains_from_an_unrelated_folder(recipe, tmp_path, monkeypatch, capsys):
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    monkeypatch.delenv("RNNLP_DATA", raising=False)
    if recipe.parent.name == "tagging":  # the tiny tagging recipe names no data: a file in the cwd
        shutil.copy(ROOT / "tests/assets/tagging/train.conll", "mine.conll")
    extra = ["--train", "mine.conll"] if recipe.parent.name == "tagging" else []
    main(["train", recipe.parent.name, "--recipe", str(recipe), *extra, *FAST, "-o", "run"])
    best = tmp_path / "work" / "run" / "best"
    given = [(key, getattr(holder, f.name)) for key, holder, f in path_fields(config_of(best))]
    assert given, "a task config without path fields"
    for key, value in given:
        assert value is None or (Path(value).is_absolute() and Path(value).exists()), (key, value)


def test_a_captioning_run_evaluates_its_test_split_from_another_folder(tmp_path, monkeypatch, capsys):
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
    monkeypatch.chdir(tmp_path / "a")
    monkeypatch.delenv("RNNLP_DATA", raising=False)
    main(["train", "captioning", "--recipe", str(ROOT / "recipes/captioning/tiny.yaml"), *FAST, "-o", "run"])
    monkeypatch.chdir(tmp_path / "b")
    capsys.readouterr()
    main(["evaluate", str(tmp_path / "a" / "run"), "--split", "test", "--json"])
    report = json.loads(capsys.readouterr().out)
    test_images = (ROOT / "tests/assets/captioning/test.txt").read_text().split()
    assert report["split"] == "test" and report["count"] == len(test_images)
