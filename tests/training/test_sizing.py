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
