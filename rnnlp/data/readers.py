"""Read tables (csv, tsv, json/jsonl, parquet) into ``datasets.Dataset`` objects, offline first.

A local path always wins. A string that is not a local path but looks like a hub dataset name
(``owner/name`` or ``name[:split]``) is passed to ``datasets.load_dataset`` and fails with a
clear message when no network is reachable.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from rnnlp.config import paths
from rnnlp.errors import DataError

FORMATS = {".csv": "csv", ".tsv": "tsv", ".json": "json", ".jsonl": "json", ".parquet": "parquet",
           ".txt": "text"}
SAMPLES = Path(__file__).parent / "samples"


def sample_path(name: str) -> Path:
    """Path of a bundled sample file, e.g. ``sample_path('sst2/train.tsv')``."""
    return SAMPLES / name


def resolve_path(path: str | os.PathLike, root: str | None = None) -> Path:
    """A local path: an absolute one as given; a relative one looked up in the current folder,
    then under ``root`` (default ``$RNNLP_DATA``), the first found made absolute. Found nowhere:
    ``path`` unchanged, for the caller's "not found" error (``local_file`` gives one)."""
    found = paths.find(path, root)
    return found if found is not None else Path(os.path.expanduser(str(path)))


def local_file(path: str | os.PathLike, root: str | None = None, what: str = "file") -> Path:
    """``resolve_path``, or a DataError naming every place tried when no such file exists."""
    local = resolve_path(path, root)
    if local.is_file():
        return local
    if local.is_dir():
        raise DataError(f"{local} is a folder; give a {what}")
    raise paths.not_found(path, what, paths.candidates(path, root), root)


def detect_format(path: Path, format: str | None = None) -> str:
    if format:
        return format
    suffixes = [s for s in path.suffixes if s not in (".gz", ".bz2", ".xz")]
    fmt = FORMATS.get(suffixes[-1].lower() if suffixes else "")
    if fmt is None:
        raise DataError(f"cannot tell the format of {path} from its extension; "
                        f"pass --format (one of: csv, tsv, json, parquet)")
    return fmt


def read_table(path: str | os.PathLike, format: str | None = None, root: str | None = None,
               strings: tuple = ()):
    """Read a local table (or, online, a hub dataset) into a ``datasets.Dataset``.

    ``strings``: columns read as text as written (csv/tsv), never as numbers: ids such as ``07``
    and ``7`` stay two ids (json and parquet keep the types the file gives)."""
    import datasets

    datasets.disable_progress_bars()
    datasets.logging.set_verbosity(datasets.logging.CRITICAL)  # failures become one DataError line
    local = resolve_path(path, root)
    if not Path(local).exists():
        return _read_hub(str(path), root)
    if Path(local).is_dir():
        raise DataError(f"{local} is a folder; give a data file (csv, tsv, json, jsonl, parquet)")
    fmt = detect_format(Path(local), format)
    try:
        return _read_local(Path(local), fmt, datasets, strings)
    except DataError:
        raise
    except Exception as exc:
        while exc.__cause__ is not None or exc.__context__ is not None:  # datasets wraps the real error
            exc = exc.__cause__ or exc.__context__
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise DataError(f"cannot read {local} as {fmt}: {first}; check the file or pass --format") from None


def check_utf8(path: Path) -> None:
    """Raise a one-line DataError naming ``path`` if it is not valid UTF-8 (read in 1 MiB chunks)."""
    import bz2
    import codecs
    import gzip
    import lzma

    opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}.get(path.suffix.lower(), open)
    decoder, offset = codecs.getincrementaldecoder("utf-8")(), 0
    try:
        with opener(path, "rb") as f:
            while chunk := f.read(1 << 20):
                decoder.decode(chunk)
                offset += len(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise DataError(f"{path} is not UTF-8 text (invalid byte near offset {offset + max(exc.start, 0)}); "
                        "re-save it as UTF-8") from None
    except (OSError, EOFError, lzma.LZMAError) as exc:
        raise DataError(f"cannot read {path}: {exc}") from None


def _read_local(path: Path, fmt: str, datasets, strings: tuple = ()):
    if not os.access(path, os.R_OK):
        raise DataError(f"cannot read {path}: permission denied")
    if fmt in ("csv", "tsv", "json", "text"):
        check_utf8(path)
    if fmt in ("csv", "tsv"):
        sep = "\t" if fmt == "tsv" else ","
        # TSV corpora such as SST-2 contain bare quotes: read them as text, not CSV quoting.
        quoting = csv.QUOTE_NONE if fmt == "tsv" else csv.QUOTE_MINIMAL
        return datasets.Dataset.from_csv(str(path), sep=sep, quoting=quoting, keep_in_memory=True,
                                         keep_default_na=False, converters={name: str for name in strings} or None)
    if fmt == "json":
        return datasets.Dataset.from_json(str(path), keep_in_memory=True)
    if fmt == "parquet":
        return datasets.Dataset.from_parquet(str(path), keep_in_memory=True)
    if fmt == "text":
        return datasets.Dataset.from_text(str(path), keep_in_memory=True)
    from rnnlp.errors import choice_error
    raise choice_error("data format", fmt, ["csv", "tsv", "json", "parquet", "text"])


def _read_hub(name: str, root: str | None):
    if not paths.looks_like_hub(name):
        raise paths.not_found(name, "data file", paths.candidates(name, root), root)
    import datasets

    dataset, _, split = name.partition(":")
    try:
        return datasets.load_dataset(dataset, split=split or "train")
    except Exception as exc:
        raise DataError(f"'{name}' is not a local file and loading it from the Hugging Face hub failed "
                        f"({type(exc).__name__}); without a network, pass a local file path") from None


def require_columns(ds, path, *names: str) -> None:
    """Raise a DataError naming the missing column and listing the columns found."""
    for name in names:
        if name not in ds.column_names:
            raise DataError(f"column '{name}' not found in {path}; columns found: "
                            f"{', '.join(ds.column_names)} (use --text-column / --label-column)")
