"""Read the pieces of one split as piano rolls (T×88 uint8): ``.mat``, ``.npz`` or MIDI.

- ``.mat`` (the Boulanger-Lewandowski sets, e.g. JSB Chorales, Nottingham): the 1×N object
  array under ``<split>data`` (``traindata``, ``validdata``, ``testdata``) or under the key
  named by ``split`` itself.
- ``.npz`` (written by ``write_npz``; no pickled objects): ``<split>`` holds the frames of every
  piece one after another (F×88) and ``<split>_lengths`` the frames of each piece. A file with
  one roll and no split keys (``roll`` [+ ``lengths``]) is that split.
- MIDI: one ``.mid``/``.midi`` file, a ``.txt`` list of MIDI paths (one a line, relative to the
  list), or a folder of them; a folder holding a subfolder named ``split`` reads that subfolder.
  Each file is rendered at ``steps_per_beat`` frames per quarter note (``rnnlp.data.midi``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rnnlp.data.midi import KEYS, check_roll, read_midi
from rnnlp.errors import DataError

FORMATS = {".mat": "mat", ".npz": "npz", ".mid": "midi", ".midi": "midi", ".txt": "midi"}
MIDI_SUFFIXES = (".mid", ".midi")


def music_format(path: Path, fmt: str | None = None) -> str:
    """mat | npz | midi: ``fmt`` when given, else from the extension (a folder holds MIDI files)."""
    if fmt:
        if fmt not in ("mat", "npz", "midi"):
            from rnnlp.errors import choice_error
            raise choice_error("music data format", fmt, ("mat", "npz", "midi"))
        return fmt
    if path.is_dir():
        return "midi"
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        raise DataError(f"cannot tell the format of {path} from its extension; give a .mat, .npz, .mid/.midi, "
                        "a .txt list of MIDI files or a folder of them (or set data.format: mat, npz or midi)")
    return found


def read_rolls(path, split: str = "train", fmt: str | None = None, steps_per_beat: int = 4,
               root: str | None = None) -> list[np.ndarray]:
    """The pieces of ``split`` in ``path`` as T×88 uint8 rolls (see the module docstring)."""
    from rnnlp.data.readers import resolve_path

    local = resolve_path(path, root)
    if not local.exists():
        raise DataError(f"music data not found: {path} (looked in the current folder and the data root "
                        f"{root or '$RNNLP_DATA'}); give a .mat, .npz, MIDI file or folder")
    kind = music_format(local, fmt)
    rolls = {"mat": _read_mat, "npz": _read_npz, "midi": _read_midi}[kind](local, split, steps_per_beat)
    rolls = [check_roll(r, f"{local} [{split}] piece {i}") for i, r in enumerate(rolls)]
    rolls = [r for r in rolls if len(r)]
    if not rolls:
        raise DataError(f"{local}: split {split!r} holds no frames; give a file with at least one non-empty piece")
    return rolls


def has_split(path, split: str, fmt: str | None = None, root: str | None = None) -> bool:
    """Whether ``path`` holds a split of that name (.mat/.npz keys, a folder's subfolder)."""
    from rnnlp.data.readers import resolve_path

    local = resolve_path(path, root)
    kind = music_format(local, fmt)
    if kind == "mat":
        return _mat_key(_load_mat(local), split) is not None
    if kind == "npz":
        with np.load(local, allow_pickle=False) as z:
            return split in z.files
    return local.is_dir() and (local / split).is_dir()


def _load_mat(path: Path) -> dict:
    import scipy.io

    try:
        return scipy.io.loadmat(str(path))
    except Exception as exc:  # scipy raises several kinds for a damaged or foreign file
        raise DataError(f"{path}: not a readable MATLAB .mat file ({exc})") from None


def _mat_key(data: dict, split: str) -> str | None:
    return next((k for k in (f"{split}data", split) if k in data), None)


def _read_mat(path: Path, split: str, steps_per_beat: int) -> list:
    data = _load_mat(path)
    key = _mat_key(data, split)
    if key is None:
        keys = [k for k in data if not k.startswith("__")]
        raise DataError(f"{path}: no split {split!r} (looked for keys '{split}data' and '{split}'); "
                        f"its keys: {', '.join(keys)}")
    cells = data[key]
    if cells.dtype != object:  # one piece stored as a plain matrix
        return [cells]
    return [np.asarray(c) for c in cells.ravel()]


def _read_npz(path: Path, split: str, steps_per_beat: int) -> list:
    try:
        z = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: not a readable .npz file ({exc})") from None
    with z:
        key = split if split in z.files else ("roll" if "roll" in z.files else None)
        if key is None:
            raise DataError(f"{path}: no split {split!r} (and no 'roll'); its arrays: {', '.join(z.files)}")
        frames = z[key]
        lengths = z[f"{key}_lengths"] if f"{key}_lengths" in z.files else \
            (z["lengths"] if key == "roll" and "lengths" in z.files else np.array([len(frames)]))
    if frames.ndim != 2 or frames.shape[1] != KEYS:
        raise DataError(f"{path}: '{key}' must be F×{KEYS} frames, got shape {frames.shape}")
    if int(np.sum(lengths)) != len(frames) or (np.asarray(lengths) < 0).any():
        raise DataError(f"{path}: '{key}_lengths' sums to {int(np.sum(lengths))}, but '{key}' has "
                        f"{len(frames)} frames; the lengths must add up to the frames")
    return np.split(frames, np.cumsum(lengths)[:-1])


def midi_files(path: Path, split: str) -> list[Path]:
    """The MIDI files of a file, a ``.txt`` list or a folder (its ``split`` subfolder if any)."""
    if path.is_dir():
        folder = path / split if (path / split).is_dir() else path
        files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in MIDI_SUFFIXES)
        if not files:
            raise DataError(f"{folder}: no .mid or .midi files in this folder")
        return files
    if path.suffix.lower() == ".txt":
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if not lines:
            raise DataError(f"{path}: the list of MIDI files is empty; give one path a line")
        return [p if p.is_absolute() else path.parent / p for p in map(Path, lines)]
    return [path]


def _read_midi(path: Path, split: str, steps_per_beat: int) -> list:
    files = midi_files(path, split)
    missing = [str(p) for p in files if not p.is_file()]
    if missing:
        raise DataError(f"{path}: {len(missing)} MIDI file(s) not found, e.g. {missing[0]}")
    return [read_midi(p, steps_per_beat) for p in files]


def write_npz(path, splits: dict) -> Path:
    """Write ``{split: [roll, ...]}`` as an ``.npz`` that ``read_rolls`` reads back."""
    arrays = {}
    for split, rolls in splits.items():
        rolls = [check_roll(r, f"{split} piece {i}") for i, r in enumerate(rolls)]
        arrays[split] = np.concatenate(rolls) if rolls else np.zeros((0, KEYS), np.uint8)
        arrays[f"{split}_lengths"] = np.array([len(r) for r in rolls], dtype=np.int64)
    np.savez_compressed(path, **arrays)
    return Path(path)


def chunk(rolls: list, max_length: int | None) -> list:
    """Pieces longer than ``max_length`` cut into consecutive chunks (training only: each chunk
    then starts from the start frame, as a piece does)."""
    if not max_length:
        return list(rolls)
    return [r[i: i + max_length] for r in rolls for i in range(0, len(r), max_length)]
