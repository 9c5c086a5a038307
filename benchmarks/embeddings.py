"""Embeddings benchmark: intrinsic quality of GloVe 50d vs rnnlp-trained word2vec, and the
training overhead of rnnlp.embeddings.train over calling gensim directly.

    python benchmarks/embeddings.py [--glove PATH] [--corpus PATH] [--workers 2] [--repeats 3]
        [--output benchmarks/results/embeddings.md]

(1) Loads GloVe 6B 50d (top 50k words) and trains word2vec with rnnlp's defaults (CBOW,
    dim 100, window 5, min_count 5, 5 epochs) on WikiText-2 train; evaluates both with
    rnnlp.embeddings.evaluate (WordSim-353, SimLex-999 Spearman; Google analogy accuracy).
(2) Trains the same model ``--repeats`` times each way, alternating rnnlp and plain gensim
    (``Word2Vec(LineSentence(corpus), ...)``; who goes first alternates too), and reports corpus
    words x epochs / median wall time (vocabulary scan included on both sides). The training in
    (1) is the warm-up: it has read the corpus into the page cache for both.
Writes benchmarks/results/embeddings.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from _results import RESULTS, Report

SHARED = Path("/work/shared/data")
GLOVE = SHARED / "embeddings/glove_6b_50d/glove.6B.50d.top50k.txt.gz"
CORPUS = SHARED / "lm/wikitext2/train.txt.gz"
SETTINGS = dict(dim=100, window=5, min_count=5, epochs=5, seed=0)


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def train_rnnlp(corpus, workers):
    from rnnlp.embeddings import train

    return timed(train, corpus, workers=workers, **SETTINGS)


def train_gensim(corpus, workers):
    from gensim.models import Word2Vec
    from gensim.models.word2vec import LineSentence

    def run():
        return Word2Vec(LineSentence(str(corpus)), vector_size=SETTINGS["dim"],
                        window=SETTINGS["window"], min_count=SETTINGS["min_count"],
                        epochs=SETTINGS["epochs"], seed=SETTINGS["seed"], workers=workers)

    model, seconds = timed(run)
    return (model.wv, model.corpus_total_words), seconds


def quality_rows(name, kv, results):
    rows = []
    for bench, scores in results.items():
        metric = "accuracy" if bench == "analogy" else "Spearman"
        value = scores["accuracy" if bench == "analogy" else "spearman"]
        rows.append(f"| {name} | {len(kv):,} | {bench} | {metric} | {value:.4f} | "
                    f"{scores['oov_rate']:.1%} |")
    return rows


def quality(glove_path, corpus, workers):
    from rnnlp.embeddings import evaluate, load

    glove, load_s = timed(load, glove_path)
    w2v, train_s = train_rnnlp(corpus, workers)
    rows = quality_rows("GloVe 6B 50d (top 50k)", glove, evaluate(glove))
    rows += quality_rows("rnnlp word2vec CBOW 100d, WikiText-2", w2v, evaluate(w2v))
    print(f"loaded GloVe in {load_s:.1f} s, trained word2vec in {train_s:.1f} s", file=sys.stderr)
    return rows


def throughput(corpus, workers, repeats):
    times = {"rnnlp": [], "gensim": []}
    words = None
    for r in range(repeats):
        for name in (("gensim", "rnnlp") if r % 2 == 0 else ("rnnlp", "gensim")):
            if name == "gensim":
                (_, words), seconds = train_gensim(corpus, workers)
            else:
                seconds = train_rnnlp(corpus, workers)[1]
            times[name].append(seconds)
    median = {name: statistics.median(t) for name, t in times.items()}
    rate = {name: words * SETTINGS["epochs"] / s for name, s in median.items()}
    rows = [f"| {name} | {words:,} x {SETTINGS['epochs']} | "
            f"{', '.join(f'{t:.1f}' for t in times[name])} | {rate[name]:,.0f} |"
            for name in ("gensim", "rnnlp")]
    return rows, rate["rnnlp"] / rate["gensim"]


def report(workers, quality_table, speed_table, ratio) -> str:
    return "\n".join([
        f"Settings: word2vec CBOW, dim 100, window 5, min_count 5, 5 epochs, seed 0, "
        f"workers={workers}; corpus WikiText-2 train ({CORPUS.name}).", "",
        "## Quality (rnnlp.embeddings.evaluate: gensim's evaluate_word_pairs / "
        "evaluate_word_analogies, whole vocabulary, case-insensitive)", "",
        "| vectors | words | benchmark | metric | score | OOV |",
        "|---|---:|---|---|---:|---:|", *quality_table, "",
        "OOV: share of pairs/questions skipped because a word has no vector. word2vec trained "
        "with several threads is not bit-repeatable: its scores change a little from run to run.", "",
        "## Training throughput (corpus words x epochs / wall time, vocab scan included; "
        "median of the runs, the two alternating)", "",
        "| trainer | words x epochs | wall times (s) | words/s |",
        "|---|---:|---:|---:|", *speed_table, "",
        f"rnnlp / gensim throughput ratio: {ratio:.3f} (overhead {1 - ratio:+.1%}; goal < 5%)", "",
    ])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--glove", type=Path, default=GLOVE)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", type=Path, default=RESULTS / "embeddings.md")
    args = parser.parse_args(argv)
    header = Report(__file__, "Embeddings: GloVe vs rnnlp word2vec, and rnnlp's overhead over gensim", argv)
    quality_table = quality(args.glove, args.corpus, args.workers)
    speed_table, ratio = throughput(args.corpus, args.workers, args.repeats)
    print(header.write(report(args.workers, quality_table, speed_table, ratio), args.output))


if __name__ == "__main__":
    main(sys.argv[1:])
