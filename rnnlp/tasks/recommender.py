"""Next-item recommendation: users' interactions in time order -> a GRU -> the next item.

Training uses each user's sequence minus its last two items (leave-one-out), as padded user
sequences or GRU4Rec's session-parallel lanes (``data.batching``), with the loss of
``model.loss``: full softmax cross-entropy over all items, or sampled softmax, BPR-max or
TOP1-max over the batch's targets plus popularity-sampled items. Evaluation is
per user against all items, with the history excluded (the protocol of recent papers) and with
nothing excluded, plus the older 100-sampled-negatives protocol; most-popular and item-kNN
are scored on the same split in the same report."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F

from rnnlp.config.recommender import RecommenderConfig
from rnnlp.data.batching import BucketBatcher, Tensors, advanced, collate, epoch_batches, length_chunks
from rnnlp.data.interactions import (PAD, ItemMap, Log, Split, leave_one_out, read_log, session_parallel, sessions,
                                     user_sequences)
from rnnlp.errors import CheckpointError, ConfigError, DataError, choice_error
from rnnlp.models.item_baselines import ItemKNN, MostPopular
from rnnlp.models.recommender import build_recommender
from rnnlp.tasks import one_or_many, spec
from rnnlp.tasks.common import data_config
from rnnlp.training.distributed import say
from rnnlp.tasks.driver import Restored
from rnnlp.tasks.protocol import Prepared
from rnnlp.training.carry import Carry
from rnnlp.training.distributed import world
from rnnlp.training.sampled_losses import bpr_max, candidates, sampled_softmax, top1_max
from rnnlp.training.ranking import mask_seen, ranking_metrics, sampled_ranks, target_ranks

TASK = "recommender"
METRIC = "ndcg@10"
REFIT = "evaluation"  # data.refit's selection key: the evaluation count (the last one wins)
_EVAL_FIELDS = ("format", "user_column", "item_column", "time_column", "root", "min_user_count", "min_item_count",
                "max_length", "refit")  # kept from training (not train_limit: evaluation reads the whole file;
#   refit: the baselines learn from the training sequences of the run's own protocol)


# -- data ------------------------------------------------------------------------------
def load_split(dcfg, what: str = "train"):
    """(Sequences, Split) of an interaction file."""
    log = read_log(dcfg.train, dcfg)
    if dcfg.train_limit:
        log = Log(log.users[: dcfg.train_limit], log.items[: dcfg.train_limit],
                  None if log.times is None else log.times[: dcfg.train_limit])
    data = user_sequences(log, dcfg.min_user_count, dcfg.min_item_count)
    short = sum(len(s) < 2 for s in data.seqs)
    if short:
        say(f"{what} {dcfg.train}: {short} users with one interaction give no training pair")
    return data, leave_one_out(data, dcfg.refit)


def training_sessions(split: Split, data, dcfg) -> list:
    """Each user's training sequence, cut into sessions when ``session_gap`` is set (2+ items each)."""
    out = []
    for t, seq in zip(data.times or [None] * len(split.train), split.train):  # aligned per user
        out += [p for p in sessions(seq, None if t is None else t[: len(seq)], dcfg.session_gap) if len(p) >= 2]
    if not out:
        raise DataError(f"{dcfg.train}: no user has two training interactions; nothing to learn from")
    return out


def training_pairs(split: Split, data, dcfg) -> tuple[list, list]:
    """(inputs, targets) of the padded batching: the training sessions cut into pieces of at
    most ``max_length`` steps from the end (the latest kept whole)."""
    inputs, targets = [], []
    for part in training_sessions(split, data, dcfg):
        for end in range(len(part), 1, -dcfg.max_length):
            piece = part[max(0, end - dcfg.max_length - 1): end]
            inputs.append(piece[:-1]), targets.append(piece[1:])
    return inputs, targets


# -- losses: P×H hidden states and their P target items -> one number --------------------
def full_ce(model, hidden, gold):
    """Full softmax cross-entropy over all items."""
    return F.cross_entropy(model.item_logits(hidden), gold - 1)  # item j is column j - 1


def sampled_objective(mcfg, popularity: torch.Tensor):
    """The loss over the batch's targets + ``mcfg.negatives`` popularity-sampled items
    (``sampled`` softmax, ``bpr_max`` or ``top1_max``); the draws use torch's RNG, which resume restores."""
    over = {"sampled": sampled_softmax, "bpr_max": lambda s, p: bpr_max(s, p, mcfg.bpr_reg), "top1_max": top1_max}
    if mcfg.loss not in over:
        raise choice_error("model.loss", mcfg.loss, ["ce", *over])
    of = over[mcfg.loss]
    log_q = torch.log(popularity / popularity.sum()).clamp_min(-80.0)  # padding: never a candidate

    def objective(model, hidden, gold):
        items, positive = candidates(gold, popularity, mcfg.negatives)
        scores = model.candidate_scores(hidden, items)
        if mcfg.logq and mcfg.loss == "sampled":  # corrects the popularity sampling (Bengio & Senecal 2008)
            scores = scores - log_q.to(scores.device)[items]
        return of(scores, positive)
    return objective


def choose_objective(cfg, seqs: list, num_items: int):
    if cfg.model.loss == "ce":
        return full_ce
    counts = np.bincount(np.concatenate([np.asarray(s[1:]) for s in seqs]), minlength=num_items + 1)
    counts[PAD] = 0  # popularity as a target
    return sampled_objective(cfg.model, torch.as_tensor(counts, dtype=torch.float))


# -- batchings: padded user sequences, or GRU4Rec's session-parallel lanes ---------------
def padded_loss(objective):
    """``loss(model, batch)`` of padded batches: every real position predicts its next item."""
    def loss(model, batch):
        gold = batch.targets[batch.mask]
        return objective(model, model(batch.ids)[batch.mask], gold), {"count": int(gold.numel())}
    return loss


def padded_batches(inputs: list, targets: list, tcfg):
    batcher = BucketBatcher([len(s) for s in inputs], tcfg.batch_size, bucket=tcfg.bucket, seed=tcfg.seed)

    return epoch_batches(batcher, lambda idx, epoch: collate([inputs[i] for i in idx], [targets[i] for i in idx])), \
        len(batcher)


@dataclass
class LaneBatch(Tensors):
    """One session-parallel step: B×1 current items, B next items, B lanes that start a sequence."""

    ids: torch.Tensor
    targets: torch.Tensor
    starts: torch.Tensor

    @property
    def num_tokens(self) -> int:
        return self.ids.size(0)


LANES = "lanes."  # the lanes' carried state's names in a checkpoint's trainer state


def lanes_loss(objective, carry: Carry):
    """The loss of one session-parallel step, run from the state the previous step left in each
    lane (zeroed where a lane starts a new sequence)."""
    def loss(model, batch: LaneBatch):
        state = carry.state
        if state is not None:
            keep = (~batch.starts).float()[None, :, None]  # 1×B×1: zero the lanes that start over
            state = tuple(s * keep for s in state) if isinstance(state, tuple) else state * keep
        hidden, state = model.run(batch.ids, state)
        carry.keep(state)
        return objective(model, hidden[:, 0], batch.targets), {"count": batch.num_tokens}
    return loss


def lane_batches(seqs: list, tcfg):
    """(batches(epoch), batches per epoch) of session-parallel training."""
    def batches(epoch):
        for items, nxt, starts in session_parallel(seqs, tcfg.batch_size, tcfg.seed + epoch):
            yield LaneBatch(torch.from_numpy(items)[:, None], torch.from_numpy(nxt), torch.from_numpy(starts))
    return batches, sum(1 for _ in session_parallel(seqs, tcfg.batch_size, tcfg.seed))


def training_batches(cfg, split, data, device, resumed):
    """(loss, batches(epoch), steps per epoch, facts, trainer tensors or None) of the configured batching."""
    seqs = training_sessions(split, data, cfg.data)
    objective = choose_objective(cfg, seqs, data.num_items)
    if cfg.data.batching == "padded":
        inputs, targets = training_pairs(split, data, cfg.data)
        return (padded_loss(objective), *padded_batches(inputs, targets, cfg.train),
                f"{len(inputs)} padded training sequences", None)
    if cfg.data.batching != "session_parallel":
        raise choice_error("data.batching", cfg.data.batching, ["padded", "session_parallel"])
    if world()[1] > 1:
        raise ConfigError("data.batching=session_parallel trains in one process; use padded under torchrun")
    carry = Carry(LANES, resumed, device)
    batches, steps = lane_batches(seqs, cfg.train)

    def started(epoch):
        carry.start_epoch()
        return batches(epoch)
    lanes_used = min(cfg.train.batch_size, len(seqs))
    return lanes_loss(objective, carry), started, steps, f"{len(seqs)} training sessions in {lanes_used} lanes", \
        carry.tensors


def model_scores(model, histories: list, max_length: int, device, batch_size: int = 256):
    """Yield (rows, B×(N+1) scores) for the histories (their last ``max_length`` items), longest first."""
    model.eval()
    with torch.no_grad():
        for rows in length_chunks([len(h) for h in histories], batch_size, longest_first=True):
            batch = collate([histories[i][-max_length:] for i in rows]).to(device)
            yield rows, model.last_scores(batch.ids, batch.lengths).float().cpu()
            advanced(len(rows), "history")


def rank_all(score_batches, histories: list, targets: np.ndarray, negatives: int = 0, seed: int = 0,
             unmasked: bool = True) -> dict:
    """0-based target ranks: ``seen`` (history excluded), with ``unmasked`` ``all`` (nothing
    excluded) and, with ``negatives``, ``sampled`` among that many unseen random items."""
    kinds = ["seen"] + ["all"] * unmasked + ["sampled"] * bool(negatives)
    out = {k: np.zeros(len(targets), dtype=np.int64) for k in kinds}
    rng = np.random.default_rng(seed)
    for rows, scores in score_batches:
        gold = torch.as_tensor(targets[rows], dtype=torch.long)
        hist = [histories[i] for i in rows]
        if unmasked:
            every = scores.clone()
            every[:, PAD] = float("-inf")
            out["all"][rows] = target_ranks(every, gold).numpy()
        out["seen"][rows] = target_ranks(mask_seen(scores, hist, gold), gold).numpy()
        if negatives:
            out["sampled"][rows] = sampled_ranks(scores, gold, hist, negatives, rng).numpy()
    return out


def _baseline_batches(baseline, histories: list, batch_size: int = 256):
    for start in range(0, len(histories), batch_size):
        rows = np.arange(start, min(start + batch_size, len(histories)))
        yield rows, baseline.scores([histories[i] for i in rows])


def full_report(model, histories, targets, fit_on: list, num_items: int, ecfg, max_length: int, device) -> dict:
    """Metrics of the model (None: the baselines only) and the two baselines (fitted on
    ``fit_on``) on one evaluation."""
    systems = {"gru": lambda: model_scores(model, histories, max_length, device)} if model is not None else {}
    systems.update(most_popular=lambda: _baseline_batches(MostPopular(fit_on, num_items), histories),
                   item_knn=lambda: _baseline_batches(ItemKNN(fit_on, num_items, ecfg.knn_decay), histories))
    report = {"users": len(targets), "items": num_items, "sampled_negatives": ecfg.sampled_negatives}
    seconds = {}
    for name, batches in systems.items():
        start = time.perf_counter()
        ranks = rank_all(batches(), histories, targets, ecfg.sampled_negatives)
        report[name] = {proto: ranking_metrics(r, ecfg.ks) for proto, r in ranks.items()}
        seconds[name] = round(time.perf_counter() - start, 3)
    return {**report, "seconds": seconds}  # fitting the baseline + scoring + ranking every user


def fitted(dcfg) -> str:
    """What the baselines learn from: the training sequences of the run's protocol."""
    return ("the training sequences with each user's validation item (data.refit's protocol)" if dcfg.refit else
            "the training sequences without each user's validation and test items (ICLRec's protocol)")


def baseline_report(cfg: RecommenderConfig) -> dict:
    """Most-popular and item-kNN alone (no model) on the leave-one-out test of ``cfg.data``, fitted
    on the training sequences of its protocol: what ``Recommender.evaluate`` reports beside the GRU."""
    data, split = load_split(cfg.data, "evaluation data")
    histories, targets = split.test
    report = full_report(None, histories, targets, split.train, data.num_items, cfg.eval, cfg.data.max_length, "cpu")
    return {**report, "data": str(cfg.data.train), "baselines_fit": fitted(cfg.data)}


# -- training (the driver runs it: rnnlp/tasks/driver.py) ----------------------------
def prepare(cfg: RecommenderConfig, resumed, device) -> Prepared:
    """Interactions, split, model and batches of a run (``Task.prepare``)."""
    if not cfg.data.train:
        raise DataError("give the interaction log with --train FILE (csv, tsv, parquet, movielens or sequences)")
    data, split = load_split(cfg.data)
    if cfg.data.session_gap is not None and data.times is None:
        raise ConfigError(f"data.session_gap needs times, and {cfg.data.train} has none (format "
                          f"{cfg.data.format or 'sequences'}); give --time-column or drop data.session_gap")
    items = ItemMap(data.names)
    if resumed and ItemMap.read(resumed.path).names != items.names:
        raise CheckpointError(f"{cfg.data.train} no longer gives the items of the resumed run; resume on the same file")
    loss, batches, steps, shape, carried = training_batches(cfg, split, data, device, resumed)
    model = build_recommender(cfg, data.num_items)

    vh, vt = split.valid
    evaluations = itertools.count(1)

    def evaluate(m):
        ranks = rank_all(model_scores(m, vh, cfg.data.max_length, device), vh, vt, unmasked=False)
        metrics = ranking_metrics(ranks["seen"], cfg.eval.ks)  # selection uses this protocol only
        if not cfg.data.refit:
            return metrics
        # the latest evaluation is "best": the last checkpoint
        return {REFIT: next(evaluations), **{f"trained_valid_{k}": v for k, v in metrics.items()}}

    if cfg.data.refit:
        say("data.refit: the validation items are training targets, so nothing is selected: the last "
            "checkpoint is kept (choose settings on a run without refit)")
    return Prepared(cfg, model, loss, batches, steps, evaluate, REFIT if cfg.data.refit else METRIC,
                    f"{len(data.users)} users, {data.num_items} items, {shape}, {len(vt)} valid/test users"
                    + (", refit on train + validation items" if cfg.data.refit else ""),
                    extra_files={"items.json": items.to_json()}, trainer_tensors=carried,
                    describe=lambda best: (f"kept the last checkpoint (refit; step {best['step']})" if cfg.data.refit
                                           else f"best valid NDCG@10 {best[METRIC]:.4f} (history excluded)"))


# -- use -------------------------------------------------------------------------------
def _build(config: RecommenderConfig, ckpt: dict):
    items = ItemMap.read(ckpt["path"])
    return build_recommender(config, items.vocab_size - 1), {"item_pipeline": items}


class Recommender(Restored):
    """A loaded recommender checkpoint: ``recommend`` next items, ``evaluate`` on a log."""

    task, build = TASK, staticmethod(_build)

    def encode(self, history) -> tuple[list, list]:
        """(model ids, unknown items) of a history: a list of item ids or one space-separated string."""
        items = history.split() if isinstance(history, str) else [str(i) for i in history]
        index = self.item_pipeline.index
        return [index[i] for i in items if i in index], [i for i in items if i not in index]

    def recommend(self, histories, top_k: int = 10, exclude_seen: bool = True, *, k: int | None = None
                  ) -> dict | list[dict]:
        """``{"items", "scores", "unknown"}``: the ``top_k`` next items of one history (a string
        of space-separated items, or a list of int ids), best first, or a list of them for a
        list of histories; items the model does not know are skipped and listed under ``unknown``;
        a history longer than ``data.max_length`` is read from its latest items and its row says
        how many earlier ones were left out (``truncated``). ``k`` is ``top_k``'s old name."""
        top_k = spec.renamed(top_k, k, "k", spec.RECOMMEND_TOP_K)
        spec.check(spec.RECOMMEND, dict(top_k=top_k, exclude_seen=exclude_seen))
        histories, single = one_or_many.histories(histories)
        return one_or_many.result(self._recommend(histories, top_k, exclude_seen), single)

    def _recommend(self, histories: list, k: int, exclude_seen: bool) -> list[dict]:
        encoded = [self.encode(h) for h in histories]
        empty = [i for i, (ids, _) in enumerate(encoded) if not ids]
        if empty:
            raise DataError(f"history {empty[0] + 1} has no item this model knows "
                            f"({' '.join(encoded[empty[0]][1][:5])}); give item ids from its training data")
        out = [None] * len(encoded)
        ids = [e[0] for e in encoded]
        for rows, scores in model_scores(self.model, ids, self.config.data.max_length, self.device):
            if exclude_seen:
                for r, row in enumerate(rows):
                    scores[r, ids[row]] = float("-inf")
            top = scores.topk(min(k, self.model.num_items), dim=1)
            for r, row in enumerate(rows):
                cut = len(ids[row]) - self.config.data.max_length  # only the latest max_length items are read
                out[row] = {"items": [self.item_pipeline.names[i] for i in top.indices[r].tolist()],
                            "scores": top.values[r].tolist(), "unknown": encoded[row][1],
                            **({"truncated": cut} if cut > 0 else {})}
        return out

    def evaluate(self, data: str | None = None, **data_options) -> dict:
        """Test metrics (leave-one-out, all items) of the model and the baselines on an
        interaction file (default: the training file)."""
        dcfg = data_config(self.config.data, {**data_options, "train": data or self.config.data.train}, _EVAL_FIELDS)
        seqs, split = load_split(dcfg, "evaluation data")
        names = seqs.names
        remap = np.array([self.item_pipeline.index.get(str(n), -1) for n in names])
        th, tt = split.test
        histories = [[int(remap[i]) for i in h if remap[i] > 0] for h in th]
        targets = np.where(remap[tt] > 0, remap[tt], PAD)  # an unknown target ranks last
        fit_on = [[int(remap[i]) for i in s if remap[i] > 0] for s in split.train]
        report = full_report(self.model, histories, targets, fit_on, self.model.num_items, self.config.eval,
                             self.config.data.max_length, self.device)
        report.update(unknown_targets=int((targets == PAD).sum()), data=str(dcfg.train), baselines_fit=fitted(dcfg))
        return report

    @staticmethod
    def format_report(report: dict) -> str:
        return format_report(report)


def format_report(report: dict) -> str:
    """One table: systems x protocols, HR/NDCG@k and MRR, and the GRU's margin on NDCG@10."""
    systems = [s for s in ("gru", "most_popular", "item_knn") if s in report]
    metrics = list(report[systems[0]]["seen"])
    lines = [f"users: {report['users']}, items: {report['items']} (leave-one-out test, ties count against "
             "the target)", f"{'system':<14}{'protocol':<26}" + "".join(f"{m:>10}" for m in metrics)]
    names = {"seen": "all items, history excl.", "all": "all items, nothing excl.",
             "sampled": f"{report.get('sampled_negatives')} sampled negatives"}
    for system in systems:
        for proto, row in report[system].items():
            lines.append(f"{system:<14}{names[proto]:<26}" + "".join(f"{row[m]:>10.4f}" for m in metrics))
    if report.get("baselines_fit"):
        lines.append(f"the baselines are fitted on {report['baselines_fit']}")
    best = max(report[s]["seen"]["ndcg@10"] for s in systems[1:]) if len(systems) > 1 else None
    if best is not None and "ndcg@10" in metrics and systems[0] == "gru":
        gru = report["gru"]["seen"]["ndcg@10"]
        lines.append(f"GRU NDCG@10 vs best baseline: {gru:.4f} vs {best:.4f} ({gru - best:+.4f}, x{gru / max(best, 1e-12):.2f})")
    if "seconds" in report:
        lines.append("evaluation seconds (all users, all protocols): "
                     + ", ".join(f"{k} {v:.1f}" for k, v in report["seconds"].items()))
    if report.get("unknown_targets"):
        lines.append(f"{report['unknown_targets']} test items unknown to the model (counted as misses)")
    return "\n".join(lines)


Loaded = Recommender
