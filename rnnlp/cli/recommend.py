"""``rnnlp recommend RUN "i1 i2 i3" --top-k 10``: the next items for a history, best first.

Histories come as arguments (like every verb's inputs), with ``--history`` (its alias), or from
``--input``.

Click only at import time; torch is imported inside the command (through ``rnnlp.api``).
"""

from __future__ import annotations

import click

from rnnlp.cli.common import gather, input_options, model_options, spec_options
from rnnlp.cli.inputs import TEXT_COLUMNS, read_inputs
from rnnlp.cli.outputs import Sink, in_batches, keeping_blanks
from rnnlp.tasks import spec

HISTORY_COLUMNS = ("history", "items", "session", *TEXT_COLUMNS)


def item_titles(path: str, id_column: str, name_column: str, data_root: str | None) -> dict:
    """item id -> title from an item metadata table (csv, tsv, parquet, json)."""
    from rnnlp.data.readers import read_table, require_columns

    table = read_table(path, None, data_root, strings=(id_column,))  # ids are text, as in training
    require_columns(table, path, id_column, name_column)
    return {str(i): str(t) for i, t in zip(table[id_column], table[name_column])}


def recommendable(row: dict) -> dict:
    """The row without the items scored -inf (never recommendable: seen, padding), which fill the top
    ``top_k`` when ``top_k`` exceeds what is left; a NaN stays, for the output's one-line error."""
    keep = [i for i, score in enumerate(row["scores"]) if score != float("-inf")]
    return {**row, "items": [row["items"][i] for i in keep], "scores": [row["scores"][i] for i in keep]}


def format_row(row: dict, titles: dict) -> str:
    lines = [f"{rank:>3}. {item}" + (f"  {titles[item]}" if item in titles else "") + f"  ({score:.3f})"
             for rank, (item, score) in enumerate(zip(row["items"], row["scores"]), 1)]
    if row["unknown"]:
        lines.insert(0, f"skipped items unknown to the model: {' '.join(row['unknown'])}")
    return "\n".join(lines)


@click.command()
@click.argument("checkpoint", type=click.Path())
@click.argument("texts", nargs=-1)
@click.option("--history", "histories", multiple=True,
              help="Item ids in time order, separated by spaces (repeat for several users); the same as "
                   "giving the history as an argument.")
@input_options("histories (item ids in time order, separated by spaces)", columns=(
    ("--text-column", "text_column", "Table column holding the histories (default: history, items, text, ...)."),))
@spec_options(spec.RECOMMEND)
@click.option("--items", "items_file", help="Item metadata table, to print titles.")
@click.option("--item-id-column", default="item", show_default=True, help="Item id column of --items.")
@click.option("--item-name-column", default="title", show_default=True, help="Title column of --items.")
@click.option("--data-root", envvar="RNNLP_DATA", help="Folder that relative paths are under.")
@model_options("Histories scored together.", 256)
def recommend(checkpoint, texts, histories, input_path, fmt, text_column, output, top_k, exclude_seen, items_file,
              item_id_column, item_name_column, data_root, device, batch_size, as_json, quiet):
    """Recommend the next items after each history TEXTS (item ids in time order, separated by
    spaces; or --history, or each history of --input) with a recommender CHECKPOINT (or run folder)."""
    from rnnlp import api

    read = lambda path: read_inputs(path, fmt, text_column, names=HISTORY_COLUMNS, lists=True,  # noqa: E731
                                    keep_blank=True)
    histories = gather([*texts, *histories], input_path, read, "histories (\"i1 i2 ...\")", quiet)
    model = api.load(checkpoint, device=device)
    api.expect_verb(model, "recommend")
    titles = item_titles(items_file, item_id_column, item_name_column, data_root) if items_file else {}
    sink = Sink(output, as_json, lambda row: format_row(row, titles), quiet)

    def run(chunk):
        rows = [recommendable(row) for row in model.recommend(list(chunk), top_k, exclude_seen=exclude_seen)]
        return [{"history": h, **row, "titles": [titles.get(i) for i in row["items"]]} for h, row in zip(chunk, rows)]

    blank = lambda history: {"history": "", "items": [], "scores": [], "unknown": [], "titles": []}  # noqa: E731
    for rows in in_batches(histories, batch_size, keeping_blanks(run, blank), not (as_json or quiet)):
        sink.add(rows)
    sink.close()
