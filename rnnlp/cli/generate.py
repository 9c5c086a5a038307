"""``rnnlp generate CKPT``: continue a prompt with a language model, streaming tokens.

One call into the loaded model (``rnnlp.tasks.lm.TextGenerator``); torch is imported inside
the command so that ``rnnlp --help`` stays instant. Bad options raise ``RnnlpError``s, which
the main CLI prints as one line.
"""

import click


@click.command()
@click.argument("checkpoint", type=click.Path())
@click.option("--prompt", default="", show_default=True,
              help="Text to continue (empty: start from <bos>).")
@click.option("--max-tokens", type=int, default=200, show_default=True, help="Tokens to generate.")
@click.option("--temperature", type=float, default=1.0, show_default=True,
              help="Divide log-probabilities by this (> 0; lower = safer).")
@click.option("--top-k", type=int, default=None, help="Sample among the K most probable tokens.")
@click.option("--top-p", type=float, default=1.0, show_default=True,
              help="Sample from the nucleus of this probability mass, in (0, 1].")
@click.option("--seed", type=int, default=None, help="Random seed (same seed, same text).")
@click.option("--num-samples", type=int, default=1, show_default=True,
              help="Samples to draw (generated together as one batch).")
@click.option("--greedy", is_flag=True, help="Always take the most probable token.")
@click.option("--beam-size", type=click.IntRange(min=1), default=None, help="Beam search with this many beams.")
def generate(checkpoint, prompt, max_tokens, temperature, top_k, top_p, seed, num_samples, greedy,
             beam_size):
    """Continue --prompt with the language model in CHECKPOINT (or run folder).

    One sample is streamed token by token; several samples (or beam search) are printed when
    done, each after a '--- sample N ---' line. The prompt is not repeated.
    """
    from rnnlp import api

    model = api.load(checkpoint)
    api.expect_task(model, "lm")
    options = dict(temperature=temperature, top_k=top_k, top_p=top_p, seed=seed,
                   num_samples=num_samples, greedy=greedy)
    if beam_size or num_samples > 1:
        texts = model.generate(prompt, max_tokens, beam_size=beam_size, **options)
        texts = [texts] if isinstance(texts, str) else texts
        for i, text in enumerate(texts):
            click.echo(f"--- sample {i + 1} ---" if len(texts) > 1 else "", nl=len(texts) > 1)
            click.echo(text)
        return
    for pieces in model.stream(prompt, max_tokens, **options):
        click.echo(pieces[0], nl=False)
    click.echo()
