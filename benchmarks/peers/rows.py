"""The rows of the peers benchmark: each one's data, rnnlp recipe, peers and their documented
configuration; the data converted once for each peer, and the gold side read from rnnlp's files.
Also the paths every part of the harness shares (tests point them at a temporary folder)."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.append(str(HERE.parent))  # benchmarks/_results.py

import convert  # noqa: E402
from _results import RESULTS, ROOT  # noqa: E402,F401 - RESULTS: where the page goes (tests move it)

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
    behind: str = ""             # where rnnlp is behind: what the peer does that rnnlp does not (from the logs)


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
        overrides=("model.dropout=0.5",),
        behind="the official GRU4Rec (0.0399 at 5 min, its 10 epochs done) against rnnlp's 0.0380 at 10 min: it "
        "trains session-parallel (each step one item of 64 sessions, the state carried), with 2,048 "
        "popularity-sampled negatives shared by the minibatch plus the minibatch's own targets, Adagrad at lr "
        "0.05 and a constrained (tied) embedding, and it stops after 10 epochs; rnnlp's recipe trains padded "
        "prefixes (max 50) with AdamW under a 200-epoch cosine schedule, so at 10 minutes its learning rate "
        "has barely decayed. Levers: rnnlp's own session-parallel batching (data.batching=session_parallel) "
        "and a schedule sized to the budget (a time budget may size a run before it starts, issue 25)."),
    "ecg5000": Row(
        "ECG5000 test accuracy (4,500 beats)", "accuracy", "labels", "series", "series/ecg5000.yaml",
        {"data": "timeseries_classification/ecg5000/ECG5000_TEST.tsv.gz"}, "accuracy", 50, (Peer(
            "aeon", "aeon MiniRocket", "minirocket.py",
            "MiniRocketClassifier(random_state=seed, n_jobs=threads) defaults, fitted once on the 500 training beats "
        "(numba compiled first on a few series, untimed); moved here from benchmarks/series.py"),),
        minutes=(1, 2, 5, 10),
        behind="MiniRocket is no recurrent network: about 10,000 fixed, dilated random convolution kernels at many "
        "dilations, the proportion of positive values of each as a feature, and a ridge classifier fitted in "
        "closed form (its regularisation chosen by cross-validation), on all 500 training beats. rnnlp's recipe "
        "(two stride-2 convolutions of width 5, a bidirectional GRU, attention pooling, AdamW, 1,040 steps: 78 s "
        "here) holds 100 beats out to choose its checkpoint, and each point scores its last/ checkpoint, not the "
        "best/ chosen on those 100. Levers: many dilations (a receptive field over the whole beat at every "
        "scale), refitting on all 500 beats for the chosen number of steps, an ensemble of seeds."),
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


# -- the peers' environments and logs ---------------------------------------------------------
def peer_status(peer: str) -> dict:
    """setup.sh's status.json of a peer; where this machine has none, the one its logged runs used
    (``keep_status``: the results page regenerates on any machine); else why there is none."""
    path = ENVS / peer / "status.json"
    if path.is_file():
        return json.loads(path.read_text())
    kept = LOGS / "envs" / f"{peer}.json"
    if kept.is_file():
        return {**json.loads(kept.read_text()), "kept": True}
    return {"peer": peer, "ok": False, "error": f"not set up: run `bash benchmarks/peers/setup.sh {peer}`",
            "versions": {}}


def keep_status(peer: str) -> None:
    """Keep the environment a peer ran in beside its logs (``benchmarks/logs/peers/envs/<peer>.json``)."""
    path = ENVS / peer / "status.json"
    if path.is_file():
        (LOGS / "envs").mkdir(parents=True, exist_ok=True)
        (LOGS / "envs" / f"{peer}.json").write_text(path.read_text())


# rnnlp variants run beside the row's own rnnlp side (``run.py ROW --side rnnlp --variant V``): logged as
# side ``rnnlp-V``, shown beside the table, never counted toward the goals (a variant is adopted for
# every row only on validation figures, never on the test points shown here)
VARIANTS = {"sized": ("the recipe sized to the last point before it starts (train.size_to_minutes): its "
                      "schedule decays within the minutes", lambda minutes: [f"train.size_to_minutes={max(minutes):g}"])}


def rnnlp_command(row: Row, seed: int, threads: int, run: Path, minutes: list[float], data_root: Path,
                  variant: str | None = None) -> list[str]:
    return [sys.executable, "-m", "rnnlp", "train", row.task, "--recipe", str(ROOT / "recipes" / row.recipe),
            "-o", str(run), f"train.seed={seed}", f"train.threads={threads}", f"train.save_every={row.save_every}",
            f"train.time_limit_minutes={max(minutes):g}", "train.progress=false", f"data.root={data_root}",
            *row.overrides, *(VARIANTS[variant][1](minutes) if variant else [])]


def log_folder(name: str, side: str, threads: int, seed: int) -> Path:
    return LOGS / name / side / f"threads{threads}" / f"seed{seed}"


def seeds_of(name: str, side: str, threads: int) -> list[Path]:
    return sorted((LOGS / name / side / f"threads{threads}").glob("seed*"), key=lambda p: int(p.name[4:]))
