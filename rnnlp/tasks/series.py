"""Series classification (many-to-one over numeric frames x(1..t) -> y): data, loss, evaluation,
prediction. The model is a frame projection before the same encoder and head as sentiment."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from rnnlp.config.series import SeriesConfig
from rnnlp.data.batching import BucketBatcher, Tensors, by_length, epoch_batches
from rnnlp.data.labels import label_indices, label_map
from rnnlp.data.readers import sample_path
from rnnlp.data.series import (SeriesSet, channel_stats, clean, read_series, series_format, stratified_split,
                               z_normalize)
from rnnlp.errors import CheckpointError, DataError, InputError
from rnnlp.models.builders import build_series_classifier
from rnnlp.tasks import one_or_many
from rnnlp.tasks.common import data_config
from rnnlp.tasks.driver import Restored
from rnnlp.tasks.protocol import Prepared
from rnnlp.tasks.sentiment import Classifier, classification_loss, probabilities
from rnnlp.training.metrics import classification_report

TASK = "series"
_EVAL_FIELDS = ("format", "id_column", "time_column", "label_column", "value_columns", "nan", "root",
                "max_length", "normalize")  # kept from training


# -- data ------------------------------------------------------------------------------
@dataclass
class SeriesBatch(Tensors):
    values: torch.Tensor             # B×T×C float, zero-padded
    lengths: torch.Tensor            # B long (CPU)
    targets: torch.Tensor | None     # B class indices


def collate_series(rows: list, targets=None) -> SeriesBatch:
    out = np.zeros((len(rows), max(len(r) for r in rows), rows[0].shape[1]), dtype=np.float32)
    for i, row in enumerate(rows):
        out[i, : len(row)] = row
    lengths = torch.tensor([len(r) for r in rows], dtype=torch.long)
    return SeriesBatch(torch.from_numpy(out), lengths, torch.as_tensor(targets) if targets is not None else None)


def model_inputs(rows: list, dcfg) -> list:
    """What the model reads: float32 series, each z-normalised when ``data.normalize=series``."""
    return z_normalize(rows) if dcfg.normalize == "series" else [r.astype(np.float32) for r in rows]


def default_data(cfg: SeriesConfig) -> SeriesConfig:
    """No files given: the bundled synthetic sample (a new config; ``cfg`` is left as it is)."""
    if cfg.data.train is not None:
        return cfg
    valid = cfg.data.valid if cfg.data.valid is not None else str(sample_path("series/test.tsv"))
    return replace(cfg, data=replace(cfg.data, train=str(sample_path("series/train.tsv")), valid=valid))


def _splits(cfg: SeriesConfig, names: list | None):
    """(train, valid or None) SeriesSets and the label names; the valid set is the file
    ``data.valid`` or a stratified ``data.valid_fraction`` of the training file."""
    data = read_series(cfg.data.train, cfg.data)
    if cfg.data.train_limit:
        data = SeriesSet(data.values[: cfg.data.train_limit], data.labels[: cfg.data.train_limit])
    names = names or label_map(list(data.labels), cfg.data.train)
    if len(names) < 2:
        raise DataError(f"{cfg.data.train}: only one label ({names[0]!r}) in the training data; "
                        "a classifier needs at least two")
    if cfg.data.valid:
        return data, read_series(cfg.data.valid, cfg.data), names
    if cfg.data.valid_fraction > 0:
        keep, held = stratified_split(data.labels, cfg.data.valid_fraction, cfg.train.seed)
        pick = lambda idx: SeriesSet([data.values[i] for i in idx], [data.labels[i] for i in idx])  # noqa: E731
        return pick(keep), pick(held), names
    return data, None, names


# -- model pieces ----------------------------------------------------------------------
def loss_fn(model, batch):
    return classification_loss(model(batch.values, batch.lengths), batch.targets)


def predict_rows(model, rows: list, device, batch_size: int = 256) -> np.ndarray:
    """N×K probabilities, in input order (batches sorted by length for speed)."""
    def run(chunk):
        batch = collate_series(chunk).to(device)
        return probabilities(model(batch.values, batch.lengths)).cpu().numpy()

    found = by_length(model, rows, batch_size, run)
    return np.stack(found) if found else np.zeros((0, 0), dtype=np.float32)


def evaluate_rows(model, rows: list, gold: np.ndarray, device, num_classes: int) -> dict:
    probs = predict_rows(model, rows, device)
    report = classification_report(gold, probs.argmax(1), num_classes)
    report["loss"] = float(-np.log(np.clip(probs[np.arange(len(gold)), gold], 1e-12, 1.0)).mean())
    return report


# -- training (the driver runs it: rnnlp/tasks/driver.py) ----------------------------
def prepare(cfg: SeriesConfig, resumed, device) -> Prepared:
    """Series, labels and classifier of a run (``Task.prepare``)."""
    cfg = default_data(cfg)
    train, valid, names = _splits(cfg, resumed.ckpt["labels"] if resumed else None)
    rows, gold = model_inputs(train.values, cfg.data), label_indices(train.labels, names, cfg.data.train)
    model = build_series_classifier(cfg, train.channels, len(names))
    if cfg.data.normalize == "train":  # resumed: the checkpoint's buffers replace these
        shift, scale = channel_stats(rows)
        model.shift.copy_(torch.from_numpy(shift))
        model.scale.copy_(torch.from_numpy(scale))
    batcher = BucketBatcher(train.lengths, cfg.train.batch_size, bucket=cfg.train.bucket, seed=cfg.train.seed)
    dev = (model_inputs(valid.values, cfg.data), label_indices(valid.labels, names, "the validation data")) \
        if valid else (rows, gold)

    batches = epoch_batches(batcher, lambda idx, epoch: collate_series([rows[i] for i in idx], gold[idx]))
    where = "dev" if valid else "train"
    return Prepared(cfg, model, loss_fn, batches, len(batcher),
                    lambda m: evaluate_rows(m, *dev, device, len(names)), "accuracy",
                    f"{len(rows)} train / {len(valid.values) if valid else 0} valid series, {len(names)} labels, "
                    f"{train.channels} channel(s), lengths {min(train.lengths)}-{max(train.lengths)}",
                    labels=names, describe=lambda best: f"best {where} accuracy {best['accuracy']:.4f}")


# -- prediction ------------------------------------------------------------------------
def _build(config: SeriesConfig, ckpt: dict):
    if not ckpt["labels"]:
        raise CheckpointError(f"checkpoint {ckpt['path']} is incomplete: missing labels.json; retrain or restore it")
    channels = next((int(w.numel()) for k, w in ckpt["weights"].items() if k == "shift"), None)
    if channels is None:
        raise CheckpointError(f"checkpoint {ckpt['path']} has no 'shift' weights; it is not a series model")
    return build_series_classifier(config, channels, len(ckpt["labels"])), {}


class SeriesModel(Restored):
    """A loaded series checkpoint: ``predict`` arrays, ``evaluate`` labelled files."""

    task, build = TASK, staticmethod(_build)
    format_report = staticmethod(Classifier.format_report)

    def split(self, series) -> tuple[list, bool]:
        """(a list of series, whether ``series`` was one): for a C-channel model, an array of
        C+1 dimensions is N series (N×T, or N×T×C), one of C (or 1) dimensions one series; a
        list holds series of any lengths. InputError for None."""
        if series is None:
            raise InputError("series is None; give one series (an array) or a list of them")
        if isinstance(series, np.ndarray) or (isinstance(series, (list, tuple)) and series and np.isscalar(series[0])):
            array = np.asarray(series, dtype=np.float64)
            single = array.ndim == (1 if self.model.channels == 1 else 2)
            return ([array], True) if single else (list(array), False)
        found = list(series)
        if any(s is None for s in found):
            raise InputError(f"series[{[s is None for s in found].index(True)}] is None")
        return found, False

    def rows(self, series: list) -> list:
        """Model inputs of a list of series (see ``split``). Trailing NaNs end a series."""
        channels = self.model.channels
        rows = clean(list(series), "input", self.config.data.nan, self.config.data.max_length)
        if rows and rows[0].shape[1] != channels:
            raise DataError(f"input series have {rows[0].shape[1]} channel(s); this model was trained on {channels}")
        return model_inputs(rows, self.config.data)

    def predict_proba(self, series, batch_size: int = 256) -> np.ndarray:
        """N×K probabilities (K for one series), columns in the order of ``self.labels``."""
        found, single = self.split(series)
        probs = predict_rows(self.model, self.rows(found), self.device, batch_size)
        return probs[0] if single else probs

    def predict(self, series) -> dict | list[dict]:
        """``{"label", "probability", "probabilities": {label: p}}`` for one series, a list of
        them for many (see ``split``)."""
        found, single = self.split(series)
        rows = [{"label": self.labels[int(p.argmax())], "probability": float(p.max()),
                 "probabilities": {str(n): float(q) for n, q in zip(self.labels, p)}}
                for p in predict_rows(self.model, self.rows(found), self.device)]
        return one_or_many.result(rows, single)

    def read(self, path: str, labelled: bool = False, **data_options) -> SeriesSet:
        """A series file read as in training (``data_options``: format, columns, ...).

        A ``ucr`` file's first column must hold this model's labels: the format is never taken
        from the extension alone, so an unlabelled file read as ``ucr`` is a DataError pointing at
        ``--format values`` (its first values would otherwise be dropped as labels)."""
        dcfg = data_config(self.config.data, data_options, _EVAL_FIELDS)
        found = read_series(path, dcfg, labelled=labelled)
        if found.labels is not None and series_format(Path(path), dcfg.format) == "ucr":
            known = {str(x) for x in self.labels}
            strange = next((x for x in found.labels if str(x) not in known), None)
            if strange is not None:
                raise DataError(f"{path}: read as ucr rows (label first), but its first column holds {str(strange)!r}, "
                                f"which is not a label of this model ({', '.join(map(str, self.labels))}); if the "
                                "file has no label column, pass --format values")
        return found

    def evaluate(self, data: str | None = None, batch_size: int | None = None, **data_options) -> dict:
        """accuracy, macro_f1, per-class scores and the confusion matrix on a labelled file."""
        if not data:
            raise DataError("give the labelled series file to evaluate on with --data FILE")
        found = self.read(data, labelled=True, **data_options)
        gold = label_indices(found.labels, self.labels, data)
        probs = predict_rows(self.model, self.rows(self.split(found.values)[0]), self.device, batch_size or 256)
        report = classification_report(gold, probs.argmax(1), len(self.labels))
        report.update(labels=[str(n) for n in self.labels], count=len(gold))
        return report


Loaded = SeriesModel
