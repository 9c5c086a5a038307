"""Metrics: classification (accuracy, per-class and macro F1, confusion matrix; numpy) and caption
BLEU-1..4 against several references (sacreBLEU), CIDEr-D when pycocoevalcap is installed."""

from __future__ import annotations

import numpy as np


def confusion_matrix(gold, pred, num_classes: int) -> np.ndarray:
    """C×C counts: rows gold, columns predicted."""
    out = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(out, (np.asarray(gold), np.asarray(pred)), 1)
    return out


def classification_report(gold, pred, num_classes: int) -> dict:
    """accuracy, macro_f1, per-class precision/recall/f1 and the confusion matrix."""
    cm = confusion_matrix(gold, pred, num_classes)
    tp = np.diag(cm).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.nan_to_num(tp / cm.sum(0))
        recall = np.nan_to_num(tp / cm.sum(1))
        f1 = np.nan_to_num(2 * precision * recall / (precision + recall))
    total = cm.sum()
    return {"accuracy": float(tp.sum() / total) if total else 0.0,
            "macro_f1": float(f1.mean()) if num_classes else 0.0,
            "precision": precision.tolist(), "recall": recall.tolist(), "f1": f1.tolist(),
            "confusion": cm.tolist()}


def caption_scores(hypotheses: list[str], references: list[list[str]], lowercase: bool = True) -> dict:
    """Corpus BLEU-1..4 (sacreBLEU, all references), BLEU's brevity penalty and length ratio,
    and CIDEr-D when pycocoevalcap is installed."""
    from sacrebleu.metrics import BLEU

    most = max(len(r) for r in references)
    streams = [[refs[k] if k < len(refs) else refs[0] for refs in references] for k in range(most)]
    report = {}
    for n in range(1, 5):
        bleu = BLEU(lowercase=lowercase, max_ngram_order=n, force=True)  # captions are pre-tokenized
        score = bleu.corpus_score(hypotheses, streams)
        report[f"bleu{n}"] = float(score.score)
    report["brevity_penalty"] = float(score.bp)  # < 1: the captions are shorter than the references
    report["length_ratio"] = float(score.sys_len / max(score.ref_len, 1))
    report["bleu_signature"] = str(bleu.get_signature())
    cider = cider_score(hypotheses, references)
    if cider is not None:
        report["cider"] = cider
    return report


def cider_score(hypotheses: list[str], references: list[list[str]]) -> float | None:
    try:
        from pycocoevalcap.cider.cider import Cider
    except ModuleNotFoundError:
        return None
    gts = {i: [r.lower() for r in refs] for i, refs in enumerate(references)}
    res = {i: [h.lower() or "<empty>"] for i, h in enumerate(hypotheses)}
    return float(Cider().compute_score(gts, res)[0])
