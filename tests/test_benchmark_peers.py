"""benchmarks/peers/ (issue 30): the converters round-trip a small sample of every peer format,
the curves and the time-to-quality ratio on synthetic curves, rnnlp's metric code on saved
predictions, and the whole harness with a fake peer (no peer is installed here)."""

import gzip
import importlib
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PEERS = ROOT / "benchmarks" / "peers"


@pytest.fixture
def peers(monkeypatch):
    """The harness modules, imported as run.py imports them."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    monkeypatch.syspath_prepend(str(PEERS / "drivers"))
    monkeypatch.syspath_prepend(str(PEERS))
    return lambda name: importlib.import_module(name)


CONLL = """-DOCSTART- -X- O O

EU NNP I-NP I-ORG
rejects VBZ I-VP O
German JJ I-NP I-MISC
call NN I-NP O
Peter NNP I-NP I-PER
Blackburn NNP I-NP I-PER
John NNP I-NP B-PER

BRUSSELS NNP I-NP I-LOC
"""


# -- converters: one sample per format, round-tripped -----------------------------------------
def test_conll_columns_round_trip_iob1_through_bio(peers, tmp_path):
    convert = peers("convert")
    from rnnlp.data.conll import convert as convert_tags, read_conll

    src = tmp_path / "eng.testb"
    src.write_text(CONLL)
    gz = tmp_path / "eng.train.gz"
    gz.write_bytes(gzip.compress(CONLL.encode()))
    (tmp_path / "out").mkdir()
    convert.conll_to_columns(tmp_path / "out", gz, src, src)
    rows = convert.read_columns(tmp_path / "out" / "train.txt")
    assert [[r[0] for r in s] for s in rows] == [["EU", "rejects", "German", "call", "Peter", "Blackburn", "John"],
                                                 ["BRUSSELS"]]
    bio = [[r[1] for r in s] for s in rows]
    assert bio[0] == ["B-ORG", "O", "B-MISC", "O", "B-PER", "I-PER", "B-PER"]  # two touching PER chunks stay two
    back = [convert_tags(t, "BIO", "IOB1") for t in bio]
    assert back == read_conll(src, 0, 3).tags


def test_fasttext_round_trip(peers, tmp_path):
    convert = peers("convert")
    tsv = tmp_path / "dev.tsv"
    tsv.write_text("sentence\tlabel\nit 's a charming journey . \t1\nbad , bad film \t0\n")
    convert.tsv_to_fasttext(tmp_path, tsv, tsv)
    assert (tmp_path / "dev.txt").read_text().splitlines()[0] == "__label__1 it 's a charming journey ."
    assert convert.read_fasttext(tmp_path / "dev.txt") == convert.read_tsv(tsv, "sentence", "label")


def test_lm_folder_keeps_the_bytes(peers, tmp_path):
    convert = peers("convert")
    text = " = Valkyria = \n\n Senjō no <unk> 3 @-@ 1 \n"
    for name in ("train", "valid", "test"):
        (tmp_path / f"{name}.txt.gz").write_bytes(gzip.compress(text.encode()))
    out = tmp_path / "out"
    out.mkdir()
    convert.lm_folder(out, *(tmp_path / f"{n}.txt.gz" for n in ("train", "valid", "test")))
    assert (out / "test.txt").read_text(encoding="utf-8") == text


def test_onmt_tokenization_is_reversible(peers, tmp_path):
    convert = peers("convert")
    lines = ["Ein Mann (mit Hut) sagt: \"Hallo!\"", "Zwei Hunde, 3.5 km entfernt.", "Über-Ich's Café"]
    for line in lines:
        tokens = convert.tokenize(line)
        assert convert.detokenize(tokens) == line
    assert convert.tokenize("Hut).") == "Hut \uffed) \uffed."
    gz = tmp_path / "x.de.gz"
    gz.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    convert.parallel_to_onmt(tmp_path, gz, gz, gz, gz, gz)
    got = (tmp_path / "src-test.txt").read_text(encoding="utf-8").splitlines()
    assert [convert.detokenize(t) for t in got] == lines


def test_recbole_and_session_files_round_trip(peers, tmp_path):
    convert = peers("convert")
    beauty = tmp_path / "Beauty.txt"
    beauty.write_text("1 5 3 9 5 2\n2 7 8 1\n3 4 4\n")
    convert.sequences_to_recbole(tmp_path, beauty, name="b")
    assert convert.read_recbole(tmp_path / "b" / "b.inter") == convert.read_sequences(beauty)
    assert (tmp_path / "b" / "b.inter").read_text().splitlines()[0] == "user_id:token\titem_id:token\ttimestamp:float"
    convert.sequences_to_sessions(tmp_path, beauty)
    train = [line.split("\t") for line in (tmp_path / "train.tsv").read_text().splitlines()[1:]]
    assert [r[1] for r in train if r[0] == "1"] == ["5", "3", "9"]  # the last two held out
    assert [r[1] for r in train if r[0] == "3"] == ["4", "4"]  # fewer than 3: kept whole, like rnnlp


def test_ucr_arrays_round_trip(peers, tmp_path):
    import numpy as np

    convert = peers("convert")
    rows = "1\t0.5\t-1.25\t2\n3\t0\t1\t-0.75\n"
    for name in ("train", "test"):
        (tmp_path / f"{name}.tsv").write_text(rows)
    convert.ucr_to_npz(tmp_path, tmp_path / "train.tsv", tmp_path / "test.tsv")
    data = np.load(tmp_path / "test.npz")
    assert data["X"].shape == (2, 1, 3) and data["y"].tolist() == [1, 3]
    assert np.array_equal(np.column_stack([data["y"], data["X"][:, 0]]), np.loadtxt(tmp_path / "test.tsv"))


def test_a_conversion_is_written_once(peers, tmp_path):
    convert = peers("convert")
    calls = []
    src = tmp_path / "a.txt"
    src.write_text("x\n")

    def fake(folder, source):
        calls.append(source)

    convert.cached(tmp_path / "c", fake, {"source": src})
    convert.cached(tmp_path / "c", fake, {"source": src})
    assert len(calls) == 1
    src.write_text("changed\n")
    convert.cached(tmp_path / "c", fake, {"source": src})
    assert len(calls) == 2


# -- curves and the time-to-quality ratio ---------------------------------------------------
def test_curve_is_the_median_and_range_over_seeds(peers):
    harness = peers("harness")
    seeds = [{5: 0.80, 10: 0.85}, {5: 0.70, 10: 0.86}, {5: 0.75}]
    assert harness.curve(seeds) == [(5, 0.75, 0.70, 0.80, 3), (10, 0.855, 0.85, 0.86, 2)]


def test_ratio_both_ways_on_synthetic_curves(peers):
    harness = peers("harness")
    ours = [(5, 0.80), (10, 0.88), (20, 0.90), (40, 0.91)]
    peer = [(5, 0.60), (10, 0.75), (20, 0.82), (40, 0.88)]
    r = harness.ratios(ours, peer, lower_is_better=False)
    assert r["peer_best"] == (40, 0.88) and r["rnnlp_reaches_peer_best_at"] == 10
    assert r["peer_over_rnnlp"] == 4.0  # the peer's 40 minutes against rnnlp's 10
    assert r["rnnlp_over_peer"] is None  # the peer never reaches 0.91
    assert harness.ahead_everywhere(ours, peer, False)
    # rnnlp behind: the reverse ratio is the one that exists
    r = harness.ratios(peer, ours, lower_is_better=False)
    assert r["peer_over_rnnlp"] is None and r["rnnlp_over_peer"] == 40 / 10
    assert not harness.ahead_everywhere(peer, ours, False)


def test_ratio_when_lower_is_better_and_ties_take_the_earlier_point(peers):
    harness = peers("harness")
    ours = [(5, 150.0), (10, 120.0), (20, 110.0)]
    peer = [(5, 200.0), (10, 140.0), (20, 130.0), (40, 130.0)]
    assert harness.best_point(peer, lower_is_better=True) == (20, 130.0)
    r = harness.ratios(ours, peer, lower_is_better=True)
    assert r["peer_over_rnnlp"] == 2.0 and harness.time_to(ours, 130.0, True) == 10


def test_marks_pause_the_clock_while_predictions_are_written(peers, tmp_path):
    clock = peers("_clock")
    marks = clock.Marks(tmp_path, [0.001, 0.002, 1.0], t0=time.time() - 0.5)
    assert marks.due() == 0.001

    def write(folder):
        time.sleep(0.2)
        (folder / "pred.txt").write_text("1\n")
        return {"own": 1}

    marks.catch_up(write)  # both passed points at once; the third is a minute away
    assert marks.done == [0.001, 0.002] and not marks.finished
    assert 0.35 < marks.paused < 1.0 and marks.elapsed() < 0.7
    point = json.loads((tmp_path / "points" / "0.001" / "point.json").read_text())
    assert point["minute"] == 0.001 and point["own"] == {"own": 1} and point["train_s"] >= 0.5


def test_snapshots_copy_the_newest_checkpoint_before_each_point(peers, tmp_path):
    harness = peers("harness")
    last = tmp_path / "run" / "last"
    last.mkdir(parents=True)
    (last / "meta.json").write_text(json.dumps({"step": 40}))
    (last / "model.safetensors").write_text("w40")
    snap = harness.Snapshots(tmp_path / "run", tmp_path, [1, 2])
    assert snap(30.0) is False and not (tmp_path / "points").exists()
    assert snap(61.0) is False
    (last / "meta.json").write_text(json.dumps({"step": 80}))
    assert snap(125.0) is True
    one = json.loads((tmp_path / "points" / "1" / "point.json").read_text())
    assert one["checkpoint"] == "ckpt" and one["saved"] == 40
    assert (tmp_path / "points" / "1" / "ckpt" / "model.safetensors").read_text() == "w40"
    assert json.loads((tmp_path / "points" / "2" / "point.json").read_text())["saved"] == 80
    # a run that ended before its last point: its final checkpoint stands for every point left
    ended = harness.Snapshots(tmp_path / "run", tmp_path / "ended", [1, 60])
    assert ended(61.0) is False and ended(90.0, ended=True) is True
    late = json.loads((tmp_path / "ended" / "points" / "60" / "point.json").read_text())
    assert late["run_ended"] is True and late["saved"] == 80 and late["train_s"] == 90.0


# -- rnnlp's metric code on saved predictions -------------------------------------------------
def test_scores_of_every_prediction_format(peers, tmp_path):
    score = peers("score")
    (tmp_path / "pred.tsv").write_text("EU\tB-ORG\tB-ORG\nrejects\tO\tO\nGerman\tB-MISC\tB-LOC\n\n"
                                       "Peter\tB-PER\tB-PER\nBlackburn\tI-PER\tI-PER\n\n")
    tags = score.score_point(tmp_path, "tags", None)
    assert tags["precision"] == tags["recall"] == pytest.approx(2 / 3)
    with pytest.raises(score.ScoreError, match="lengths do not match"):
        score.score_point(tmp_path, "tags", [["O"]])
    (tmp_path / "pred.txt").write_text("1\n0\n1\n1\n")
    assert score.score_point(tmp_path, "labels", ["1", "0", "0", "1"])["accuracy"] == 0.75
    with pytest.raises(score.ScoreError, match="3 labels for 4"):
        (tmp_path / "pred.txt").write_text("1\n0\n1\n")
        score.score_point(tmp_path, "labels", ["1", "0", "0", "1"])
    (tmp_path / "pred.json").write_text(json.dumps({"sum_logprob": -4.0 * 100, "tokens": 100}))
    assert score.score_point(tmp_path, "logprob", None)["perplexity"] == pytest.approx(2.718281828 ** 4)
    (tmp_path / "pred.txt").write_text("A man is riding a bike.\nTwo dogs play.\n")
    bleu = score.score_point(tmp_path, "text", ["A man is riding a bike.", "Two dogs play."])
    assert bleu["bleu"] == pytest.approx(100.0)
    with pytest.raises(score.ScoreError, match="no predictions"):
        score.score_point(tmp_path / "nothing", "text", [])


def test_ranking_excludes_the_history_but_keeps_a_repeated_target(peers, tmp_path):
    score = peers("score")
    assert score.seen_rank(["a", "b", "c"], history=["a"], target="c") == 1
    assert score.seen_rank(["a", "b", "c"], history=["a", "c"], target="c") == 1  # a repeat stays rankable
    assert score.seen_rank(["a"], history=[], target="z") == score.BEYOND
    (tmp_path / "pred.tsv").write_text("u1\t7 3 5 9\nu2\t2 4 6 8\n")
    got = score.score_point(tmp_path, "ranking", ({"u1": ["7"], "u2": ["1"]}, {"u1": "3", "u2": "9"}))
    from rnnlp.training.ranking import ranking_metrics

    assert got["ndcg@10"] == ranking_metrics([0, score.BEYOND])["ndcg@10"] == pytest.approx(0.5)
    with pytest.raises(score.ScoreError, match="no ranking for 1 users"):
        score.score_point(tmp_path, "ranking", ({"u3": []}, {"u3": "1"}))


# -- the harness end to end, with a fake peer ---------------------------------------------------
FAKE_PEER = '''
import sys, time
sys.path.insert(0, {drivers!r})
from _clock import Marks
marks = Marks(sys.argv[1])
answers = {{0.005: "1\\n1\\n1\\n1\\n", 0.01: "1\\n0\\n0\\n0\\n"}}  # 2/4, then 3/4 right


def write(folder):
    (folder / "pred.txt").write_text(answers[marks.due()])
    return {{"accuracy": 0.5}}  # what the peer says of itself


while not marks.finished:
    time.sleep(0.05)
    marks.catch_up(write)
'''


@pytest.fixture
def harness_in(tmp_path, peers, monkeypatch):
    run, rows = peers("run"), peers("rows")
    monkeypatch.setattr(rows, "LOGS", tmp_path / "logs")
    monkeypatch.setattr(rows, "RUNS", tmp_path / "runs")
    monkeypatch.setattr(rows, "ENVS", tmp_path / "envs")
    monkeypatch.setattr(rows, "RESULTS", tmp_path / "results")
    data = tmp_path / "data" / "sentiment" / "sst2"
    data.mkdir(parents=True)
    (data / "dev.tsv").write_text("sentence\tlabel\ngood \t1\nbad \t0\nfine \t1\nawful \t0\n")
    return run, tmp_path


def test_harness_scores_a_fake_peer_with_rnnlps_metrics(harness_in, peers):
    run, tmp = harness_in
    script = tmp / "fake_peer.py"
    script.write_text(FAKE_PEER.format(drivers=str(PEERS / "drivers")))
    work = peers("rows").RUNS / "sst2" / "flair" / "threads1" / "seed0"
    row = run.ROWS["sst2"]
    run.run_peer("sst2", row, row.peers[0], 0, 1, [0.005, 0.01], tmp / "data",
                 command=[sys.executable, str(script), str(work)])
    log = run.log_folder("sst2", "flair", 1, 0)
    assert json.loads((log / "points" / "0.005" / "scores.json").read_text())["accuracy"] == 0.5
    assert json.loads((log / "points" / "0.01" / "scores.json").read_text())["accuracy"] == 0.75
    assert (log / "points" / "0.01" / "pred.txt.gz").is_file() and not (log / "points" / "0.01" / "pred.txt").exists()
    assert json.loads((log / "command.json").read_text())["stopped"] == "exited by itself"
    assert run.complete(log, [0.005, 0.01])
    # the rnnlp side's logs, as run_rnnlp leaves them (a synthetic curve), then the page
    for seed, values in enumerate([(0.7, 0.9), (0.8, 0.95)]):
        for minute, value in zip(("0.005", "0.01"), values):
            folder = run.log_folder("sst2", "rnnlp", 1, seed) / "points" / minute
            folder.mkdir(parents=True)
            (folder / "scores.json").write_text(json.dumps({"accuracy": value}))
    page = run.write_report(["sst2"], plots=False).read_text()
    assert page.startswith("<!-- written by benchmarks/peers/run.py:")
    assert "| 0.01 | **0.9250** (0.9000 - 0.9500, 2) | **0.7500** (1 seed) | 0.5000 (accuracy) |" in page
    assert "time-to-quality ratio **2.00x**" in page  # the peer's best at 0.01 min, rnnlp there at 0.005
    assert "rnnlp at or above the peer at every shared point: yes" in page
    assert "| sst2 | 1 | flair (0.7500 at 0.01 min) | yes | 2.00x | met |" in page  # the goals table
    assert "flair | **no** | not set up: run `bash benchmarks/peers/setup.sh flair`" in page
    assert "## beauty" in page and "Not measured yet" in page
    assert "- GRU4Rec (Hidasi's official PyTorch code, from GRU4REC_PATH) (`gru4rec`)" in page


def test_a_variant_is_shown_beside_the_row_and_not_counted(harness_in, peers):
    """``run.py ROW --side rnnlp --variant sized``: logged as side rnnlp-sized, its command carries
    train.size_to_minutes, and the page shows it beside the table with each run's best validation."""
    run, tmp = harness_in
    command = peers("rows").rnnlp_command(run.ROWS["sst2"], 0, 1, tmp / "run", [5.0, 10.0], tmp / "data", "sized")
    assert command[-1] == "train.size_to_minutes=10" and "train.time_limit_minutes=10" in command
    for side, value, valid in (("rnnlp", 0.8, "0.8100"), ("rnnlp-sized", 0.85, "0.8600")):
        seed = run.log_folder("sst2", side, 1, 0)
        (seed / "points" / "10").mkdir(parents=True)
        (seed / "points" / "10" / "scores.json").write_text(json.dumps({"accuracy": value}))
        (seed / "stdout.log").write_text(f"sentiment: ...\ndone (time_limit, 9 steps, 600 s): best dev accuracy {valid}\n")
    page = run.write_report(["sst2"], plots=False).read_text()
    assert "Variant `rnnlp-sized` (the recipe sized to the last point" in page
    assert "| 10 | **0.8000** (1 seed) | **0.8500** (1 seed) |" in page
    assert "rnnlp best dev accuracy 0.8100; rnnlp-sized best dev accuracy 0.8600" in page
    with pytest.raises(SystemExit):
        run.main(["sst2", "--variant", "sized"])  # a variant is rnnlp's side only


def test_a_peers_environment_is_kept_with_its_logs(harness_in, peers):
    """A peer's setup.sh status travels with its logs, so the page regenerates on a machine
    without the peer's environment."""
    run, tmp = harness_in
    rows = peers("rows")
    (tmp / "envs" / "aeon").mkdir(parents=True)
    (tmp / "envs" / "aeon" / "status.json").write_text(json.dumps(
        {"peer": "aeon", "ok": True, "versions": {"aeon": "1.6.0"}, "notes": "MiniRocket"}))
    rows.keep_status("aeon")
    (tmp / "envs" / "aeon" / "status.json").unlink()
    assert rows.peer_status("aeon")["kept"] is True
    page = run.write_report([], plots=False).read_text()
    assert "| aeon | yes (kept with its logs) | aeon 1.6.0 (MiniRocket) |" in page


def test_a_peer_that_cannot_install_is_listed_with_its_error(harness_in):
    run, tmp = harness_in
    (tmp / "envs" / "opennmt").mkdir(parents=True)
    (tmp / "envs" / "opennmt" / "status.json").write_text(json.dumps(
        {"peer": "opennmt", "ok": False, "error": "ERROR: No matching distribution found for torch<2.3", "versions": {}}))
    page = run.write_report([], plots=False).read_text()
    assert "| opennmt | **no** | ERROR: No matching distribution found for torch<2.3 |" in page
    assert "**not run: ERROR: No matching distribution found for torch<2.3**" in page


def test_plot_has_both_sides(harness_in, peers):
    pytest.importorskip("matplotlib")
    run, tmp = harness_in
    path = peers("report").plot("sst2", run.ROWS["sst2"], 1, [(5, 0.8, 0.7, 0.9, 3), (10, 0.85, 0.8, 0.9, 3)],
                    {"flair": [(5, 0.6, 0.6, 0.6, 1)], "another": []})
    assert path == tmp / "results" / "peers" / "sst2_threads1.png" and path.stat().st_size > 1000


def test_bad_input_is_one_line(peers, capsys):
    run = peers("run")
    for argv, message in ((["nosuchrow"], "unknown row 'nosuchrow'; choose from: conll2003"),
                          (["sst2", "--minutes", "5,x"], "--minutes takes numbers"),
                          (["sst2", "--minutes", "0"], "--minutes must be positive"),
                          (["sst2", "--threads", "4"], "--threads takes 1, 2 or 1,2, got '4'"),
                          ([], "name rows, or --all, or --report")):
        with pytest.raises(SystemExit) as exc:
            run.main(argv)
        assert exc.value.code == 2 and message in capsys.readouterr().err


def test_setup_refuses_an_unknown_peer_in_one_line():
    out = subprocess.run(["bash", str(PEERS / "setup.sh"), "nosuchpeer"], capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == ["setup.sh: unknown peer 'nosuchpeer'; choose from: flair opennmt "
                                               "recbole aeon wlm gru4rec all"]


def test_every_row_has_a_converter_a_driver_and_a_recipe(peers, tmp_path):
    run = peers("run")
    for name, row in run.ROWS.items():
        assert row.peers and all((PEERS / "drivers" / p.driver).is_file() for p in row.peers), name
        assert (ROOT / "recipes" / row.recipe).is_file(), name
        assert row.kind in peers("score").FILES
        assert list(row.minutes) == sorted(row.minutes)


def test_a_peer_that_crashes_is_listed_with_its_exit_code_and_last_line(harness_in):
    run, tmp = harness_in
    row = run.ROWS["sst2"]
    crash = [sys.executable, "-c", "import sys; print('ModuleNotFoundError: flair'); sys.exit(3)"]
    run.run_peer("sst2", row, row.peers[0], 0, 1, [0.005], tmp / "data", command=crash)
    page = run.write_report([], plots=False).read_text()
    assert ("- flair: seed0: ScoreError: " in page and "no predictions (exit code 3, exited by itself; "
            "last output line: `ModuleNotFoundError: flair`)" in page)


def test_a_command_line_peer_is_snapshotted_without_pausing_its_clock(peers, tmp_path, monkeypatch):
    """OpenNMT/eole's way: a training process saves checkpoints; at each point the newest one is
    copied (it keeps training meanwhile, so its clock is not paused); a point after it ends gets its last."""
    snap = peers("_snap")
    monkeypatch.setattr(snap, "STABLE_S", 0.01)
    clock = peers("_clock")
    trainer = ("import pathlib, sys, time\nout = pathlib.Path(sys.argv[1])\nfor step in (1, 2):\n"
               "    (out / f'step_{step}.pt').write_text(str(step))\n    time.sleep(3.0)\n")
    marks = clock.Marks(tmp_path, [0.03, 0.5])
    result = snap.train_and_snapshot([sys.executable, "-c", trainer, str(tmp_path)], str(tmp_path / "step_*.pt"),
                                     marks, tmp_path)
    assert result["returncode"] == 0 and marks.paused == 0.0
    assert snap.checkpoint_of(tmp_path / "points" / "0.03").read_text() == "1"  # the newest at 1.8 s
    assert snap.checkpoint_of(tmp_path / "points" / "0.5").read_text() == "2"  # the run ended before 30 s


@pytest.mark.requires_shared
def test_every_rows_rnnlp_command_is_a_valid_config(peers, shared_data):
    """The overrides the harness adds (seed, threads, save_every, the time limit) load strictly."""
    import importlib as imp

    from rnnlp.config.base import build_config
    from rnnlp.tasks.table import TASKS

    rows = peers("rows")
    for name, row in rows.ROWS.items():
        command = rows.rnnlp_command(row, 1, 2, Path("/tmp/run"), [5.0, 7.5], shared_data)
        assert command[1:5] == ["-m", "rnnlp", "train", row.task], name
        config = TASKS[row.task].config
        if isinstance(config, str):
            module, _, attr = config.rpartition(":") if ":" in config else config.rpartition(".")
            config = getattr(imp.import_module(module), attr)
        cfg = build_config(config, ROOT / "recipes" / row.recipe, [c for c in command[7:] if "=" in c])
        assert (cfg.train.seed, cfg.train.threads, cfg.train.save_every) == (1, 2, row.save_every), name
        assert cfg.train.time_limit_minutes == 7.5 and cfg.train.progress is False, name
