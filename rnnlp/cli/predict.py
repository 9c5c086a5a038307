"""``rnnlp predict CKPT ...``: label and probability with a classifier checkpoint.

Dispatch on the loaded model's task: a sentiment model classifies TEXTS and the texts of
``--input`` (lines, or a table's ``--text-column``); a series model classifies the series of
``--input FILE`` (``--format`` ucr, values, long, npy, npz; default from the extension). Click
only at import time; torch is imported inside the command (through ``rnnlp.api``).
"""

from __future__ import annotations

import click

from rnnlp.cli.common import gather, input_options, model_options
from rnnlp.cli.inputs import read_inputs
from rnnlp.cli.outputs import Sink, in_batches, keeping_blanks
from rnnlp.tasks.table import entry


@click.command()
@click.argument("checkpoint", type=click.Path())
@click.argument("texts", nargs=-1)
@input_options("texts (series checkpoints: the series)",
               formats="lines, csv, tsv, jsonl, parquet; series: ucr, values, long, npy, npz")
@model_options("Texts (or series) classified together.", 256)
def predict(checkpoint, texts, input_path, fmt, text_column, output, device, batch_size, as_json, quiet):
    """Classify TEXTS (or the texts or series of --input) with a CHECKPOINT (or run folder).

    Prints "label<TAB>probability<TAB>text" per text (series: their number for the text); a blank
    line of --input keeps its place with empty fields, so outputs stay line-aligned.
    """
    from rnnlp import api

    sink = Sink(output, as_json, _line, quiet)
    model = api.load(checkpoint, device=device)
    if entry(model.task).item == "series":
        return _series(model, texts, input_path, fmt, text_column, sink, batch_size, not (as_json or quiet))
    api.expect_verb(model, "predict", ("text",))
    texts = gather(texts, input_path, lambda path: read_inputs(path, fmt, text_column, keep_blank=True),
                   "texts to classify", quiet)
    blank = lambda text: {"text": text, "label": None, "probability": None}  # noqa: E731  (keeps its place)
    for rows in in_batches(texts, batch_size, keeping_blanks(model.predict, blank), not (as_json or quiet)):
        sink.add(rows)
    sink.close()


def _line(row: dict) -> str:
    """``label<TAB>probability<TAB>text`` (a blank input: empty fields, in its place)."""
    if row["label"] is None:
        return f"\t\t{row.get('text', '')}"
    return f"{row['label']}\t{row['probability']:.4f}\t{row.get('text', row.get('series'))}"


def _series(model, texts, input_path, fmt, text_column, sink, batch_size, show) -> None:
    """One row per series of the file: its number, label and probability."""
    if texts or not input_path or input_path == "-" or text_column:
        raise click.UsageError("a series checkpoint classifies a file: rnnlp predict RUN --input FILE "
                               "[--format ucr|values|long|npy|npz]")
    found = model.read(input_path, labelled=False, **({"format": fmt} if fmt else {}))
    done = 0
    for rows in in_batches(found.values, batch_size, model.predict, show):
        sink.add({"series": done + i, **row} for i, row in enumerate(rows, 1))
        done += len(rows)
    sink.close()
