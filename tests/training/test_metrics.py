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


def test_caption_scores_equal_sacrebleu_with_all_references_and_report_the_brevity_penalty():
    import sacrebleu

    from rnnlp.training.metrics import caption_scores

    hyps = ["a dog runs on the grass .", "two men play", "a child in a red shirt is smiling ."]
    refs = [["a brown dog runs across the grass .", "the dog is running on green grass ."],
            ["two men are playing football in a field .", "men play soccer .", "two players on a field ."],
            ["a smiling child wears a red shirt .", "a little boy in a red shirt smiles ."]]
    report = caption_scores(hyps, refs)
    streams = [[r[k] if k < len(r) else r[0] for r in refs] for k in range(3)]
    expected = sacrebleu.corpus_bleu(hyps, streams, lowercase=True, force=True)
    assert report["bleu4"] == pytest.approx(expected.score, abs=1e-9)
    assert report["brevity_penalty"] == pytest.approx(expected.bp, abs=1e-12) and report["brevity_penalty"] < 1
    assert report["length_ratio"] == pytest.approx(expected.sys_len / expected.ref_len)
    assert report["bleu1"] > report["bleu2"] > report["bleu3"] > report["bleu4"] > 0


def test_tag_scores_count_gold_tags_the_model_never_saw_as_wrong():
    from rnnlp.training.metrics import tag_scores

    gold = [["B-PER", "E-PER", "O"], ["S-ORG", "O"]]
    pred = [["B-PER", "E-PER", "O"], ["O", "O"]]
    report = tag_scores(gold, pred, "BIOES", ["B-PER", "E-PER", "O"])
    assert report["accuracy"] == 4 / 5 and report["tokens"] == 5 and report["sentences"] == 2
    assert report["unknown_tags"] == {"S-ORG": 1}
    assert report["precision"] == 1.0 and report["recall"] == 0.5 and report["support"] == 2
    plain = tag_scores([["NN", "VB"]], [["NN", "NN"]], "none", ["NN", "VB"])
    assert plain == {"accuracy": 0.5, "tokens": 2, "sentences": 1, "unknown_tags": {}}
