"""The one driver that trains, resumes and loads every task (see ``rnnlp/tasks/protocol.py``).

A task module says what is task-specific (``prepare`` and its loaded-model class); this
module owns the rest, the same for every task: the seeded session, the run folder, the
optimizer and the schedule (``max_steps`` and the time budget honoured), the banner, ``fit``,
best/last checkpoints, Ctrl-C (``KeyboardInterrupt`` up to the CLI, which exits 130, with the
last complete checkpoint kept), exact resume and DDP under torchrun.
"""

from __future__ import annotations

import importlib
import json
import time
from dataclasses import replace
from pathlib import Path

import torch

from rnnlp import transfer
from rnnlp.version import __version__
from rnnlp.config.base import from_dict, to_dict
from rnnlp.errors import CheckpointError, ConfigError
from rnnlp.models.builders import resolve_vectors
from rnnlp.tasks.common import allocation_guard, check_memory, parameters, session
from rnnlp.tasks.describe import loaded_repr
from rnnlp.training.distributed import say
from rnnlp.tasks.protocol import Prepared, Resumed
from rnnlp.tasks.runs import choose_folder, latest, mark_latest, run_folder
from rnnlp.tasks.table import entry
from rnnlp.training.checkpoint import load_model_weights, load_trainer, read_checkpoint, save_checkpoint
from rnnlp.training.distributed import is_main
from rnnlp.training.fit import FitResult, fit
from rnnlp.io import atomic_write_text, json_dumps
from rnnlp.training.optim import Clock, build_optimizer, build_scheduler, schedule_steps, total_steps
from rnnlp.training.sizing import size_steps
from rnnlp.training.provenance import command, load_average
from rnnlp.transfer.finetune import fine_tuning


def task_module(name: str):
    """The task module of ``name`` (a ``Task``), from the task table."""
    return importlib.import_module(entry(name).module)


def config_class(name: str) -> type:
    module, cls = entry(name).config.split(":")
    return getattr(importlib.import_module(module), cls)


# -- training --------------------------------------------------------------------------
def train(name: str, cfg, resume: str | None = None, overwrite: bool = False, given: tuple = ()) -> Path:
    """Train task ``name`` with ``cfg`` (or continue the run folder ``resume``); returns the
    run folder. ``train.output`` holding a run is a ConfigError unless ``overwrite`` (see
    ``rnnlp/tasks/runs.py``). ``given``: the dotted keys the user set (a resumed run applies the
    ones of ``RESUMABLE``). Ctrl-C raises KeyboardInterrupt after the message saying what was kept."""
    task, resumed = task_module(name), None
    if resume:
        folder = _run_of(resume)
        cfg, resumed = resume_point(resume, cfg, given)
    else:
        folder = choose_folder(name, cfg.train.output, overwrite)
        cfg = transfer.resolve(name, resolve_vectors(cfg), entry(name))
    with session(cfg.train) as device, allocation_guard(cfg, device):
        check_memory(cfg, device)
        prep = task.prepare(cfg, resumed, device)
        if resumed:
            load_model_weights(prep.model, resumed.ckpt["weights"], resumed.path)
        else:
            transfer.initialise(entry(name), prep)
        prep.model.to(device)
        start, run = time.perf_counter(), {}
        try:
            with run_folder(folder, main=is_main(), overwrite=overwrite and not resume) as work:
                say(f"{name}: {prep.facts}, {parameters(prep.model)}, device {device}")
                result, run = _fit(name, prep, work, resumed)
        except KeyboardInterrupt:  # fit returns on Ctrl-C; this is one during the setup or the swap
            result = FitResult(stopped="interrupted")
        if not cfg.train.output and not resume and is_main() and (folder / "best").is_dir():
            mark_latest(name, folder)  # README's next commands after a plain `rnnlp train TASK`
            say(f"{latest(name)} names this run")
        _finish(result, run, prep, folder, time.perf_counter() - start)  # in the session: rank 0 speaks
    return folder


def dry_run(name: str, cfg) -> None:
    """Build what a run of ``name`` would build (data, tokenizer, model), print its banner and
    planned steps, and stop before the first step; nothing is written."""
    task, cfg = task_module(name), transfer.resolve(name, resolve_vectors(cfg), entry(name))
    with session(cfg.train) as device, allocation_guard(cfg, device):
        check_memory(cfg, device)
        prep = task.prepare(cfg, None, device)
        say(f"{name}: {prep.facts}, {parameters(prep.model)}, device {device}")
        sizing = f"; the run sizes itself to {cfg.train.size_to_minutes:g} min when it starts (train.size_to_minutes)" \
            if cfg.train.size_to_minutes and not cfg.train.max_steps else ""
        say(f"dry run: {prep.steps_per_epoch:,} steps per epoch, {total_steps(cfg.train, prep.steps_per_epoch):,} "
            f"planned (schedule over {schedule_steps(cfg.train, prep.steps_per_epoch):,}){sizing}; nothing written")


def _fit(name: str, prep: Prepared, folder: Path, resumed: Resumed | None) -> tuple[FitResult, dict]:
    result = run_fit(prep, saver(name, prep, folder), folder / "metrics.jsonl", resumed)
    return result, _record_run(folder, result, prep.config.train, prep.steps_per_epoch) if is_main() else {}


def run_fit(prep: Prepared, save=None, log_path: Path | None = None, resumed: Resumed | None = None) -> FitResult:
    """Train ``prep.model`` as every run is trained: the optimizer and the step-only schedule of
    ``prep.config.train``, ULMFiT's options when set, the clock that may only stop the run, and
    ``fit``. The tasks' runs (``train``) and the RNN forecaster (``rnnlp.forecast.rnn``, which
    keeps its weights in memory) come through here. ``train.size_to_minutes`` (without a
    ``max_steps``) first fixes ``max_steps`` in ``prep.config`` (``rnnlp.training.sizing``)."""
    sized = None
    if prep.config.train.size_to_minutes and not prep.config.train.max_steps and not resumed:
        sized = size_steps(prep.model, prep.batches, prep.loss, prep.evaluate, prep.config.train,
                           prep.steps_per_epoch, build_optimizer)
        prep.config = replace(prep.config, train=replace(prep.config.train, max_steps=sized["max_steps"]))
        say(f"sized to {sized['minutes']:g} min on this machine: {sized['max_steps']:,} steps "
            f"({sized['seconds_per_step']:.3g} s a step, {sized['eval_seconds']:.3g} s an evaluation, "
            f"{sized['save_seconds']:.2g} s a checkpoint: {sized['seconds_overall']:.3g} s a step in all; timed on a "
            f"copy of the model); the same weights anywhere: train.max_steps={sized['max_steps']}")
    tcfg = prep.config.train
    params, batches = fine_tuning(prep.model, tcfg, prep.batches)  # ULMFiT's options, when set
    optimizer = build_optimizer(tcfg, params)
    scheduler = build_scheduler(tcfg, optimizer, prep.steps_per_epoch)  # a function of the step alone
    result = fit(prep.model, batches, prep.loss, metric=prep.metric, cfg=tcfg, optimizer=optimizer,
                 scheduler=scheduler, clock=Clock(tcfg.time_limit_minutes), steps_per_epoch=prep.steps_per_epoch,
                 evaluate=prep.evaluate, save=save, log_path=log_path, resume=resumed.trainer if resumed else None)
    result.sized = sized
    return result


def saver(name: str, prep: Prepared, folder: Path):
    """The ``save`` callback for ``fit``: best/ and last/ (with the task's resume tensors and the
    config as run: ``max_steps`` included when the run was sized)."""

    def save(kind: str, metrics: dict, trainer: dict | None) -> None:
        if trainer is not None and prep.trainer_tensors is not None:
            trainer = {**trainer, **prep.trainer_tensors()}
        save_checkpoint(folder / kind, model=prep.model, config=to_dict(prep.config), task=name, pipeline=prep.pipeline,
                        labels=prep.labels, metrics=metrics, trainer=trainer, extra_files=prep.extra_files)

    return save


def _record_run(folder: Path, result: FitResult, tcfg, steps_per_epoch: int) -> dict:
    """Add how the run ended to its checkpoints' meta.json (beside the provenance written at
    save time): steps done and planned, why it stopped, divergence, the load at the end, and,
    for a run the clock stopped, the command that reproduces it on any machine."""
    run = {"stopped": result.stopped, "steps": result.steps, "planned_steps": total_steps(tcfg, steps_per_epoch),
           "schedule_steps": schedule_steps(tcfg, steps_per_epoch), "seed": tcfg.seed,
           "warning": result.warning, "load_end": load_average(), **({"sized": result.sized} if result.sized else {})}
    if result.stopped == "time_limit":
        run["reproduce"] = reproduce_command(tcfg, result.steps, steps_per_epoch)
    for kind in ("best", "last"):
        meta = folder / kind / "meta.json"
        if meta.is_file():
            atomic_write_text(meta, json_dumps({**json.loads(meta.read_text(encoding="utf-8")), "run": run},
                                               indent=2))
    return run


def reproduce_command(tcfg, steps: int, steps_per_epoch: int) -> str:
    """This process's command with the overrides that redo a clock-stopped run step for step."""
    extra = [f"train.seed={tcfg.seed}", f"train.max_steps={steps}"]
    if tcfg.schedule in ("linear", "cosine", "slanted") and schedule_steps(tcfg, steps_per_epoch) != steps:
        extra.append(f"train.schedule_steps={schedule_steps(tcfg, steps_per_epoch)}")
    return " ".join([command(), *extra, "train.time_limit_minutes=null"])


def _finish(result: FitResult, run: dict, prep: Prepared, folder: Path, seconds: float) -> None:
    """Say how the run ended and which checkpoint holds what; Ctrl-C goes on up to the CLI."""
    best = _describe(prep, result.best) if result.best else ""
    planned = f" of {run['planned_steps']} planned" if run.get("planned_steps", result.steps) != result.steps else ""
    sized = f", sized to {run['sized']['minutes']:g} min: train.max_steps={run['sized']['max_steps']}" \
        if run.get("sized") else ""
    say(f"done ({result.stopped}, {result.steps}{planned} steps{sized}, {seconds:.0f} s)" + (f": {best}" if best else ""))
    if run.get("reproduce"):
        say(f"the time limit stopped this run; to get the same weights on any machine: {run['reproduce']}")
    if result.stopped == "interrupted":
        last = folder / "last"
        say(f"interrupted: {last} is the last complete checkpoint; continue with --resume {folder}"
            if last.is_dir() else
            f"interrupted before the first checkpoint: nothing was saved ({folder} is as before the run)")
    if (folder / "best").is_dir() and is_main():
        print(f"checkpoint: {folder / 'best'}")
    if result.stopped == "interrupted":
        raise KeyboardInterrupt


def _describe(prep: Prepared, row: dict) -> str:
    if prep.describe is not None:
        return prep.describe(row)
    key = prep.metric.lstrip("-")
    return f"best {key} {row[key]:.4f}" if key in row else ""


def _run_of(resume: str) -> Path:
    """The run folder of ``resume`` (a run folder, or its ``last/`` checkpoint)."""
    path = Path(resume)
    return path if (path / "last").is_dir() or not (path / "meta.json").is_file() else path.parent


# the train.* fields a resumed run may change: they stop or pace a run, and change no weight
# already trained (any other difference from the saved config is refused)
RESUMABLE = ("max_steps", "epochs", "time_limit_minutes", "patience", "save_every", "eval_every", "progress",
             "log_every")


def resume_point(resume: str, cfg, given: tuple = ()) -> tuple:
    """(saved config, Resumed) of a run folder's ``last/`` (or a checkpoint with trainer state).

    The saved (resolved) config wins. Of the dotted keys the user ``given``, those in
    ``train.RESUMABLE`` apply (and are listed); another one that differs from the saved value is
    a ConfigError. ``train.epochs`` is at least the saved one.
    """
    last = Path(resume) / "last" if (Path(resume) / "last").is_dir() else Path(resume)
    ckpt = read_checkpoint(last)
    saved = from_dict(type(cfg), ckpt["config"])
    changed = []
    for key in sorted(set(given)):
        section, _, name = key.partition(".")
        mine, theirs = _dotted(cfg, key), _dotted(saved, key)
        if mine == theirs:
            continue
        if section != "train" or name not in RESUMABLE:
            raise ConfigError(f"--resume {resume}: {key}={mine!r} differs from the run's {theirs!r}; a resumed "
                              f"run may change only train.{', train.'.join(RESUMABLE)}: start a new run to change it")
        setattr(saved.train, name, mine)
        changed.append(f"{key}={mine} (was {theirs})")
    saved.train.epochs = max(saved.train.epochs, cfg.train.epochs)
    if changed:
        say(f"resuming with {', '.join(changed)}")
    return saved, Resumed(Path(ckpt["path"]), ckpt, load_trainer(last))


def _dotted(cfg, key: str):
    node = cfg
    for part in key.split("."):
        node = getattr(node, part, None)
    return node


# -- loading ---------------------------------------------------------------------------
def load(path, device: str = "cpu"):
    """A checkpoint (or run folder) as its task's loaded model (a ``LoadedModel``)."""
    from rnnlp.tasks.table import TASKS
    from rnnlp.training.distributed import resolve_device

    device = str(resolve_device(device))
    ckpt = read_checkpoint(path)
    name = ckpt["meta"].get("task")
    if name not in TASKS:
        raise CheckpointError(f"checkpoint {ckpt['path']} holds task {name!r}, which rnnlp {__version__} "
                              f"cannot load (known: {', '.join(TASKS)})")
    return task_module(name).Loaded(ckpt, device=device)


def restore(obj, ckpt: dict, device: str, build) -> None:
    """The shared part of every loaded model's ``__init__``.

    Sets ``config`` (from the checkpoint), ``pipeline`` (tokenizer.json, or None),
    ``labels``, ``metrics``, ``path``, ``device``, then ``model``: ``build(config, ckpt)``
    returns the task model and any task-specific attributes (a dict), the checkpoint's
    weights are loaded strictly, and the model is moved to ``device`` in eval mode.
    """
    from rnnlp.text import TextPipeline

    obj.config = from_dict(config_class(obj.task), ckpt["config"])
    obj.path, obj.device = ckpt["path"], torch.device(device)
    obj.labels, obj.metrics = ckpt.get("labels"), ckpt.get("metrics", {})
    obj.version = ckpt["meta"].get("rnnlp_version")
    tok = ckpt.get("tokenizer_json")
    obj.pipeline = TextPipeline.from_json(tok, where=str(ckpt["path"])) if tok else None
    model, attrs = build(obj.config, ckpt)
    for key, value in attrs.items():
        setattr(obj, key, value)
    load_model_weights(model, ckpt["weights"], ckpt["path"])
    obj.model = model.to(obj.device).eval()


def model_info(obj) -> dict:
    """``LoadedModel.info``: what a client needs to know about a loaded checkpoint."""
    pipelines = {k: v for k, v in vars(obj).items() if k.endswith("pipeline") and v is not None}
    config = to_dict(obj.config)
    return {"task": obj.task, "path": str(obj.path),
            "labels": [str(x) for x in obj.labels] if obj.labels else None,
            "vocab_sizes": {k: p.vocab_size for k, p in sorted(pipelines.items())},
            "config": {k: v for k, v in config.items() if k not in ("data", "train", "task")},
            "parameters": sum(p.numel() for p in obj.model.parameters()),
            "metrics": {k: v for k, v in (obj.metrics or {}).items() if isinstance(v, (int, float))},
            "rnnlp_version": __version__, "trained_with": obj.version}


class Restored:
    """The wiring every loaded model shares, written once: built from a checkpoint by ``restore``
    with the task's ``build`` (set by the task's class with ``task``), ``info()`` and ``repr``."""

    task: str = ""
    build = None                 # staticmethod(config, ckpt) -> (model, attributes): see ``restore``
    info = model_info
    __repr__ = loaded_repr

    def __init__(self, ckpt: dict, device: str = "cpu"):
        restore(self, ckpt, device, self.build)
