"""``rnnlp translate CKPT "ein satz ."``: translate sentences with a translation checkpoint.

One call into ``rnnlp.load(CKPT).translate_n_best``; torch is imported inside the command so
``rnnlp --help`` stays instant. Errors are ``RnnlpError``s, printed by ``rnnlp.cli.main`` as one line.
"""

import click

from rnnlp.cli.common import checkpoint_and_texts, texts_from


@click.command()
@checkpoint_and_texts("Translate this file, one sentence a line ('-' for stdin).")
@click.option("--output", "output_file", type=click.Path(dir_okay=False),
              help="Write translations here (one line per input line, written atomically); "
                   "default: stdout.")
@click.option("--beam-size", type=int, default=None,
              help="Beam size, >= 1 (1 = greedy); default: the checkpoint's (decode.beam_size).")
@click.option("--length-penalty", type=float, default=None,
              help="GNMT length penalty alpha (0 = none); default: the checkpoint's.")
@click.option("--n-best", type=int, default=1, show_default=True,
              help="Print this many translations per sentence (tab-separated with their scores).")
@click.option("--batch-size", type=click.IntRange(min=1), default=None, help="Sentences decoded together.")
@click.option("--attention-plot", type=click.Path(dir_okay=False),
              help="Save the attention heatmap of the first sentence, translated greedily "
                   "(PNG; needs matplotlib: pip install 'rnnlp[plot]').")
def translate(checkpoint, texts, input_file, output_file, beam_size, length_penalty, n_best, batch_size,
              attention_plot):
    """Translate TEXTS (or --input FILE) with a translation CHECKPOINT (or run folder).

    An empty input line gives an empty output line. With --n-best N each sentence gives N
    lines "score<TAB>translation" followed by an empty line.
    """
    from rnnlp import api
    from rnnlp.io import atomic_write_text

    texts = [text.rstrip("\r") for text in texts_from(texts, input_file, "sentences to translate", keep_blank=True)]
    if attention_plot:
        from rnnlp.plotting import pyplot

        pyplot("the attention plot")  # fail before decoding when matplotlib is missing
    model = api.load(checkpoint)
    api.expect_task(model, "translation")
    found = model.translate_n_best(texts, beam_size=beam_size, n_best=n_best, length_penalty=length_penalty,
                                   batch_size=batch_size)
    if n_best == 1:
        lines = [hyps[0][0] for hyps in found]
    else:
        lines = [line for hyps in found for line in [f"{score:.4f}\t{text}" for text, score in hyps] + [""]]
    if output_file:
        atomic_write_text(output_file, "".join(line + "\n" for line in lines))
    else:
        for line in lines:
            click.echo(line)
    if attention_plot:
        from rnnlp.plotting import plot_translation_attention

        plot_translation_attention(model.attention(texts[0]), attention_plot)
