"""Every task of the table through the one driver: train, reload, Ctrl-C, resume, DDP, max_steps,
and the same seed giving the same weights.

Each task runs its tiny recipe with SGD, no dropout, a linear schedule and weight averaging
(EMA), 3 epochs capped at 4 steps, a resume checkpoint every step:
- once in one process, with a time budget it never reaches, while a CPU-hungry process runs
  beside it (the reference: the budget stops a run but never shapes it);
- again on a quiet machine, interrupted by SIGINT before step 3 (exit 130, ``last/`` loadable),
  then ``--resume``d: ``model.safetensors`` of best/ and last/ byte-identical to the reference (the
  same seed gives the same weights busy or quiet, interrupted or not; the EMA average is part of
  the resume state). One run fewer per task than a separate busy-machine run;
- under ``torchrun --nproc_per_node 2`` (gloo, CPU): weights equal to 1e-6, only rank 0 writes.
SGD keeps float32 rounding differences of the all-reduce at ~1e-8 (Adam divides by the root
of tiny second moments and amplifies them, which says nothing about DDP).
"""

import json
import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

import rnnlp
from rnnlp.tasks.table import TASKS

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "tests" / "assets"
OLD = ASSETS / "checkpoints_v0_1"

COMMON = ["train.optimizer=sgd", "train.lr=0.1", "train.schedule=linear", "train.epochs=3", "train.max_steps=4",
          "train.save_every=1", "train.threads=1", "train.ema=0.5", f"data.root={ROOT}"]
OVERRIDES = {
    "sentiment": [],
    "tagging": [f"data.train={ASSETS / 'tagging/train.conll'}", f"data.valid={ASSETS / 'tagging/dev.conll'}"],
    "lm": [f"data.train={ASSETS / 'lm/tiny.txt'}", "model.dropout=0", "model.dropout_input=0",
           "model.dropout_hidden=0"],
    "translation": [],
    # a frozen encoder keeps its BatchNorm in eval mode: on CPU each rank would otherwise
    # normalise over its own share of the batch (SyncBatchNorm needs CUDA)
    "captioning": ["encoder.freeze=true"],
    "recommender": [],
    "series": [],
    "speech": [],
    "music": [],
}

PREDICT = {  # one verb of each loaded model, on fixed inputs
    "sentiment": lambda m: m.predict_proba(["a fine film", "dull"]).tolist(),
    "tagging": lambda m: [r["tags"] for r in m.predict(["EU rejects German call", "Peter"])],
    "lm": lambda m: m.generate("the", 8, greedy=True),
    "translation": lambda m: m.translate(["ein hund", "eine katze"], beam_size=2),
    "captioning": lambda m: m.caption(sorted((ASSETS / "captioning" / "images").iterdir())[:2], beam_size=2),
    "recommender": lambda m: m.recommend(["i30 i31 i32", "i05"], 5),
    "series": lambda m: m.predict_proba([np.sin(np.arange(30) / 2), np.sign(np.sin(np.arange(25) / 2))]).tolist(),
    "speech": lambda m: m.transcribe(sorted((ASSETS / "speech" / "fsdd").glob("*_0.wav")), beam_size=2),
    "music": lambda m: m.generate(steps=6, seed=0).tolist(),
}

INTERRUPT = textwrap.dedent("""
    import os, signal, sys
    import rnnlp.training.fit as fit
    calls, step = [0], fit._train_step
    def interrupting(loop, batch):
        calls[0] += 1
        if calls[0] == 3:
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C before the third step
        step(loop, batch)
    fit._train_step = interrupting
    from rnnlp.cli import main
    main(sys.argv[1:])
""")


def test_the_table_lists_every_task_here_and_each_module_is_a_task():
    import inspect

    from rnnlp.tasks.driver import model_info, task_module

    assert set(TASKS) == set(OVERRIDES) == set(PREDICT)
    for name in TASKS:
        module = task_module(name)
        assert module.TASK == name and module.Loaded.task == name and module.Loaded.info is model_info
        assert list(inspect.signature(module.prepare).parameters) == ["cfg", "resumed", "device"]
        assert {"evaluate", "format_report"} <= set(vars(module.Loaded))


def cli_args(task: str, out: Path, *extra: str) -> list[str]:
    return ["train", task, "--recipe", str(ROOT / "recipes" / task / "tiny.yaml"), "-o", str(out),
            *extra, *COMMON, *OVERRIDES[task]]


def run(args: list[str], timeout: int = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=timeout, env=env,
                          cwd=ROOT, preexec_fn=default_sigint)


def default_sigint() -> None:
    """Ctrl-C as in a terminal, even when the tests run in a background job (whose SIGINT is ignored,
    and Python then installs no KeyboardInterrupt handler)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def weights(folder: Path) -> dict:
    return load_file(str(folder / "model.safetensors"))


def max_diff(a: dict, b: dict) -> float:
    assert a.keys() == b.keys()
    return max((a[k].double() - b[k].double()).abs().max().item() for k in a)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


BUSY = "import time\nend = time.time() + 600\nwhile time.time() < end:\n    sum(i * i for i in range(10000))\n"


@pytest.fixture(scope="module", params=sorted(OVERRIDES))
def reference(request, tmp_path_factory):
    """The task's run beside a CPU-hungry process, with a time budget it never reaches."""
    task, out = request.param, tmp_path_factory.mktemp(request.param) / "one"
    busy = subprocess.Popen([sys.executable, "-c", BUSY])
    try:
        proc = run(["-m", "rnnlp", *cli_args(request.param, out, "train.time_limit_minutes=60")])
    finally:
        busy.kill()
        busy.wait()
    assert proc.returncode == 0, proc.stderr[-3000:]
    return task, out, proc.stdout


def test_tiny_recipe_trains_reloads_and_predicts_identically(reference):
    task, out, stdout = reference
    assert (out / "best").is_dir() and f"checkpoint: {out / 'best'}" in stdout
    first = PREDICT[task](rnnlp.load(out))
    assert PREDICT[task](rnnlp.load(out / "best")) == first
    info = rnnlp.load(out).info()
    assert info["task"] == task and info["rnnlp_version"] == rnnlp.__version__
    assert info["vocab_sizes"] or task in ("series", "speech", "music")  # numeric frames: no vocabulary
    json.dumps(info)  # a GET /v1/models answer: plain JSON


def test_the_schedule_ends_at_max_steps(reference):
    """3 epochs capped at 4 steps: linear decay reaches 0 at step 4 (not at 3 epochs' steps)."""
    _, out, _ = reference
    trainer = json.loads((out / "last" / "trainer" / "trainer.json").read_text())
    assert trainer["step"] == 4
    assert trainer["optimizer_param_groups"][0]["lr"] == pytest.approx(0.0, abs=1e-12)


def test_ctrl_c_exits_130_keeps_last_and_resume_is_bit_identical(reference, tmp_path):
    """Quiet, interrupted and resumed, against the busy uninterrupted reference: the same bytes."""
    task, ref, _ = reference
    out = tmp_path / "run"
    proc = run(["-c", INTERRUPT, *cli_args(task, out)])
    assert proc.returncode == 130, proc.stderr[-3000:]
    assert f"{out / 'last'} is the last complete checkpoint" in proc.stderr
    assert ("checkpoint:" in proc.stdout) == (out / "best").is_dir()  # never a best/ that is absent
    last = json.loads((out / "last" / "trainer" / "trainer.json").read_text())
    assert last["step"] == 2
    PREDICT[task](rnnlp.load(out / "last"))  # the kept checkpoint loads and predicts
    proc = run(["-m", "rnnlp", *cli_args(task, out, "--resume", str(out))])
    assert proc.returncode == 0, proc.stderr[-3000:]
    for kind in ("best", "last"):
        assert (out / kind / "model.safetensors").read_bytes() == (ref / kind / "model.safetensors").read_bytes()


def test_a_budget_never_reached_leaves_the_run_as_planned_and_recorded(reference):
    """The busy reference ran to its planned steps (the clock never shaped it); its meta.json says
    so, with the provenance of the run."""
    _, ref, _ = reference
    meta = json.loads((ref / "last" / "meta.json").read_text())
    assert meta["run"]["steps"] == meta["run"]["planned_steps"] == 4 and meta["run"]["stopped"] == "max_steps"
    assert {"commit", "dirty", "torch_version", "numpy_version", "threads", "load", "date", "command"} <= set(
        meta["provenance"])


@pytest.mark.skipif(not torch.distributed.is_available(), reason="torch.distributed unavailable")
def test_two_process_gloo_matches_one_process_and_only_rank_0_writes(reference, tmp_path):
    task, ref, _ = reference
    out = tmp_path / "ddp"
    proc = run(["-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", str(free_port()),
                "-m", "rnnlp", *cli_args(task, out)], timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert max_diff(weights(out / "last"), weights(ref / "last")) <= 1e-6
    assert files(out) == files(ref)
    rows = lambda d: (d / "metrics.jsonl").read_text().splitlines()  # noqa: E731
    assert len(rows(out)) == len(rows(ref))


@pytest.mark.parametrize("task", sorted(json.loads((OLD / "reference.json").read_text())))  # the 0.1.0 tasks
def test_checkpoints_of_rnnlp_0_1_load_and_predict_as_before(task):
    """tests/assets/checkpoints_v0_1: written by rnnlp 0.1.0, with what it predicted then."""
    reference = json.loads((OLD / "reference.json").read_text())[task]
    got = PREDICT[task](rnnlp.load(OLD / task))
    if task == "sentiment":
        expected = [[row[k] for k in sorted(row)] for row in reference]
        assert np.allclose(got, expected, atol=1e-6)
    else:
        assert got == reference


def test_training_leaves_the_process_as_it_found_it(tmp_path):
    """Seeds, threads and determinism are set for the run and restored afterwards."""
    torch.manual_seed(123)
    random.seed(5)
    np.random.seed(7)
    threads = torch.get_num_threads()
    before = (torch.get_rng_state(), random.getstate(), np.random.get_state()[1].copy())
    rnnlp.api.train("sentiment", str(ROOT / "recipes" / "sentiment" / "tiny.yaml"),
                    [f"train.output={tmp_path / 'r'}", f"train.threads={threads + 1}", "train.deterministic=true",
                     "train.max_steps=1"])
    assert torch.equal(torch.get_rng_state(), before[0]) and random.getstate() == before[1]
    assert np.array_equal(np.random.get_state()[1], before[2])
    assert torch.get_num_threads() == threads and not torch.are_deterministic_algorithms_enabled()
