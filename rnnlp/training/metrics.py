"""Classification metrics (accuracy, per-class and macro F1, confusion matrix), numpy only."""

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
