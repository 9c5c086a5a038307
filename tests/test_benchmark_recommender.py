"""benchmarks/recommender.py renders the runs' logs: the systems table, the margins, the goal."""

import importlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _metrics(v):
    return {"hr@10": v, "ndcg@10": v / 2, "hr@20": v * 1.5, "ndcg@20": v / 1.5, "mrr": v / 3}


def test_section_reads_the_logs_and_says_whether_the_goal_is_met(monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    rec = importlib.import_module("recommender")
    monkeypatch.setattr(rec, "LOGS", tmp_path)
    folder = tmp_path / "recommender_beauty"
    folder.mkdir()
    (folder / "metrics.jsonl").write_text("\n".join(json.dumps(r) for r in [
        {"step": 10, "elapsed_s": 60, "tokens_per_s": 100.0, "ndcg@10": 0.02},
        {"step": 20, "elapsed_s": 120, "tokens_per_s": 300.0, "ndcg@10": 0.03},
        {"step": 30, "elapsed_s": 180, "tokens_per_s": 200.0, "ndcg@10": 0.03}]))
    test = {"users": 5, "items": 9, "sampled_negatives": 100, "seconds": {"gru": 1.0},
            **{s: {p: _metrics(v) for p in ("seen", "all")} for s, v in
               [("gru", 0.09), ("most_popular", 0.01), ("item_knn", 0.1)]}}
    (folder / "test.json").write_text(json.dumps(test))
    (folder / "config.yaml").write_text("data:\n  batching: padded\n")
    text = rec.section("recommender_beauty")
    assert "best validation NDCG@10 0.0300 at step 20" in text and "training 200 items/s" in text
    assert "| gru | full ranking, history excluded | 0.0900 | 0.0450 |" in text
    assert "GRU vs most_popular, NDCG@10 (history excluded): 0.0450 vs 0.0050, +0.0400 (beats)" in text
    assert "GRU vs item_knn, NDCG@10 (history excluded): 0.0450 vs 0.0500, -0.0050 (does not beat)" in text
    assert "Goal NDCG@10 >= 0.0403 and HR@10 >= 0.0744: met (0.0450, 0.0900)" in text
    assert "No committed log" in rec.section("recommender_ml100k")
