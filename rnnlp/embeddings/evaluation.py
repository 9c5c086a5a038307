"""Standard intrinsic evaluation of word vectors, on the benchmark copies gensim ships.

WordSim-353 and SimLex-999: Spearman correlation between human similarity ratings and cosine
similarity. Google analogies (questions-words.txt): accuracy of 3CosAdd. Both go through
gensim's own ``evaluate_word_pairs`` / ``evaluate_word_analogies``, over the whole vocabulary
(gensim's default would look only at the 300,000 most frequent words), case-insensitive.
Pairs or questions with an out-of-vocabulary word are skipped; the OOV rate says how many.
"""

from __future__ import annotations

PAIR_DATASETS = {"wordsim353": "wordsim353.tsv", "simlex999": "simlex999.txt"}
ANALOGY_DATASET = "questions-words.txt"


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


def _pairs(kv, path: str) -> dict[str, float]:
    pearson, spearman, oov_percent = kv.evaluate_word_pairs(path, restrict_vocab=len(kv))
    return {"spearman": float(spearman[0]), "pearson": float(pearson[0]),
            "oov_rate": oov_percent / 100, "pairs": _count_items(path, comment="#")}


def _analogies(kv, path: str) -> dict[str, float]:
    accuracy, sections = kv.evaluate_word_analogies(path, restrict_vocab=len(kv))
    total = next(s for s in sections if s["section"] == "Total accuracy")
    answered = len(total["correct"]) + len(total["incorrect"])
    questions = _count_items(path, comment=":")
    return {"accuracy": float(accuracy), "oov_rate": 1 - answered / questions,
            "questions": questions}


def _count_items(path: str, comment: str) -> int:
    with open(path, encoding="utf-8") as f:
        return sum(1 for line in f if line.strip() and not line.startswith(comment))


def format_results(results: dict[str, dict[str, float]]) -> str:
    """The results of ``evaluate`` as a small fixed-width table."""
    lines = [f"{'benchmark':<12} {'metric':<9} {'score':>7} {'OOV':>7} {'items':>6}"]
    for name, scores in results.items():
        metric = "accuracy" if name == "analogy" else "spearman"
        items = scores.get("questions", scores.get("pairs"))
        lines.append(f"{name:<12} {metric:<9} {scores[metric]:>7.4f} "
                     f"{scores['oov_rate']:>7.1%} {items:>6}")
    return "\n".join(lines)
