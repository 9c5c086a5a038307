"""``rnnlp tag CKPT "John Smith lives in Paris ."``: tokens with tags, and entities for span schemes.

Click only at import time; torch is imported inside the command (through ``rnnlp.api``).
"""

from __future__ import annotations

import json

import click

from rnnlp.cli.common import checkpoint_and_texts, texts_from


def format_row(row: dict) -> str:
    """``John/B-PER Smith/E-PER ...`` then one ``TYPE: text`` line per entity."""
    lines = [" ".join(f"{w}/{t}" for w, t in zip(row["tokens"], row["tags"]))]
    lines += [f"{e['type']}: {e['text']}" for e in row.get("entities", [])]
    return "\n".join(lines)


@click.command()
@checkpoint_and_texts("Read sentences from this file, one per line, tokens separated by spaces ('-': stdin).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per sentence.")
def tag(checkpoint, texts, input_file, as_json):
    """Tag TEXTS (tokens separated by spaces) with a tagging CHECKPOINT (or run folder)."""
    from rnnlp import api

    texts = texts_from(texts, input_file, "sentences to tag")
    model = api.load(checkpoint)
    api.expect_task(model, "tagging")
    for row in model.predict(texts):
        click.echo(json.dumps(row, ensure_ascii=False) if as_json else format_row(row))
