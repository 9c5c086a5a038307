"""``rnnlp export CKPT --format onnx --output model.onnx``: a checkpoint as TorchScript or ONNX.

The tasks it accepts are those whose entry in ``rnnlp.tasks.table.TASKS`` names an ``export``
shape. Click only at import time; torch is imported inside the command (through ``rnnlp.export``).
"""

from __future__ import annotations

import click

from rnnlp.tasks.table import TASKS

EXPORT_TASKS = [name for name, entry in TASKS.items() if entry.export]


@click.command(help=f"""Export a {' or '.join(EXPORT_TASKS)} CHECKPOINT (or run folder) for inference outside rnnlp.

    Inputs are encoded ids (B×T, padding 0) and lengths (B); see rnnlp.export for the signatures.
    """)
@click.argument("checkpoint", type=click.Path())
@click.option("--format", "format_", type=click.Choice(["torchscript", "onnx"]), default="torchscript",
              show_default=True, help="Output format (onnx needs: pip install 'rnnlp[export]').")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="File to write (written atomically).")
def export(checkpoint, format_, output):
    from rnnlp.export import export as run_export

    path = run_export(checkpoint, format_, output)
    click.echo(f"wrote {path}")
