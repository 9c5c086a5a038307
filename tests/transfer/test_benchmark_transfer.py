"""benchmarks/transfer.py: rows gather their seeds' logs (median), rows without runs say so."""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_rows_from_logs(monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import transfer

    monkeypatch.setattr(transfer, "LOGS", tmp_path)
    for seed, (acc, minutes) in enumerate([(0.80, 3.0), (0.86, 5.0), (0.83, 4.0)]):
        folder = tmp_path / "sst2_1k_ext" / f"seed{seed}"
        folder.mkdir(parents=True)
        rows = [{"epoch": 1, "step": 10, "elapsed_s": 30.0, "accuracy": acc - 0.1},
                {"epoch": 2, "step": 20, "elapsed_s": minutes * 60, "accuracy": acc}]
        (folder / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
        (folder / "config.yaml").write_text(f"train:\n  seed: {seed}\n")
    row = next(r for r in transfer.CURVE if r.name == "sst2_1k_ext")
    assert transfer.line(row).startswith("| SST-2, 1k training examples, transfer from the extended step two, plain "
                                         "fine-tuning | 0.8300 (valid accuracy; median of 3: 0.8000, 0.8600, "
                                         "0.8300) | 4.0 min |")
    none = next(r for r in transfer.CURVE if r.name == "sst2_1k_none")
    assert "| not run yet |" in transfer.line(none) and "data.train_limit=1000" in transfer.line(none)


def test_goal_lines_name_the_best_row_and_the_gap(monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import transfer

    monkeypatch.setattr(transfer, "LOGS", tmp_path)
    goal = transfer.GOALS[0]
    assert transfer.goal_line(goal).endswith("no row run yet.")
    for name, acc in (("sst2_lm", 0.84), ("sst2_ext_plain", 0.875)):
        folder = tmp_path / name / "seed0"
        folder.mkdir(parents=True)
        (folder / "metrics.jsonl").write_text(json.dumps({"step": 5, "elapsed_s": 60.0, "accuracy": acc}) + "\n")
        (folder / "config.yaml").write_text("train:\n  seed: 0\n")
    line = transfer.goal_line(goal)
    assert "extended step two, none of ULMFiT's tricks\", 0.8750 (median of 1): reached on 1 seed(s), needs 3" in line
    monkeypatch.setattr(transfer, "GOALS", [transfer.Goal("x", ("sst2_lm",), 0.87, 1)])
    assert transfer.goal_line(transfer.GOALS[0]).endswith("0.8400 (median of 1): not met (+0.0300 to go).")
