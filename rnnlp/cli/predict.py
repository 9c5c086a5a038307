"""``rnnlp predict CKPT "some text"``: label and probability with a sentiment checkpoint.

Click only at import time; torch is imported inside the command (through ``rnnlp.api``).
"""

from __future__ import annotations

import json

import click

from rnnlp.cli.common import checkpoint_and_texts, texts_from


@click.command()
@checkpoint_and_texts("Read texts from this file, one per line ('-' for stdin).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--device", default="cpu", show_default=True, help="cpu, cuda or auto.")
def predict(checkpoint, texts, input_file, as_json, device):
    """Classify TEXTS with a CHECKPOINT (or run folder): label and probability."""
    from rnnlp import api

    texts = texts_from(texts, input_file, "texts to classify")
    model = api.load(checkpoint, device=device)
    api.expect_task(model, "sentiment")
    for row in model.predict(texts):
        click.echo(json.dumps(row, ensure_ascii=False) if as_json
                   else f"{row['label']}\t{row['probability']:.4f}\t{row['text']}")
