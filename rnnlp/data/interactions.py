"""Interaction logs -> per-user item sequences in time order, and the leave-one-out split.

Formats: tables (csv, tsv, parquet, json through ``read_table``) with user/item/time columns;
``movielens`` (``u.data``: tab, no header; ``ratings.dat``: ``::``; columns user item rating
time); ``sequences`` (one user per line, ``user item item ...`` in time order, as in the
SASRec/S3-Rec files). Ids may be any strings: items are mapped to 1..N in order of first
appearance (0 is padding). numpy only.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnnlp.data.readers import check_utf8, local_file, read_table
from rnnlp.errors import DataError

PAD = 0
FORMATS = ("csv", "tsv", "json", "parquet", "movielens", "sequences")


@dataclass
class Log:
    """Interactions as parallel columns, in file order (``time`` None: file order is time)."""

    users: list
    items: list
    times: np.ndarray | None


def read_log(path, dcfg) -> Log:
    """The interactions of ``path`` in the format ``dcfg.format`` (default: from the extension)."""
    local = local_file(path, dcfg.root, "interaction file")
    fmt = dcfg.format or _guess_format(local)
    if fmt is not None and fmt not in FORMATS:
        from rnnlp.errors import choice_error
        raise choice_error("interaction format", fmt, FORMATS)
    if fmt in ("movielens", "sequences"):
        log = _read_movielens(local) if fmt == "movielens" else _read_sequences(local)
    else:
        log = _read_table(local, fmt, dcfg)
    if not log.items:
        raise DataError(f"{local}: no interactions found; check the file and --format")
    return log


def _guess_format(path: Path) -> str | None:
    name = path.name.lower().removesuffix(".gz")
    if name in ("u.data", "ratings.dat"):
        return "movielens"
    if name.endswith(".txt"):
        return "sequences"
    return None  # read_table tells from the extension


def _lines(path: Path) -> list[str]:
    check_utf8(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


def _read_movielens(path: Path) -> Log:
    lines = _lines(path)
    sep = "::" if lines and "::" in lines[0] else "\t"
    rows = [line.split(sep) for line in lines]
    bad = next((i for i, r in enumerate(rows) if len(r) < 4), None)
    if bad is not None:
        raise DataError(f"{path} line {bad + 1}: expected user, item, rating, time separated by "
                        f"{sep!r} (MovieLens); pass --format for other files")
    try:
        times = np.array([float(r[3]) for r in rows])
    except ValueError:
        raise DataError(f"{path}: the 4th MovieLens column must be a number (the time)") from None
    return Log([r[0] for r in rows], [r[1] for r in rows], times)


def _read_sequences(path: Path) -> Log:
    users, items = [], []
    for line in _lines(path):
        user, *seq = line.split()
        users += [user] * len(seq)
        items += seq
    return Log(users, items, None)


def _read_table(path: Path, fmt: str | None, dcfg) -> Log:
    ds = read_table(path, fmt, dcfg.root, strings=(dcfg.user_column, dcfg.item_column))  # ids are text
    columns = [dcfg.user_column, dcfg.item_column] + ([dcfg.time_column] if dcfg.time_column else [])
    for name in columns:
        if name not in ds.column_names:
            raise DataError(f"column '{name}' not found in {path}; columns found: {', '.join(ds.column_names)} "
                            "(use --user-column / --item-column / --time-column)")
    times = None
    if dcfg.time_column:
        times = _numeric_times(ds[dcfg.time_column], path, dcfg.time_column)
    return Log([str(u) for u in ds[dcfg.user_column]], [str(i) for i in ds[dcfg.item_column]], times)


def _numeric_times(values, path, column) -> np.ndarray:
    """Numbers as they are; date strings as seconds since 1970 (numpy's datetime64)."""
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        pass
    try:
        return np.asarray(values, dtype="datetime64[s]").astype(np.float64)
    except (TypeError, ValueError):
        raise DataError(f"{path}: column '{column}' holds neither numbers nor dates; "
                        "give --time-column a time column") from None


# -- sequences -------------------------------------------------------------------------
@dataclass
class Sequences:
    """Users' item-id sequences in time order; ``names[i]`` is the original id of item i."""

    users: list          # original user ids
    seqs: list           # lists of item ids (1..N)
    names: list          # names[0] = "<pad>"
    times: list | None   # per-user arrays of times (for session splits), or None

    @property
    def num_items(self) -> int:
        return len(self.names) - 1


def user_sequences(log: Log, min_user: int = 1, min_item: int = 1) -> Sequences:
    """Group by user (in order of first appearance), sort each by time with ties in file order
    (a stable sort), drop rare items then short users, and map items to 1..N."""
    users = np.asarray(log.users, dtype=object)
    items = np.asarray(log.items, dtype=object)
    keep = _frequent(items, min_item)
    users, items = users[keep], items[keep]
    times = log.times[keep] if log.times is not None else None
    order = _time_order(users, times)
    groups = _groups(users[order])
    grouped = [(users[order[s]], items[order[s:e]], None if times is None else times[order[s:e]])
               for s, e in groups if e - s >= min_user]
    if not grouped:
        raise DataError(f"no user has {min_user} or more interactions after the filters; lower min_user_count")
    names = ["<pad>"] + list(dict.fromkeys(i for _, seq, _ in grouped for i in seq))
    index = {name: i for i, name in enumerate(names)}
    return Sequences([u for u, _, _ in grouped], [[index[i] for i in seq] for _, seq, _ in grouped], names,
                     None if times is None else [t for _, _, t in grouped])


def _frequent(items: np.ndarray, min_count: int) -> np.ndarray:
    if min_count <= 1:
        return np.ones(len(items), dtype=bool)
    _, inverse, counts = np.unique(items.astype(str), return_inverse=True, return_counts=True)
    return counts[inverse] >= min_count


def _time_order(users: np.ndarray, times: np.ndarray | None) -> np.ndarray:
    """Indices grouping each user's rows (users in order of first appearance), each group by time;
    lexsort is stable, so equal times keep file order."""
    _, first, inverse = np.unique(users.astype(str), return_index=True, return_inverse=True)
    rank = np.argsort(np.argsort(first, kind="stable"), kind="stable")[inverse]
    keys = (np.arange(len(users)),) + ((times,) if times is not None else ()) + (rank,)
    return np.lexsort(keys)


def _groups(sorted_users: np.ndarray) -> list[tuple[int, int]]:
    starts = [0] + [i for i in range(1, len(sorted_users)) if sorted_users[i] != sorted_users[i - 1]]
    return list(zip(starts, starts[1:] + [len(sorted_users)]))


# -- leave-one-out ---------------------------------------------------------------------
@dataclass
class Split:
    """Leave-one-out: ``train`` sequences, and (history, target) pairs for validation and test.

    A user with 3+ items gives seq[:-2] to training, (seq[:-2], seq[-2]) to validation and
    (seq[:-1], seq[-1]) to test; users with 2 items only train (as in SASRec's split). With
    ``refit`` training keeps seq[:-1] (the validation item becomes a training target)."""

    train: list
    valid: tuple      # (histories, targets)
    test: tuple
    users: list       # the users of valid/test, in order


def leave_one_out(data: Sequences, refit: bool = False) -> Split:
    train, vh, vt, th, tt, users = [], [], [], [], [], []
    for user, seq in zip(data.users, data.seqs):
        if len(seq) < 3:
            train.append(seq)
            continue
        train.append(seq[:-1] if refit else seq[:-2])
        vh.append(seq[:-2]), vt.append(seq[-2]), th.append(seq[:-1]), tt.append(seq[-1]), users.append(user)
    if not users:
        raise DataError("no user has 3 or more interactions: leave-one-out needs one item each for "
                        "validation and test after at least one training item")
    return Split(train, (vh, np.array(vt)), (th, np.array(tt)), users)


def sessions(seq: list, times, gap: float | None) -> list[list]:
    """A training sequence cut where ``gap`` seconds pass without interaction (GRU4Rec sessions)."""
    if gap is None or times is None or len(seq) < 2:
        return [seq]
    cuts = [0] + [i for i in range(1, len(seq)) if times[i] - times[i - 1] > gap] + [len(seq)]
    return [seq[a:b] for a, b in zip(cuts, cuts[1:]) if b - a >= 2]


def session_parallel(seqs: list, batch_size: int, seed: int = 0):
    """GRU4Rec's session-parallel mini-batches: yield (items, next items, starts) arrays of B lanes.

    The sequences (2+ items each) are shuffled by ``seed``; lane b reads its sequence one item
    per batch and, when it is used up, takes the next one (``starts[b]`` True: reset its
    recurrent state). The epoch ends when a lane finds no sequence left, as in GRU4Rec (the
    other lanes' last few items wait for the next epoch, which shuffles again)."""
    order = np.random.default_rng(seed).permutation(len(seqs))
    lanes = min(batch_size, len(order))
    seq, pos, nxt = [seqs[i] for i in order[:lanes]], np.zeros(lanes, dtype=np.int64), lanes
    starts = np.ones(lanes, dtype=bool)
    while True:
        items = np.array([s[p] for s, p in zip(seq, pos)])
        yield items, np.array([s[p + 1] for s, p in zip(seq, pos)]), starts
        pos += 1
        starts = np.array([p + 1 >= len(s) for s, p in zip(seq, pos)])
        for lane in np.flatnonzero(starts):
            if nxt == len(order):
                return
            seq[lane], pos[lane], nxt = seqs[order[nxt]], 0, nxt + 1


class ItemMap:
    """Original item ids <-> model ids 1..N (0 is padding), saved in checkpoints as items.json."""

    def __init__(self, names: list):
        self.names = [str(n) for n in names]
        self.index = {name: i for i, name in enumerate(self.names) if i != PAD}

    @property
    def vocab_size(self) -> int:
        return len(self.names)

    def to_json(self) -> str:
        import json

        return json.dumps(self.names, ensure_ascii=False)

    @classmethod
    def read(cls, folder) -> "ItemMap":
        """The item map of a checkpoint folder; a missing or bad items.json is a CheckpointError."""
        import json

        from rnnlp.errors import CheckpointError

        path = Path(folder) / "items.json"
        try:
            names = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CheckpointError(f"cannot read {path} (the items of the recommender): {exc}; "
                                  "the checkpoint is incomplete, retrain or restore it") from None
        return cls(names)
