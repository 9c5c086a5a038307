"""``rnnlp predict CKPT ...``: label and probability with a classifier checkpoint.

Dispatch on the loaded model's task: a sentiment model classifies TEXTS (or the lines of
``--input``); a series model classifies the series of ``--input FILE`` (``--format`` ucr,
values, long, npy, npz; default from the extension). Click only at import time; torch is
imported inside the command (through ``rnnlp.api``).
"""

from __future__ import annotations

import json

import click

from rnnlp.cli.common import checkpoint_and_texts, texts_from

TASKS = ("sentiment", "series")


@click.command()
@checkpoint_and_texts("Read texts from this file, one per line ('-' for stdin); series: the series file.")
@click.option("--format", "fmt", help="Series checkpoints: format of --input (ucr, values, long, npy, npz).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--device", default="cpu", show_default=True, help="cpu, cuda or auto.")
def predict(checkpoint, texts, input_file, fmt, as_json, device):
    """Classify TEXTS (or the series of --input) with a CHECKPOINT (or run folder)."""
    from rnnlp import api

    model = api.load(checkpoint, device=device)
    if model.task == "series":
        return _series(model, texts, input_file, fmt, as_json)
    api.expect_task(model, "sentiment")
    if fmt:
        raise click.UsageError("--format is for series checkpoints; texts are read one per line")
    for row in model.predict(texts_from(texts, input_file, "texts to classify")):
        click.echo(json.dumps(row, ensure_ascii=False) if as_json
                   else f"{row['label']}\t{row['probability']:.4f}\t{row['text']}")


def _series(model, texts, input_file, fmt, as_json) -> None:
    """One line per series of the file: its number, label and probability."""
    if texts or input_file is None or input_file.name == "<stdin>":
        raise click.UsageError("a series checkpoint classifies a file: rnnlp predict RUN --input FILE "
                               "[--format ucr|values|long|npy|npz]")
    input_file.close()  # read by path: .npy/.npz are binary
    found = model.read(input_file.name, labelled=False, **({"format": fmt} if fmt else {}))
    for number, row in enumerate(model.predict(found.values), 1):
        click.echo(json.dumps({"series": number, **row}) if as_json
                   else f"{row['label']}\t{row['probability']:.4f}\t{number}")
