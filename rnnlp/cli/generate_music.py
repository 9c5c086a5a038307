"""The music side of ``rnnlp generate``: a piece from a music checkpoint, written as MIDI/WAV/PNG.

``rnnlp generate RUN --steps 128 --seed 0 --output piece.mid`` samples ``--steps`` frames
(continuing ``--prompt FILE`` when given) and writes them by the suffix of ``--output``.
Click only at import time; the model is loaded by ``generate``.
"""

import click

from rnnlp.cli.common import in_range

MAX_STEPS = 100_000       # frames: minutes of CPU time, never hours
PIECE_SUFFIXES = (".mid", ".midi", ".wav", ".png", ".npz")  # what a music checkpoint writes (--output)


def music_options(fn):
    """--steps, --max-notes, --bpm, --prompt-piece and --prompt-split (music checkpoints only)."""
    options = [
        click.option("--steps", type=int, default=128, show_default=True, callback=in_range(1, MAX_STEPS),
                     help=f"(music) Frames to generate, 1..{MAX_STEPS:,}."),
        click.option("--max-notes", type=int, default=None, callback=in_range(0, 88),
                     help="(music) At most this many keys sound in a frame."),
        click.option("--bpm", type=float, default=120.0, show_default=True, callback=in_range(0, 1000, above=True),
                     help="(music) Tempo of the written MIDI/WAV, quarter notes a minute."),
        click.option("--prompt-piece", type=int, default=0, show_default=True, callback=in_range(0),
                     help="(music) Which piece of --prompt to continue (0 = the first)."),
        click.option("--prompt-split", default="test", show_default=True,
                     help="(music) Split of a --prompt .mat/.npz file to take the piece from."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


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
