import numpy as np
import pytest

from rnnlp.training.metrics import classification_report, confusion_matrix


def test_confusion_and_scores_by_hand():
    gold, pred = [0, 0, 1, 1, 2], [0, 1, 1, 1, 0]
    assert confusion_matrix(gold, pred, 3).tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 0]]
    rep = classification_report(gold, pred, 3)
    assert rep["accuracy"] == 0.6
    # class 0: p=1/2 r=1/2 f=1/2; class 1: p=2/3 r=1 f=0.8; class 2: 0
    assert rep["f1"] == pytest.approx([0.5, 0.8, 0.0])
    assert rep["macro_f1"] == pytest.approx(1.3 / 3)


def test_against_scikit_learn():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    gold, pred = rng.integers(0, 4, 500), rng.integers(0, 4, 500)
    rep = classification_report(gold, pred, 4)
    assert rep["accuracy"] == pytest.approx(metrics.accuracy_score(gold, pred), abs=1e-12)
    assert rep["macro_f1"] == pytest.approx(metrics.f1_score(gold, pred, average="macro"), abs=1e-12)
    assert rep["confusion"] == metrics.confusion_matrix(gold, pred).tolist()
