"""``train.size_to_minutes``: the run is sized once, before it starts (a few steps and an
evaluation timed on a copy of the model), then it is an ordinary step-planned run: the config
saved holds ``max_steps``, meta.json says how it was chosen, and the same command with
``train.max_steps=N`` gives the same bytes (the probe disturbed no weight and no generator).
The LM and the recommender's session-parallel lanes carry state across batches."""

import json
from pathlib import Path

import pytest
import yaml

import rnnlp

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "tests" / "assets"
EXTRA = {"sentiment": [], "lm": [f"data.train={ASSETS / 'lm/tiny.txt'}"],
         "recommender": ["data.batching=session_parallel"]}


@pytest.mark.parametrize("task", sorted(EXTRA))
def test_a_sized_run_is_the_run_of_its_recorded_steps(task, tmp_path):
    common = ["train.threads=1", "train.progress=false", "train.epochs=2", "train.schedule=linear",
              f"data.root={ROOT}", *EXTRA[task]]
    recipe = str(ROOT / "recipes" / task / "tiny.yaml")
    sized = rnnlp.api.train(task, recipe, [f"train.output={tmp_path / 'sized'}", "train.max_steps=null",
                                           "train.size_to_minutes=0.005", *common])
    run = json.loads((sized / "last" / "meta.json").read_text())["run"]
    steps = run["sized"]["max_steps"]
    assert run["steps"] == run["planned_steps"] == run["schedule_steps"] == steps >= 1
    assert run["sized"]["minutes"] == 0.005 and run["sized"]["seconds_per_step"] > 0
    assert yaml.safe_load((sized / "best" / "config.yaml").read_text())["train"]["max_steps"] == steps
    again = rnnlp.api.train(task, recipe, [f"train.output={tmp_path / 'again'}", f"train.max_steps={steps}",
                                           "train.size_to_minutes=0.005", *common])  # a given max_steps: no sizing
    assert "sized" not in json.loads((again / "last" / "meta.json").read_text())["run"]
    for kind in ("best", "last"):
        assert (sized / kind / "model.safetensors").read_bytes() == (again / kind / "model.safetensors").read_bytes()


def test_the_probe_counts_the_mean_step_and_the_checkpoints():
    """Batches of skewed cost (one slow step in four, as long padded sequences are): the probe's
    step is their mean, not the median of the fast ones; a save and an evaluation are timed and
    their shares enter the steps chosen."""
    import time
    from types import SimpleNamespace

    import torch

    from rnnlp.training.optim import build_optimizer
    from rnnlp.training.sizing import size_steps

    costs = [0.001, 0.001, 0.001, 0.03] * 8

    class Batch(SimpleNamespace):
        def to(self, device):
            return self

    def loss(model, batch):
        time.sleep(batch.cost)
        return model(torch.ones(1, 4)).sum(), 1

    tcfg = SimpleNamespace(size_to_minutes=1.0, eval_every=10, save_every=5, epochs=100, clip_norm=1.0,
                           optimizer="adam", lr=0.01, weight_decay=0.0, betas=(0.9, 0.999), momentum=0.0, eps=1e-8)
    sized = size_steps(torch.nn.Linear(4, 2), lambda epoch: (Batch(cost=c) for c in costs), loss,
                       lambda model: time.sleep(0.05), tcfg, len(costs), build_optimizer)
    assert sized["seconds_per_step"] > 0.006  # the mean is ~0.008; the median would be ~0.001
    assert sized["save_seconds"] > 0 and sized["eval_seconds"] >= 0.05
    share = (sized["eval_seconds"] + 2 * sized["save_seconds"]) / 10 + sized["save_seconds"] / 5
    assert sized["seconds_overall"] == pytest.approx(sized["seconds_per_step"] + share, abs=1e-3)  # rounded parts
    assert sized["max_steps"] <= len(costs) * 100
