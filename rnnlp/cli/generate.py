"""``rnnlp generate CKPT``: continue a prompt with a language model, streaming tokens.

One prompt (``--prompt``) is streamed token by token; the prompts of ``--input`` (lines, or a
table's ``--text-column``), several samples, beam search, ``--json`` and ``--output`` give one
row per prompt when it is done. Every number is checked before the model loads. Torch is
imported inside the command so that ``rnnlp --help`` stays instant.
"""

import click

from rnnlp.cli.common import gather, input_options, model_options, spec_options
from rnnlp.cli.generate_music import PIECE_SUFFIXES, generate_piece, music_options
from rnnlp.cli.inputs import read_inputs
from rnnlp.cli.outputs import Sink, in_batches
from rnnlp.tasks import spec
from rnnlp.tasks.table import entry


def text_line(row: dict) -> str:
    """The continuation; several samples each after a '--- sample N ---' line."""
    if "texts" not in row:
        return row["text"]
    return "\n".join(f"--- sample {i} ---\n{text}" for i, text in enumerate(row["texts"], 1))


@click.command()
@click.argument("checkpoint", type=click.Path())
@click.argument("texts", nargs=-1)
@click.option("--prompt", default=None, help="Text to continue (none and no --input: start from <bos>); the same "
              "as giving it as an argument.")
@input_options("prompts", columns=(("--text-column", "text_column",
                                    "Table column holding the prompts (default: prompt, text, ...)."),))
@spec_options(spec.GENERATE)
@music_options
@model_options("Samples generated together (default: all of --num-samples).")
def generate(checkpoint, texts, prompt, input_path, fmt, text_column, output, max_tokens, temperature, top_k, top_p,
             seed, num_samples, greedy, beam_size, repetition_penalty, no_repeat_ngram_size, stop, device,
             batch_size, as_json, quiet, **music):
    """Continue each prompt of TEXTS (or --prompt, or each prompt of --input) with the language
    model in CHECKPOINT; with none, start from <bos>.

    One sample is streamed token by token; several samples (or beam search) are printed when
    done, each after a '--- sample N ---' line. The prompt is not repeated.

    A music checkpoint writes a piece of --steps frames to --output (.mid, .wav, .png, .npz;
    without it, the sounding MIDI pitches of each frame are printed), continuing the prompt (a
    MIDI, .npz or .mat file) when one is given.
    """
    from rnnlp import api

    if beam_size and num_samples > beam_size:
        raise click.UsageError(f"--num-samples must be <= --beam-size ({beam_size}) with beam search, "
                               f"got {num_samples}")
    piece = output and output.lower().endswith(PIECE_SUFFIXES)  # a music file: no text rows to check
    sink = None if piece else Sink(output, as_json, text_line, quiet)
    given = [*texts, *([prompt] if prompt else [])]
    prompts = (given or [""]) if input_path is None else \
        gather(given, input_path, lambda path: read_inputs(path, fmt, text_column, keep_blank=True),  # blank: <bos>
               "prompts", quiet)
    model = api.load(checkpoint, device=device)
    if entry(model.task).item == "piece":
        if len(given) > 1 or input_path:
            raise click.UsageError("a music checkpoint continues one prompt file (MIDI, .npz or .mat), given once")
        return generate_piece(model, given[0] if given else None, output, seed, temperature, **music)
    api.expect_verb(model, "generate", ("prompt",))
    sink = sink or Sink(output, as_json, text_line, quiet)
    rules = dict(repetition_penalty=repetition_penalty, no_repeat_ngram_size=no_repeat_ngram_size, stop=stop)
    options = dict(temperature=temperature, top_k=top_k, top_p=top_p, greedy=greedy, **rules)
    if len(prompts) == 1 and num_samples == 1 and not (beam_size or as_json or output):
        return _stream(model, prompts[0], max_tokens, seed, options)

    def one(text: str):
        if beam_size:
            return model.generate(text, max_tokens, beam_size=beam_size, num_samples=num_samples, **rules)
        return _samples(model, text, max_tokens, seed, num_samples, batch_size, options)

    for rows in in_batches(prompts, 1, lambda chunk: [_row(p, one(p)) for p in chunk], not (as_json or quiet)):
        sink.add(rows)
    sink.close()


def _stream(model, prompt: str, max_tokens: int, seed, options: dict) -> None:
    for pieces in model.stream(prompt, max_tokens, seed=seed, **options):
        click.echo(pieces[0], nl=False)
    click.echo()


def _samples(model, prompt: str, max_tokens: int, seed, num_samples: int, batch_size, options: dict):
    """``num_samples`` continuations, ``batch_size`` rows at a time (batch i seeded ``seed + i``)."""
    size = batch_size or num_samples
    texts = []
    for i, start in enumerate(range(0, num_samples, size)):
        rows = min(size, num_samples - start)
        found = model.generate(prompt, max_tokens, seed=None if seed is None else seed + i, num_samples=rows,
                               **options)
        texts += [found] if isinstance(found, str) else found
    return texts[0] if num_samples == 1 else texts


def _row(prompt: str, found) -> dict:
    return {"prompt": prompt, "text": found} if isinstance(found, str) else {"prompt": prompt, "texts": found}
