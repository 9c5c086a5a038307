"""``rnnlp translate CKPT "ein satz ."``: translate sentences with a translation checkpoint.

One call into ``rnnlp.load(CKPT).translate_n_best`` per batch of inputs; torch is imported inside
the command so ``rnnlp --help`` stays instant. Errors are ``RnnlpError``s, printed by
``rnnlp.cli.main`` as one line.
"""

import click

from rnnlp.cli.common import gather, input_options, model_options, spec_options
from rnnlp.cli.inputs import read_inputs
from rnnlp.cli.outputs import Sink, in_batches, keeping_blanks
from rnnlp.tasks import spec

# Sentences handed to the model at once: it sorts them by length into batches of --batch-size.
CHUNK = 512


def text_line(row: dict) -> str:
    """The translation, or with several hypotheses "score<TAB>translation" lines and an empty line."""
    if "translations" not in row:
        return row["translation"]
    return "\n".join(("" if score is None else f"{score:.4f}") + f"\t{text}"
                     for text, score in zip(row["translations"], row["scores"])) + "\n"


@click.command()
@click.argument("checkpoint", type=click.Path())
@click.argument("texts", nargs=-1)
@input_options("sentences", columns=(("--text-column", "text_column",
                                      "Table column holding the sentences (default: source, text, ...)."),))
@spec_options(spec.TRANSLATE)
@click.option("--attention-plot", type=click.Path(dir_okay=False),
              help="Save the attention heatmap of the first sentence, translated greedily "
                   "(PNG; needs matplotlib: pip install 'rnnlp[plot]').")
@model_options("Sentences decoded together (default: the checkpoint's decode.batch_size).")
def translate(checkpoint, texts, input_path, fmt, text_column, output, beam_size, length_penalty, n_best,
              attention_plot, device, batch_size, as_json, quiet):
    """Translate TEXTS (or --input FILE) with a translation CHECKPOINT (or run folder).

    Prints one translation a line, in input order (a blank input line gives an empty line, so the
    output stays line-aligned with --input, as OpenNMT-py's does). With --n-best N
    each sentence gives N lines "score<TAB>translation" followed by an empty line.
    """
    from rnnlp import api

    if n_best > (beam_size or n_best):
        raise click.UsageError(f"--n-best ({n_best}) must be <= --beam-size ({beam_size})")
    sink = Sink(output, as_json, text_line, quiet)
    texts = gather(texts, input_path, lambda path: read_inputs(path, fmt, text_column, keep_blank=True),
                   "sentences to translate", quiet)
    if attention_plot:
        from rnnlp.plotting import pyplot

        pyplot("the attention plot")  # fail before decoding when matplotlib is missing
    model = api.load(checkpoint, device=device)
    api.expect_verb(model, "translate")

    def run(chunk):
        found = model.translate_n_best(chunk, beam_size=beam_size, n_best=n_best, length_penalty=length_penalty,
                                       batch_size=batch_size)
        return [_row(text, hyps, n_best) for text, hyps in zip(chunk, found)]

    blank = lambda text: _row(text, [("", None)] * n_best, n_best)  # noqa: E731  (a blank line stays one)
    for rows in in_batches(texts, CHUNK, keeping_blanks(run, blank), not (as_json or quiet)):
        sink.add(rows)
    sink.close()
    if attention_plot:
        from rnnlp.plotting import plot_translation_attention

        plot_translation_attention(model.attention(next(t for t in texts if t.strip())), attention_plot)


def _row(text: str, hyps: list, n_best: int) -> dict:
    if n_best == 1:
        return {"text": text, "translation": hyps[0][0], "score": hyps[0][1]}
    return {"text": text, "translations": [t for t, _ in hyps], "scores": [s for _, s in hyps]}
