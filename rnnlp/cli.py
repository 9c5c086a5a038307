"""The ``rnnlp`` command line: a thin, lazy layer over ``rnnlp.api``.

Each command turns its options into one API call. Importing this module imports click only, so
``rnnlp --help`` answers without torch. User errors (``RnnlpError``) become one line on stderr
and exit code 2; Ctrl-C exits 130.
"""

from __future__ import annotations

import json
import sys

import click

from rnnlp import __version__

TASK_NAMES = ["sentiment"]
DATA_OPTIONS = {"train": "train", "valid": "valid", "test": "test", "text_column": "text_column",
                "label_column": "label_column", "data_format": "format", "data_root": "root"}


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rnnlp")
def cli():
    """rnnlp: strong, fast, honest RNN baselines for text tasks.

    Train with `rnnlp train sentiment`, then `rnnlp predict RUN "some text"`.
    """


@cli.command()
@click.argument("task", type=click.Choice(TASK_NAMES))
@click.argument("overrides", nargs=-1, metavar="[SECTION.FIELD=VALUE]...")
@click.option("--recipe", type=click.Path(dir_okay=False), help="YAML recipe (see recipes/).")
@click.option("--train", help="Training file (csv, tsv, json/jsonl, parquet) or hub dataset name.")
@click.option("--valid", help="Validation file, used for early stopping and the best checkpoint.")
@click.option("--test", help="Test file (evaluated with `rnnlp evaluate`).")
@click.option("--text-column", help="Column holding the text.")
@click.option("--label-column", help="Column holding the label (string or integer).")
@click.option("--format", "data_format", help="Data format when the extension does not tell.")
@click.option("--data-root", envvar="RNNLP_DATA", help="Folder that relative data paths are under "
              "(default: $RNNLP_DATA).")
@click.option("--output", "-o", help="Run folder (default: runs/<task>-<time>).")
@click.option("--resume", type=click.Path(file_okay=False), help="Continue the run in this folder.")
def train(task, overrides, recipe, output, resume, **data):
    """Train TASK; every config field can be overridden as SECTION.FIELD=VALUE."""
    from rnnlp import api

    extra = {"data": {DATA_OPTIONS[k]: v for k, v in data.items() if v is not None}}
    if output:
        extra["train"] = {"output": output}
    api.train(task, recipe, overrides, extra=extra, resume=resume)


@cli.command()
@click.argument("checkpoint", type=click.Path())
@click.option("--data", "data_path", required=True, help="Labelled file to evaluate on.")
@click.option("--text-column", help="Column holding the text (default: as in training).")
@click.option("--label-column", help="Column holding the label (default: as in training).")
@click.option("--format", "data_format", help="Data format when the extension does not tell.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def evaluate(checkpoint, data_path, text_column, label_column, data_format, as_json):
    """Evaluate a CHECKPOINT (or run folder) on a labelled file."""
    from rnnlp import api

    model = api.load(checkpoint)
    options = {"text_column": text_column, "label_column": label_column, "format": data_format}
    report = model.evaluate(data_path, **{k: v for k, v in options.items() if v is not None})
    click.echo(json.dumps(report, indent=2) if as_json else format_report(report))


def format_report(report: dict) -> str:
    labels = report["labels"]
    width = max(8, *(len(x) for x in labels))
    lines = [f"examples: {report['count']}", f"accuracy: {report['accuracy']:.4f}",
             f"macro-F1: {report['macro_f1']:.4f}", "",
             "per class: " + ", ".join(f"{n} F1={f:.4f}" for n, f in zip(labels, report["f1"])), "",
             "confusion (rows gold, columns predicted):",
             " " * width + "".join(f"{n:>{width + 1}}" for n in labels)]
    lines += [f"{n:>{width}}" + "".join(f"{c:>{width + 1}}" for c in row)
              for n, row in zip(labels, report["confusion"])]
    return "\n".join(lines)


@cli.command()
@click.argument("checkpoint", type=click.Path())
@click.argument("texts", nargs=-1)
@click.option("--input", "input_file", type=click.File("r", encoding="utf-8"),
              help="Read texts from this file, one per line ('-' for stdin).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def predict(checkpoint, texts, input_file, as_json):
    """Classify TEXTS with a CHECKPOINT (or run folder): label and probability."""
    from rnnlp import api

    texts = list(texts) + ([line.rstrip("\n") for line in input_file] if input_file else [])
    if not texts:
        raise click.UsageError("give texts to classify as arguments or with --input FILE")
    model = api.load(checkpoint)
    api.expect_task(model, "sentiment")
    for row in model.predict(texts):
        click.echo(json.dumps(row, ensure_ascii=False) if as_json
                   else f"{row['label']}\t{row['probability']:.4f}\t{row['text']}")


def _register_extensions() -> None:
    """Command groups that live in their own modules (each imports click only at import time)."""
    import importlib

    for module, name in (("rnnlp.cli_embeddings", "embeddings"),):
        try:
            cli.add_command(getattr(importlib.import_module(module), name))
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


_register_extensions()


def main(argv=None) -> None:
    """Entry point: run the CLI, turning user errors into one line and an exit code."""
    from rnnlp.errors import RnnlpError

    try:
        cli.main(args=argv, prog_name="rnnlp", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except RnnlpError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        click.echo(f"error: {exc.strerror or exc}: {exc.filename}", err=True)
        sys.exit(2)
