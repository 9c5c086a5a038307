"""``rnnlp transcribe RUN a.wav b.wav``: what a speech checkpoint hears in wav files.

Files come as arguments, or from ``--input``: one path a line, or a table's ``--path-column``.
The shared options of every verb (``--output``, ``--json``, ``--device``, ``--batch-size``,
``--quiet``) and the specification's ``--beam-size``. Click only at import time; torch is
imported inside the command (through ``rnnlp.api``).
"""

from __future__ import annotations

import click

from rnnlp.cli.common import gather, input_options, model_options, spec_options
from rnnlp.cli.inputs import read_inputs
from rnnlp.cli.outputs import Sink, in_batches, note
from rnnlp.tasks import spec

PATH_COLUMNS = ("path", "audio", "file", "filename", "wav")


@click.command()
@click.argument("checkpoint", type=click.Path())
@click.argument("files", nargs=-1, type=click.Path())
@input_options("wav paths", columns=(("--path-column", "path_column",
                                      "Table column holding the wav paths (default: path, audio, file, ...)."),))
@spec_options(spec.TRANSCRIBE)
@model_options("Recordings run through the model together.", 32)
def transcribe(checkpoint, files, input_path, fmt, path_column, output, beam_size, device, batch_size, as_json,
               quiet):
    """Transcribe wav FILES with a speech CHECKPOINT (or run folder). Prints "path<TAB>text" per
    file. Stereo files are mixed to mono and other sample rates resampled (said on stderr)."""
    from rnnlp import api

    sink = Sink(output, as_json, lambda row: f"{row['path']}\t{row['text']}", quiet)
    read = lambda path: read_inputs(path, fmt, path_column, names=PATH_COLUMNS, flag="--path-column")  # noqa
    paths = gather(files, input_path, read, "wav files to transcribe", quiet)
    model = api.load(checkpoint, device=device)
    api.expect_verb(model, "transcribe")

    def run(chunk):
        rows = model.transcribe(list(chunk), beam_size=beam_size, batch_size=batch_size)
        for path, row in zip(chunk, rows):
            for said in row["notes"]:
                note(f"note: {path}: {said}", quiet)
        return [{"path": path, **row} for path, row in zip(chunk, rows)]

    for rows in in_batches(paths, max(batch_size, 64), run, not (as_json or quiet)):
        sink.add(rows)
    sink.close()
