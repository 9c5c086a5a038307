"""Exact resume after SIGKILL (sentiment; the lm with dropout and its carried state) and a kill
during a checkpoint write.

Ctrl-C, resume and 2-process DDP of every task: tests/tasks/test_every_task.py.
"""

import json
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from safetensors.torch import load_file

ROOT = Path(__file__).resolve().parents[2]
TINY = str(ROOT / "recipes" / "sentiment" / "tiny.yaml")
# 256 examples / batch 32 = 8 steps an epoch, no dropout: runs are exactly repeatable
BASE = ["train.max_steps=null", "train.epochs=2", "train.save_every=1", "train.threads=1"]


def train_in_subprocess(out, extra=(), kill_on_call=None, kill_in_save=None):
    """Run training in a fresh process; optionally SIGKILL it at the N-th loss_fn / save_file call."""
    script = textwrap.dedent(f"""
        import os, signal, sys
        import rnnlp.tasks.sentiment as task
        import rnnlp.training.checkpoint as ck
        calls = {{"loss": 0, "save": 0}}
        loss_fn, save_file = task.loss_fn, ck.save_file
        def killing_loss(model, batch):
            calls["loss"] += 1
            if calls["loss"] == {kill_on_call!r}:
                os.kill(os.getpid(), signal.SIGKILL)
            return loss_fn(model, batch)
        def killing_save(tensors, path, *a, **k):
            calls["save"] += 1
            save_file(tensors, path, *a, **k)
            if calls["save"] == {kill_in_save!r}:
                os.kill(os.getpid(), signal.SIGKILL)  # inside atomic_directory: before the rename
        task.loss_fn, ck.save_file = killing_loss, killing_save
        from rnnlp.api import train
        resume = sys.argv[1] if len(sys.argv) > 1 else None
        train("sentiment", {TINY!r}, {[*BASE, f"train.output={out}", *extra]!r}, resume=resume)
    """)
    return script


def run(script, *args):
    return subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=300)


def weights(folder):
    return load_file(str(Path(folder) / "model.safetensors"))


def same(a, b, atol=0.0):
    return a.keys() == b.keys() and all((a[k].double() - b[k].double()).abs().max().item() <= atol for k in a)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "run"
    proc = run(train_in_subprocess(out))
    assert proc.returncode == 0, proc.stderr
    return out


def test_sigkill_mid_epoch_then_resume_gives_identical_weights(reference, tmp_path):
    out = tmp_path / "run"
    proc = run(train_in_subprocess(out, kill_on_call=11))  # 3 steps into epoch 2
    assert proc.returncode == -signal.SIGKILL
    assert '"step": 8' in (out / "metrics.jsonl").read_text()  # epoch 1 ended and was evaluated
    proc = run(train_in_subprocess(out), str(out))
    assert proc.returncode == 0, proc.stderr
    assert same(weights(out / "last"), weights(reference / "last"))
    assert same(weights(out / "best"), weights(reference / "best"))
    final = (out / "metrics.jsonl").read_text().splitlines()[-1]
    a, b = json.loads(final), json.loads((reference / "metrics.jsonl").read_text().splitlines()[-1])
    assert {k: v for k, v in a.items() if k not in ("elapsed_s", "tokens_per_s", "train_loss")} == \
           {k: v for k, v in b.items() if k not in ("elapsed_s", "tokens_per_s", "train_loss")}


def test_kill_during_checkpoint_write_keeps_previous_checkpoint_loadable(tmp_path):
    from rnnlp.training.checkpoint import load_trainer, read_checkpoint

    out = tmp_path / "run"
    proc = run(train_in_subprocess(out, kill_in_save=6))
    assert proc.returncode == -signal.SIGKILL
    ckpt = read_checkpoint(out / "last")
    assert ckpt["meta"]["task"] == "sentiment"
    assert load_trainer(out / "last")["step"] >= 1
    proc = run(train_in_subprocess(out), str(out))  # and the run can go on from there
    assert proc.returncode == 0, proc.stderr


LM = ["train.max_steps=null", "train.epochs=2", "train.save_every=1", "data.random_bptt=true", "model.cell=lstm",
      f"data.train={ROOT / 'tests' / 'assets' / 'lm' / 'tiny.txt'}"]


def lm_in_subprocess(out, kill_on_step=None):
    """The lm's tiny recipe (dropout 0.2, random BPTT lengths, the state carried from batch to
    batch); SIGKILL inside fit's N-th training step. An exact resume needs the RNG states and
    the carried state of the killed step, not only the weights."""
    return textwrap.dedent(f"""
        import os, signal, sys
        import rnnlp.training.fit as fit
        calls, step = [0], fit._train_step
        def killing_step(loop, batch):
            calls[0] += 1
            if calls[0] == {kill_on_step!r}:
                os.kill(os.getpid(), signal.SIGKILL)
            step(loop, batch)
        fit._train_step = killing_step
        from rnnlp.api import train
        resume = sys.argv[1] if len(sys.argv) > 1 else None
        train("lm", {str(ROOT / "recipes" / "lm" / "tiny.yaml")!r}, {[*LM, f"train.output={out}"]!r}, resume=resume)
    """)


def test_lm_sigkill_mid_epoch_then_resume_gives_identical_weights(tmp_path):
    ref = tmp_path / "ref"
    proc = run(lm_in_subprocess(ref))
    assert proc.returncode == 0, proc.stderr
    steps = json.loads((ref / "metrics.jsonl").read_text().splitlines()[0])["step"]  # one epoch
    assert steps >= 4
    out = tmp_path / "run"
    proc = run(lm_in_subprocess(out, kill_on_step=steps + 3))  # 2 steps into epoch 2
    assert proc.returncode == -signal.SIGKILL
    proc = run(lm_in_subprocess(out), str(out))
    assert proc.returncode == 0, proc.stderr
    assert same(weights(out / "last"), weights(ref / "last"))
    a, b = (json.loads((d / "metrics.jsonl").read_text().splitlines()[-1]) for d in (out, ref))
    assert a["loss"] == b["loss"] and a["step"] == b["step"] > steps
