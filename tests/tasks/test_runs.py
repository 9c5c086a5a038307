"""Run folders: ``-o`` on a run refuses unless ``--overwrite``; a run stopped before its first
checkpoint leaves no folder behind (and, with ``--overwrite``, puts the old run back)."""

import dataclasses
import json
from pathlib import Path

import pytest

from rnnlp.errors import ConfigError
from rnnlp.tasks import runs

ROOT = Path(__file__).resolve().parents[2]
TRAIN = ["train", "sentiment", "--recipe", str(ROOT / "recipes/sentiment/tiny.yaml"), "train.threads=1",
         "train.max_steps=1", "data.train_limit=32"]


def _created(run: Path) -> str:
    return json.loads((run / "best" / "meta.json").read_text())["created"] + str(
        (run / "best" / "model.safetensors").stat().st_mtime_ns)


def test_reusing_o_refuses_and_overwrite_replaces(tmp_path, run_cli):
    run = tmp_path / "run"
    assert run_cli([*TRAIN, "-o", run])[0] == 0
    first, rows = _created(run), (run / "metrics.jsonl").read_text()
    code, _, err = run_cli([*TRAIN, "-o", run])
    assert code == 2 and err == (f"error: -o {run} already holds a run (best, last, metrics.jsonl); pass "
                                 f"--overwrite to replace it, --resume {run} to continue it, or choose another -o\n")
    assert _created(run) == first
    code, _, _ = run_cli([*TRAIN, "-o", run, "--overwrite"])
    assert code == 0 and _created(run) != first
    steps = lambda text: [json.loads(row)["step"] for row in text.splitlines()]  # noqa: E731
    assert steps((run / "metrics.jsonl").read_text()) == steps(rows) == [1]  # replaced, not appended to
    assert sorted(p.name for p in run.iterdir()) == ["best", "last", "metrics.jsonl"]


def test_o_on_a_file_is_refused(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(ConfigError, match="this is a file"):
        runs.choose_folder("sentiment", str(tmp_path / "f"))


def test_default_folders_never_collide(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(runs.time, "strftime", lambda fmt: "20260101-000000")
    (tmp_path / "runs" / "lm-20260101-000000").mkdir(parents=True)
    assert runs.choose_folder("lm", None) == Path("runs/lm-20260101-000000-2")


@pytest.fixture
def interrupt_first_batch(monkeypatch):
    """Ctrl-C as the first batch is read: before any checkpoint (through fit's own handler)."""
    from rnnlp.tasks import sentiment

    real = sentiment.prepare

    def prepare(*args):
        def batches(epoch):
            raise KeyboardInterrupt
            yield  # a generator, like the real ones

        return dataclasses.replace(real(*args), batches=batches)

    monkeypatch.setattr(sentiment, "prepare", prepare)


def test_ctrl_c_before_the_first_checkpoint_leaves_no_folder(tmp_path, run_cli, interrupt_first_batch):
    run = tmp_path / "new" / "run"
    code, _, err = run_cli([*TRAIN, "-o", run])
    assert code == 130 and "nothing was saved" in err
    assert not run.exists()


def test_ctrl_c_with_overwrite_puts_the_old_run_back(tmp_path, run_cli, monkeypatch):
    run = tmp_path / "run"
    assert run_cli([*TRAIN, "-o", run])[0] == 0
    before = {p.relative_to(run): p.read_bytes() for p in run.rglob("*") if p.is_file()}
    from rnnlp.tasks import sentiment

    real = sentiment.prepare
    monkeypatch.setattr(sentiment, "prepare", lambda *a: dataclasses.replace(
        real(*a), batches=lambda epoch: (_ for _ in ()).throw(KeyboardInterrupt)))
    assert run_cli([*TRAIN, "-o", run, "--overwrite"])[0] == 130
    assert {p.relative_to(run): p.read_bytes() for p in run.rglob("*") if p.is_file()} == before


def test_a_resumed_run_is_never_cleaned_up(tmp_path):
    run = tmp_path / "run"
    (run / "last").mkdir(parents=True)
    (run / "metrics.jsonl").write_text("{}\n")
    with runs.run_folder(run):  # nothing new saved: a resumed run keeps what it had
        pass
    assert (run / "last").is_dir() and (run / "metrics.jsonl").read_text() == "{}\n"


def _sub(args, **kw):
    import os
    import subprocess
    import sys

    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "rnnlp", *map(str, args)], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_default_sigint, **kw)


def _default_sigint() -> None:
    """Ctrl-C as in a terminal, even when the tests run in a background job (SIGINT ignored there)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_kill_9_at_any_moment_of_an_overwrite_leaves_a_loadable_run(tmp_path, run_cli):  # B88
    """8 trials: kill -9 an --overwrite training after delays spread evenly from 0.3 to 1.2 times what
    a whole run takes here (process start, data, training, swap: every phase is hit); the folder
    always holds a loadable run, the old one or the new complete one, and the next command finds no
    half-swapped folder. (20 random delays before; an even grid covers the phases with fewer runs.)"""
    import signal
    import time

    import rnnlp

    run = tmp_path / "run"
    assert run_cli([*TRAIN, "-o", run, "train.max_steps=2", "train.save_every=1"])[0] == 0
    overwrite = [*TRAIN, "-o", run, "--overwrite", "train.max_steps=3", "train.save_every=1"]
    start = time.perf_counter()
    assert _sub(overwrite).wait() == 0
    whole = time.perf_counter() - start  # process start, data, training, the swap
    kept = {"old": 0, "new": 0}
    for i in range(8):
        before = _created(run)
        proc = _sub(overwrite)
        try:
            proc.wait(timeout=(0.3 + 0.9 * i / 7) * whole)
        except Exception:  # still running: kill it where it is
            proc.send_signal(signal.SIGKILL)
        proc.communicate()
        runs.recover_run(run)  # what every command that opens the folder does first
        rnnlp.load(run)  # loadable, every time
        kept["old" if _created(run) == before else "new"] += 1
        assert not list(tmp_path.glob(".run.old*"))
    assert kept["old"] and kept["new"], kept  # the delays fell on both sides of the swap


def test_a_second_training_into_the_same_folder_is_refused_naming_the_owner(tmp_path):  # B87
    import signal
    import time

    run = tmp_path / "run"
    first = _sub([*TRAIN, "-o", run, "train.max_steps=100000", "train.epochs=100000"])
    lock = tmp_path / ".run.lock"
    deadline = time.time() + 120
    while not (lock.is_file() and lock.read_text()) and time.time() < deadline:
        time.sleep(0.05)
    second = _sub([*TRAIN, "-o", run, "--overwrite"])
    _, err = second.communicate(timeout=300)
    first.send_signal(signal.SIGINT)  # Ctrl-C: the first one stops, keeping its last checkpoint
    first.communicate(timeout=300)
    assert second.returncode == 2 and first.returncode == 130
    assert err.strip().splitlines()[-1].startswith(f"error: -o {run} is being written by process {first.pid} ")
    assert not lock.exists()  # released and removed when the first one ended


def test_a_diverging_run_stops_with_an_error_and_saves_nothing(tmp_path, run_cli):  # B20
    run = tmp_path / "run"
    code, _, err = run_cli([*TRAIN, "-o", run, "train.lr=1e38", "train.optimizer=sgd", "train.clip_norm=0",
                            "train.max_steps=8", "data.train_limit=256"])
    last = err.strip().splitlines()[-1]
    assert code == 2 and last.startswith("error: the training loss is ") and "lower train.lr" in last, err
    assert not run.exists()  # stopped before its first checkpoint: nothing claims to be a model


def test_resume_applies_the_safe_overrides_and_refuses_the_others(tmp_path, run_cli):  # B85
    run = tmp_path / "run"
    assert run_cli([*TRAIN, "-o", run, "train.max_steps=1"])[0] == 0
    code, _, err = run_cli([*TRAIN, "--resume", run, "train.max_steps=2", "train.epochs=2"])
    assert code == 0 and "resuming with train.epochs=2 (was 1), train.max_steps=2 (was 1)" in err
    assert json.loads((run / "last" / "trainer" / "trainer.json").read_text())["step"] == 2
    code, _, err = run_cli([*TRAIN, "--resume", run, "train.lr=0.5"])
    assert code == 2 and err.startswith(f"error: --resume {run}: train.lr=0.5 differs from the run's ")
    assert "a resumed run may change only train.max_steps" in err
