"""What makes a checkpoint unable to lie: file checksums, finite weights, and a small model card.

``meta.json`` records the sha256 of every other file of the checkpoint folder (``files``);
loading recomputes them, so a flipped byte, an edited config or a swapped tokenizer is a
one-line error naming the file instead of silently different predictions. Checkpoints written
before 0.3.0 without checksums load with a one-line warning; from 0.3.0 on, a checkpoint
without them was tampered with and is refused. Weights that are NaN or
infinite are refused by name: they would turn every prediction into NaN.
"""

from __future__ import annotations

import hashlib
import math
import sys
import time
from pathlib import Path

import torch

from rnnlp.version import __version__
from rnnlp.errors import CheckpointError
from rnnlp.training.provenance import provenance

META = "meta.json"  # holds the checksums, so it is the one file not listed in them
READ = (".json", ".yaml", ".safetensors")  # the kinds of file rnnlp reads from a checkpoint


def checksums(folder: Path) -> dict[str, str]:
    """``{relative posix path: sha256 hex}`` of every file in ``folder`` except meta.json."""
    return {rel: _sha256(folder / rel) for rel in _files(folder)}


def _files(folder: Path) -> list[str]:
    """Every regular file below ``folder`` (posix, sorted), without meta.json and dot files."""
    names = (p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    return sorted(n for n in names if n != META and not any(part.startswith(".") for part in n.split("/")))


def _sha256(file: Path) -> str:
    digest = hashlib.sha256()
    with open(file, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(folder: Path, meta: dict) -> None:
    """Check ``folder``'s files against ``meta["files"]``; a checkpoint without them is warned about.

    Raises CheckpointError naming the first file that is missing, changed, or not recorded but of
    a kind rnnlp reads.
    """
    recorded = meta.get("files")
    if recorded is None:
        version = meta.get("rnnlp_version", "?")
        if _release(version) >= CHECKSUMS_REQUIRED:  # this rnnlp always writes them: they were removed
            raise CheckpointError(f"checkpoint {folder}: meta.json of rnnlp {version} lists no checksums, which "
                                  "every checkpoint of that version carries (meta.json was edited or damaged); "
                                  "restore it or retrain")
        print(f"warning: checkpoint {folder} (rnnlp {version}, before {'.'.join(map(str, CHECKSUMS_REQUIRED))}) "
              "may carry no checksums; its files cannot be verified (save it again with this rnnlp to add them)",
              file=sys.stderr)
        return
    if not isinstance(recorded, dict):
        raise CheckpointError(f"checkpoint {folder}: meta.json's 'files' is not a mapping; retrain or restore it")
    for rel, expected in sorted(recorded.items()):
        if not (folder / rel).is_file():
            raise CheckpointError(f"checkpoint {folder} is incomplete: {rel} is missing; restore it or retrain")
        if _sha256(folder / rel) != expected:
            raise CheckpointError(f"checkpoint {folder}: {rel} does not match its checksum in meta.json "
                                  "(changed or corrupted after saving); restore it or retrain")
    extra = [rel for rel in _files(folder) if rel not in recorded and rel.endswith(READ)]
    if extra:  # a file added later that a loader could read (other files, e.g. a README, are never read)
        raise CheckpointError(f"checkpoint {folder}: {extra[0]} was not part of the checkpoint when it was "
                              "saved (it has no checksum in meta.json); remove it")


def nonfinite(weights: dict) -> tuple[str, int] | None:
    """(name, count) of the first floating tensor of ``weights`` holding NaN or infinity, or None."""
    for name, tensor in weights.items():
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            return name, int((~torch.isfinite(tensor)).sum())
    return None


CHECKSUMS_REQUIRED = (0, 3, 0)  # every checkpoint of this release and later carries checksums


def _release(version: str) -> tuple:
    """``"0.3.0"`` -> ``(0, 3, 0)``; an unreadable version counts as an old one."""
    try:
        return tuple(int(part) for part in str(version).split(".")[:3])
    except ValueError:
        return (0,)


def require_finite(weights: dict, where) -> None:
    """Refuse weights holding NaN or infinity, naming the first such tensor."""
    bad = nonfinite(weights)
    if bad:
        raise CheckpointError(f"checkpoint {where}: weight {bad[0]!r} holds {bad[1]} non-finite value(s) "
                              "(NaN or infinity); the run diverged or the file is damaged: use another "
                              "checkpoint or retrain")


def model_card(task: str, config: dict, metrics: dict | None, kind: str | None) -> dict:
    """The descriptive part of meta.json: what was trained on what, how well, with which versions."""
    data = config.get("data") if isinstance(config.get("data"), dict) else {}
    return {"task": task, "checkpoint": kind,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "rnnlp_version": __version__, "torch_version": torch.__version__.split("+")[0],
            "data": {k: v for k, v in data.items() if isinstance(v, str) and v and _is_path_key(k)},
            "metrics": {k: v for k, v in (metrics or {}).items() if _is_number(v)},
            "provenance": provenance()}


def _is_path_key(key: str) -> bool:
    """The data keys that name inputs (train, valid_source, images...), not columns or formats."""
    return key in ("train", "valid", "test", "source", "target", "images", "captions") or key.startswith(
        ("valid_", "test_"))


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
