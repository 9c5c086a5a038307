"""Side by side with the peers: the same data, machine, threads and minutes for rnnlp and for the
tool people use instead, as time-to-quality curves (issue 30).

    bash benchmarks/peers/setup.sh all                        # one environment per peer, pinned
    python benchmarks/peers/run.py --all --seeds 3            # every row, 1 thread
    python benchmarks/peers/run.py sst2 --seeds 1 --minutes 5,10 --threads 1
    python benchmarks/peers/run.py conll2003 --threads 2      # the 2-thread curves, separately
    python benchmarks/peers/run.py --report                   # only rewrite results/peers.md and plots

For each row, seed k and thread count t, both sides start on the same clock (minute 0 = the
launch of the process) with the same threads:

- rnnlp: ``rnnlp train TASK --recipe R train.seed=k train.threads=t train.save_every=N
  train.time_limit_minutes=<last point>``. The schedule is the recipe's (steps only); the last
  point's budget stops the run. At each point the harness copies the newest ``last/`` saved
  before it; afterwards each copy is scored with the task's ``evaluate`` (rnnlp's metric code).
- the peer: a driver under ``benchmarks/peers/drivers/`` run by the peer's own environment
  (``benchmarks/peers/envs/<peer>``), on the data converted once into ``benchmarks/peers/cache``.
  At each point it saves its predictions (its clock paused meanwhile) with its own figure; the
  harness scores the predictions with rnnlp's metric code (``score.py``).

Scratch (checkpoints, peers' work folders) goes to ``runs_peers/`` (ignored); the logs that the
results page is read from go to ``benchmarks/logs/peers/<row>/<side>/threads<t>/seed<k>/``
(command.json, stdout.log, points/<minute>/{point.json, scores.json, predictions (gzipped)}).
A seed whose logs are complete is not rerun. Nothing is chosen on test data: every point is
the model as it was at that minute, scored once.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # harness modules, and benchmarks/_results.py

import convert  # noqa: E402
import harness  # noqa: E402
import score  # noqa: E402
from _results import RESULTS, ROOT, Report  # noqa: E402

LOGS = ROOT / "benchmarks" / "logs" / "peers"
RUNS = ROOT / "runs_peers"
CACHE = Path(os.environ.get("PEERS_CACHE", HERE / "cache"))
ENVS = Path(os.environ.get("PEERS_ENVS", HERE / "envs"))
DRIVERS = HERE / "drivers"
MINUTES = (5, 10, 20, 40, 60)
# imported once, untimed, before a side's clock starts: the first import of a big package compiles
# its bytecode (over a minute for flair's transformers on a busy 2-core machine), which is no
# property of the tool
WARM = {"flair": "flair.models, flair.trainers, flair.embeddings, gensim", "opennmt": "torch, yaml",
        "gru4rec": "torch, pandas",
        "recbole": "recbole.config, recbole.data, recbole.trainer, recbole.model.sequential_recommender",
        "aeon": "aeon.classification.convolution_based", "wlm": "torch"}


@dataclass(frozen=True)
class Peer:
    env: str                     # its environment, benchmarks/peers/envs/<env> (setup.sh's name)
    title: str
    driver: str                  # under drivers/
    config: str                  # what the peer runs and which documentation it follows


@dataclass(frozen=True)
class Row:
    title: str
    metric: str                  # the figure (key of scores.json on both sides)
    kind: str                    # the peer's prediction format (score.FILES)
    task: str
    recipe: str
    evaluate: dict               # keywords of the loaded rnnlp model's evaluate (paths under the data root)
    rnnlp_key: str               # where the figure is in rnnlp's evaluate report (dotted)
    save_every: int              # rnnlp steps between last/ checkpoints (a point takes the newest)
    peers: tuple                 # Peer, ...
    minutes: tuple = MINUTES
    lower_is_better: bool = False
    overrides: tuple = ()


ROWS = {
    "conll2003": Row(
        "CoNLL-2003 NER, test (eng.testb) entity F1", "f1", "tags", "tagging", "tagging/conll2003_bilstm_crf.yaml",
        {"data": "tagging/conll2003/eng.testb"}, "f1", 100, (Peer(
            "flair", "flair SequenceTagger (BiLSTM-CRF)", "flair_tagger.py",
            "flair's NER tutorial: SequenceTagger(hidden_size=256, use_crf=True) over StackedEmbeddings(WordEmbeddings("
        "the shared GloVe 50d as gensim KeyedVectors), CharacterEmbeddings (its char BiLSTM, dictionary of the "
        "training characters)); ModelTrainer.train(learning_rate=0.1, mini_batch_size=32, max_epochs=150): SGD, "
        "annealed on dev plateau; tags IOB1 -> BIO (flair reads spans)"),)),
    "sst2": Row(
        "SST-2 (GLUE) dev accuracy", "accuracy", "labels", "sentiment", "sentiment/sst2_bilstm.yaml",
        {"data": "sentiment/sst2/dev.tsv"}, "accuracy", 200, (Peer(
            "flair", "flair TextClassifier (DocumentRNNEmbeddings)", "flair_classifier.py",
            "flair's text-classification tutorial, RNN variant: TextClassifier(DocumentRNNEmbeddings([WordEmbeddings("
        "the shared GloVe 50d as gensim KeyedVectors)], hidden_size=256)); ModelTrainer.train(learning_rate=0.1, "
        "mini_batch_size=32, max_epochs=150); FastText-format files, dev = the same dev.tsv, no test split"),)),
    "wikitext2": Row(
        "WikiText-2 test perplexity", "perplexity", "logprob", "lm", "lm/wikitext2_lstm.yaml",
        {"data": "lm/wikitext2/test.txt.gz"}, "perplexity", 100, (Peer(
            "wlm", "pytorch/examples word_language_model", "wlm.py",
            "its README's LSTM command `python main.py --accel --epochs 6` (the default 2x200 LSTM, SGD lr 20 /4 "
            "on valid plateau, bptt 35, batch 20; --accel left out on CPU), main.py run unmodified from WLM_PATH; "
            "test perplexity = "
        "exp(main.py's evaluate(test_data)) from its summed log-probabilities"),),
        lower_is_better=True),
    "multi30k_de_en": Row(
        "Multi30k test2016 de->en, cased sacreBLEU", "bleu", "text", "translation",
        "translation/multi30k_de_en.yaml",
        {"source": "translation/multi30k/test_2016_flickr.de.gz", "target": "translation/multi30k/test_2016_flickr.en.gz"},
        "bleu", 100, (Peer(
            "opennmt", "OpenNMT-py brnn + global attention (eole where OpenNMT-py does not install)", "onmt.py",
            "OpenNMT-py's RNN defaults / quickstart: encoder_type brnn, decoder_type rnn, LSTM 2x500, word_vec_size 500, "
        "global_attention general, input_feed, dropout 0.3, SGD lr 1.0, batch 64 sentences; beam 5; data "
        "tokenized reversibly (words and punctuation, joiner marks) and detokenized before scoring"),)),
    "beauty": Row(
        "Amazon Beauty, leave-one-out test NDCG@10, full ranking, seen items excluded", "ndcg@10", "ranking",
        "recommender", "recommender/beauty_gru.yaml", {}, "gru.seen.ndcg@10", 500, (Peer(
            "recbole", "RecBole GRU4Rec", "recbole_gru4rec.py",
            "RecBole's GRU4Rec defaults (embedding 64, hidden 128, 1 layer, dropout 0.3, CE over all items, Adam lr "
        "0.001, batch 2048) with MAX_ITEM_LIST_LENGTH 50; eval_args LS valid_and_test, time order, by user, full "
        "ranking (its own NDCG@10 masks the history too)"), Peer(
            "gru4rec", "GRU4Rec (Hidasi's official PyTorch code, from GRU4REC_PATH)", "gru4rec_official.py",
            "the GRU4Rec class defaults with loss=cross-entropy (layers [100], batch 64, Adagrad lr 0.05, 2048 "
            "popularity samples, constrained embedding, 10 epochs); its fit() unmodified; each user one session, "
            "all items but the last two; scored from each test user's history")),
        overrides=("model.dropout=0.5",)),
    "ecg5000": Row(
        "ECG5000 test accuracy (4,500 beats)", "accuracy", "labels", "series", "series/ecg5000.yaml",
        {"data": "timeseries_classification/ecg5000/ECG5000_TEST.tsv.gz"}, "accuracy", 50, (Peer(
            "aeon", "aeon MiniRocket", "minirocket.py",
            "MiniRocketClassifier(random_state=seed, n_jobs=threads) defaults, fitted once on the 500 training beats "
        "(numba compiled first on a few series, untimed); moved here from benchmarks/series.py"),),
        minutes=(1, 2, 5, 10)),
}


# -- data: converted once, and the gold side of each row -------------------------------------
def converted(name: str, data_root: Path, peer: str = "") -> Path:
    """The peer's input files of a row, written once into the cache folder."""
    d, c = data_root, CACHE / name
    if name == "conll2003":
        base = d / "tagging/conll2003"
        return convert.cached(c, convert.conll_to_columns, {"train": base / "eng.train.gz", "dev": base / "eng.testa",
                                                            "test": base / "eng.testb"})
    if name == "sst2":
        base = d / "sentiment/sst2"
        return convert.cached(c, convert.tsv_to_fasttext, {"train": base / "train.tsv.gz", "dev": base / "dev.tsv"})
    if name == "wikitext2":
        base = d / "lm/wikitext2"
        return convert.cached(c, convert.lm_folder, {k: base / f"{k}.txt.gz" for k in ("train", "valid", "test")})
    if name == "multi30k_de_en":
        base = d / "translation/multi30k"
        return convert.cached(c, convert.parallel_to_onmt, {
            "src_train": base / "train.de.gz", "tgt_train": base / "train.en.gz", "src_valid": base / "val.de.gz",
            "tgt_valid": base / "val.en.gz", "src_test": base / "test_2016_flickr.de.gz"})
    if name == "beauty" and peer == "gru4rec":
        return convert.cached(CACHE / "beauty_sessions", convert.sequences_to_sessions,
                              {"train": d / "recommendation/amazon_beauty/Beauty.txt.gz"})
    if name == "beauty":
        return convert.cached(c, convert.sequences_to_recbole,
                              {"train": d / "recommendation/amazon_beauty/Beauty.txt.gz"})
    if name == "ecg5000":
        base = d / "timeseries_classification/ecg5000"
        return convert.cached(c, convert.ucr_to_npz, {"train": base / "ECG5000_TRAIN.tsv.gz",
                                                      "test": base / "ECG5000_TEST.tsv.gz"})
    raise KeyError(name)


def gold(name: str, data_root: Path):
    """What score.score_point compares the peer's predictions with, read from rnnlp's data files."""
    d = data_root
    if name == "conll2003":
        from rnnlp.data.conll import convert as convert_tags, read_conll

        return [convert_tags(t, "IOB1", "BIO") for t in read_conll(d / "tagging/conll2003/eng.testb", 0, 3).tags]
    if name == "sst2":
        return [label for _, label in convert.read_tsv(d / "sentiment/sst2/dev.tsv", "sentence", "label")]
    if name == "multi30k_de_en":
        return convert.text_lines(d / "translation/multi30k/test_2016_flickr.en.gz")
    if name == "beauty":
        seqs = convert.read_sequences(d / "recommendation/amazon_beauty/Beauty.txt.gz")
        return ({u: s[:-1] for u, s in seqs if len(s) >= 3}, {u: s[-1] for u, s in seqs if len(s) >= 3})
    if name == "ecg5000":
        import numpy as np

        return [str(int(v)) for v in np.loadtxt(d / "timeseries_classification/ecg5000/ECG5000_TEST.tsv.gz",
                                                delimiter="\t", usecols=0)]
    return None


def glove(data_root: Path) -> Path:
    return data_root / "embeddings/glove_6b_50d/glove.6B.50d.top50k.txt.gz"


# -- the peers' environments -------------------------------------------------------------------
def peer_status(peer: str) -> dict:
    """setup.sh's status.json of a peer, or why there is none."""
    path = ENVS / peer / "status.json"
    if not path.is_file():
        return {"peer": peer, "ok": False, "error": f"not set up: run `bash benchmarks/peers/setup.sh {peer}`",
                "versions": {}}
    return json.loads(path.read_text())


def peer_command(name: str, peer: Peer, seed: int, threads: int, work: Path, data_root: Path) -> list[str]:
    python = str(harness.python_of(ENVS / peer.env))
    data = str(converted(name, data_root, peer.env))
    command = [python, str(DRIVERS / peer.driver), "--data", data, "--out", str(work), "--seed", str(seed),
               "--threads", str(threads)]
    if peer.env == "flair":
        command += ["--vectors", str(glove(data_root))]
    if peer.env in ("wlm", "gru4rec"):  # repositories: the user's path, recorded by setup.sh
        command += ["--path", (ENVS / peer.env / "path.txt").read_text().strip()]
    return command


def rnnlp_command(row: Row, seed: int, threads: int, run: Path, minutes: list[float], data_root: Path) -> list[str]:
    return [sys.executable, "-m", "rnnlp", "train", row.task, "--recipe", str(ROOT / "recipes" / row.recipe),
            "-o", str(run), f"train.seed={seed}", f"train.threads={threads}", f"train.save_every={row.save_every}",
            f"train.time_limit_minutes={max(minutes):g}", "train.progress=false", f"data.root={data_root}",
            *row.overrides]


# -- one side, one seed ------------------------------------------------------------------------
def log_folder(name: str, side: str, threads: int, seed: int) -> Path:
    return LOGS / name / side / f"threads{threads}" / f"seed{seed}"


def complete(log: Path, minutes: list[float]) -> bool:
    return all((log / "points" / f"{m:g}" / "scores.json").is_file() for m in minutes)


def run_rnnlp(name: str, row: Row, seed: int, threads: int, minutes: list[float], data_root: Path) -> None:
    log, work = log_folder(name, "rnnlp", threads, seed), RUNS / name / "rnnlp" / f"threads{threads}" / f"seed{seed}"
    shutil.rmtree(work, ignore_errors=True)
    command = rnnlp_command(row, seed, threads, work / "run", minutes, data_root)
    warm_up(sys.executable, f"rnnlp.tasks.{row.task}, rnnlp.cli")
    record = harness.launch(command, work, threads, minutes, watch=harness.Snapshots(work / "run", work, minutes))
    collect(work, log, record)
    for minute in minutes:
        folder = work / "points" / f"{minute:g}"
        write_scores(log / "points" / f"{minute:g}", lambda: score_rnnlp(row, folder, data_root))
        shutil.rmtree(folder / "ckpt", ignore_errors=True)  # scored once; the copies with optimizer state are big


def score_rnnlp(row: Row, folder: Path, data_root: Path) -> dict:
    """The task's own evaluate (rnnlp's metric code) on the checkpoint copied at this point."""
    import rnnlp

    info = json.loads((folder / "point.json").read_text())
    if not info.get("checkpoint"):
        raise score.ScoreError("no checkpoint saved before this point")
    model = rnnlp.load(folder / info["checkpoint"])
    options = {k: str(data_root / v) for k, v in row.evaluate.items()}
    report = model.evaluate(**options)
    node = report
    for part in row.rnnlp_key.split("."):
        node = node[part]
    return {row.metric: float(node), "report": {k: v for k, v in report.items() if isinstance(v, (int, float))}}


def run_peer(name: str, row: Row, peer: Peer, seed: int, threads: int, minutes: list[float], data_root: Path,
             command: list[str] | None = None) -> None:
    """The peer's driver to its last point, then rnnlp's metric code on each point's predictions.
    ``command`` replaces the driver (the tests pass a fake peer)."""
    log, work = log_folder(name, peer.env, threads, seed), RUNS / name / peer.env / f"threads{threads}" / f"seed{seed}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    if command is None:
        command = peer_command(name, peer, seed, threads, work, data_root)
        warm_up(command[0], WARM.get(peer.env, ""))
    record = harness.launch(command, work, threads, minutes)
    collect(work, log, record)
    truth = gold(name, data_root)
    for minute in minutes:
        folder = log / "points" / f"{minute:g}"
        write_scores(folder, lambda: score.score_point(folder, row.kind, truth))


def warm_up(python: str, modules: str) -> None:
    if modules:
        subprocess.run([python, "-c", f"import {modules}"], capture_output=True, timeout=1800)


def collect(work: Path, log: Path, record: dict) -> None:
    """The small files of a side's work folder into its log folder (predictions gzipped)."""
    shutil.rmtree(log, ignore_errors=True)
    (log / "points").mkdir(parents=True)
    record = {**record, "command": [c.replace(str(ROOT) + "/", "") for c in record["command"]]}
    (log / "command.json").write_text(json.dumps(record, indent=1))
    shutil.copy(work / "stdout.log", log / "stdout.log")
    for point in sorted((work / "points").glob("*")) if (work / "points").is_dir() else []:
        dest = log / "points" / point.name
        dest.mkdir()
        for file in point.iterdir():
            if file.name == "point.json":
                shutil.copy(file, dest / file.name)
            elif file.name in score.FILES.values():
                (dest / (file.name + ".gz")).write_bytes(gzip.compress(file.read_bytes(), mtime=0))


def write_scores(folder: Path, fn) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    try:
        scores = fn()
    except (score.ScoreError, OSError, KeyError, ValueError) as exc:
        scores = {"error": f"{type(exc).__name__}: {exc}"}
    (folder / "scores.json").write_text(json.dumps(scores, indent=1, default=str))


# -- the results page ----------------------------------------------------------------------------
def seeds_of(name: str, side: str, threads: int) -> list[Path]:
    return sorted((LOGS / name / side / f"threads{threads}").glob("seed*"), key=lambda p: int(p.name[4:]))


def side_curve(name: str, side: str, threads: int, metric: str) -> list:
    return harness.curve([harness.read_points(p, metric) for p in seeds_of(name, side, threads)])


def own_figures(name: str, side: str, threads: int) -> dict:
    """{minute: [the peer's own figure per seed]} from point.json."""
    out: dict = {}
    for seed in seeds_of(name, side, threads):
        for path in seed.glob("points/*/point.json"):
            own = json.loads(path.read_text()).get("own")
            own = own if isinstance(own, dict) else {}
            value = next((v for k, v in own.items() if isinstance(v, (int, float)) and not k.endswith("_s")), None)
            if value is not None:
                out.setdefault(float(path.parent.name), []).append(value)
    return out


def row_section(name: str, row: Row, threads: int, plots: bool) -> list[str]:
    ours = side_curve(name, "rnnlp", threads, row.metric)
    theirs = {p.env: side_curve(name, p.env, threads, row.metric) for p in row.peers}
    lines = [f"## {name}: {row.title}, {threads} thread{'s' if threads > 1 else ''}", "",
             f"- rnnlp: `rnnlp {' '.join(rnnlp_command(row, 'K', threads, Path('RUN'), list(row.minutes), Path('DATA'))[3:])}`"
             .replace(str(ROOT) + "/", "")]
    for peer in row.peers:
        status = peer_status(peer.env)
        lines.append(f"- {peer.title} (`{peer.env}`): {peer.config}; driver `benchmarks/peers/drivers/{peer.driver}`; "
                     + (f"environment {peer_versions(status, notes=False)}" if status.get("ok")
                        else f"**not run: {status.get('error')}**"))
    lines.append("")
    if not any(seeds_of(name, side, threads) for side in ("rnnlp", *theirs)):
        return lines + [f"Not measured yet: `python benchmarks/peers/run.py {name} --seeds 3 --threads {threads}`", ""]
    head = f"| minute | rnnlp {row.metric} (median, range, seeds) |"
    for peer in row.peers:
        head += f" {peer.env} {row.metric} by rnnlp's metric | {peer.env}'s own figure (median) |"
    lines += [head, "|---|---|" + "---|---|" * len(row.peers)]
    mine = {p[0]: p for p in ours}
    by_minute = {env: {p[0]: p for p in curve} for env, curve in theirs.items()}
    owns = {p.env: own_figures(name, p.env, threads) for p in row.peers}
    for minute in sorted(set(mine).union(*by_minute.values())):
        line = f"| {minute:g} | {cell(mine.get(minute))} |"
        for peer in row.peers:
            own = owns[peer.env].get(minute)
            line += f" {cell(by_minute[peer.env].get(minute))} | {statistics.median(own):.4f} |" if own else \
                f" {cell(by_minute[peer.env].get(minute))} | |"
        lines.append(line)
    lines.append("")
    for side in ("rnnlp", *(p.env for p in row.peers)):
        lines += [f"- {side}: {text}" for text in failures(name, side, threads)]
    for peer in row.peers:
        if theirs[peer.env]:
            r = harness.ratios([(p[0], p[1]) for p in ours], [(p[0], p[1]) for p in theirs[peer.env]],
                               row.lower_is_better)
            lines += [f"Against {peer.title}:", "", *ratio_lines(row, r, ours, theirs[peer.env]), ""]
    if plots:
        path = plot(name, row, threads, ours, {p.title: theirs[p.env] for p in row.peers})
        lines += [f"![{name}]({path.relative_to(RESULTS).as_posix()})"]
    return lines + [""]


def failures(name: str, side: str, threads: int) -> list[str]:
    """Why a side's seed has points without a figure: the scorer's error, its exit code, its last output line."""
    out = []
    for seed in seeds_of(name, side, threads):
        errors = sorted({json.loads(p.read_text()).get("error") for p in seed.glob("points/*/scores.json")} - {None})
        if not errors:
            continue
        record = json.loads((seed / "command.json").read_text()) if (seed / "command.json").is_file() else {}
        log = seed / "stdout.log"
        last = next((line for line in reversed(log.read_text(errors="replace").splitlines()) if line.strip()), "") \
            if log.is_file() else ""
        out.append(f"{seed.name}: {'; '.join(errors)} (exit code {record.get('returncode')}, "
                   f"{record.get('stopped', '?')}; last output line: `{last.strip()[:200]}`)")
    return out


def cell(point) -> str:
    if point is None:
        return "-"
    _, median, low, high, n = point
    return f"**{median:.4f}** ({low:.4f} - {high:.4f}, {n})" if n > 1 else f"**{median:.4f}** (1 seed)"


def ratio_lines(row: Row, r: dict, ours: list, theirs: list) -> list[str]:
    out = []
    if r["peer_best"]:
        m, v = r["peer_best"]
        reached = r.get("rnnlp_reaches_peer_best_at")
        out.append(f"- Peer's best {v:.4f} at {m:g} min; rnnlp reached it at "
                   + (f"{reached:g} min: time-to-quality ratio **{r['peer_over_rnnlp']:.2f}x** (peer minutes / rnnlp "
                      f"minutes)" if reached else "no point: **rnnlp is behind**"))
    if r["rnnlp_best"]:
        m, v = r["rnnlp_best"]
        reached = r.get("peer_reaches_rnnlp_best_at")
        out.append(f"- rnnlp's best {v:.4f} at {m:g} min; the peer reached it at "
                   + (f"{reached:g} min (ratio rnnlp minutes / peer minutes {r['rnnlp_over_peer']:.2f}x)"
                      if reached else "no point"))
    if ours and theirs:
        ahead = harness.ahead_everywhere([(p[0], p[1]) for p in ours], [(p[0], p[1]) for p in theirs],
                                         row.lower_is_better)
        out.append(f"- rnnlp at or above the peer at every shared point: {'yes' if ahead else '**no**'}")
    return out


def peer_versions(status: dict, notes: bool = True) -> str:
    keys = ("flair", "torch", "gensim", "opennmt-py", "OpenNMT-py", "eole", "recbole", "aeon", "numpy")
    versions = status.get("versions", {})
    found = [f"{k} {versions[k]}" for k in keys if k in versions]
    return ", ".join(found) + (f" ({status['notes']})" if notes and status.get("notes") else "")


def plot(name: str, row: Row, threads: int, ours: list, theirs: dict) -> Path:
    """Quality against minutes, every side: the median of the seeds, their range shaded."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for label, points in (("rnnlp", ours), *theirs.items()):
        if points:
            m = [p[0] for p in points]
            ax.plot(m, [p[1] for p in points], marker="o", label=label)
            ax.fill_between(m, [p[2] for p in points], [p[3] for p in points], alpha=0.25)
    ax.set_xlabel("minutes (wall clock, same machine and threads)")
    ax.set_ylabel(row.metric)
    ax.set_title(f"{name}, {threads} thread{'s' if threads > 1 else ''}: median of seeds, range shaded")
    ax.legend()
    fig.tight_layout()
    path = RESULTS / "peers" / f"{name}_threads{threads}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)
    return path


def write_report(argv: list[str], rows: list[str], plots: bool = True) -> Path:
    try:
        import torch  # noqa: F401 - rnnlp's side: its version goes into the header
    except ImportError:
        pass
    report = Report(__file__, "Side by side with the peers: time-to-quality curves (issue 30)", argv)
    body = [report_intro()]
    setups = [peer_status(p) for p in dict.fromkeys(p.env for r in ROWS.values() for p in r.peers)]
    body += ["## Peers' environments (benchmarks/peers/setup.sh)", "", "| peer | installed | versions / exact error |",
             "|---|---|---|"]
    body += [f"| {s['peer']} | {'yes' if s.get('ok') else '**no**'} | "
             f"{peer_versions(s) if s.get('ok') else s.get('error', '').replace('|', '/')} |" for s in setups]
    body.append("")
    for name in ROWS:
        for threads in (1, 2):
            if threads == 1 or any(seeds_of(name, side, 2) for side in ("rnnlp", *(p.env for p in ROWS[name].peers))):
                body += row_section(name, ROWS[name], threads, plots)
    body += goals()
    path = RESULTS / "peers.md"
    report.write("\n".join(body), path)
    return path


def goals() -> list[str]:
    """The issue's goals per row and thread count: at or above every peer at every point, and a
    time-to-quality ratio of at least 2x against the strongest peer (best final median)."""
    lines = ["## Goals (issue 30)", "", "| row | threads | strongest peer (its best) | rnnlp at or above every peer at "
             "every point | time-to-quality ratio vs the strongest | both goals |", "|---|---|---|---|---|---|"]
    for name, row in ROWS.items():
        for threads in (1, 2):
            ours = [(p[0], p[1]) for p in side_curve(name, "rnnlp", threads, row.metric)]
            theirs = {p.env: [(q[0], q[1]) for q in side_curve(name, p.env, threads, row.metric)] for p in row.peers}
            theirs = {env: curve for env, curve in theirs.items() if curve}
            if not ours or not theirs:
                continue
            sign = -1 if row.lower_is_better else 1
            strongest = max(theirs, key=lambda env: sign * harness.best_point(theirs[env], row.lower_is_better)[1])
            ahead = all(harness.ahead_everywhere(ours, curve, row.lower_is_better) for curve in theirs.values())
            r = harness.ratios(ours, theirs[strongest], row.lower_is_better)
            ratio = f"{r['peer_over_rnnlp']:.2f}x" if r["peer_over_rnnlp"] else "rnnlp never reaches its best: behind"
            met = ahead and (r["peer_over_rnnlp"] or 0) >= 2
            lines.append(f"| {name} | {threads} | {strongest} ({r['peer_best'][1]:.4f} at {r['peer_best'][0]:g} min) | "
                         f"{'yes' if ahead else '**no**'} | {ratio} | {'met' if met else '**not met**'} |")
    if len(lines) == 4:
        lines.append("| (no row measured on both sides yet) | | | | | |")
    return lines + ["", "Where rnnlp is behind, the row's section says at which points; what the peer does that rnnlp "
                        "does not is the closing note to write from these logs once the rows are measured.", ""]


def report_intro() -> str:
    return ("Both sides on the same machine, data files and splits, thread count and wall clock (minute 0 = the "
            "launch of the side's process); the budget stops a run, the schedule is each side's own. At each "
            "point rnnlp's newest `last/` checkpoint saved before it is scored with the task's `evaluate`; the "
            "peer saves its predictions there (its clock paused) and they are scored by rnnlp's metric code "
            "(`benchmarks/peers/score.py`: seqeval strict, accuracy, perplexity from summed log-probabilities, "
            "sacreBLEU, full-ranking NDCG with seen items excluded); the peer's own figure is beside it. Cells: "
            "median over seeds (range, seeds). Time-to-quality ratio: the minutes the peer needed for its best "
            "figure / the minutes rnnlp needed to reach it (at the fixed points). rnnlp's `last/` saves (every "
            "`train.save_every` steps, optimizer state included) count on its own clock; a peer's clock is paused "
            "while it writes predictions. Each side's untimed warm-up is one import of its packages (the first import "
            "compiles bytecode). Logs: "
            "`benchmarks/logs/peers/<row>/<side>/threads<t>/seed<k>/`.\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     epilog=f"rows: {', '.join(ROWS)}")
    parser.add_argument("rows", nargs="*", metavar="ROW")
    parser.add_argument("--all", action="store_true", help="every row")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0 .. N-1 (default 3)")
    parser.add_argument("--minutes", help="points, e.g. 5,10,20 (default: the row's, within its budget)")
    parser.add_argument("--threads", type=int, choices=(1, 2), default=1)
    parser.add_argument("--side", choices=("both", "rnnlp", "peer"), default="both")
    parser.add_argument("--data-root", type=Path,
                        default=Path(os.environ.get("RNNLP_DATA", ROOT.parent / "shared" / "data")))
    parser.add_argument("--report", action="store_true", help="only rewrite results/peers.md from the logs")
    parser.add_argument("--no-plots", action="store_true")
    args = parser.parse_args(argv)
    unknown = [r for r in args.rows if r not in ROWS]
    if unknown:
        parser.error(f"unknown row {unknown[0]!r}; choose from: {', '.join(ROWS)}")
    if not (args.rows or args.all or args.report):
        parser.error("name rows, or --all, or --report")
    try:
        minutes = sorted(float(m) for m in args.minutes.split(",")) if args.minutes else None
    except ValueError:
        parser.error(f"--minutes takes numbers separated by commas, got {args.minutes!r}")
    if minutes is not None and (not minutes or minutes[0] <= 0):
        parser.error("--minutes must be positive")
    if not args.report:
        for name in (list(ROWS) if args.all else args.rows):
            run_row(name, ROWS[name], args, minutes or [float(m) for m in ROWS[name].minutes])
    print(write_report(sys.argv[1:] if argv is None else argv, list(ROWS), plots=not args.no_plots))
    return 0


def run_row(name: str, row: Row, args, minutes: list[float]) -> None:
    for seed in range(args.seeds):
        if args.side in ("both", "rnnlp") and not complete(log_folder(name, "rnnlp", args.threads, seed), minutes):
            run_rnnlp(name, row, seed, args.threads, minutes, args.data_root)
        if args.side == "rnnlp":
            continue
        for peer in row.peers:
            status = peer_status(peer.env)
            if not status.get("ok"):
                print(f"run.py: {name}: peer {peer.env} not run: {status.get('error')}", file=sys.stderr)
            elif not complete(log_folder(name, peer.env, args.threads, seed), minutes):
                run_peer(name, row, peer, seed, args.threads, minutes, args.data_root)


if __name__ == "__main__":
    sys.exit(main())
