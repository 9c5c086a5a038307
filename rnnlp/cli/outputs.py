"""Where results go: stdout (text lines or ``--json``), or ``--output FILE`` (jsonl, csv, tsv by
extension; .txt: the lines stdout would show) written atomically once every input is done, rows
in input order.

Every row is checked to hold finite numbers first: a NaN from a broken model is a one-line
error, never invalid JSON or a "nan" cell. Click and the standard library only.
"""

from __future__ import annotations

import csv
import io
import sys

import click

from rnnlp.errors import CheckpointError, ConfigError, DataError
from rnnlp.io import json_dumps, replace_nonfinite

FORMATS = {".jsonl": "jsonl", ".csv": "csv", ".tsv": "tsv", ".txt": "txt"}


def output_format(path: str) -> str:
    """``jsonl``, ``csv`` or ``tsv`` from ``path``'s extension; any other name (``hyp.en``,
    ``out.txt``) is plain text: the lines stdout would show."""
    from pathlib import Path

    fmt = FORMATS.get(Path(path).suffix.lower(), "txt")
    if Path(path).is_dir():
        raise ConfigError(f"--output {path} is a folder; give a file name ending in .jsonl, .csv or .tsv")
    return fmt


def check_finite(row) -> None:
    """A NaN or infinity anywhere in ``row`` is a CheckpointError (the model's weights are suspect)."""
    try:
        replace_nonfinite(row, "error")
    except DataError:
        raise CheckpointError("the model gave a non-finite number (NaN or infinity); its weights are "
                              "probably corrupt: retrain it or restore the checkpoint") from None


def dumps(row) -> str:
    """One JSON line of a row that ``Sink.add`` has checked."""
    return json_dumps(row)


# for reports, where a score can be undefined: every NaN or infinity becomes None
finite = replace_nonfinite


class Sink:
    """Rows in, in input order: printed as they come (``text(row)`` or JSON), or kept for ``--output``."""

    def __init__(self, output: str | None, as_json: bool, text=None, quiet: bool = False):
        self.output, self.as_json, self.text, self.quiet = output, as_json, text, quiet
        self.format = output_format(output) if output else None  # checked before any work
        self.rows: list = []
        self.count, self.truncated = 0, []  # inputs seen; numbers of those cut at the model's limit

    def add(self, rows) -> None:
        for row in rows:
            check_finite(row)
            self.count += 1
            if isinstance(row, dict) and row.get("truncated"):
                self.truncated.append(self.count)
            if self.output:
                self.rows.append(row)
            else:
                click.echo(dumps(row) if self.as_json or self.text is None else self.text(row))

    def close(self) -> None:
        """Write ``--output`` (temp file + rename: a failure leaves no half file); say which inputs
        were longer than the model reads (their rows carry ``truncated``: the tokens left out)."""
        from rnnlp.io import atomic_write_text

        if self.truncated:
            shown = ", ".join(map(str, self.truncated[:10])) + (", ..." if len(self.truncated) > 10 else "")
            click.echo(f"warning: {len(self.truncated)} of {self.count} inputs were longer than the model reads "
                       f"(data.max_length) and only their beginning was used: input {shown}", err=True)
        if self.output:
            text = "".join((self.text or dumps)(row) + "\n" for row in self.rows) if self.format == "txt" else \
                render(self.rows, self.format)
            atomic_write_text(self.output, text)
            note(f"wrote {len(self.rows)} row{'' if len(self.rows) == 1 else 's'} to {self.output}", self.quiet)


def render(rows: list, fmt: str) -> str:
    """The rows as jsonl, or as a csv/tsv table (columns in first-seen order; lists as JSON).

    csv quotes as RFC 4180; tsv never quotes (as rnnlp reads tsv) and writes a tab, newline or
    backslash inside a value as ``\\t``, ``\\n``, ``\\\\``.
    """
    if fmt == "jsonl":
        return "".join(dumps(row) + "\n" for row in rows)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    table = [columns] + [[_cell(row.get(c)) for c in columns] for row in rows]
    if fmt == "tsv":
        return "".join("\t".join(_escape(cell) for cell in line) + "\n" for line in table)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(table)
    return buffer.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    return dumps(value) if isinstance(value, (dict, list, tuple)) else str(value)


def _escape(cell: str) -> str:
    return cell.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def note(message: str, quiet: bool) -> None:
    """A line on stderr (skipped blank inputs, ...) unless ``--quiet``."""
    if not quiet:
        click.echo(message, err=True)


def keeping_blanks(run, blank_row):
    """``run`` for chunks that may hold blank inputs: the model sees only the others, and each blank
    gets ``blank_row(item)`` in its place, so an output file stays line-aligned with its input."""
    def wrapped(chunk):
        given = [x for x in chunk if not _blank(x)]
        found = iter(run(given) if given else [])
        return [blank_row(x) if _blank(x) else next(found) for x in chunk]

    return wrapped


def _blank(item) -> bool:
    return not item.strip() if isinstance(item, str) else not item


def in_batches(items, size: int, run, show: bool):
    """``run(chunk)`` over chunks of ``size`` items, yielding each chunk's rows; a progress bar on
    stderr when ``show`` and stderr is a terminal and there is more than one chunk."""
    bar = None
    if show and sys.stderr.isatty() and len(items) > size:
        from tqdm import tqdm

        bar = tqdm(total=len(items), file=sys.stderr, unit="input", mininterval=0.5, leave=False)
    for start in range(0, len(items), size):
        chunk = items[start: start + size]
        yield run(chunk)
        if bar is not None:
            bar.update(len(chunk))
    if bar is not None:
        bar.close()
