"""``rnnlp evaluate CKPT``: a checkpoint's metrics on held-out data.

The options are the union of the tasks' ``eval_options`` in ``rnnlp.tasks.table``; once the
checkpoint is loaded, an option its task lacks is a one-line ConfigError naming both. Relative
values of ``path`` options are looked up under ``--data-root`` / ``$RNNLP_DATA`` as in training.
Click only at import time.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from dataclasses import replace

import click

from rnnlp.cli.common import device_option, dest, table_options
from rnnlp.io import json_dumps
from rnnlp.tasks.table import TASKS


def union_rows(tasks: dict) -> list:
    """Each flag once, in table order; a flag shared by only some tasks says which in its help."""
    rows, owners = {}, {}
    for name, entry in tasks.items():
        for row in entry.eval_options:
            first = rows.setdefault(row.flags, row)
            if (first.key, first.kind) != (row.key, row.kind):
                raise ValueError(f"task table: evaluate option {row.flags} means {first.key!r} for one task "
                                 f"and {row.key!r} for {name}; give it one meaning")
            owners.setdefault(row.flags, []).append(name)
    return [row if len(owners[flag]) == len(tasks) else replace(row, help=f"({', '.join(owners[flag])}) {row.help}")
            for flag, row in rows.items()]


ROWS = union_rows(TASKS)


def task_options(task: str, given: dict, data_root: str | None) -> dict:
    """``evaluate()`` keywords for a ``task`` checkpoint from the given options (``dest`` -> value)."""
    from rnnlp.errors import ConfigError

    own = {dest(row.key): row for row in TASKS[task].eval_options}
    stray = [name for name in given if name not in own]
    if stray:
        flags = {dest(row.key): row.flags for row in ROWS}
        raise ConfigError(f"{', '.join(flags[name] for name in stray)}: not an option of `rnnlp evaluate` for a "
                          f"{task} checkpoint{_owners(stray)}; its options: "
                          f"{', '.join(row.flags for row in own.values()) or 'none'}")
    return {own[name].key: _resolve(value, data_root) if own[name].kind == "path" else value
            for name, value in given.items()}


def _owners(names: list) -> str:
    """`` (--beam-size is for translation, captioning checkpoints)``: which tasks take the options."""
    said = []
    for name in names:
        tasks = [task for task, entry in TASKS.items() if any(dest(row.key) == name for row in entry.eval_options)]
        flag = next(row.flags for row in ROWS if dest(row.key) == name)
        said.append(f"{flag} is for {', '.join(tasks)} checkpoints")
    return f" ({'; '.join(said)})"


def _resolve(value: str, data_root: str | None) -> str:
    from rnnlp.data.readers import resolve_path

    return str(resolve_path(value, data_root))


@click.command()
@click.argument("checkpoint", type=click.Path())
@table_options(ROWS)
@click.option("--data-root", envvar="RNNLP_DATA", help="Folder that relative data paths are under "
              "(default: $RNNLP_DATA).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (never NaN).")
@click.option("--output", "-o", "output", type=click.Path(), help="Write the report to this file instead, "
              "atomically: JSON when it ends in .json (or with --json), else the printed report.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no 'wrote the report' line on stderr.")
@device_option
def evaluate(checkpoint, data_root, as_json, output, quiet, device, **options):
    """Evaluate a CHECKPOINT (or run folder) on held-out data; prints the task's metrics."""
    from rnnlp import api
    from rnnlp.io import atomic_write_text

    model = api.load(checkpoint, device=device)
    given = {name: value for name, value in options.items() if value is not None}
    keywords = task_options(model.task, given, data_root)
    with progress_bar(not quiet and sys.stderr.isatty()):
        report = model.evaluate(**keywords)
    as_json = as_json or bool(output and output.lower().endswith(".json"))
    text = json_report(report) if as_json else model.format_report(report)
    if not output or output == "-":
        return click.echo(text)
    atomic_write_text(output, text + "\n")
    if not quiet:
        click.echo(f"wrote the {'JSON ' if as_json else ''}report to {output}", err=True)


@contextmanager
def progress_bar(show: bool):
    """A bar on stderr counting what the task's inference loop has done (examples, inputs,
    tokens or histories: ``rnnlp.data.batching.progress``), cleared when evaluation ends."""
    if not show:
        yield
        return
    from tqdm import tqdm

    from rnnlp.data.batching import progress

    bar = tqdm(desc="evaluating", file=sys.stderr, unit="example", mininterval=0.5, leave=False)

    def advance(n: int, unit: str) -> None:
        bar.unit = unit
        bar.update(n)

    try:
        with progress(advance):
            yield
    finally:
        bar.close()


def json_report(report: dict) -> str:
    """The report as indented JSON; an undefined score (NaN) is written as null, never as NaN."""
    return json_dumps(report, indent=2)
