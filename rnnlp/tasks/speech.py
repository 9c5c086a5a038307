"""Speech recognition with CTC (many-to-many, unaligned): wav -> log-mel frames -> BiLSTM/GRU ->
per-frame distributions over blank + units (characters, or words such as digits), trained with
``torch.nn.functional.ctc_loss`` and decoded greedily or by prefix beam search."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from rnnlp.config.speech import SpeechConfig
from rnnlp.data.audio import decode_wav
from rnnlp.data.batching import BucketBatcher, Tensors, by_length, epoch_batches
from rnnlp.data.speech import Corpus, read_corpus
from rnnlp.decoding.ctc import decode
from rnnlp.errors import CheckpointError, DataError
from rnnlp.models.builders import build_ctc_recognizer
from rnnlp.nn.spectrogram import LogMel, spec_augment
from rnnlp.tasks import spec
from rnnlp.tasks.common import data_config
from rnnlp.training.distributed import say
from rnnlp.tasks.driver import Restored
from rnnlp.tasks.protocol import Prepared

TASK = "speech"
_EVAL_FIELDS = ("pattern", "path_column", "transcript_column", "units", "lowercase", "root", "audio")


# -- units: what CTC emits (label 0 is the blank, unit i is label i + 1) ---------------
def split_units(text: str, units: str) -> list[str]:
    return text.split() if units == "word" else list(text)


def join_units(items: list[str], units: str) -> str:
    return (" " if units == "word" else "").join(items)


def encode(text: str, index: dict, units: str) -> list[int]:
    """Labels of the units of ``text`` that ``index`` knows (unseen ones cannot be emitted)."""
    return [index[u] + 1 for u in split_units(text, units) if u in index]


def unseen_units(texts: list, vocab: list, units: str) -> list[str]:
    known = set(vocab)
    return sorted({u for t in texts for u in split_units(t, units) if u not in known})


# -- features --------------------------------------------------------------------------
def featurizer(fcfg) -> LogMel:
    return LogMel(fcfg.sample_rate, fcfg.n_mels, fcfg.win_ms, fcfg.hop_ms, fcfg.fmin, fcfg.fmax)


def log_mels(waves: list, fcfg) -> list[np.ndarray]:
    """T×M float32 log-mel frames of each recording (float32 samples at ``fcfg.sample_rate``)."""
    mel = featurizer(fcfg)
    with torch.no_grad():
        return [mel(torch.from_numpy(np.ascontiguousarray(w, dtype=np.float32))).numpy() for w in waves]


def corpus_features(corpus: Corpus, fcfg, what: str, skip_bad: bool = False) -> list[np.ndarray]:
    """Log-mel frames of a corpus; stereo or other-rate files are converted, said once; with
    ``skip_bad`` unreadable files leave the corpus, each named."""
    notes: dict = {}
    feats = log_mels(corpus.audio(fcfg.sample_rate, notes, skip_bad), fcfg)
    for note, count in notes.items():
        say(f"note: {what}: {count} recording(s) {note}")
    return feats


@dataclass
class SpeechBatch(Tensors):
    features: torch.Tensor           # B×T×M, zero-padded
    lengths: torch.Tensor            # B frames (CPU)
    targets: torch.Tensor | None     # concatenated labels (CTC's 1-D form)
    target_lengths: torch.Tensor | None  # (CPU)


def collate(feats: list, labels: list | None = None) -> SpeechBatch:
    out = np.zeros((len(feats), max(len(f) for f in feats), feats[0].shape[1]), dtype=np.float32)
    for i, f in enumerate(feats):
        out[i, : len(f)] = f
    lengths = torch.tensor([len(f) for f in feats], dtype=torch.long)
    if labels is None:
        return SpeechBatch(torch.from_numpy(out), lengths, None, None)
    flat = torch.tensor([x for row in labels for x in row], dtype=torch.long)
    return SpeechBatch(torch.from_numpy(out), lengths, flat, torch.tensor([len(r) for r in labels]))


# -- loss and decoding -----------------------------------------------------------------
def loss_fn(model, batch: SpeechBatch):
    """Mean CTC loss per recording (a sum over count items: exact under DDP)."""
    log_probs, lengths = model(batch.features, batch.lengths)
    loss = F.ctc_loss(log_probs.transpose(0, 1), batch.targets, lengths, batch.target_lengths,
                      blank=0, reduction="sum", zero_infinity=True)
    return loss / len(lengths), {"count": len(lengths)}


def recognise(model, feats: list, device, beam_size: int = 1, batch_size: int = 32):
    """The decoded label list of each T×M feature array, in input order (batched by length)."""
    def run(chunk):
        batch = collate(chunk).to(device)
        log_probs, lengths = model(batch.features, batch.lengths)
        return [decode(log_probs[row, : int(lengths[row])].cpu().numpy(), beam_size) for row in range(len(chunk))]

    return by_length(model, feats, batch_size, run)


def scores(references: list, hypotheses: list) -> dict:
    """CER and WER (jiwer, over the whole set), and the share of recordings recognised exactly."""
    import jiwer

    pairs = [(r, h) for r, h in zip(references, hypotheses) if r.strip()]  # jiwer refuses empty references
    refs, hyps = [r for r, _ in pairs], [h for _, h in pairs]
    return {"cer": float(jiwer.cer(refs, hyps)) if refs else 0.0,
            "wer": float(jiwer.wer(refs, hyps)) if refs else 0.0,
            "accuracy": float(np.mean([r == h for r, h in zip(references, hypotheses)])),
            "count": len(references)}


def evaluate_corpus(model, feats: list, texts: list, vocab: list, cfg, device, beam_size: int) -> dict:
    hyps = [join_units([vocab[x - 1] for x in labels], cfg.data.units)
            for labels in recognise(model, feats, device, beam_size)]
    return scores(texts, hyps)


# -- training (the driver runs it: rnnlp/tasks/driver.py) ----------------------------
def _sources(cfg: SpeechConfig) -> tuple:
    d = cfg.data
    if d.train is None:
        raise DataError("give the training recordings: --train MANIFEST (csv/jsonl of path, transcript), "
                        "or a folder/zip of wav files with data.pattern")
    train = read_corpus(d.train, d, d.train_filter)
    if d.train_limit:
        train = Corpus(train.store, train.names[: d.train_limit], train.transcripts[: d.train_limit], train.where)
    if d.valid is not None or d.valid_filter:
        return train, read_corpus(d.valid or d.train, d, d.valid_filter)
    return train, None


def prepare(cfg: SpeechConfig, resumed, device) -> Prepared:
    """Recordings, units and the CTC model of a run (``Task.prepare``)."""
    train, valid = _sources(cfg)
    units, skip = cfg.data.units, cfg.data.skip_bad_files
    feats = corpus_features(train, cfg.features, "train", skip)  # first: skipped files leave the corpus
    vocab = resumed.ckpt["labels"] if resumed else sorted({u for t in train.transcripts for u in split_units(t, units)})
    labels = [encode(t, {u: i for i, u in enumerate(vocab)}, units) for t in train.transcripts]
    model = build_ctc_recognizer(cfg, len(vocab))
    stacked = np.concatenate(feats)  # resumed: the checkpoint's buffers replace these
    model.shift.copy_(torch.from_numpy(stacked.mean(0)))
    model.scale.copy_(torch.from_numpy(stacked.std(0) + 1e-5))
    batcher = BucketBatcher([len(f) for f in feats], cfg.train.batch_size, bucket=cfg.train.bucket,
                            seed=cfg.train.seed)
    dev = (corpus_features(valid, cfg.features, "valid", skip), valid.transcripts) if valid else (feats, train.transcripts)
    missing = unseen_units(dev[1], vocab, units)
    if missing:
        say(f"note: validation transcripts use {len(missing)} unit(s) never seen in training "
            f"({', '.join(map(repr, missing[:10]))}); the model cannot emit them, they count as errors")

    batches = epoch_batches(batcher, lambda idx, epoch: collate([augment(feats[i], cfg, epoch, i) for i in idx],
                                                                [labels[i] for i in idx]))
    frames = sum(len(f) for f in feats)
    return Prepared(cfg, model, loss_fn, batches, len(batcher),
                    lambda m: _dev_metrics(m, *dev, vocab, cfg, device), "-wer",
                    f"{len(feats)} train / {len(valid.names) if valid else 0} valid recordings "
                    f"({frames * cfg.features.hop_ms / 1000 / 60:.1f} min), {len(vocab)} {units} units",
                    labels=vocab,
                    describe=lambda best: f"best {'dev' if valid else 'train'} WER {best['wer']:.4f}, CER {best['cer']:.4f}")


def augment(feat: np.ndarray, cfg: SpeechConfig, epoch: int, i: int) -> np.ndarray:
    """SpecAugment masks drawn from (seed, epoch, recording): the same on every rank and on resume."""
    f = cfg.features
    if not (f.freq_masks or f.time_masks):
        return feat
    rng = np.random.default_rng([cfg.train.seed, epoch, i])
    return spec_augment(feat, rng, f.freq_masks, f.freq_width, f.time_masks, f.time_width, f.time_ratio)


def _dev_metrics(model, feats: list, texts: list, vocab: list, cfg, device) -> dict:
    """Greedy CER/WER/accuracy and the mean CTC loss on the dev recordings."""
    return evaluate_corpus(model, feats, texts, vocab, cfg, device, 1) | \
        {"loss": _dev_loss(model, feats, texts, {u: i for i, u in enumerate(vocab)}, cfg, device)}


def _dev_loss(model, feats: list, texts: list, index: dict, cfg, device) -> float:
    model.eval()
    total = 0.0
    with torch.no_grad():
        for start in range(0, len(feats), 64):
            labels = [encode(t, index, cfg.data.units) for t in texts[start: start + 64]]
            loss, stats = loss_fn(model, collate(feats[start: start + 64], labels).to(device))
            total += float(loss) * stats["count"]
    return total / max(len(feats), 1)


# -- the loaded model ------------------------------------------------------------------
def _build(config: SpeechConfig, ckpt: dict):
    if not ckpt["labels"]:
        raise CheckpointError(f"checkpoint {ckpt['path']} is incomplete: missing labels.json; retrain or restore it")
    return build_ctc_recognizer(config, len(ckpt["labels"])), {}


class SpeechModel(Restored):
    """A loaded speech checkpoint: ``transcribe`` wav files or sample arrays, ``evaluate`` corpora."""

    task, build = TASK, staticmethod(_build)

    def features(self, inputs) -> tuple[list, list]:
        """(T×M features, notes) of wav paths or 1-D float arrays at ``config.features.sample_rate``."""
        rate, waves, notes = self.config.features.sample_rate, [], []
        for item in ([inputs] if isinstance(inputs, (str, Path, np.ndarray)) else list(inputs)):
            if isinstance(item, (str, Path)):
                if not Path(item).is_file():
                    raise DataError(f"audio file not found: {item}")
                samples, said = decode_wav(Path(item).read_bytes(), str(item), rate)
            else:
                samples, said = np.asarray(item, dtype=np.float32).reshape(-1), []
                if samples.size == 0:
                    raise DataError("an input array is empty (no samples)")
            waves.append(samples)
            notes.append(said)
        return log_mels(waves, self.config.features), notes

    def transcribe(self, inputs, beam_size: int | None = None, batch_size: int = 32) -> list[dict]:
        """``[{"text", "notes"}]`` per input (a path, an array, or a list of them); ``notes`` say
        what was converted (stereo mixed down, resampled)."""
        spec.check(spec.TRANSCRIBE, dict(beam_size=beam_size))
        feats, notes = self.features(inputs)
        beam = self.config.beam_size if beam_size is None else int(beam_size)
        found = recognise(self.model, feats, self.device, beam, batch_size)
        return [{"text": join_units([self.labels[x - 1] for x in labels], self.config.data.units), "notes": said}
                for labels, said in zip(found, notes)]

    def evaluate(self, data: str | None = None, filter: str | None = None, beam_size=None, **options) -> dict:
        """CER, WER (jiwer) and exact-match accuracy on a manifest or a pattern-named folder/zip."""
        if not data:
            raise DataError("give the recordings to evaluate on with --data (a manifest, or a folder/zip "
                            "named by the training pattern)")
        dcfg = data_config(self.config.data, options, _EVAL_FIELDS)
        corpus = read_corpus(data, dcfg, filter)
        beam = self.config.beam_size if beam_size is None else int(beam_size)
        feats = corpus_features(corpus, self.config.features, str(data))
        report = evaluate_corpus(self.model, feats, corpus.transcripts, self.labels, self.config, self.device, beam)
        return report | {"beam_size": beam, "unseen_units": unseen_units(corpus.transcripts, self.labels,
                                                                       self.config.data.units)}

    @staticmethod
    def format_report(report: dict) -> str:
        lines = [f"recordings: {report['count']}", f"beam size: {report['beam_size']}",
                 f"WER: {report['wer']:.4f}", f"CER: {report['cer']:.4f}",
                 f"exact transcripts: {report['accuracy']:.4f}"]
        if report.get("unseen_units"):
            lines.append("note: units never seen in training (counted as errors): "
                         + ", ".join(map(repr, report["unseen_units"])))
        return "\n".join(lines)


Loaded = SpeechModel
