"""``rnnlp export CKPT --format onnx --output model.onnx``: a checkpoint as TorchScript or ONNX.

Click only at import time; torch is imported inside the command (through ``rnnlp.export``).
"""

from __future__ import annotations

import click


@click.command()
@click.argument("checkpoint", type=click.Path())
@click.option("--format", "format_", type=click.Choice(["torchscript", "onnx"]), default="torchscript",
              show_default=True, help="Output format (onnx needs: pip install 'rnnlp[export]').")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="File to write (written atomically).")
def export(checkpoint, format_, output):
    """Export a sentiment or tagging CHECKPOINT (or run folder) for inference outside rnnlp.

    Inputs are encoded ids (B×T, padding 0) and lengths (B); see rnnlp.export for the signatures.
    """
    from rnnlp.export import export as run_export

    path = run_export(checkpoint, format_, output)
    click.echo(f"wrote {path}")
