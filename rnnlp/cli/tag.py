"""``rnnlp tag CKPT "John Smith lives in Paris ."``: tokens with tags, and entities for span schemes.

Sentences come as arguments, or from ``--input``: lines (tokens separated by spaces), a table's
``--text-column`` (a string, or a list of tokens in jsonl/parquet), or CoNLL / CoNLL-U (the token
column only; sentences separated by blank lines). Click only at import time; torch is imported
inside the command (through ``rnnlp.api``).
"""

from __future__ import annotations

import click

from rnnlp.cli.common import gather, input_options, model_options
from rnnlp.cli.inputs import read_inputs
from rnnlp.cli.outputs import Sink, in_batches, keeping_blanks


def format_row(row: dict) -> str:
    """``John/B-PER Smith/E-PER ...`` then one ``TYPE: text`` line per entity."""
    lines = [" ".join(f"{w}/{t}" for w, t in zip(row["tokens"], row["tags"]))]
    lines += [f"{e['type']}: {e['text']}" for e in row.get("entities", [])]
    return "\n".join(lines)


@click.command()
@click.argument("checkpoint", type=click.Path())
@click.argument("texts", nargs=-1)
@input_options("sentences (tokens separated by spaces)", formats="lines, csv, tsv, jsonl, parquet, conll, conllu",
               columns=(("--text-column", "text_column", "Table column holding the sentences (default: tokens, "
                         "text, sentence, ...); CoNLL: the token column number (default 0)."),))
@click.option("--tokenize", type=click.Choice(["model", "whitespace"]), default=None,
              help="How raw text is split into tokens: as the training data was (model, the default), "
                   "or on spaces only (whitespace). CoNLL and token-list inputs are taken as given.")
@model_options("Sentences tagged together.", 128)
def tag(checkpoint, texts, input_path, fmt, text_column, output, tokenize, device, batch_size, as_json, quiet):
    """Tag TEXTS (tokens separated by spaces) with a tagging CHECKPOINT (or run folder).

    Input files ending in .conll or .conllu are read as CoNLL (tokens from the first column,
    or FORM); .csv, .tsv, .jsonl and .parquet as tables; others as one sentence a line (a blank
    line gives an empty result in its place, so outputs stay line-aligned).
    """
    from rnnlp import api

    sink = Sink(output, as_json, format_row, quiet)
    read = lambda path: read_inputs(path, fmt, text_column, allowed=("lines", "table", "conll"), lists=True,  # noqa
                                    keep_blank=True)
    sentences = gather(texts, input_path, read, "sentences to tag", quiet)
    model = api.load(checkpoint, device=device)
    api.expect_verb(model, "tag")

    def run(chunk):
        return [{"text": text if isinstance(text, str) else " ".join(text), **row}
                for text, row in zip(chunk, model.predict(chunk, **({"tokenize": tokenize} if tokenize else {})))]

    blank = lambda text: {"text": "", "tokens": [], "tags": []}  # noqa: E731  (a blank line stays one)
    for rows in in_batches(sentences, batch_size, keeping_blanks(run, blank), not (as_json or quiet)):
        sink.add(rows)
    sink.close()
