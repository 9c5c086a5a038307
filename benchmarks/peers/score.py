"""Both sides scored by rnnlp's own metric code, from the predictions a side saved at a point.

A point folder (``.../points/<minute>/``) holds one prediction file, in the row's format:

=============  =====================================================  ==========================
kind           file                                                   rnnlp code that scores it
=============  =====================================================  ==========================
``tags``       ``pred.tsv``: ``token TAB gold TAB pred`` (BIO), blank  ``training.metrics.span_scores``
               line between sentences                                 (seqeval strict)
``labels``     ``pred.txt``: one label per line, in the data's order  ``training.metrics.classification_report``
``logprob``    ``pred.json``: ``{"sum_logprob": nats, "tokens": n}``   ``perplexity`` below (rnnlp's lm formula)
``text``       ``pred.txt``: one detokenized hypothesis per line       ``training.metrics.corpus_scores`` (sacreBLEU)
``ranking``    ``pred.tsv``: ``user TAB item item ...`` (best first,   ``training.ranking.ranking_metrics``
               nothing excluded; at least k + history long)           (full ranking, seen items excluded)
=============  =====================================================  ==========================

The gold side always comes from rnnlp's data files, never from the peer.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from convert import read_columns, text_lines

FILES = {"tags": "pred.tsv", "labels": "pred.txt", "logprob": "pred.json", "text": "pred.txt", "ranking": "pred.tsv"}


BEYOND = 10 ** 9  # the rank of a target missing from a ranked list


class ScoreError(Exception):
    """Predictions that cannot be scored (missing, or not matching the gold data)."""


def perplexity(sum_logprob: float, tokens: int) -> dict:
    """rnnlp's lm evaluation: loss = mean negative log-probability (nats), perplexity = exp(loss)."""
    loss = -sum_logprob / max(tokens, 1)
    return {"loss": loss, "perplexity": math.exp(min(loss, 700.0)), "tokens": tokens}


def score_tags(path: Path, gold_tags: list | None = None) -> dict:
    """Entity P/R/F1 of a ``token gold pred`` file; ``gold_tags`` (BIO) overrides its gold column."""
    from rnnlp.training.metrics import span_scores

    sentences = read_columns(path)
    gold = [[r[1] for r in s] for s in sentences]
    pred = [[r[2] for r in s] for s in sentences]
    if gold_tags is not None:
        if [len(g) for g in gold_tags] != [len(p) for p in pred]:
            raise ScoreError(f"{path}: {len(pred)} sentences whose lengths do not match the gold data's")
        gold = gold_tags
    return span_scores(gold, pred, "BIO")


def score_labels(path: Path, gold: list) -> dict:
    from rnnlp.training.metrics import classification_report

    pred = text_lines(path)
    if len(pred) != len(gold):
        raise ScoreError(f"{path}: {len(pred)} labels for {len(gold)} gold items")
    names = sorted(set(map(str, gold)) | set(pred))
    index = {n: i for i, n in enumerate(names)}
    report = classification_report([index[str(g)] for g in gold], [index[p] for p in pred], len(names))
    return {"accuracy": report["accuracy"], "macro_f1": report["macro_f1"]}


def score_text(path: Path, references: list[str]) -> dict:
    from rnnlp.training.metrics import corpus_scores

    hyps = text_lines(path)
    if len(hyps) != len(references):
        raise ScoreError(f"{path}: {len(hyps)} hypotheses for {len(references)} references")
    out = corpus_scores(hyps, references)
    return {k: out[k] for k in ("bleu", "bleu_lowercase", "chrf", "bleu_signature")}


def seen_rank(ranked: list[str], history: list[str], target: str) -> int:
    """0-based rank of ``target`` in a ranked list once the history is removed (the target is
    kept even when it was seen, as ``rnnlp.training.ranking.mask_seen`` keeps it); a target
    beyond the list ranks at its end or later (it counts for no k within the list)."""
    seen = set(history) - {target}
    rank = 0
    for item in ranked:
        if item == target:
            return rank
        if item not in seen:
            rank += 1
    return BEYOND


def score_ranking(path: Path, histories: dict, targets: dict, ks=(10, 20)) -> dict:
    from rnnlp.training.ranking import ranking_metrics

    lists = {}
    for line in text_lines(path):
        user, _, items = line.partition("\t")
        lists[user] = items.split()
    missing = [u for u in targets if u not in lists]
    if missing:
        raise ScoreError(f"{path}: no ranking for {len(missing)} users (first {missing[0]!r})")
    ranks = [seen_rank(lists[u], histories[u], t) for u, t in targets.items()]
    return {**ranking_metrics(ranks, ks), "users": len(ranks)}


def score_point(folder: Path, kind: str, gold) -> dict:
    """The scores of one point folder: ``gold`` is what the kind's scorer takes (see FILES)."""
    if kind not in FILES:
        raise ScoreError(f"unknown kind {kind!r}; choose from: {', '.join(FILES)}")
    path = Path(folder) / FILES[kind]
    if not path.is_file():
        path = path.with_name(path.name + ".gz")  # as the logs keep them
    if not path.is_file():
        raise ScoreError(f"{path.with_suffix('')}: no predictions")
    if kind == "tags":
        return score_tags(path, gold)
    if kind == "labels":
        return score_labels(path, gold)
    if kind == "logprob":
        data = json.loads("\n".join(text_lines(path)))
        return perplexity(data["sum_logprob"], data["tokens"])
    if kind == "text":
        return score_text(path, gold)
    return score_ranking(path, *gold)
