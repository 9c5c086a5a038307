"""``rnnlp recommend RUN --history "i1 i2 i3" -k 10``: the next items for a history, best first.

Click only at import time; torch is imported inside the command (through ``rnnlp.api``).
"""

from __future__ import annotations

import json

import click


def item_titles(path: str, id_column: str, name_column: str, data_root: str | None) -> dict:
    """item id -> title from an item metadata table (csv, tsv, parquet, json)."""
    from rnnlp.data.readers import read_table, require_columns

    table = read_table(path, None, data_root)
    require_columns(table, path, id_column, name_column)
    return {str(i): str(t) for i, t in zip(table[id_column], table[name_column])}


def format_row(row: dict, titles: dict) -> str:
    lines = [f"{rank:>3}. {item}" + (f"  {titles[item]}" if item in titles else "") + f"  ({score:.3f})"
             for rank, (item, score) in enumerate(zip(row["items"], row["scores"]), 1)]
    if row["unknown"]:
        lines.insert(0, f"skipped items unknown to the model: {' '.join(row['unknown'])}")
    return "\n".join(lines)


@click.command()
@click.argument("checkpoint", type=click.Path())
@click.option("--history", "histories", multiple=True, required=True,
              help="Item ids in time order, separated by spaces (repeat for several users).")
@click.option("-k", "k", default=10, show_default=True, type=click.IntRange(1), help="Items to recommend.")
@click.option("--include-seen", is_flag=True, help="Also recommend items already in the history.")
@click.option("--items", "items_file", help="Item metadata table, to print titles.")
@click.option("--item-id-column", default="item", show_default=True, help="Item id column of --items.")
@click.option("--item-name-column", default="title", show_default=True, help="Title column of --items.")
@click.option("--data-root", envvar="RNNLP_DATA", help="Folder that relative paths are under.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per history.")
def recommend(checkpoint, histories, k, include_seen, items_file, item_id_column, item_name_column, data_root,
              as_json):
    """Recommend the next items after each --history with a recommender CHECKPOINT (or run folder)."""
    from rnnlp import api

    model = api.load(checkpoint)
    api.expect_task(model, "recommender")
    titles = item_titles(items_file, item_id_column, item_name_column, data_root) if items_file else {}
    for history, row in zip(histories, model.recommend(list(histories), k, exclude_seen=not include_seen)):
        if as_json:
            click.echo(json.dumps({**row, "titles": [titles.get(i) for i in row["items"]]}, ensure_ascii=False))
        else:
            click.echo(format_row(row, titles))
