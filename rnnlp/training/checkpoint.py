"""Checkpoints that describe themselves and load without unpickling anything.

A checkpoint is a folder::

    model.safetensors   weights
    config.yaml         the resolved config (rebuilds the model)
    tokenizer.json      the TextPipeline (HF tokenizers JSON)
    labels.json         label names in output order (tasks with labels)
    metrics.json        metrics of this checkpoint
    trainer/            optional resume state: optimizer.safetensors + trainer.json
    meta.json           task, format version, the sha256 of every other file, and a model card:
                        rnnlp and torch versions, creation time, data paths, metrics

It is written into a temp folder and renamed into place, so it is either absent, the previous
complete one, or the new complete one. Reading verifies the checksums and that every weight is
finite (``rnnlp.training.integrity``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch
import yaml
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from rnnlp.version import __version__
from rnnlp.errors import CheckpointError, TrainingError
from rnnlp.io import atomic_directory, json_dumps, recover_directory
from rnnlp.training.integrity import checksums, model_card, nonfinite, require_finite, verify

FORMAT_VERSION = 1
REQUIRED = ("model.safetensors", "config.yaml", "meta.json")


def save_checkpoint(path, *, model: torch.nn.Module, config: dict, task: str, pipeline=None,
                    labels=None, metrics=None, trainer: dict | None = None, extra_files=None) -> Path:
    """Write a complete checkpoint folder at ``path`` atomically; returns ``path``."""
    path = Path(path)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    bad = nonfinite(state)
    if bad:  # never write a checkpoint that could not be loaded (nor replace a good one with it)
        raise TrainingError(f"not saving {path}: weight {bad[0]!r} holds {bad[1]} non-finite value(s) (NaN or "
                            "infinity); the run diverged: lower train.lr, set train.clip_norm, or check the "
                            "inputs (e.g. pretrained vectors with non-finite rows)")
    with atomic_directory(path) as tmp:
        save_file(state, str(tmp / "model.safetensors"))
        (tmp / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        if pipeline is not None:
            (tmp / "tokenizer.json").write_text(pipeline.to_json(), encoding="utf-8")
        if labels is not None:
            _write_json(tmp / "labels.json", list(labels))
        _write_json(tmp / "metrics.json", metrics or {})
        for name, text in (extra_files or {}).items():
            (tmp / name).write_text(text, encoding="utf-8")
        if trainer is not None:
            _save_trainer(tmp / "trainer", trainer)
        card = model_card(task, config, metrics, path.name)
        _write_json(tmp / "meta.json", {**card, "format_version": FORMAT_VERSION, "files": checksums(tmp)})
    return path


def _write_json(path: Path, data) -> None:
    path.write_text(json_dumps(data, indent=2), encoding="utf-8")  # NaN metrics become null


def resolve_checkpoint(path) -> Path:
    """A checkpoint folder, or a run folder holding ``best/``; raises CheckpointError otherwise."""
    path = Path(path)
    recover_directory(path)
    if (path / "best" / "meta.json").exists() or (path / "best").is_dir():
        path = path / "best"
    if not path.is_dir():
        raise CheckpointError(f"checkpoint not found: {path}; pass a checkpoint folder written by "
                              "'rnnlp train' (it holds model.safetensors and config.yaml)")
    missing = [f for f in REQUIRED if not (path / f).is_file()]
    if missing:
        raise CheckpointError(f"checkpoint {path} is incomplete: missing {', '.join(missing)}; "
                              "use another checkpoint or retrain")
    return path


def read_checkpoint(path) -> dict:
    """Read meta, config, labels, metrics, tokenizer JSON and weights of a checkpoint folder,
    after checking every file against its checksum; weights must be finite."""
    path = resolve_checkpoint(path)
    out = {"path": path, "meta": _read_json(path / "meta.json", path)}
    _check_format(out["meta"], path)
    verify(path, out["meta"])
    try:
        out["config"] = yaml.safe_load((path / "config.yaml").read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        raise CheckpointError(f"checkpoint {path}: config.yaml is corrupt; retrain or restore it") from None
    out["labels"] = _read_json(path / "labels.json", path) if (path / "labels.json").exists() else None
    out["metrics"] = _read_json(path / "metrics.json", path) if (path / "metrics.json").exists() else {}
    tok = path / "tokenizer.json"
    out["tokenizer_json"] = tok.read_text(encoding="utf-8") if tok.exists() else None
    out["weights"] = load_weights(path / "model.safetensors")
    require_finite(out["weights"], path)
    return out


def _check_format(meta: dict, path: Path) -> None:
    """A checkpoint of a newer format than this rnnlp reads is refused in one line."""
    version = meta.get("format_version", 1)
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise CheckpointError(f"checkpoint {path} was written by rnnlp {meta.get('rnnlp_version', '?')} "
                              f"(checkpoint format {version}); rnnlp {__version__} reads formats up to "
                              f"{FORMAT_VERSION}: upgrade rnnlp")


def load_weights(file: Path) -> dict:
    try:
        return load_file(str(file))
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(f"checkpoint weights {file} are corrupt or truncated ({exc}); "
                              "use another checkpoint or retrain") from None


def _read_json(file: Path, where: Path):
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise CheckpointError(f"checkpoint {where}: {file.name} is corrupt; retrain or restore it") from None


def load_model_weights(model: torch.nn.Module, weights: dict, where) -> None:
    """Load ``weights`` strictly; a shape or key mismatch is a CheckpointError."""
    try:
        model.load_state_dict(weights, strict=True)
    except RuntimeError as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        first = (lines[1] if len(lines) > 1 else lines[0] if lines else type(exc).__name__)[:200]
        raise CheckpointError(f"checkpoint {where} does not match its config.yaml ({first})") from None


# -- resume state (optimizer, scheduler, counters, RNG) -----------------------------------
def _save_trainer(folder: Path, trainer: dict) -> None:
    folder.mkdir()
    opt = trainer["optimizer"]
    tensors, plain = {}, {}
    for idx, entry in opt["state"].items():
        for key, value in entry.items():
            if torch.is_tensor(value):
                tensors[f"state.{idx}.{key}"] = value.detach().cpu().contiguous()
            else:
                plain[f"{idx}.{key}"] = value
    tensors["rng.torch"] = torch.get_rng_state()
    for key, value in trainer.items():
        if torch.is_tensor(value):  # e.g. the CUDA RNG state
            tensors[f"extra.{key}"] = value.detach().cpu().contiguous()
    save_file(tensors, str(folder / "optimizer.safetensors"))
    info = {k: v for k, v in trainer.items() if k != "optimizer" and not torch.is_tensor(v)}
    info["optimizer_param_groups"] = opt["param_groups"]
    info["optimizer_plain_state"] = plain
    # internal resume state, read only by rnnlp: Python's JSON keeps -Infinity (the best score
    # before any evaluation) exactly, where strict JSON would turn it into null
    (folder / "trainer.json").write_text(json.dumps(info, indent=2), encoding="utf-8")


def load_trainer(path) -> dict:
    """The resume state saved with a checkpoint (see ``fit(resume=...)``)."""
    folder = Path(path) / "trainer"
    if not (folder / "trainer.json").is_file():
        raise CheckpointError(f"{path} holds no training state to resume from; pass the run's "
                              "'last' folder (or the run folder) written by 'rnnlp train'")
    info = _read_json(folder / "trainer.json", path)
    tensors = load_weights(folder / "optimizer.safetensors")
    state: dict = {}
    for key, value in tensors.items():
        if key.startswith("state."):
            _, idx, name = key.split(".", 2)
            state.setdefault(int(idx), {})[name] = value
    for key, value in info.pop("optimizer_plain_state").items():
        idx, name = key.split(".", 1)
        state.setdefault(int(idx), {})[name] = value
    info["optimizer"] = {"state": state, "param_groups": info.pop("optimizer_param_groups")}
    info["rng_torch"] = tensors.get("rng.torch")
    info.update({k[len("extra."):]: v for k, v in tensors.items() if k.startswith("extra.")})
    return info


def checkpoint_task(path) -> str:
    return read_meta(path).get("task", "?")


def read_meta(path) -> dict:
    path = resolve_checkpoint(path)
    return _read_json(path / "meta.json", path)


__all__ = ["save_checkpoint", "read_checkpoint", "resolve_checkpoint", "load_model_weights",
           "load_trainer", "checkpoint_task", "read_meta", "os"]
