"""Sentiment (sequence classification, many-to-one): data, model, loss, evaluation, prediction."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch
from torch.nn import functional as F

from rnnlp.config.sentiment import BUNDLED_VECTORS, SentimentConfig
from rnnlp.data.batching import BucketBatcher, by_length, collate, epoch_batches
from rnnlp.data.labels import display_names, label_indices, label_map
from rnnlp.data.readers import read_table, require_columns, sample_path
from rnnlp.errors import CheckpointError, DataError
from rnnlp.models.builders import build_classifier, build_text_pipeline, extend_pipeline
from rnnlp.tasks import one_or_many
from rnnlp.tasks.common import data_config
from rnnlp.training.distributed import say
from rnnlp.tasks.driver import Restored
from rnnlp.tasks.protocol import Prepared
from rnnlp.text import TextPipeline
from rnnlp.training.metrics import classification_report

TASK = "sentiment"
_EVAL_FIELDS = ("text_column", "label_column", "format", "root", "max_length")  # kept from training


# -- data ------------------------------------------------------------------------------
@dataclass
class Examples:
    """Encoded examples of one split: id lists and class indices."""

    ids: list
    labels: np.ndarray

    @property
    def lengths(self) -> list[int]:
        return [len(s) for s in self.ids]


def read_split(path, dcfg, label_names: list | None = None, what: str = "data", limit: int | None = None):
    """Texts and raw labels of one file (of its first ``limit`` rows); empty texts are skipped
    with a count."""
    # labels are read as written (csv, tsv): "07" stays "07"; typed files (jsonl, parquet) keep their types
    ds = read_table(path, dcfg.format, dcfg.root, strings=(dcfg.label_column,))
    require_columns(ds, path, dcfg.text_column, *([dcfg.label_column] if label_names is not False else []))
    if limit:  # before the columns become Python lists: 67k rows take over a second
        ds = ds.select(range(min(limit, ds.num_rows)))
    texts = [t if isinstance(t, str) else ("" if t is None else str(t)) for t in ds[dcfg.text_column]]
    keep = [i for i, t in enumerate(texts) if t.strip()]
    if not keep:
        raise DataError(f"{path}: every text in column '{dcfg.text_column}' is empty; check --text-column")
    if len(keep) < len(texts):
        say(f"{what} {path}: skipped {len(texts) - len(keep)} empty texts")
    labels = list(ds[dcfg.label_column]) if label_names is not False else None
    texts = [texts[i] for i in keep]
    labels = [labels[i] for i in keep] if labels is not None else None
    return texts, labels


def encode(pipeline: TextPipeline, texts: list[str], max_length: int) -> list[list[int]]:
    """Encode through ``datasets.Dataset.map(batched=True)`` (Arrow columns), then to lists."""
    import datasets

    ds = datasets.Dataset.from_dict({"text": texts})
    ds = ds.map(lambda b: {"ids": pipeline.encode_batch(b["text"], max_length=max_length)},
                batched=True, batch_size=2048, remove_columns=["text"], keep_in_memory=True)
    return [ids if ids else [pipeline.unk_id] for ids in ds.with_format(None)["ids"]]


BUNDLED_LABEL_NAMES = {0: "negative", 1: "positive"}


def default_data(cfg: SentimentConfig) -> SentimentConfig:
    """No files given: the bundled full SST-2 training set and dev set, with their label names
    (a new config; ``cfg`` is left as it is)."""
    if cfg.data.train is not None:
        return cfg
    valid = cfg.data.valid if cfg.data.valid is not None else str(sample_path("sst2/dev.tsv"))
    names = BUNDLED_LABEL_NAMES if cfg.data.label_names is None else cfg.data.label_names
    return replace(cfg, data=replace(cfg.data, train=str(sample_path("sst2/train_full.tsv.gz")), valid=valid,
                                     label_names=names))


def word_vectors_only(cfg: SentimentConfig) -> SentimentConfig:
    """The bundled GloVe vectors (the default) hold words: a char or BPE vocabulary learns its
    embeddings instead of failing on them."""
    e = cfg.embedding
    if cfg.text.level == "word" or e.kind != "pretrained" or e.vectors != BUNDLED_VECTORS:
        return cfg
    say(f"text.level={cfg.text.level}: the bundled GloVe vectors hold words, so the embeddings are learned")
    return replace(cfg, embedding=replace(e, kind="learned", extend_vocab=False))


# -- model pieces ----------------------------------------------------------------------
def loss_fn(model, batch):
    return classification_loss(model(batch.ids, batch.lengths, batch.mask), batch.targets)


def classification_loss(logits: torch.Tensor, targets: torch.Tensor):
    """(loss, stats) of B×1 sigmoid or B×C softmax logits (the series task shares it)."""
    if logits.size(1) == 1:  # binary: one sigmoid logit
        loss = F.binary_cross_entropy_with_logits(logits[:, 0], targets.float())
        pred = (logits[:, 0] > 0).long()
    else:
        loss = F.cross_entropy(logits, targets)
        pred = logits.argmax(1)
    return loss, {"correct": int((pred == targets).sum()), "count": len(pred)}


def probabilities(logits: torch.Tensor) -> torch.Tensor:
    """B×C class probabilities from B×1 sigmoid or B×C softmax logits."""
    if logits.size(1) == 1:
        p = torch.sigmoid(logits[:, 0])
        return torch.stack([1 - p, p], dim=1)
    return logits.softmax(1)


def predict_ids(model, ids: list, device, batch_size: int = 256, pad_id: int = 0) -> np.ndarray:
    """N×C probabilities, in input order (batches sorted by length for speed)."""
    def run(chunk):
        batch = collate(chunk, pad_id=pad_id).to(device)
        return probabilities(model(batch.ids, batch.lengths, batch.mask)).cpu().numpy()

    rows = by_length(model, ids, batch_size, run)
    return np.stack(rows) if rows else np.zeros((0, 0), dtype=np.float32)


def evaluate_examples(model, ex: Examples, device, num_classes: int) -> dict:
    probs = predict_ids(model, ex.ids, device)
    report = classification_report(ex.labels, probs.argmax(1), num_classes)
    gold = np.clip(probs[np.arange(len(ex.labels)), ex.labels], 1e-12, 1.0)
    report["loss"] = float(-np.log(gold).mean())
    return report


# -- training (the driver runs it: rnnlp/tasks/driver.py) ----------------------------
def prepare(cfg: SentimentConfig, resumed, device) -> Prepared:
    """Data, labels, pipeline and classifier of a run (``Task.prepare``)."""
    cfg = word_vectors_only(default_data(cfg))
    texts, raw = read_split(cfg.data.train, cfg.data, what="train", limit=cfg.data.train_limit)
    names = resumed.ckpt["labels"] if resumed else label_map(raw, cfg.data.train)
    if len(names) < 2:
        raise DataError(f"{cfg.data.train}: only one label ({names[0]!r}) in the training data; "
                        "a classifier needs at least two")
    display_names(names, cfg.data.label_names)  # a bad mapping fails now, not after training
    pipeline = TextPipeline.from_json(resumed.ckpt["tokenizer_json"]) if resumed else \
        extend_pipeline(build_text_pipeline(cfg.text, texts, cfg.data.root), cfg.embedding, log=say, root=cfg.data.root)
    train_ex = Examples(encode(pipeline, texts, cfg.data.max_length), label_indices(raw, names, cfg.data.train))
    valid_ex = _valid_examples(cfg, pipeline, names) if cfg.data.valid else None
    model = build_classifier(cfg, pipeline.vocab(), len(names), with_vectors=resumed is None, log=say)
    batcher = BucketBatcher(train_ex.lengths, cfg.train.batch_size, bucket=cfg.train.bucket, seed=cfg.train.seed)

    batches = epoch_batches(batcher, lambda idx, epoch: collate([train_ex.ids[i] for i in idx], train_ex.labels[idx]))
    eval_ex = valid_ex or train_ex
    return Prepared(cfg, model, loss_fn, batches, len(batcher),
                    lambda m: evaluate_examples(m, eval_ex, device, len(names)), "accuracy",
                    f"{len(train_ex.ids)} train / {len(valid_ex.ids) if valid_ex else 0} valid examples, "
                    f"{len(names)} labels, vocab {pipeline.vocab_size}", pipeline, names,
                    describe=lambda best: f"best {'dev' if valid_ex else 'train'} accuracy {best['accuracy']:.4f}")


def _valid_examples(cfg, pipeline, names) -> Examples:
    texts, raw = read_split(cfg.data.valid, cfg.data, what="valid")
    return Examples(encode(pipeline, texts, cfg.data.max_length), label_indices(raw, names, cfg.data.valid))


# -- prediction ------------------------------------------------------------------------
def _build(config: SentimentConfig, ckpt: dict):
    if not ckpt["labels"] or not ckpt["tokenizer_json"]:
        raise CheckpointError(f"checkpoint {ckpt['path']} is incomplete: missing "
                              f"{'labels.json' if not ckpt['labels'] else 'tokenizer.json'}; retrain or restore it")
    vocab = TextPipeline.from_json(ckpt["tokenizer_json"], where=str(ckpt["path"])).vocab()
    return build_classifier(config, vocab, len(ckpt["labels"]), with_vectors=False), {}


class Classifier(Restored):
    """A loaded sentiment checkpoint: ``predict`` texts, ``evaluate`` labelled files."""

    task, build = TASK, staticmethod(_build)

    def __init__(self, ckpt: dict, device: str = "cpu"):
        super().__init__(ckpt, device)
        # ``labels`` are the names predict/evaluate print; ``raw_labels`` the values in the data
        self.raw_labels = self.labels
        if self.config.data.label_names is not None:
            self.labels = display_names(self.labels, self.config.data.label_names)

    def predict_proba(self, texts: str | list[str], batch_size: int = 256) -> np.ndarray:
        """N×C probabilities (C for one text), columns in the order of ``self.labels``.

        Raises InputError for None or a blank text."""
        texts, single = one_or_many.texts(texts)
        probs = self._proba(texts, batch_size)[0]
        return probs[0] if single else probs

    def _proba(self, texts: list[str], batch_size: int = 256) -> tuple[np.ndarray, list[int]]:
        """(probabilities, tokens cut from each text past ``data.max_length``)."""
        limit = self.config.data.max_length
        ids = [s if s else [self.pipeline.unk_id] for s in self.pipeline.encode_batch(texts)]
        cut = [max(len(s) - limit, 0) for s in ids]
        return predict_ids(self.model, [s[:limit] for s in ids], self.device, batch_size), cut

    def predict(self, texts: str | list[str]) -> dict | list[dict]:
        """``{"text", "label", "probability", "probabilities": {label: p}}`` for one text, a
        list of them for a list; labels are the names of ``data.label_names`` when the run had
        them (``negative``/``positive`` for the bundled data), else the training data's own
        values; a text longer than ``data.max_length`` tokens is read up to there and its row says
        how many tokens were left out (``truncated``). Raises InputError for None or a blank text."""
        texts, single = one_or_many.texts(texts)
        probs, cut = self._proba(texts)
        rows = [{"text": t, "label": self.labels[int(p.argmax())], "probability": float(p.max()),
                 "probabilities": {str(n): float(q) for n, q in zip(self.labels, p)},
                 **({"truncated": c} if c else {})} for t, p, c in zip(texts, probs, cut)]
        return one_or_many.result(rows, single)

    def evaluate(self, data: str | None = None, batch_size: int | None = None, **data_options) -> dict:
        """accuracy, macro_f1, per-class scores and the confusion matrix on a labelled file."""
        if not data:
            raise DataError("give the labelled file to evaluate on with --data FILE")
        dcfg = data_config(self.config.data, data_options, _EVAL_FIELDS)
        texts, raw = read_split(data, dcfg, what="evaluation data")
        gold = label_indices(raw, self.raw_labels, data, aliases=self.labels)  # values or names
        probs, cut = self._proba(texts, batch_size or 256)
        report = classification_report(gold, probs.argmax(1), len(self.labels))
        report.update(labels=[str(n) for n in self.labels], count=len(texts), truncated=sum(1 for c in cut if c))
        return report

    @staticmethod
    def format_report(report: dict) -> str:
        labels = report["labels"]
        width = max(8, *(len(x) for x in labels))
        lines = [f"examples: {report['count']}", f"accuracy: {report['accuracy']:.4f}",
                 f"macro-F1: {report['macro_f1']:.4f}",
                 "per class F1: " + ", ".join(f"{n}={f:.4f}" for n, f in zip(labels, report["f1"])),
                 "confusion (rows gold, columns predicted):",
                 " " * width + "".join(f"{n:>{width + 1}}" for n in labels)]
        lines += [f"{n:>{width}}" + "".join(f"{c:>{width + 1}}" for c in row)
                  for n, row in zip(labels, report["confusion"])]
        return "\n".join(lines)


Loaded = Classifier
