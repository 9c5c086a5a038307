"""The music side of ``rnnlp generate``: a piece from a music checkpoint, written as MIDI/WAV/PNG.

``rnnlp generate RUN --steps 128 --seed 0 --output piece.mid`` samples ``--steps`` frames
(continuing ``--prompt FILE`` when given) and writes them by the suffix of ``--output``.
Click only at import time; the model is loaded by ``generate``.
"""

import click

from rnnlp.cli.common import spec_options
from rnnlp.tasks import spec

PIECE_SUFFIXES = (".mid", ".midi", ".wav", ".png", ".npz")  # what a music checkpoint writes (--output)
# --steps, --max-notes, --bpm, --prompt-piece and --prompt-split (seed and temperature: generate's own)
music_options = spec_options([p for p in spec.MUSIC if p.name not in {q.name for q in spec.GENERATE}])


def generate_piece(model, prompt, output, seed, temperature, steps, max_notes, bpm, prompt_piece,
                   prompt_split) -> None:
    """Sample a piece and write it to ``output`` (or print each frame's MIDI pitches)."""
    if output:
        model.check_output(output)  # a bad suffix fails before generating
    start = model.read_prompt(prompt, prompt_piece, prompt_split) if prompt else None
    roll = model.generate(steps=steps, seed=seed, prompt=start, temperature=temperature, max_notes=max_notes)
    if output:
        path = model.save(roll, output, bpm=bpm)
        click.echo(f"wrote {len(roll)} frames ({int(roll.sum())} key-frames) to {path}", err=True)
        return
    for frame in roll:
        click.echo(" ".join(str(21 + k) for k in frame.nonzero()[0]) or "-")
