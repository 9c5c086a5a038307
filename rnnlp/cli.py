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

TASK_NAMES = ["sentiment", "tagging", "translation", "lm", "captioning"]  # keep in step with rnnlp.api.TASKS (checked by a test)

# Options of `rnnlp train`: (flags, dotted config key, help). A task whose config lacks the key
# rejects the option with a ConfigError naming it. Add a task's own data options here.
TRAIN_OPTIONS = [
    ("--train", "data.train", "Training file (csv, tsv, json/jsonl, parquet) or hub dataset name."),
    ("--valid", "data.valid", "Validation file, used for early stopping and the best checkpoint."),
    ("--test", "data.test", "Test file."),
    ("--text-column", "data.text_column", "Column holding the text."),
    ("--label-column", "data.label_column", "Column holding the label (string or integer)."),
    ("--format", "data.format", "Data format when the extension does not tell."),
    ("--token-column", "data.token_column", "Tagging: token column (CoNLL: number, 0 = first; tables: name)."),
    ("--tag-column", "data.tag_column", "Tagging: tag column (CoNLL: number, -1 = last; tables: name)."),
    ("--tag-field", "data.tag_field", "Tagging, CoNLL-U: upos or xpos."),
    ("--scheme", "data.scheme", "Tagging: tag scheme of the files (IOB1, BIO, BIOES, none)."),
    ("--source", "data.source", "Translation: training source sentences, one a line (aligned with --target)."),
    ("--target", "data.target", "Translation: training target sentences, one a line."),
    ("--valid-source", "data.valid_source", "Translation: validation source sentences."),
    ("--valid-target", "data.valid_target", "Translation: validation target sentences."),
    ("--source-column", "data.source_column", "Translation: table column holding the source text."),
    ("--target-column", "data.target_column", "Translation: table column holding the target text."),
    ("--tokenizer", "text.level", "Tokenizer level: word, char or bpe."),
    ("--device", "train.device", "auto (CUDA when available), cpu or cuda."),
    ("--images", "data.images", "Captioning: folder or zip of the images."),
    ("--captions", "data.captions", "Captioning: file of all captions (Flickr8k token file or csv/jsonl); "
     "--train/--valid/--test are then image lists."),
]
# Options of `rnnlp evaluate`: (flags, keyword passed to the loaded model's evaluate(), help).
EVAL_OPTIONS = [
    ("--data", "data", "File to evaluate on."),
    ("--text-column", "text_column", "Column holding the text (default: as in training)."),
    ("--label-column", "label_column", "Column holding the label (default: as in training)."),
    ("--format", "format", "Data format when the extension does not tell."),
    ("--token-column", "token_column", "Tagging: token column (default: as in training)."),
    ("--tag-column", "tag_column", "Tagging: tag column (default: as in training)."),
    ("--tag-field", "tag_field", "Tagging, CoNLL-U: upos or xpos (default: as in training)."),
    ("--scheme", "scheme", "Tagging: tag scheme of the file (default: as in training)."),
    ("--source", "source", "Translation: source sentences, one a line (aligned with --target)."),
    ("--target", "target", "Translation: reference translations, one a line."),
    ("--source-column", "source_column", "Translation: table column holding the source text."),
    ("--target-column", "target_column", "Translation: table column holding the reference."),
    ("--beam-size", "beam_size", "Translation, captioning: beam size (1 = greedy; default: the checkpoint's)."),
    ("--split", "split", "Captioning: split of the checkpoint's data to evaluate (train, valid, test)."),
    ("--images", "images", "Captioning: folder or zip of the images (default: as in training)."),
]


def _options(table):
    """Decorator adding one string option per row of ``table``, named by its dotted key."""
    def wrap(fn):
        for flags, key, help_text in reversed(table):
            fn = click.option(flags, "opt_" + key.replace(".", "__"), default=None, help=help_text)(fn)
        return fn
    return wrap


def _collect(options: dict) -> dict:
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
@_options(TRAIN_OPTIONS)
@click.option("--data-root", envvar="RNNLP_DATA", help="Folder that relative data paths are under "
              "(default: $RNNLP_DATA).")
@click.option("--output", "-o", help="Run folder (default: runs/<task>-<time>).")
@click.option("--resume", type=click.Path(file_okay=False), help="Continue the run in this folder.")
def train(task, overrides, recipe, data_root, output, resume, **options):
    """Train TASK; every config field can be overridden as SECTION.FIELD=VALUE."""
    from rnnlp import api

    extra = _collect(options)
    if data_root:
        extra.setdefault("data", {})["root"] = data_root
    if output:
        extra["train"] = {"output": output}
    api.train(task, recipe, overrides, extra=extra, resume=resume)


@cli.command()
@click.argument("checkpoint", type=click.Path())
@_options(EVAL_OPTIONS)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--device", default="cpu", show_default=True, help="cpu, cuda or auto.")
def evaluate(checkpoint, as_json, device, **options):
    """Evaluate a CHECKPOINT (or run folder) on held-out data; prints the task's metrics."""
    from rnnlp import api

    model = api.load(checkpoint, device=device)
    report = model.evaluate(**_collect(options))
    click.echo(json.dumps(report, indent=2) if as_json else model.format_report(report))


@cli.command()
@click.argument("checkpoint", type=click.Path())
@click.argument("texts", nargs=-1)
@click.option("--input", "input_file", type=click.File("r", encoding="utf-8"),
              help="Read texts from this file, one per line ('-' for stdin).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--device", default="cpu", show_default=True, help="cpu, cuda or auto.")
def predict(checkpoint, texts, input_file, as_json, device):
    """Classify TEXTS with a CHECKPOINT (or run folder): label and probability."""
    from rnnlp import api

    texts = list(texts) + (input_lines(input_file) if input_file else [])
    if not texts:
        raise click.UsageError("give texts to classify as arguments or with --input FILE")
    model = api.load(checkpoint, device=device)
    api.expect_task(model, "sentiment")
    for row in model.predict(texts):
        click.echo(json.dumps(row, ensure_ascii=False) if as_json
                   else f"{row['label']}\t{row['probability']:.4f}\t{row['text']}")


def input_lines(file) -> list[str]:
    """Lines of an ``--input`` file (a ``click.File``); bad bytes become a DataError naming it."""
    from rnnlp.errors import DataError

    try:
        return [line.rstrip("\n") for line in file]
    except UnicodeDecodeError as exc:
        raise DataError(f"{file.name} is not UTF-8 text (invalid byte {exc.object[exc.start:exc.start + 1]!r}); "
                        "re-save it as UTF-8") from None


def _register_extensions() -> None:
    """Command groups that live in their own modules (each imports click only at import time)."""
    import importlib

    for module, name in (("rnnlp.cli_embeddings", "embeddings"), ("rnnlp.cli_tag", "tag"),
                         ("rnnlp.cli_translate", "translate"), ("rnnlp.cli_generate", "generate"),
                         ("rnnlp.cli_caption", "caption"), ("rnnlp.cli_export", "export"),
                         ("rnnlp.cli_forecast", "forecast")):
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
    except UnicodeDecodeError as exc:  # an --input file or stdin that is not UTF-8
        click.echo(f"error: the input is not UTF-8 text (byte {exc.object[exc.start:exc.start + 1]!r} "
                   f"at offset {exc.start}); re-save it as UTF-8", err=True)
        sys.exit(2)
    except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        click.echo(f"error: {exc.strerror or exc}: {exc.filename}", err=True)
        sys.exit(2)
