"""Metrics: classification (accuracy, per-class and macro F1, confusion matrix; numpy), entity
spans (seqeval), translation BLEU and chrF (sacreBLEU), and caption BLEU-1..4 against several
references (sacreBLEU), CIDEr-D when pycocoevalcap is installed (`pip install rnnlp[cider]`)."""

from __future__ import annotations

import numpy as np

from rnnlp.data.conll import normalize_scheme


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


def tag_scores(gold: list, pred: list, scheme: str, tag_names: list) -> dict:
    """Token accuracy, unknown gold tags, and for span schemes seqeval entity P/R/F1."""
    known = set(tag_names)
    total = sum(len(g) for g in gold)
    correct = sum(a == b for g, p in zip(gold, pred) for a, b in zip(g, p))
    unknown: dict = {}
    for t in (t for g in gold for t in g if t not in known):
        unknown[t] = unknown.get(t, 0) + 1
    report = {"accuracy": correct / max(total, 1), "tokens": total, "sentences": len(gold),
              "unknown_tags": unknown}
    if normalize_scheme(scheme) != "none":
        report.update(span_scores(gold, pred, scheme))
    return report


def span_scores(gold: list, pred: list, scheme: str) -> dict:
    """Entity precision, recall, F1 (micro and per type) of tag sequences: seqeval in strict mode
    in ``scheme``, and seqeval's default (conlleval-emulating) F1 beside it."""
    from seqeval.metrics import classification_report, f1_score
    from seqeval.scheme import IOB1, IOB2, IOBES

    seq_scheme = {"BIO": IOB2, "BIOES": IOBES, "IOB1": IOB1}[normalize_scheme(scheme)]
    rep = classification_report(gold, pred, mode="strict", scheme=seq_scheme, output_dict=True,
                                zero_division=0)
    micro = rep.pop("micro avg")
    types = {k: {"precision": v["precision"], "recall": v["recall"], "f1": v["f1-score"],
                 "support": int(v["support"])} for k, v in rep.items() if "avg" not in k}
    return {"precision": micro["precision"], "recall": micro["recall"], "f1": micro["f1-score"],
            "support": int(micro["support"]), "per_type": types,
            "f1_seqeval_default": f1_score(gold, pred)}


def corpus_scores(hypotheses: list[str], references: list[str]) -> dict:
    """Cased sacreBLEU and chrF of detokenized hypotheses against one reference each (the
    standard, as WMT reports), with lowercased BLEU beside them (``bleu_lowercase``): a model that
    speaks in lower case scores well only there."""
    from sacrebleu.metrics import BLEU, CHRF

    bleu, lower, chrf = BLEU(), BLEU(lowercase=True), CHRF()
    b, lc = bleu.corpus_score(hypotheses, [references]), lower.corpus_score(hypotheses, [references])
    c = chrf.corpus_score(hypotheses, [references])
    return {"bleu": float(b.score), "bleu_lowercase": float(lc.score), "chrf": float(c.score),
            "bleu_signature": str(bleu.get_signature()), "bleu_lowercase_signature": str(lower.get_signature()),
            "chrf_signature": str(chrf.get_signature()), "bleu_detail": str(b)}
