"""Polyphonic music: piano rolls (T×88), each frame predicted from the frames before it.

Training minimises the negative log-likelihood of every frame (summed over the 88 keys, nats)
averaged over frames; the best checkpoint is the one with the lowest validation NLL. The
first frame of a piece is predicted from a learned start frame (``rnnlp.models.music``).
Evaluation reports the frame-weighted NLL (the literature's protocol), the piece-weighted mean
beside it, and the frame-level accuracy of Bay et al. (2009), TP / (TP + FP + FN) summed over
every frame, of the frames ``predict`` gives: keys with probability above 0.5 (NADE: key by key,
each conditional given the keys already chosen, above 0.5), never sampled.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from rnnlp.config.music import MusicConfig
from rnnlp.data.batching import BucketBatcher, Tensors, by_length, epoch_batches
from rnnlp.data.midi import KEYS, check_roll
from rnnlp.data.music import chunk, has_split, read_rolls
from rnnlp.errors import ConfigError, DataError
from rnnlp.models.builders import build_music_model
from rnnlp.tasks.driver import Restored
from rnnlp.tasks import spec
from rnnlp.tasks.protocol import Prepared

TASK = "music"


# -- data ------------------------------------------------------------------------------
@dataclass
class RollBatch(Tensors):
    rolls: torch.Tensor      # B×T×88 float 0/1, zero-padded after each piece
    lengths: torch.Tensor    # B long (CPU)


def collate_rolls(rolls: list) -> RollBatch:
    out = np.zeros((len(rolls), max(len(r) for r in rolls), KEYS), dtype=np.float32)
    for i, roll in enumerate(rolls):
        out[i, : len(roll)] = roll
    return RollBatch(torch.from_numpy(out), torch.tensor([len(r) for r in rolls], dtype=torch.long))


def read_split(dcfg, split: str, path: str | None = None) -> list:
    """The rolls of ``split``: from ``path`` (or ``data.<split>``) when given (its split of that
    name, or all of it when it has no splits), else the split of that name inside the training
    file; DataError when there is none."""
    given = path or getattr(dcfg, split, None)
    if not (given or dcfg.train):
        raise DataError("give the music data with --train FILE (a .mat, .npz, MIDI file or folder)")
    if not given and not has_split(dcfg.train, split, dcfg.format, dcfg.root):
        raise DataError(f"{dcfg.train} has no {split} split; give one with --{split} FILE")
    return read_rolls(given or dcfg.train, split, dcfg.format, dcfg.steps_per_beat, dcfg.root)


# -- loss and evaluation ------------------------------------------------------------------
def loss_fn(model, batch: RollBatch):
    """Mean frame NLL (nats summed over keys) over the batch's frames."""
    count = batch.num_tokens
    return model.frame_nll(batch.rolls, batch.lengths).sum() / max(count, 1), {"count": count}


def score(model, rolls: list, device, batch_size: int = 32) -> dict:
    """loss (frame-weighted NLL), piece_loss (mean of each piece's mean), accuracy (Bay et al.),
    frames and pieces of ``rolls`` under ``model`` (in eval mode, no gradients)."""
    counts = np.zeros(3)  # TP, FP, FN

    def run(chunk):
        nonlocal counts
        batch = collate_rolls(chunk).to(device)
        context = model(batch.rolls)
        counts += _hits(model.output.predict(context), batch)
        return model.frame_nll(batch.rolls, batch.lengths, context).sum(1).double().cpu().numpy()

    piece_nll = np.array(by_length(model, rolls, batch_size, run), dtype=np.float64).reshape(len(rolls))
    frames = np.array([len(r) for r in rolls], dtype=np.float64)
    tp, fp, fn = counts
    return {"loss": float(piece_nll.sum() / frames.sum()), "piece_loss": float(np.mean(piece_nll / frames)),
            "accuracy": float(tp / max(tp + fp + fn, 1.0)), "frames": int(frames.sum()), "pieces": len(rolls)}


def _hits(pred: torch.Tensor, batch: RollBatch) -> np.ndarray:
    """TP, FP, FN of the predicted frames (B×T×K 0/1) against the batch's (padding left out)."""
    mask = (torch.arange(batch.rolls.size(1), device=pred.device).unsqueeze(0)
            < batch.lengths.to(pred.device).unsqueeze(1)).unsqueeze(2)
    gold = batch.rolls
    return np.array([float((pred * gold * mask).sum()), float((pred * (1 - gold) * mask).sum()),
                     float(((1 - pred) * gold * mask).sum())])


# -- training (the driver runs it: rnnlp/tasks/driver.py) ----------------------------
def prepare(cfg: MusicConfig, resumed, device) -> Prepared:
    """Rolls and model of a run (``Task.prepare``); no pipeline or labels: keys are fixed."""
    train = read_split(cfg.data, "train")
    if cfg.data.train_limit:
        train = train[: cfg.data.train_limit]
    valid = read_split(cfg.data, "valid")
    pieces = chunk(train, cfg.data.max_length)
    batcher = BucketBatcher([len(p) for p in pieces], cfg.train.batch_size, bucket=cfg.train.bucket,
                            seed=cfg.train.seed)

    batches = epoch_batches(batcher, lambda idx, epoch: collate_rolls([pieces[i] for i in idx]))
    return Prepared(cfg, build_music_model(cfg), loss_fn, batches, len(batcher),
                    lambda m: score(m, valid, device), "-loss",
                    f"{len(train)} train pieces ({sum(map(len, train)):,} frames) / {len(valid)} valid pieces "
                    f"({sum(map(len, valid)):,} frames), {cfg.model.output} output",
                    describe=lambda b: f"best valid NLL {b['loss']:.4f} nats/frame, accuracy {b['accuracy']:.4f}")


# -- the loaded model ------------------------------------------------------------------------
def _build(config: MusicConfig, ckpt: dict):
    return build_music_model(config), {}


class MusicGenerator(Restored):
    """A loaded music model: ``evaluate`` rolls, ``generate`` pieces, ``save`` them as MIDI/WAV/PNG/NPZ."""

    task, build = TASK, staticmethod(_build)

    def __init__(self, ckpt: dict, device: str = "cpu"):
        super().__init__(ckpt, device)
        self.steps_per_beat = self.config.data.steps_per_beat

    def evaluate(self, data: str | None = None, split: str | None = None, format: str | None = None,
                 batch_size: int | None = None) -> dict:
        """NLL per frame (frame- and piece-weighted) and accuracy on the ``split`` (default
        test) of ``data`` (default: the run's test data)."""
        split = split or "test"
        dcfg = self.config.data if format is None else _with(self.config.data, format=format)
        rolls = read_split(dcfg, split, data)
        report = score(self.model, rolls, self.device, batch_size or 32)
        report.update(data=str(data or dcfg.test or dcfg.train), split=split)
        return report

    @staticmethod
    def format_report(report: dict) -> str:
        return "\n".join([f"data: {report['data']} [{report['split']}]",
                          f"pieces: {report['pieces']}, frames: {report['frames']}",
                          f"NLL: {report['loss']:.4f} nats/frame (frame-weighted; piece-weighted "
                          f"{report['piece_loss']:.4f})",
                          f"frame accuracy: {report['accuracy']:.4f} (Bay et al. 2009, keys with p > 0.5)"])

    def read_prompt(self, path, piece: int = 0, split: str = "test") -> np.ndarray:
        """Piece ``piece`` of a MIDI/.npz/.mat file (its ``split`` where it has splits) as a roll."""
        dcfg = _with(self.config.data, format=None)
        found = read_rolls(path, split if _has(path, split, dcfg) else "train", None, self.steps_per_beat, dcfg.root)
        if not 0 <= piece < len(found):
            raise DataError(f"{path}: piece {piece} asked for, but it holds {len(found)} piece(s) (0-{len(found) - 1})")
        return found[piece]

    def generate(self, steps: int = 128, seed: int | None = None, prompt=None, temperature: float = 1.0,
                 max_notes: int | None = None) -> np.ndarray:
        """A ``steps``×88 uint8 roll continuing ``prompt`` (a roll, or a path read by ``read_prompt``;
        None: from the start frame), the prompt not repeated. Each frame is sampled from the
        model (NADE: key by key) at ``temperature``, with at most ``max_notes`` keys a frame.
        The same seed gives the same roll."""
        spec.check(spec.MUSIC, dict(steps=steps, seed=seed, temperature=temperature, max_notes=max_notes))
        if isinstance(prompt, (str, Path)):
            prompt = self.read_prompt(prompt)
        start = torch.as_tensor(check_roll(prompt, "prompt"), dtype=torch.float32, device=self.device) \
            if prompt is not None else None
        gen = torch.Generator(device=self.device)
        gen.manual_seed(seed) if seed is not None else gen.seed()
        frames = []
        with torch.no_grad():
            context, state = self.model.prime(start, 1)
            for _ in range(steps):
                frame = self.model.output.sample(context, gen, temperature, max_notes)
                frames.append(frame[0])
                context, state = self.model.step(frame, state)
        return torch.stack(frames).cpu().numpy().astype(np.uint8)

    def save(self, roll: np.ndarray, path, bpm: float = 120.0) -> Path:
        """Write ``roll`` by the suffix of ``path``: .mid/.midi, .wav (additive synth), .png, .npz."""
        spec.check(spec.MUSIC, dict(bpm=bpm))
        path = Path(path)
        writer = piece_writer(path)
        return writer(check_roll(roll, "roll"), path, self.steps_per_beat, bpm)


    @staticmethod
    def check_output(path) -> None:
        """ConfigError unless ``save`` can write ``path`` (by its suffix)."""
        piece_writer(Path(path))

    def midi_bytes(self, roll: np.ndarray, bpm: float = 120.0) -> bytes:
        """``roll`` as the bytes of a MIDI file (at the checkpoint's frames per beat)."""
        from rnnlp.data.midi import midi_bytes
        return midi_bytes(roll, self.steps_per_beat, bpm)

    def wav_bytes(self, roll: np.ndarray, bpm: float = 120.0) -> bytes:
        """``roll`` played by the additive synthesizer, as the bytes of a 16-bit WAV file."""
        from rnnlp.data.synth import render, wav_bytes
        return wav_bytes(render(roll, self.steps_per_beat, bpm))


def piece_writer(path: Path):
    """The writer of a piece file by its suffix; ConfigError (before any work) for another one."""
    suffix = path.suffix.lower()
    if suffix in (".mid", ".midi"):
        from rnnlp.data.midi import write_midi
        return lambda roll, p, spb, bpm: write_midi(roll, p, spb, bpm)
    if suffix == ".wav":
        from rnnlp.data.synth import render, write_wav
        return lambda roll, p, spb, bpm: write_wav(render(roll, spb, bpm), p)
    if suffix == ".png":
        from rnnlp.data.rolls_plot import plot_roll
        return lambda roll, p, spb, bpm: plot_roll(roll, p, spb)
    if suffix == ".npz":
        from rnnlp.data.music import write_npz
        return lambda roll, p, spb, bpm: write_npz(p, {"roll": [roll]})
    raise ConfigError(f"cannot write a piece as {path.name}; give a .mid, .midi, .wav, .png or .npz name")


def _with(dcfg, **changes):
    from dataclasses import replace
    return replace(dcfg, **changes)


def _has(path, split, dcfg) -> bool:
    try:
        return has_split(path, split, None, dcfg.root)
    except DataError:
        return False


Loaded = MusicGenerator
