"""Train word2vec or fastText vectors on a text file with gensim, streaming the corpus."""

from __future__ import annotations

from rnnlp.embeddings.corpus import LineCorpus
from rnnlp.errors import ConfigError, DataError, choice_error

MODELS = ("word2vec", "fasttext")


def train(corpus_path, model: str = "word2vec", sg: int = 0, dim: int = 100, window: int = 5,
          min_count: int = 5, epochs: int = 5, workers: int = 3, seed: int = 0,
          pipeline=None, progress: bool = True, output=None):
    """Train word vectors on ``corpus_path`` (one sentence or paragraph per line, ``.gz`` ok).

    Args:
        model: ``"word2vec"`` or ``"fasttext"`` (subword n-grams: vectors for unseen words).
        sg: 0 for CBOW, 1 for skip-gram.
        dim, window, min_count, epochs, workers, seed: as in gensim (``vector_size``...).
            Runs are repeatable with ``workers=1`` (threads otherwise race on updates).
        pipeline: a tokenizers JSON file whose tokens replace whitespace splitting.
        progress: show a tqdm bar over epochs on stderr.
        output: if given, also save the vectors there (``.bin`` or ``.txt``, atomically).

    Returns:
        the trained ``gensim.models.KeyedVectors`` (a ``FastTextKeyedVectors`` for fasttext).

    Raises:
        DataError: a missing or empty corpus, or ``min_count`` leaving no word.
        ConfigError: an unknown model or a non-positive setting.
    """
    _check_settings(model, sg, dim=dim, window=window, min_count=min_count, epochs=epochs,
                    workers=workers)
    corpus = LineCorpus(corpus_path, pipeline)
    gensim_model = _new_model(model, sg=sg, vector_size=dim, window=window,
                              min_count=min_count, epochs=epochs, workers=workers, seed=seed)
    gensim_model.build_vocab(corpus)
    _check_vocabulary(gensim_model, corpus_path, min_count)
    gensim_model.train(corpus, total_examples=gensim_model.corpus_count, epochs=epochs,
                       callbacks=_progress_callbacks(epochs) if progress else ())
    if output is not None:
        from rnnlp.embeddings.vectors import save_vectors

        save_vectors(gensim_model.wv, output)
    return gensim_model.wv


def _check_settings(model: str, sg: int, **positive) -> None:
    if model not in MODELS:
        raise choice_error("embeddings model", model, MODELS)
    if sg not in (0, 1):
        raise ConfigError(f"sg must be 0 (CBOW) or 1 (skip-gram), got {sg!r}")
    for name, value in positive.items():
        if not isinstance(value, int) or value < 1:
            raise ConfigError(f"{name} must be a positive integer, got {value!r}")


def _new_model(model: str, **settings):
    from gensim.models import FastText, Word2Vec

    return (Word2Vec if model == "word2vec" else FastText)(**settings)


def _check_vocabulary(gensim_model, corpus_path, min_count: int) -> None:
    if gensim_model.corpus_total_words == 0:
        raise DataError(f"corpus {corpus_path} has no tokens; pass a non-empty text file")
    if len(gensim_model.wv) == 0:
        raise DataError(
            f"min_count={min_count} leaves no word of corpus {corpus_path} "
            f"({gensim_model.corpus_total_words} tokens); lower --min-count or use a larger corpus"
        )


def _progress_callbacks(epochs: int):
    """A gensim callback that advances a tqdm bar at the end of each epoch."""
    from gensim.models.callbacks import CallbackAny2Vec
    from tqdm.auto import tqdm

    class EpochBar(CallbackAny2Vec):
        def on_train_begin(self, model):
            self.bar = tqdm(total=epochs, desc="training", unit="epoch")

        def on_epoch_end(self, model):
            self.bar.update(1)

        def on_train_end(self, model):
            self.bar.close()

    return [EpochBar()]
