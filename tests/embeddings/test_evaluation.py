"""The intrinsic-evaluation table: no score where too few items are covered, a note where few are."""

from rnnlp.embeddings.evaluation import format_results


def test_few_covered_items_get_a_note_and_none_gets_no_score():
    results = {"wordsim353": {"spearman": 0.5, "pearson": 0.4, "oov_rate": 1 - 5 / 353, "pairs": 353},
               "simlex999": {"spearman": 0.3, "pearson": 0.3, "oov_rate": 0.5, "pairs": 999},
               "analogy": {"accuracy": None, "oov_rate": 1.0, "questions": 19544}}
    assert format_results(results).splitlines() == [
        "benchmark    metric      score     OOV  items",
        "wordsim353   spearman   0.5000   98.6%    353",
        "simlex999    spearman   0.3000   50.0%    999",
        "analogy      accuracy      n/a  100.0%  19544",
        "note: wordsim353: only 5 of 353 items are covered; the score is unreliable",
        "note: analogy: 0 of its 19544 items have all their words in the vectors: too few to score"]
