"""The series task: training on the bundled sample, model.predict on arrays, evaluate, the CLI."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import rnnlp
from rnnlp.errors import DataError

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "rnnlp" / "data" / "samples" / "series"


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rnnlp", *args], capture_output=True, text=True, timeout=120,
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "PATH": ""})


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Conv frames, train statistics, a held-out fifth of train for selection."""
    return rnnlp.api.train("series", str(ROOT / "recipes" / "series" / "tiny.yaml"), [
        f"train.output={tmp_path_factory.mktemp('series') / 'run'}", "train.threads=1", "train.max_steps=6",
        "train.epochs=3", "frames.projection=conv", "frames.kernel=3", "frames.stride=2",
        "data.normalize=train", f"data.train={SAMPLE / 'train.tsv'}", "data.valid_fraction=0.25"])


def test_train_statistics_travel_in_the_checkpoint(run):
    model = rnnlp.load(run)
    rows = np.loadtxt(SAMPLE / "train.tsv", usecols=range(1, 25))  # every train series has >= 24 values
    assert model.model.shift.item() != 0.0 and model.model.scale.item() != 1.0
    assert abs(model.model.shift.item() - rows.mean()) < 0.2
    assert (run / "metrics.jsonl").read_text().count("accuracy") >= 1


def test_predict_takes_one_series_many_or_ragged_lists(run):
    model = rnnlp.load(run)
    series = np.sin(np.arange(30) / 2)
    one = model.predict_proba(series)[None]  # one series: one row of K
    assert one.shape == (1, 3) and np.allclose(one.sum(1), 1.0, atol=1e-6)
    two = model.predict_proba(np.stack([series, series]))
    ragged = model.predict_proba([series, series[:20]])
    assert np.allclose(two[0], one[0], atol=1e-6) and np.allclose(ragged[0], one[0], atol=1e-6)
    padded = model.predict_proba(np.concatenate([series[:20], [np.nan] * 10])[None])  # NaN tail = shorter
    assert np.allclose(padded[0], ragged[1], atol=1e-6)
    row = model.predict(series)  # one series: one result
    assert model.predict([series]) == [row]
    assert row["label"] in model.labels and set(row["probabilities"]) == {"1", "2", "3"}


def test_bad_inputs_to_predict(run):
    model = rnnlp.load(run)
    with pytest.raises(ValueError, match=r"^series is None; give one series"):
        model.predict(None)
    with pytest.raises(ValueError, match=r"^series\[1\] is None$"):
        model.predict_proba([np.zeros(5), None])
    with pytest.raises(DataError, match="input: series 1 has a missing value"):
        model.predict([np.array([1.0, np.nan, 2.0])])
    with pytest.raises(DataError, match="have 2 channel\\(s\\); this model was trained on 1"):
        model.predict([np.zeros((5, 2))])


def test_evaluate_reports_on_a_labelled_file(run):
    model = rnnlp.load(run)
    report = model.evaluate(str(SAMPLE / "test.tsv"))
    assert report["count"] == 24 and report["labels"] == ["1", "2", "3"]
    assert sum(map(sum, report["confusion"])) == 24
    assert "accuracy:" in model.format_report(report)


def test_cli_predict_and_evaluate(run, tmp_path):
    proc = cli("predict", str(run), "--input", str(SAMPLE / "test.tsv"), "--format", "ucr", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    expected = rnnlp.load(run).predict_proba(rnnlp.load(run).read(str(SAMPLE / "test.tsv")).values)
    assert len(rows) == 24 and rows[0]["series"] == 1
    assert [r["probability"] for r in rows] == pytest.approx(expected.max(1).tolist(), abs=1e-6)
    np.save(tmp_path / "x.npy", np.sin(np.arange(60) / 2).reshape(2, 30))
    proc = cli("predict", str(run), "--input", str(tmp_path / "x.npy"))
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) == 2, proc.stderr
    proc = cli("evaluate", str(run), "--data", str(SAMPLE / "test.tsv"), "--json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["count"] == 24


def test_cli_bad_inputs_are_one_line_errors(run, tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("1\t0.5\tNaN\t0.7\n")
    proc = cli("evaluate", str(run), "--data", str(bad))
    assert proc.returncode == 2 and "series 1 has a missing value (NaN) at step 2" in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    proc = cli("predict", str(run), "some text")
    assert proc.returncode == 2 and "--input FILE" in proc.stderr
    proc = cli("train", "series", "--train", str(bad), "-o", str(tmp_path / "r"), "train.threads=1")
    assert proc.returncode == 2 and "data.nan=interpolate" in proc.stderr and "Traceback" not in proc.stderr


def test_an_unlabelled_tsv_is_never_read_as_labelled(run, tmp_path):  # B46
    unlabelled = tmp_path / "new.tsv"
    unlabelled.write_text("0.53\t0.1\t0.2\t0.3\n0.12\t0.4\t0.5\t0.6\n")
    proc = cli("predict", str(run), "--input", str(unlabelled))
    assert proc.returncode == 2 and "its first column holds '0.53', which is not a label of this model" in proc.stderr
    assert "pass --format values" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    proc = cli("predict", str(run), "--input", str(unlabelled), "--format", "values", "--json")
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) == 2, proc.stderr
