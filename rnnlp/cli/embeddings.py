"""``rnnlp embeddings ...``: train, query, evaluate, trim and convert word vectors.

Each command is one call into ``rnnlp.embeddings``; gensim (and everything heavy) is imported
inside the commands so that ``rnnlp --help`` stays instant. Errors are ``RnnlpError``s, which
the main CLI (``rnnlp.cli``) prints as one line.
"""

import click

from rnnlp.cli.common import spec_options
from rnnlp.tasks import spec

# Literal copies (rnnlp.embeddings.vectors.FORMATS, rnnlp.embeddings.training.MODELS) keep imports
# light; a test checks that they agree.
FORMATS = ("glove", "word2vec", "word2vec_binary", "kv")
MODELS = ("word2vec", "fasttext")

trust_pickle_option = click.option(
    "--trust-pickle", is_flag=True,
    help="Allow gensim's native (pickle) format. Unpickling runs code: trusted files only.")


def _load(path, trust_pickle):
    from rnnlp.embeddings import load

    return load(path, allow_pickle=trust_pickle)


@click.group()
def embeddings():
    """Train, query, evaluate, trim and convert word vectors (gensim).

    Vectors are read from GloVe text, word2vec text or binary (.gz ok); rnnlp writes
    word2vec binary (.bin) or word2vec text (.txt), chosen by the output's extension.
    """


# the options that became train.* overrides: flag -> key (deprecated, gone in 0.5)
DEPRECATED = {"--epochs": "train.epochs", "--workers": "train.threads", "--seed": "train.seed"}


@embeddings.command()
@click.argument("corpus", type=click.Path(dir_okay=False))
@click.argument("overrides", nargs=-1, metavar="[train.FIELD=VALUE]...")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="Where to save the vectors: .bin (word2vec binary) or .txt (text).")
@click.option("--model", type=click.Choice(MODELS), default="word2vec", show_default=True,
              help="word2vec, or fasttext (subword n-grams: vectors for unseen words too).")
@click.option("--sg", type=click.IntRange(0, 1), default=0, show_default=True,
              help="0 = CBOW, 1 = skip-gram.")
@click.option("--dim", type=click.IntRange(min=1), default=100, show_default=True,
              help="Vector dimensions (>= 1).")
@click.option("--window", type=click.IntRange(min=1), default=5, show_default=True,
              help="Words of context on each side (>= 1).")
@click.option("--min-count", type=click.IntRange(min=1), default=5, show_default=True,
              help="Words seen fewer times are dropped (>= 1).")
@click.option("--epochs", type=int, hidden=True, help="Deprecated: train.epochs=N.")
@click.option("--workers", type=int, hidden=True, help="Deprecated: train.threads=N.")
@click.option("--seed", type=int, hidden=True, help="Deprecated: train.seed=N.")
@click.option("--pipeline", type=click.Path(dir_okay=False),
              help="A tokenizers JSON to tokenize lines with (default: whitespace).")
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="A progress bar over the epochs on stderr.")
def train(corpus, overrides, output, epochs, workers, seed, **settings):
    """Train word2vec or fastText vectors on CORPUS (one text per line, .gz ok).

    Training is set by overrides after the options, as for `rnnlp train`: train.epochs (5),
    train.seed (0) and train.threads (3; gensim's workers, 1 makes runs repeatable).
    """
    from rnnlp.config.base import build_config
    from rnnlp.config.embeddings import VectorsConfig
    from rnnlp.embeddings import train as train_vectors

    words = []
    for flag, value in (("--epochs", epochs), ("--workers", workers), ("--seed", seed)):
        if value is not None:
            click.echo(f"warning: {flag} is deprecated and goes in 0.5; write {DEPRECATED[flag]}={value}", err=True)
            words.append(f"{DEPRECATED[flag]}={value}")
    cfg = build_config(VectorsConfig, None, [*words, *overrides]).train
    kv = train_vectors(corpus, output=output, epochs=cfg.epochs, workers=cfg.threads, seed=cfg.seed, **settings)
    click.echo(f"saved {len(kv)} vectors of {kv.vector_size} dimensions to {output}")


@embeddings.command()
@click.argument("vectors", type=click.Path(dir_okay=False))
@click.argument("words", nargs=-1, required=True)
@spec_options(spec.NEIGHBORS)
@trust_pickle_option
def neighbors(vectors, words, top_k, trust_pickle):
    """The TOP_K nearest words (cosine) to each WORD."""
    from rnnlp.embeddings import neighbors as nearest

    for word, found in nearest(_load(vectors, trust_pickle), words, top_k).items():
        click.echo(f"{word}: " + ", ".join(f"{w} {score:.3f}" for w, score in found))


@embeddings.command()
@click.argument("vectors", type=click.Path(dir_okay=False))
@click.argument("a")
@click.argument("b")
@click.argument("c")
@spec_options(spec.ANALOGY)
@trust_pickle_option
def analogy(vectors, a, b, c, top_k, trust_pickle):
    """Words nearest to A - B + C (king man woman: king - man + woman)."""
    from rnnlp.embeddings import analogy as solve

    for word, score in solve(_load(vectors, trust_pickle), a, b, c, top_k):
        click.echo(f"{word}\t{score:.4f}")


@embeddings.command()
@click.argument("vectors", type=click.Path(dir_okay=False))
@trust_pickle_option
def evaluate(vectors, trust_pickle):
    """WordSim-353 / SimLex-999 Spearman and Google analogy accuracy, with OOV rates."""
    from rnnlp.embeddings import evaluate as score
    from rnnlp.embeddings.evaluation import format_results

    click.echo(format_results(score(_load(vectors, trust_pickle))))


@embeddings.command()
@click.argument("vectors", type=click.Path(dir_okay=False))
@click.option("--vocab", required=True, type=click.Path(dir_okay=False),
              help="A tokenizers JSON, a .json list of words, or a text corpus.")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="Where to save the kept vectors: .bin or .txt.")
@trust_pickle_option
def trim(vectors, vocab, output, trust_pickle):
    """Keep only the vectors of the words in VOCAB."""
    from rnnlp.embeddings import trim as keep

    kv = _load(vectors, trust_pickle)
    kept = keep(kv, vocab, output)
    click.echo(f"kept {len(kept)} of {len(kv)} vectors in {output}")


@embeddings.command()
@click.argument("src", type=click.Path(dir_okay=False))
@click.argument("dst", type=click.Path(dir_okay=False))
@click.option("--from", "src_format", type=click.Choice(("auto",) + FORMATS), default="auto",
              show_default=True, help="SRC's format (auto: read from its first lines).")
@click.option("--to", "dst_format", type=click.Choice(FORMATS),
              help="Default: by DST's extension (.bin word2vec binary, .txt word2vec text).")
@trust_pickle_option
def convert(src, dst, src_format, dst_format, trust_pickle):
    """Rewrite vectors SRC as DST in another format (GloVe text, word2vec text/binary)."""
    from rnnlp.embeddings import convert as rewrite

    kv = rewrite(src, dst, src_format, dst_format, allow_pickle=trust_pickle)
    click.echo(f"wrote {len(kv)} vectors to {dst}")
