"""The generated verb command: ``rnnlp VERB CHECKPOINT [INPUTS]...`` for a task verb that has no
hand-written command, made from its task-table entry and the verb specification alone.

Inputs are positional texts or ``--input`` (lines or a table column); options are the verb's
specification rows (checked while parsing); the shared model options (``--device``,
``--batch-size``, ``--json``, ``--quiet``) and ``--output`` as on every verb. Each batch of inputs
goes through the loaded model's own method; each result is one output row. Click only at import
time; torch is imported inside the command (through ``rnnlp.api``).
"""

from __future__ import annotations

import json

import click

from rnnlp.cli.common import gather, input_options, model_options, spec_options
from rnnlp.cli.inputs import read_inputs
from rnnlp.cli.outputs import Sink, in_batches


def _text(row: dict) -> str:
    found = row["output"]
    return found if isinstance(found, str) else json.dumps(found, ensure_ascii=False)


def verb_command(task: str, verb: str, rows: tuple, method: str) -> click.Command:
    """The command ``rnnlp <verb>`` of ``task``: see the module docstring."""

    @click.command(verb, short_help=f"{verb} with a {task} checkpoint.")
    @click.argument("checkpoint", type=click.Path())
    @click.argument("texts", nargs=-1)
    @input_options("inputs")
    @spec_options(rows)
    @model_options("Inputs run through the model together.", 64)
    def command(checkpoint, texts, input_path, fmt, text_column, output, device, batch_size, as_json, quiet,
                **options):
        from rnnlp import api

        sink = Sink(output, as_json, _text, quiet)
        items = gather(texts, input_path, lambda path: read_inputs(path, fmt, text_column), "inputs", quiet)
        model = api.load(checkpoint, device=device)
        api.expect_verb(model, verb)
        run = lambda chunk: [{"input": x, "output": y} for x, y in  # noqa: E731
                             zip(chunk, getattr(model, method)(list(chunk), **options))]
        for found in in_batches(items, batch_size, run, not (as_json or quiet)):
            sink.add(found)
        sink.close()

    command.help = f"{verb.capitalize()} TEXTS (or each input of --input) with a {task} CHECKPOINT (or run folder)."
    return command
