"""What several commands share: options made from task-table rows, and reading ``--input`` files.

Click only at import time (``rnnlp --help`` never imports torch).
"""

from __future__ import annotations

import click


def dest(key: str) -> str:
    """The click parameter name of a table row's key: ``data.train`` -> ``opt_data__train``."""
    return "opt_" + key.replace(".", "__")


def table_options(rows):
    """Decorator adding one string option per task-table ``Option`` row, in the rows' order."""
    def wrap(fn):
        for row in reversed(rows):
            metavar = "PATH" if row.kind == "path" else None
            fn = click.option(row.flags, dest(row.key), default=None, metavar=metavar, help=row.help)(fn)
        return fn
    return wrap


def collect(options: dict) -> dict:
    """``{"opt_data__train": "x"}`` -> nested ``{"data": {"train": "x"}}`` (unset options dropped)."""
    out: dict = {}
    for name, value in options.items():
        if value is None or not name.startswith("opt_"):
            continue
        *parents, last = name[4:].split("__")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return out


def checkpoint_and_texts(input_help: str):
    """Decorator: the CHECKPOINT and TEXTS arguments and ``--input FILE`` (predict, tag, translate)."""
    def wrap(fn):
        fn = click.option("--input", "input_file", type=click.File("r", encoding="utf-8"), help=input_help)(fn)
        fn = click.argument("texts", nargs=-1)(fn)
        return click.argument("checkpoint", type=click.Path())(fn)
    return wrap


def input_lines(file) -> list[str]:
    """Lines of an ``--input`` file (a ``click.File``); bad bytes become a DataError naming it."""
    from rnnlp.errors import DataError

    try:
        return [line.rstrip("\n") for line in file]
    except UnicodeDecodeError as exc:
        raise DataError(f"{file.name} is not UTF-8 text (invalid byte {exc.object[exc.start:exc.start + 1]!r}); "
                        "re-save it as UTF-8") from None


def texts_from(texts, input_file, what: str, keep_blank: bool = False) -> list[str]:
    """TEXTS arguments then the lines of ``--input``, blank ones skipped with a count (the
    models refuse blank texts) unless ``keep_blank``; none at all is a usage error."""
    texts = list(texts) + (input_lines(input_file) if input_file else [])
    kept = [t for t in texts if keep_blank or t.strip()]
    if len(kept) < len(texts):
        click.echo(f"skipped {len(texts) - len(kept)} blank {what.split()[0]}", err=True)
    if not kept:
        raise click.UsageError(f"give {what} as arguments or with --input FILE")
    return kept
