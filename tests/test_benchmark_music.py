"""benchmarks/music.py: the constant baseline against numpy by hand, and the table read from run logs."""

import importlib
import json
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "assets" / "music" / "tiny.mat"


@pytest.fixture
def music(monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    module = importlib.import_module("music")
    monkeypatch.setattr(module, "LOGS", tmp_path)
    return module


def test_constant_baseline_is_each_keys_training_frequency(music):
    import scipy.io

    cells = scipy.io.loadmat(TINY)
    train = np.concatenate(list(cells["traindata"].ravel())).astype(float)
    test = np.concatenate(list(cells["testdata"].ravel())).astype(float)
    p = np.clip(train.mean(0), 1e-6, 1 - 1e-6)
    expected = -(test * np.log(p) + (1 - test) * np.log(1 - p)).sum(1).mean()
    assert music.constant_baseline(TINY)["test"] == pytest.approx(expected)


def test_a_row_is_the_median_of_its_seeds_and_says_whether_the_goal_is_met(music, tmp_path):
    for seed, (valid, test) in enumerate([(8.5, 8.40), (8.6, 8.50), (8.4, 8.44)]):
        folder = tmp_path / "jsb_lstm" / f"seed{seed}"
        folder.mkdir(parents=True)
        (folder / "metrics.jsonl").write_text(json.dumps({"step": 100 + seed}) + "\n")
        (folder / "test.json").write_text(json.dumps({
            "seed": seed, "train_minutes": 3.0, "load_start": 1.0, "load_end": 2.0, "commit": "abc",
            "valid": {"loss": valid}, "test": {"loss": test, "piece_loss": test, "accuracy": 0.2}}))
    line = music._row_line("JSB", "jsb_lstm", 8.45)
    assert "| 0, 1, 2 | 8.5000 | **8.4400** |" in line and "<= 8.45: met" in line and "| 102 |" in line
    assert "not run" in music._row_line("JSB", "jsb_nade", 7.0)


def _seed_logs(folder: Path, rows: list[dict], version: str, valid: float, test: float) -> None:
    folder.mkdir(parents=True)
    (folder / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (folder / "meta.json").write_text(json.dumps({"rnnlp_version": version}))
    (folder / "config.yaml").write_text(f"train:\n  output: runs/{folder.parent.name}\n  seed: 0\n")
    (folder / "test.json").write_text(json.dumps({"seed": 0, "commit": version, "valid": {"loss": valid},
                                                  "test": {"loss": test}}))


def test_a_rerun_is_compared_with_its_row_leaving_out_the_timing_fields(music, tmp_path):
    old = [{"step": 10, "loss": 9.5, "elapsed_s": 1.0, "tokens_per_s": 50.0}, {"step": 20, "loss": 9.0}]
    _seed_logs(tmp_path / "jsb_lstm" / "seed0", old, "0.2.0", 8.3, 8.4)
    assert music.rerun_check("jsb_lstm_v030check") is None  # not run yet
    new = [{**old[0], "elapsed_s": 2.0, "tokens_per_s": 25.0}, old[1]]
    _seed_logs(tmp_path / "jsb_lstm_v030check" / "seed0", new, "0.3.0", 8.3, 8.4)
    line = music.rerun_check("jsb_lstm_v030check")
    assert "identical" in line and "rnnlp 0.3.0" in line and "rnnlp 0.2.0" in line
    assert "config.yaml the same" in line  # train.output aside


def test_a_rerun_that_differs_says_where_and_by_how_much(music, tmp_path):
    _seed_logs(tmp_path / "jsb_lstm" / "seed0", [{"step": 10, "loss": 9.5}, {"step": 20, "loss": 9.0}], "0.2.0",
               8.3, 8.4)
    _seed_logs(tmp_path / "jsb_lstm_v030check" / "seed0", [{"step": 10, "loss": 9.5}, {"step": 20, "loss": 9.25}],
               "0.3.0", 8.35, 8.45)
    line = music.rerun_check("jsb_lstm_v030check")
    assert "differ" in line and "step 20" in line and "0.25" in line and "8.3500 against 8.3000" in line
