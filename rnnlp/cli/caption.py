"""``rnnlp caption CKPT photo.jpg``: describe images with a captioning checkpoint.

Images come as arguments, or from ``--input``: one path a line, or a table's ``--image-column``
(a relative path not found from the current folder is looked up beside the table). One call
into ``rnnlp.load(CKPT).caption`` per batch; torch is imported inside the command so
``rnnlp --help`` stays instant. Errors are ``RnnlpError``s, printed by ``rnnlp.cli.main`` as one line.
"""

from pathlib import Path

import click

from rnnlp.cli.common import gather, input_options, model_options, spec_options
from rnnlp.cli.inputs import IMAGE_COLUMNS, read_inputs
from rnnlp.cli.outputs import Sink, in_batches, keeping_blanks
from rnnlp.tasks import spec



@click.command()
@click.argument("checkpoint", type=click.Path())
@click.argument("images", nargs=-1)
@input_options("image paths", columns=(("--image-column", "image_column",
                                        "Table column holding the image paths (default: image, path, file, ...)."),))
@spec_options(spec.CAPTION)
@click.option("--attention-plot", type=click.Path(dir_okay=False),
              help="Save the first image with each word's attention map over it (PNG; needs matplotlib).")
@model_options("Images decoded together (default: the checkpoint's decode.batch_size).")
def caption(checkpoint, images, input_path, fmt, image_column, output, beam_size, max_tokens, attention_plot,
            device, batch_size, as_json, quiet):
    """Caption IMAGES (jpg, png, ...; any size, grayscale or RGBA too) with a captioning CHECKPOINT.

    Prints "image<TAB>caption" per image.
    """
    from rnnlp import api

    sink = Sink(output, as_json, lambda row: f"{row['image']}\t{row['caption']}", quiet)
    read = lambda path: read_inputs(path, fmt, image_column, names=IMAGE_COLUMNS, flag="--image-column",  # noqa
                                    keep_blank=True)
    images = gather(images, input_path, read, "the image files to caption", quiet)
    images = [beside(image, input_path) if image else "" for image in images]
    model = api.load(checkpoint, device=device)
    api.expect_verb(model, "caption")

    def run(chunk):
        texts = model.caption(chunk, beam_size=beam_size, max_tokens=max_tokens, batch_size=batch_size)
        return [{"image": image, "caption": text} for image, text in zip(chunk, texts)]

    blank = lambda image: {"image": "", "caption": ""}  # noqa: E731  (a blank line keeps its place)
    for rows in in_batches(images, max(batch_size or 0, 64), keeping_blanks(run, blank), not (as_json or quiet)):
        sink.add(rows)
    sink.close()
    if attention_plot:
        from rnnlp.plotting import plot_caption_attention

        plot_caption_attention(model.attention(next(i for i in images if i), max_tokens=max_tokens), attention_plot)


def beside(image: str, input_path: str | None) -> str:
    """``image``; a relative path missing from the current folder is taken beside the --input file."""
    if not input_path or input_path == "-" or Path(image).is_absolute() or Path(image).exists():
        return image
    near = Path(input_path).parent / image
    return str(near) if near.exists() else image
