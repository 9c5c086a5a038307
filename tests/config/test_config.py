from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Optional

import pytest

from rnnlp.config.base import build_config, from_dict, parse_override
from rnnlp.config.sentiment import SentimentConfig
from rnnlp.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Inner:
    size: int = 3
    rate: float = 0.5
    name: Optional[str] = None
    kind: Literal["a", "b"] = "a"


@dataclass
class Outer:
    inner: Inner = field(default_factory=Inner)
    flag: bool = False
    sizes: list[int] = field(default_factory=list)


def test_partial_mapping_keeps_defaults():
    cfg = from_dict(Outer, {"inner": {"size": 7}})
    assert cfg == Outer(inner=Inner(size=7))


def test_int_is_accepted_for_float_but_not_bool_for_int():
    assert from_dict(Inner, {"rate": 1}).rate == 1.0
    with pytest.raises(ConfigError, match="bad type for 'size'"):
        from_dict(Inner, {"size": True})


@pytest.mark.parametrize("data, message", [
    ({"inner": {"sise": 1}}, "unknown key 'inner.sise'; did you mean 'inner.size'? valid keys here: kind, name, rate, size"),
    ({"inner": {"size": "big"}}, "bad type for 'inner.size': expected int, got str 'big'"),
    ({"inner": {"kind": "c"}}, "bad value 'c' for 'inner.kind'; choose one of: a, b"),
    ({"sizes": [1, "x"]}, "bad type for 'sizes[1]'"),
    ({"inner": 3}, "inner: expected a mapping, got int"),
])
def test_strict_errors_name_the_key(data, message):
    with pytest.raises(ConfigError) as err:
        from_dict(Outer, data)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_overrides_are_yaml_values_applied_last(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("inner:\n  size: 4\nflag: false\n")
    cfg = build_config(Outer, recipe, ["inner.size=9", "flag=true", "inner.name=null", "sizes=[1, 2]"])
    assert cfg == Outer(inner=Inner(size=9), flag=True, sizes=[1, 2])
    assert from_dict(Inner, {"rate": parse_override("rate=1e-3")[1]}).rate == 1e-3
    with pytest.raises(ConfigError, match="write section.field=value"):
        parse_override("train.lr")


def test_bad_yaml_and_missing_recipe(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("inner: [1,\n")
    with pytest.raises(ConfigError, match="is not valid YAML"):
        build_config(Outer, bad)
    with pytest.raises(ConfigError, match="recipe not found"):
        build_config(Outer, tmp_path / "nope.yaml")


@pytest.mark.parametrize("recipe", sorted((ROOT / "recipes").rglob("*.yaml")), ids=lambda p: p.parent.name + "/" + p.name)
def test_every_recipe_loads_strictly(recipe, tmp_path, monkeypatch):
    """Strict keys; files it ships resolve beside it, the data it needs under a data root."""
    import importlib

    import yaml

    from rnnlp.api import make_config
    from rnnlp.config.paths import path_fields
    from rnnlp.tasks.table import TASKS

    task = yaml.safe_load(recipe.read_text())["task"]
    assert task in TASKS, f"{recipe} is a recipe of task {task!r}, which is not in the task table"
    monkeypatch.chdir(tmp_path)
    module, name = TASKS[task].config.split(":")
    written = from_dict(getattr(importlib.import_module(module), name), yaml.safe_load(recipe.read_text()))
    data = tmp_path / "data"
    for _, holder, f in path_fields(written):
        value = getattr(holder, f.name)
        if value and not (recipe.parent / value).exists():  # data the user brings: a stand-in file
            (data / value).parent.mkdir(parents=True, exist_ok=True)
            (data / value).write_text("")
    monkeypatch.setenv("RNNLP_DATA", str(data))
    cfg = make_config(task, recipe)
    assert cfg.task == task
    for key, holder, f in path_fields(cfg):
        value = getattr(holder, f.name)
        assert value is None or (Path(value).is_absolute() and Path(value).exists()), key
        assert value is None or Path(value).is_relative_to(data) or Path(value).is_relative_to(ROOT), key


def test_sentiment_defaults_round_trip():
    from rnnlp.config.base import to_dict
    cfg = SentimentConfig()
    assert from_dict(SentimentConfig, to_dict(cfg)) == cfg


def test_partial_section_keeps_the_task_specific_defaults():
    @dataclass
    class Task:
        inner: Inner = field(default_factory=lambda: Inner(size=40, rate=0.1))

    cfg = from_dict(Task, {"inner": {"rate": 0.7}})
    assert cfg.inner == Inner(size=40, rate=0.7)
    with pytest.raises(ConfigError, match="unknown key 'inner.nope'"):
        from_dict(Task, {"inner": {"nope": 1}})
