"""Tiny LM runs (trained once per session) and the driver's build step, for the transfer tests."""

from pathlib import Path

import pytest
import torch

import rnnlp.api
from rnnlp import transfer
from rnnlp.tasks.driver import task_module
from rnnlp.tasks.table import entry

ROOT = Path(__file__).resolve().parents[2]
RECIPES = ROOT / "recipes"
TAGGING = ROOT / "tests" / "assets" / "tagging" / "train.conll"


def _train(task, folder, *overrides):
    return rnnlp.api.train(task, str(RECIPES / task / "tiny.yaml"), [f"train.output={folder}", *overrides])


@pytest.fixture(scope="session")
def runs(tmp_path_factory):
    """Word LMs: forward (tied), a second one standing for the backward LM (untied); char LMs
    forward and backward (reversed text); a tagger (a run of the wrong task)."""
    tmp = tmp_path_factory.mktemp("lms")
    return {"fwd": _train("lm", tmp / "fwd"),
            "bwd": _train("lm", tmp / "bwd", "train.seed=1", "model.tie_weights=false"),
            "char": _train("lm", tmp / "char", "text.level=char", "text.lowercase=false", "train.max_steps=1"),
            "charb": _train("lm", tmp / "charb", "text.level=char", "text.lowercase=false", "train.max_steps=1",
                            "data.reverse=true", "model.hidden_size=16"),
            "adaptive": _train("lm", tmp / "adaptive", "model.tie_weights=false", "model.output=adaptive",
                               "model.cutoffs=[20, 100]"),
            "tagger": _train("tagging", tmp / "tag", f"data.train={TAGGING}", "train.max_steps=1")}


def build(task, overrides):
    """What the driver builds before training: the resolved config's model, LM weights copied in."""
    cfg = transfer.resolve(task, rnnlp.api.make_config(task, str(RECIPES / task / "tiny.yaml"), overrides),
                           entry(task))
    prep = task_module(task).prepare(cfg, None, torch.device("cpu"))
    transfer.initialise(entry(task), prep)
    return prep


@pytest.fixture
def prepared():
    return build
