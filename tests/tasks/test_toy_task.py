"""A task defined only here gets its whole surface from one table entry: its ``rnnlp train``
command (``--print-config``), a CLI verb command, an HTTP verb (with /openapi.json) and the
option checks of its Python method, all from the entry and its specification rows."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

import click
import pytest
from click.testing import CliRunner

import rnnlp
from rnnlp.errors import ConfigError
from rnnlp.tasks import spec
from rnnlp.tasks.table import TASKS, TaskEntry

TIMES = spec.Param("times", int, 1, "Say each input this many times.", 1, 5)
ENTRY = TaskEntry(module=__name__, config=f"{__name__}:ToyConfig", summary="A toy task: shout the input.",
                  verbs={"shout": (TIMES,)})


@dataclass
class ToyConfig:
    task: Literal["toy"] = "toy"
    loudness: float = 2.0   # how loud the toy shouts


class Loaded:
    """The toy's loaded model: its verb is a method whose keywords the specification checks."""

    task = "toy"

    def shout(self, texts: list[str], times: int = 1) -> list[str]:
        spec.check(ENTRY.verbs["shout"], {"times": times})
        return [" ".join([t.upper()] * times) for t in texts]


@pytest.fixture
def toy(monkeypatch):
    monkeypatch.setitem(TASKS, "toy", ENTRY)
    monkeypatch.setattr(rnnlp.api, "load", lambda path, device="cpu": Loaded())
    return ENTRY


def test_the_cli_gets_train_and_the_verb(toy):
    from rnnlp.cli import add_verbs
    from rnnlp.cli.train import task_command

    out = CliRunner().invoke(task_command("toy", toy), ["--print-config"])
    assert out.exit_code == 0 and "task: toy\nloudness: 2.0  # how loud the toy shouts" in out.output
    group = click.Group()
    add_verbs(group, {"toy": toy})
    assert list(group.commands) == ["shout"]
    out = CliRunner().invoke(group, ["shout", "ck", "hi", "there", "--times", "2", "--json"])
    assert out.exit_code == 0, out.output
    assert [json.loads(line) for line in out.output.splitlines()] == [
        {"input": "hi", "output": "HI HI"}, {"input": "there", "output": "THERE THERE"}]
    help_text = CliRunner().invoke(group, ["shout", "--help"]).output
    assert "--times INTEGER" in help_text and "between 1 and 5" in help_text
    bad = CliRunner().invoke(group, ["shout", "ck", "hi", "--times", "9"])
    assert bad.exit_code != 0 and "--times must be between 1 and 5, got 9" in str(bad.exception)


def test_the_server_gets_the_verb_and_its_bounds(toy):
    pytest.importorskip("fastapi", reason="the 'serve' extra is not installed")
    from fastapi.testclient import TestClient

    from rnnlp.serve.app import create_app

    with TestClient(create_app({"toy": Loaded()}), raise_server_exceptions=False) as client:
        r = client.post("/v1/models/toy/shout", json={"inputs": ["a", "b"], "times": 3})
        assert r.status_code == 200 and r.json()["outputs"] == ["A A A", "B B B"]
        r = client.post("/v1/models/toy/shout", json={"input": "a", "times": 6})
        assert r.status_code == 422 and r.json() == {"error": "times: must be between 1 and 5, got 6", "field": "times"}
        schema = client.get("/openapi.json").json()["paths"]["/v1/models/toy/shout"]["post"]["requestBody"][
            "content"]["application/json"]["schema"]["properties"]["times"]
        assert (schema["type"], schema["minimum"], schema["maximum"], schema["default"]) == ("integer", 1, 5, 1)


def test_the_python_method_checks_the_same_bounds(toy):
    with pytest.raises(ConfigError, match=r"^times must be between 1 and 5, got 0$"):
        Loaded().shout(["a"], times=0)
    assert Loaded().shout(["a"], times=5) == ["A A A A A"]
