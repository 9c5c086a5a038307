"""The music task: tiny runs (Bernoulli and NADE), evaluation against numpy, generation and files."""

from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner

import rnnlp
from rnnlp.cli import cli
from rnnlp.data.midi import read_midi
from rnnlp.data.music import read_rolls
from rnnlp.errors import ConfigError, DataError

ROOT = Path(__file__).resolve().parents[2]
TINY = str(ROOT / "recipes" / "music" / "tiny.yaml")
ASSETS = ROOT / "tests" / "assets" / "music"
FAST = ["train.threads=1", "train.max_steps=6", "train.epochs=3"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("music")
    return {output: rnnlp.api.train("music", TINY, [*FAST, f"model.output={output}", f"train.output={folder / output}"])
            for output in ("bernoulli", "nade")}


def numpy_scores(model, rolls: list) -> dict:
    """Frame- and piece-weighted NLL and Bay et al.'s accuracy from the Bernoulli probabilities, in numpy."""
    nll, tp, fp, fn = [], 0, 0, 0
    for roll in rolls:
        with torch.no_grad():
            context = model.model(torch.tensor(roll[None], dtype=torch.float32))[0]
            p = torch.sigmoid(model.model.output.proj(context)).double().numpy()
        nll.append(-(roll * np.log(p) + (1 - roll) * np.log(1 - p)).sum(1))
        pred = p > 0.5
        tp, fp, fn = tp + (pred & (roll == 1)).sum(), fp + (pred & (roll == 0)).sum(), fn + (~pred & (roll == 1)).sum()
    return {"loss": np.concatenate(nll).mean(), "piece_loss": np.mean([n.mean() for n in nll]),
            "accuracy": tp / (tp + fp + fn)}


def test_bernoulli_nll_and_accuracy_match_numpy(runs):
    model = rnnlp.load(runs["bernoulli"])
    report = model.evaluate(str(ASSETS / "tiny.npz"), split="test")
    expected = numpy_scores(model, read_rolls(ASSETS / "tiny.npz", "test"))
    for key, value in expected.items():
        assert report[key] == pytest.approx(value, rel=1e-5), key
    assert report["frames"] == sum(map(len, read_rolls(ASSETS / "tiny.npz", "test"))) and report["pieces"] == 4
    assert report["loss"] != pytest.approx(report["piece_loss"], rel=1e-6)  # pieces differ in length


def test_evaluate_defaults_to_the_test_split_of_the_training_file(runs):
    model = rnnlp.load(runs["nade"])
    assert model.evaluate() == model.evaluate(str(ASSETS / "tiny.mat"), split="test") | {
        "data": str(ASSETS / "tiny.npz")}
    assert np.isfinite(model.evaluate(split="valid")["loss"])


def test_the_best_checkpoint_is_the_lowest_validation_nll(runs):
    import json

    rows = [json.loads(line) for line in (runs["bernoulli"] / "metrics.jsonl").read_text().splitlines()]
    best = min(r["loss"] for r in rows if "loss" in r)
    assert rnnlp.load(runs["bernoulli"]).metrics["loss"] == pytest.approx(best)


@pytest.mark.parametrize("output", ["bernoulli", "nade"])
def test_generation_repeats_with_the_seed(runs, output):
    model = rnnlp.load(runs[output])
    roll = model.generate(steps=12, seed=0)
    assert roll.shape == (12, 88) and roll.dtype == np.uint8
    assert np.array_equal(roll, model.generate(steps=12, seed=0))
    assert not np.array_equal(roll, model.generate(steps=12, seed=1))
    assert model.generate(steps=12, seed=0, max_notes=2).sum(1).max() <= 2
    prompted = model.generate(steps=12, seed=0, prompt=str(ASSETS / "tiny.mid"))
    assert not np.array_equal(prompted, roll)  # the prompt changes the state


def test_cli_writes_midi_that_reads_back_to_the_generated_roll(runs, tmp_path):
    model = rnnlp.load(runs["nade"])
    args = ["generate", str(runs["nade"]), "--steps", "16", "--seed", "3", "--temperature", "0.9"]
    for name in ("piece.mid", "piece.wav", "piece.png"):
        result = CliRunner().invoke(cli, [*args, "--output", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
    expected = model.generate(steps=16, seed=3, temperature=0.9)
    written = read_midi(tmp_path / "piece.mid", model.steps_per_beat)
    last = np.flatnonzero(expected.any(1))[-1] + 1  # a roll ending in silence is as long as its last note
    assert np.array_equal(written, expected[:last])
    assert (tmp_path / "piece.wav").stat().st_size > 1000 and (tmp_path / "piece.png").stat().st_size > 1000
    printed = CliRunner().invoke(cli, args).output.splitlines()
    assert len(printed) == 16 and printed[0] == (" ".join(str(21 + k) for k in expected[0].nonzero()[0]) or "-")


def test_cli_prompt_piece_and_evaluate(runs):
    result = CliRunner().invoke(cli, ["generate", str(runs["bernoulli"]), "--steps", "4", "--seed", "0",
                                      "--prompt", str(ASSETS / "tiny.npz"), "--prompt-piece", "2"])
    assert result.exit_code == 0, result.output
    model = rnnlp.load(runs["bernoulli"])
    prompt = read_rolls(ASSETS / "tiny.npz", "test")[2]
    expected = model.generate(steps=4, seed=0, prompt=prompt)
    assert result.output.splitlines()[0] == (" ".join(str(21 + k) for k in expected[0].nonzero()[0]) or "-")
    out = CliRunner().invoke(cli, ["evaluate", str(runs["bernoulli"]), "--data", str(ASSETS / "tiny.mat"),
                                   "--split", "valid"]).output
    assert "nats/frame (frame-weighted" in out and "frame accuracy" in out and "[valid]" in out


def test_bad_requests_are_one_line_errors(runs, tmp_path):
    model = rnnlp.load(runs["bernoulli"])
    with pytest.raises(ConfigError, match="give a .mid"):
        model.save(model.generate(steps=2, seed=0), tmp_path / "piece.mp3")
    with pytest.raises(DataError, match="piece 9 asked for"):
        model.read_prompt(ASSETS / "tiny.npz", piece=9)
    with pytest.raises(DataError, match="must be T×88"):
        model.generate(steps=2, prompt=np.zeros((3, 12)))
    with pytest.raises(ConfigError, match=r"^temperature must be in \[0.01, 100\]"):
        model.generate(steps=2, temperature=0)
    result = CliRunner().invoke(cli, ["generate", str(runs["bernoulli"]), "--output", str(tmp_path / "x.mp3")])
    assert result.exit_code != 0 and not (tmp_path / "x.mp3").exists()


def test_config_and_data_mistakes(tmp_path):
    with pytest.raises(ConfigError, match="choose one of: bernoulli, nade"):
        rnnlp.api.make_config("music", TINY, ["model.output=gru_keys"])
    (tmp_path / "only").mkdir()
    from rnnlp.data.midi import write_midi
    write_midi(np.eye(6, 88, 40, dtype=np.uint8), tmp_path / "only" / "a.mid", 2)
    with pytest.raises(DataError, match="has no valid split; give one with --valid"):
        rnnlp.api.train("music", TINY, [*FAST, f"data.train={tmp_path / 'only'}", f"train.output={tmp_path / 'r'}"])
