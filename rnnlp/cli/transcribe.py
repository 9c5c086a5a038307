"""``rnnlp transcribe RUN a.wav b.wav``: what a speech checkpoint hears in wav files.

Click only at import time; torch is imported inside the command (through ``rnnlp.api``).
"""

from __future__ import annotations

import json

import click


@click.command()
@click.argument("checkpoint", type=click.Path())
@click.argument("files", nargs=-1, type=click.Path())
@click.option("--input", "-i", "input_file", type=click.Path(),
              help="Read wav paths from this file, one per line ('-': stdin).")
@click.option("--beam-size", type=click.IntRange(min=1), default=None,
              help="CTC prefix beam size (1 = greedy; default: the checkpoint's).")
@click.option("--batch-size", type=click.IntRange(min=1), default=32, show_default=True,
              help="Recordings run through the model together.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file: path, text, notes.")
@click.option("--device", default="cpu", show_default=True, help="cpu, cuda or auto.")
def transcribe(checkpoint, files, input_file, beam_size, batch_size, as_json, device):
    """Transcribe wav FILES with a speech CHECKPOINT (or run folder). Stereo files are mixed to
    mono and other sample rates resampled (said on stderr)."""
    from rnnlp import api
    from rnnlp.errors import DataError

    paths = list(files) + _listed(input_file)
    if not paths:
        raise DataError("give wav files to transcribe (arguments or --input FILE)")
    model = api.load(checkpoint, device=device)
    api.expect_task(model, "speech")
    for path, row in zip(paths, model.transcribe(paths, beam_size=beam_size, batch_size=batch_size)):
        for note in row["notes"]:
            click.echo(f"note: {path}: {note}", err=True)
        click.echo(json.dumps({"path": path, **row}, ensure_ascii=False) if as_json else f"{path}\t{row['text']}")


def _listed(input_file: str | None) -> list[str]:
    if not input_file:
        return []
    with click.open_file(input_file, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]
