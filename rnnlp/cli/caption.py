"""``rnnlp caption CKPT photo.jpg``: describe images with a captioning checkpoint.

One call into ``rnnlp.load(CKPT).caption``; torch is imported inside the command so
``rnnlp --help`` stays instant. Errors are ``RnnlpError``s, printed by ``rnnlp.cli.main`` as one line.
"""

import click


@click.command()
@click.argument("checkpoint", type=click.Path())
@click.argument("images", nargs=-1)
@click.option("--beam-size", type=int, default=None,
              help="Beam size, >= 1 (1 = greedy); default: the checkpoint's (decode.beam_size).")
@click.option("--max-len", type=click.IntRange(min=1), default=None, help="Most words per caption (default: the checkpoint's).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--attention-plot", type=click.Path(dir_okay=False),
              help="Save the first image with each word's attention map over it (PNG; needs matplotlib).")
def caption(checkpoint, images, beam_size, max_len, as_json, attention_plot):
    """Caption IMAGES (jpg, png, ...; any size, grayscale or RGBA too) with a captioning CHECKPOINT.

    Prints "image<TAB>caption" per image.
    """
    import json

    from rnnlp import api

    if not images:
        raise click.UsageError("give the image files to caption")
    model = api.load(checkpoint)
    api.expect_task(model, "captioning")
    for image, text in zip(images, model.caption(list(images), beam_size=beam_size, max_len=max_len)):
        click.echo(json.dumps({"image": image, "caption": text}, ensure_ascii=False) if as_json
                   else f"{image}\t{text}")
    if attention_plot:
        from rnnlp.plotting import plot_caption_attention

        plot_caption_attention(model.attention(images[0], max_len=max_len), attention_plot)
