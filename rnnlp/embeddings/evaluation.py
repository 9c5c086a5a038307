"""Standard intrinsic evaluation of word vectors, on the benchmark copies gensim ships.

WordSim-353 and SimLex-999: Spearman correlation between human similarity ratings and cosine
similarity. Google analogies (questions-words.txt): accuracy of 3CosAdd. Both go through
gensim's own ``evaluate_word_pairs`` / ``evaluate_word_analogies``, over the whole vocabulary
(gensim's default would look only at the 300,000 most frequent words), case-insensitive.
Pairs or questions with an out-of-vocabulary word are skipped; the OOV rate says how many.
Vectors that cover none of a benchmark's items get no score (None, printed "n/a") and few
covered items a note, rather than gensim's error or a correlation over a handful of pairs.
"""

from __future__ import annotations

PAIR_DATASETS = {"wordsim353": "wordsim353.tsv", "simlex999": "simlex999.txt"}
ANALOGY_DATASET = "questions-words.txt"
FEW_ITEMS = 10  # fewer covered items than this: the score is printed with a warning note
MIN_PAIRS = 3   # fewer covered pairs than this: no correlation at all


def evaluate(kv) -> dict[str, dict[str, float]]:
    """Score ``kv`` on WordSim-353, SimLex-999 and the Google analogies.

    Returns:
        ``{"wordsim353": {"spearman", "pearson", "oov_rate", "pairs"}, "simlex999": {...},
        "analogy": {"accuracy", "oov_rate", "questions"}}``; rates are fractions in [0, 1],
        ``pairs``/``questions`` count the dataset's items, OOV ones included.
    """
    from gensim.test.utils import datapath

    results = {name: _pairs(kv, datapath(file)) for name, file in PAIR_DATASETS.items()}
    results["analogy"] = _analogies(kv, datapath(ANALOGY_DATASET))
    return results


def _pairs(kv, path: str) -> dict[str, float | None]:
    pairs, covered = _count_items(path, comment="#"), _covered_pairs(kv, path)
    if covered < MIN_PAIRS:  # gensim (scipy) would raise; a correlation needs pairs
        return {"spearman": None, "pearson": None, "oov_rate": 1 - covered / pairs, "pairs": pairs}
    pearson, spearman, oov_percent = kv.evaluate_word_pairs(path, restrict_vocab=len(kv))
    return {"spearman": float(spearman[0]), "pearson": float(pearson[0]),
            "oov_rate": oov_percent / 100, "pairs": pairs}


def _covered_pairs(kv, path: str) -> int:
    """Pairs whose two words are in ``kv``, compared case-insensitively as gensim does."""
    vocab = {word.upper() for word in kv.index_to_key}
    with open(path, encoding="utf-8") as f:
        rows = [line.split("\t") for line in f if line.strip() and not line.startswith("#")]
    return sum(len(row) >= 2 and row[0].upper() in vocab and row[1].upper() in vocab for row in rows)


def _analogies(kv, path: str) -> dict[str, float]:
    accuracy, sections = kv.evaluate_word_analogies(path, restrict_vocab=len(kv))
    total = next(s for s in sections if s["section"] == "Total accuracy")
    answered = len(total["correct"]) + len(total["incorrect"])
    questions = _count_items(path, comment=":")
    return {"accuracy": float(accuracy) if answered else None, "oov_rate": 1 - answered / questions,
            "questions": questions}


def _count_items(path: str, comment: str) -> int:
    with open(path, encoding="utf-8") as f:
        return sum(1 for line in f if line.strip() and not line.startswith(comment))


def format_results(results: dict[str, dict[str, float]]) -> str:
    """The results of ``evaluate`` as a small fixed-width table, with a note under it for each
    benchmark the vectors barely cover."""
    lines = [f"{'benchmark':<12} {'metric':<9} {'score':>7} {'OOV':>7} {'items':>6}"]
    notes = []
    for name, scores in results.items():
        metric = "accuracy" if name == "analogy" else "spearman"
        items = scores.get("questions", scores.get("pairs"))
        score = f"{scores[metric]:>7.4f}" if scores[metric] is not None else f"{'n/a':>7}"
        lines.append(f"{name:<12} {metric:<9} {score} {scores['oov_rate']:>7.1%} {items:>6}")
        notes += _note(name, scores[metric], round(items * (1 - scores["oov_rate"])), items)
    return "\n".join(lines + notes)


def _note(name: str, score, covered: int, items: int) -> list[str]:
    if score is None:
        return [f"note: {name}: {covered} of its {items} items have all their words in the vectors: too few "
                "to score"]
    if covered < FEW_ITEMS:
        return [f"note: {name}: only {covered} of {items} items are covered; the score is unreliable"]
    return []
