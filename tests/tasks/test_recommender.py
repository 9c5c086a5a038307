"""The recommender task on the synthetic log (tests/assets/recommender/log.csv): training, the
report (model and baselines, both protocols), ``recommend`` and its bad inputs."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

import rnnlp
from rnnlp.config.recommender import RecommenderConfig
from rnnlp.data.interactions import leave_one_out, read_log, user_sequences
from rnnlp.errors import DataError
from rnnlp.models.item_baselines import ItemKNN, MostPopular
from rnnlp.tasks.recommender import training_pairs

ROOT = Path(__file__).resolve().parents[2]
TINY = str(ROOT / "recipes" / "recommender" / "tiny.yaml")
LOG = ROOT / "tests" / "assets" / "recommender" / "log.csv"


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    out = rnnlp.api.train("recommender", TINY, [f"train.output={tmp_path_factory.mktemp('rec') / 'run'}",
                                                 "train.threads=1", "train.max_steps=40", "train.epochs=10"])
    return rnnlp.load(out)


def test_the_trained_gru_beats_both_baselines_on_the_synthetic_chains(model):
    report = model.evaluate()
    assert report["users"] == 80 and report["items"] == 40
    assert set(report["gru"]) == {"seen", "all", "sampled"}
    gru = report["gru"]["seen"]["ndcg@10"]
    assert gru > report["most_popular"]["seen"]["ndcg@10"] and gru > report["item_knn"]["seen"]["ndcg@10"]
    for system in ("gru", "most_popular", "item_knn"):  # excluding the history never hurts the target
        assert report[system]["seen"]["mrr"] >= report[system]["all"]["mrr"]
    text = model.format_report(report)
    assert "GRU NDCG@10 vs best baseline" in text and "20 sampled negatives" in text


def test_recommend_excludes_the_history_and_skips_unknown_items(model):
    first, second = model.recommend(["i30 i31 i32", ["i05", "nope"]], top_k=5)
    assert len(first["items"]) == 5 and not {"i30", "i31", "i32"} & set(first["items"])
    assert first["scores"] == sorted(first["scores"], reverse=True) and first["unknown"] == []
    assert second["unknown"] == ["nope"] and "i05" not in second["items"]
    assert "i32" in model.recommend(["i30 i31 i32"], top_k=40, exclude_seen=False)[0]["items"]


def test_a_history_of_unknown_items_is_a_clear_error(model):
    with pytest.raises(DataError, match="history 2 has no item this model knows"):
        model.recommend(["i01", "zz yy"], top_k=3)


def test_one_history_gives_one_result_and_none_is_an_error(model):
    from rnnlp.errors import InputError

    one = model.recommend("i30 i31 i32", top_k=5)
    first = model.recommend(["i30 i31 i32", "i05"], top_k=5)[0]  # batched with a shorter history: padded
    assert isinstance(one, dict) and first["items"] == one["items"]
    assert first["scores"] == pytest.approx(one["scores"], abs=1e-5)
    with pytest.raises(InputError, match=r"^histories\[1\] is None$"):
        model.recommend(["i05", None])
    with pytest.raises(ValueError, match=r"^histories is None"):
        model.recommend(None)


def test_training_pairs_are_next_items_of_the_training_part_only():
    cfg = RecommenderConfig()
    cfg.data.train, cfg.data.max_length = str(LOG), 4
    data = user_sequences(read_log(LOG, cfg.data))
    split = leave_one_out(data)
    inputs, targets = training_pairs(split, data, cfg.data)
    assert all(len(i) == len(t) <= 4 and i[1:] == t[:-1] for i, t in zip(inputs, targets))
    # the pieces of user 0 rebuild exactly the training part (test and valid items never used)
    seq, pieces = split.train[0], [(i, t) for i, t in zip(inputs, targets)][: -(-(len(split.train[0]) - 1) // 4)]
    assert sorted(x for _, t in pieces for x in t) == sorted(seq[1:])


def test_baselines_by_hand():
    histories = [[1, 2], [1, 3], [1]]
    assert MostPopular(histories, 3).scores([[2]]).tolist() == [[0.0, 3.0, 1.0, 1.0]]
    knn = ItemKNN(histories, 3, decay=0.5).scores([[2, 1]])[0]
    # cos(1,2) = 1/sqrt(3*1); cos(2,2) = 1; the last item (1) has weight 1, item 2 weight 0.5
    expected = [0.0, 1 + 0.5 / np.sqrt(3), 1 / np.sqrt(3) + 0.5, 1 / np.sqrt(3)]
    assert torch.allclose(knn, torch.tensor(expected, dtype=torch.float32))


def test_cli_recommend_and_evaluate(model):
    from click.testing import CliRunner

    from rnnlp.cli import cli, main

    out = CliRunner().invoke(cli, ["recommend", str(model.path), "--history", "i30 i31", "--top-k", "3"])
    assert out.exit_code == 0, out.output
    assert [line.split()[0] for line in out.output.splitlines()] == ["1.", "2.", "3."]
    positional = CliRunner().invoke(cli, ["recommend", str(model.path), "i30 i31", "--top-k", "3"])
    assert positional.exit_code == 0 and positional.output == out.output  # --history is the argument's alias
    out = CliRunner().invoke(cli, ["evaluate", str(model.path), "--data", str(LOG)])
    assert out.exit_code == 0 and "item_knn" in out.output, out.output
    with pytest.raises(SystemExit) as stop:
        main(["recommend", str(model.path), "--history", "zz"])
    assert stop.value.code == 2


@pytest.mark.parametrize("loss", ["sampled", "bpr_max", "top1_max"])
def test_sampled_losses_learn_the_chains(loss, tmp_path):
    out = rnnlp.api.train("recommender", TINY, [f"train.output={tmp_path / 'run'}", "train.threads=1",
                                                 "train.max_steps=40", "train.epochs=10", f"model.loss={loss}",
                                                 "model.negatives=10"])
    report = rnnlp.load(out).evaluate()
    assert report["gru"]["seen"]["ndcg@10"] > report["most_popular"]["seen"]["ndcg@10"] + 0.2


def test_refit_keeps_the_last_checkpoint_and_says_validation_was_trained_on(tmp_path):
    out = rnnlp.api.train("recommender", TINY, [f"train.output={tmp_path / 'run'}", "train.threads=1",
                                                 "train.max_steps=30", "train.epochs=20", "train.eval_every=10",
                                                 "data.refit=true"])
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["evaluation"] for r in rows] == list(range(1, len(rows) + 1)) and len(rows) >= 3
    assert "ndcg@10" not in rows[-1] and "trained_valid_ndcg@10" in rows[-1]
    best = json.loads((out / "best" / "metrics.json").read_text())
    assert best["step"] == rows[-1]["step"]  # the last evaluation, whatever its score
    assert rnnlp.load(out).evaluate()["gru"]["seen"]["ndcg@10"] > 0


def test_session_gap_cuts_training_sequences_and_needs_times(tmp_path):
    cfg = RecommenderConfig()
    cfg.data.train, cfg.data.session_gap = str(LOG), 1800.0  # the log's gaps are 0, 60 or 3600 s
    data = user_sequences(read_log(LOG, cfg.data))
    whole = training_pairs(leave_one_out(data), data, RecommenderConfig().data)[0]
    cut = training_pairs(leave_one_out(data), data, cfg.data)[0]
    assert len(cut) > len(whole) and sum(map(len, cut)) < sum(map(len, whole))
    seqs = tmp_path / "Beauty.txt"
    seqs.write_text("".join(f"u{u} 1 2 3 4\n" for u in range(5)))
    from rnnlp.errors import ConfigError

    with pytest.raises(ConfigError, match="session_gap needs times"):
        rnnlp.api.train("recommender", TINY, [f"train.output={tmp_path / 'r'}", f"data.train={seqs}",
                                               "data.session_gap=60", "train.threads=1"])


def test_cli_recommend_prints_titles_from_an_item_table(model, tmp_path):
    from click.testing import CliRunner

    from rnnlp.cli import cli

    items = tmp_path / "items.csv"
    items.write_text("item,title\n" + "".join(f"i{i:02d},Title {i}\n" for i in range(40)))
    out = CliRunner().invoke(cli, ["recommend", str(model.path), "--history", "i30 i31", "--top-k", "2",
                                   "--items", str(items), "--json"])
    assert out.exit_code == 0, out.output
    import json

    row = json.loads(out.output.splitlines()[0])
    assert row["titles"] == [f"Title {int(i[1:])}" for i in row["items"]] and len(row["items"]) == 2


def test_session_parallel_batching_learns_and_resumes_mid_epoch_exactly(tmp_path, monkeypatch):
    lanes = ["train.threads=1", "data.batching=session_parallel", "train.save_every=1", "train.epochs=5",
             "train.max_steps=40"]
    straight = rnnlp.api.train("recommender", TINY, [*lanes, f"train.output={tmp_path / 'a'}"])
    import rnnlp.training.fit as fit

    step = fit._train_step

    def interrupted(loop, batch):  # Ctrl-C before step 21: last/ holds step 20
        if loop.state.step == 20:
            raise KeyboardInterrupt
        step(loop, batch)
    monkeypatch.setattr(fit, "_train_step", interrupted)
    with pytest.raises(KeyboardInterrupt):
        rnnlp.api.train("recommender", TINY, [*lanes, f"train.output={tmp_path / 'b'}"])
    trainer = json.loads((tmp_path / "b" / "last" / "trainer" / "trainer.json").read_text())
    assert trainer["epoch"] == 0 and trainer["batch"] == 20  # mid-epoch: the lanes hold state
    monkeypatch.setattr(fit, "_train_step", step)
    rnnlp.api.train("recommender", TINY, lanes, resume=str(tmp_path / "b"))
    from safetensors.torch import load_file

    a, b = (load_file(str(run / "last" / "model.safetensors")) for run in (straight, tmp_path / "b"))
    assert all(torch.equal(a[k], b[k]) for k in a)  # the lanes' carried state was restored
    report = rnnlp.load(straight).evaluate()
    assert report["gru"]["seen"]["ndcg@10"] > report["most_popular"]["seen"]["ndcg@10"] + 0.2


def test_logq_subtracts_each_candidates_log_popularity():
    from rnnlp.models.recommender import SequentialRecommender
    from rnnlp.tasks.recommender import sampled_objective
    from rnnlp.training.sampled_losses import sampled_softmax

    cfg = RecommenderConfig().model
    cfg.loss, cfg.negatives, cfg.logq = "sampled", 0, True  # candidates: the batch's targets only
    popularity = torch.tensor([0.0, 1.0, 3.0, 4.0])
    model = SequentialRecommender(3, 4, 4, dropout=0.0)
    hidden, gold = torch.randn(3, 4, generator=torch.Generator().manual_seed(0)), torch.tensor([3, 1, 2])
    items = torch.tensor([1, 2, 3])
    expected = sampled_softmax(model.candidate_scores(hidden, items) - torch.log(popularity[1:] / 8), gold - 1)
    assert torch.allclose(sampled_objective(cfg, popularity)(model, hidden, gold), expected)
    cfg.logq = False
    assert not torch.allclose(sampled_objective(cfg, popularity)(model, hidden, gold), expected)


def test_a_history_longer_than_max_length_says_how_many_items_were_left_out(model):
    limit = model.config.data.max_length
    items = [f"i{30 + i % 10:02d}" for i in range(limit + 3)]
    long, short = model.recommend([" ".join(items), " ".join(items[-limit:])], 5)
    assert long["truncated"] == 3 and "truncated" not in short
    assert long["items"] == short["items"]  # the latest max_length items are what the model reads


@pytest.mark.parametrize("refit", [False, True])
def test_baselines_learn_from_the_training_sequences_of_the_runs_protocol(model, refit):
    """Most-popular's NDCG@10 by brute force: item counts over the training sequences (ICLRec's
    protocol: without each user's last two items; refit: without the last one), every unseen item
    ranked, ties against the target. ``baseline_report`` (no model) and ``evaluate`` agree with it."""
    from collections import Counter

    from rnnlp.config.base import build_config
    from rnnlp.tasks.recommender import baseline_report

    cfg = build_config(RecommenderConfig, TINY, [f"data.refit={str(refit).lower()}"])
    report = baseline_report(cfg)
    data = user_sequences(read_log(str(LOG), cfg.data), cfg.data.min_user_count, cfg.data.min_item_count)
    keep = 1 if refit else 2
    counts = Counter(i for s in data.seqs for i in (s[:-keep] if len(s) >= 3 else s))
    gains = []
    for seq in (s for s in data.seqs if len(s) >= 3):
        history, target = set(seq[:-1]), seq[-1]
        rank = sum(counts[i] >= counts[target] for i in range(1, data.num_items + 1) if i not in history | {target})
        gains.append(1 / np.log2(rank + 2) if rank < 10 else 0.0)
    assert report["most_popular"]["seen"]["ndcg@10"] == pytest.approx(np.mean(gains), abs=1e-9)
    assert ("refit" in report["baselines_fit"]) == refit and "gru" not in report
    if not refit:  # the tiny model trained on ICLRec's protocol: evaluate fits its baselines the same way
        evaluated = model.evaluate()
        for system in ("most_popular", "item_knn"):
            assert evaluated[system] == report[system]
        assert "fitted on the training sequences without" in model.format_report(evaluated)
