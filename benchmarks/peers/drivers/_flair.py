"""What the two flair drivers share: GloVe as gensim vectors, a character dictionary, the
points plugin. Runs in the flair environment (benchmarks/peers/setup.sh flair); no rnnlp."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from _clock import Marks, finish, threads


def arguments(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--data", required=True, help="the converted corpus folder (benchmarks/peers/cache/<row>)")
    parser.add_argument("--vectors", required=True, help="GloVe text file (.txt or .txt.gz, no header)")
    parser.add_argument("--out", required=True, help="this seed's log folder")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=int(os.environ.get("PEERS_THREADS", "1")))
    parser.add_argument("--max-epochs", type=int, default=150)
    args = parser.parse_args()
    threads(args.threads)
    return args


def gensim_vectors(glove: str, cache: Path) -> Path:
    """The shared GloVe file as gensim KeyedVectors (flair's WordEmbeddings loads a .gensim path)."""
    target = cache / "glove.6B.50d.top50k.gensim"
    if not target.is_file():
        from gensim.models import KeyedVectors

        vectors = KeyedVectors.load_word2vec_format(glove, binary=False, no_header=True)
        vectors.save(str(target))
    return target


def char_dictionary(corpus, cache: Path) -> Path:
    """A character dictionary of the training tokens (flair's default one is a download)."""
    from flair.data import Dictionary

    target = cache / "chars.pkl"
    if not target.is_file():
        chars = Dictionary()
        for sentence in corpus.train:
            for token in sentence:
                for c in token.text:
                    chars.add_item(c)
        chars.save(str(target))
    return target


def points_plugin(marks: Marks, write):
    """A flair TrainerPlugin that records every due point after a training batch, and ends the
    process once the last one is written (the budget stops the run; nothing else changes)."""
    from flair.trainers.plugins.base import TrainerPlugin

    class Points(TrainerPlugin):
        @TrainerPlugin.hook
        def after_training_batch(self, **kwargs):
            model = self.trainer.model
            was_training = model.training
            model.eval()
            marks.catch_up(write)
            model.train(was_training)
            if marks.finished:
                finish()

    return Points()
