"""Image captioning: images + captions, CNN encoder + attentive LSTM decoder, BLEU evaluation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from rnnlp.config.captioning import CaptioningConfig
from rnnlp.data.batching import Tensors, pad, rank_share
from rnnlp.data.captions import Split, open_store, read_split
from rnnlp.data.images import center_crop, image_array, load_image, random_crop_flip
from rnnlp.decoding import Memory, decode_batched
from rnnlp.errors import ConfigError, InputError
from rnnlp.models.builders import build_captioner, build_text_pipeline
from rnnlp.models.captioner import doubly_stochastic_penalty
from rnnlp.nn.image_encoder import normalize
from rnnlp.tasks import one_or_many, spec
from rnnlp.tasks.common import data_config
from rnnlp.training.distributed import say
from rnnlp.tasks.driver import Restored
from rnnlp.tasks.protocol import Prepared
from rnnlp.text import TextPipeline
from rnnlp.training.distributed import world
from rnnlp.training.metrics import caption_scores

TASK = "captioning"


# -- data ------------------------------------------------------------------------------
def encode_captions(pipeline: TextPipeline, split: Split, max_length: int) -> None:
    flat = [c for caps in split.captions for c in caps]
    ids = iter(pipeline.encode_batch(flat, max_length=max_length))
    split.ids = [[next(ids) or [pipeline.unk_id] for _ in caps] for caps in split.captions]


# -- pixels ----------------------------------------------------------------------------
def augmenting(cfg: CaptioningConfig) -> bool:
    return cfg.image.augment if cfg.image.augment is not None else cfg.encoder.backbone == "small"


def check_image_config(icfg) -> None:
    if not 1 <= icfg.crop <= icfg.size:
        raise ConfigError(f"image.crop must be between 1 and image.size={icfg.size}, got {icfg.crop}")


# -- batches and loss ------------------------------------------------------------------
@dataclass
class CaptionBatch(Tensors):
    images: torch.Tensor    # B×H×W×3 uint8 pixels, or B×S×C cached features
    rows: torch.Tensor      # N: image row of each caption
    inputs: torch.Tensor    # N×T: <bos> + words
    targets: torch.Tensor   # N×T: words + <eos>, -100 at padding

    @property
    def num_tokens(self) -> int:
        return int((self.targets != -100).sum())


def make_batch(images, captions: list, bos_id: int, eos_id: int) -> CaptionBatch:
    """``captions``: one list of id lists per image."""
    rows = [i for i, caps in enumerate(captions) for _ in caps]
    flat = [c for caps in captions for c in caps]
    inputs = pad([[bos_id] + c for c in flat])
    targets = pad([c + [eos_id] for c in flat], pad_id=-100)
    pixels = images if torch.is_tensor(images) else torch.from_numpy(np.ascontiguousarray(images))
    return CaptionBatch(pixels, torch.tensor(rows, dtype=torch.long), inputs, targets)


def memory_of(model, images: torch.Tensor) -> Memory:
    """uint8 pixels -> the encoder's grid; cached float features become the memory as they are."""
    return model.encode(normalize(images)) if images.dtype == torch.uint8 else Memory(images.float())


def make_loss_fn(cfg: CaptioningConfig):
    lam, frozen = cfg.decoder.doubly_stochastic, cfg.encoder.freeze

    def loss_fn(model, batch):
        if frozen:
            model.encoder.eval()  # keep BatchNorm statistics fixed
        logits, weights = model(memory_of(model, batch.images), batch.rows, batch.inputs)
        loss = F.cross_entropy(logits.flatten(0, 1), batch.targets.flatten(), ignore_index=-100)
        if lam:
            loss = loss + lam * doubly_stochastic_penalty(weights, batch.targets != -100)
        return loss, {"count": batch.num_tokens}

    return loss_fn


# -- decoding and scores ---------------------------------------------------------------
def decode_images(model, images: np.ndarray, crop: int, device, *, beam_size: int = 1,
                  max_len: int = 20, length_penalty: float = 0.0, batch_size: int = 64,
                  bos_id: int = 2, eos_id: int = 3, features=None) -> list[list[int]]:
    """Best caption ids per image (N×S×S×3 uint8, centre-cropped to ``crop``), input order."""
    if not isinstance(beam_size, int) or beam_size < 1:
        raise ConfigError(f"beam size must be an integer >= 1, got {beam_size!r} (1 = greedy)")
    model.eval()
    found = decode_batched(model, len(images), image_encoder(model, images, crop, device, features),
                           bos_id=bos_id, eos_id=eos_id, max_len=max_len, beam_size=beam_size,
                           length_penalty=length_penalty, batch_size=batch_size)
    return [decoded.hypotheses[0][0] if decoded.hypotheses else [] for decoded in found]


def image_encoder(model, images: np.ndarray, crop: int, device, features=None):
    """``encode(indices) -> Memory`` of those images (or of their cached ``features``)."""
    def encode(chunk: list[int]) -> Memory:
        if features is not None:
            return Memory(features[chunk].to(device).float())
        pixels = torch.from_numpy(np.ascontiguousarray(center_crop(images[chunk], crop)))
        return memory_of(model, pixels.to(device))
    return encode


# -- training (the driver runs it: rnnlp/tasks/driver.py) ----------------------------
def prepare(cfg: CaptioningConfig, resumed, device) -> Prepared:
    """Images, captions, pipeline and captioner of a run (``Task.prepare``)."""
    check_image_config(cfg.image)
    if cfg.encoder.cache_features and not cfg.encoder.freeze:
        raise ConfigError("encoder.cache_features=true needs encoder.freeze=true (features of a "
                          "trained encoder change every step)")
    store = open_store(cfg.data)
    split = read_split(cfg.data, cfg.image, "train", store, cfg.data.train_limit, warn=say)
    valid = read_split(cfg.data, cfg.image, "valid", store, cfg.data.valid_limit, warn=say) if cfg.data.valid else None
    pipeline = TextPipeline.from_json(resumed.ckpt["tokenizer_json"]) if resumed else \
        build_text_pipeline(cfg.text, [c for caps in split.captions for c in caps], cfg.data.root)
    encode_captions(pipeline, split, cfg.data.max_length)
    model = build_captioner(cfg, pipeline.vocab_size, pipeline.pad_id)
    batches, steps = _batches(cfg, model, split, pipeline, device)
    where = "dev" if valid else "train"
    return Prepared(cfg, model, make_loss_fn(cfg), batches, steps,
                    _evaluator(cfg, valid or _head(split, cfg.data.valid_limit), pipeline, device), "bleu4",
                    f"{len(split.names)} train images ({sum(map(len, split.captions))} captions) / "
                    f"{len(valid.names) if valid else 0} valid images, vocab {pipeline.vocab_size}, "
                    f"{cfg.image.crop}px input", pipeline,
                    describe=lambda best: f"best {where} BLEU-4 (greedy) {best['bleu4']:.2f}")


def cached_features(model, images: np.ndarray, crop: int, device, batch_size: int = 64) -> torch.Tensor:
    """Grid features (float16, CPU) of centre-cropped images, for a frozen encoder."""
    model.eval()
    chunks = []
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            pixels = torch.from_numpy(np.ascontiguousarray(center_crop(images[start: start + batch_size], crop)))
            chunks.append(memory_of(model, pixels.to(device)).states.half().cpu())
    model.train()
    return torch.cat(chunks)


def _batches(cfg, model, split: Split, pipeline, device):
    """``batches(epoch)`` for ``fit``: B images with all their captions, shuffled per epoch;
    under torchrun each rank takes its share of every batch's images."""
    augment, b, cache = augmenting(cfg) and not cfg.encoder.cache_features, cfg.train.batch_size, {}
    rank, size = world()

    def batches(epoch):
        if cfg.encoder.cache_features and "features" not in cache:  # once the weights are loaded
            cache["features"] = cached_features(model, split.images, cfg.image.crop, device)
        rng = np.random.default_rng(cfg.train.seed + epoch)
        order = rng.permutation(len(split.names))
        for start in range(0, len(order), b):
            idx = np.sort(order[start: start + b])
            if "features" in cache:
                pixels = cache["features"][torch.from_numpy(idx)]
            elif augment:  # the whole batch, so that every rank draws the same random numbers
                pixels = random_crop_flip(split.images[idx], cfg.image.crop, cfg.image.flip, rng)
            else:
                pixels = center_crop(split.images[idx], cfg.image.crop)
            mine = rank_share(len(idx), rank, size)
            yield make_batch(pixels[mine], [split.ids[i] for i in idx[mine]], pipeline.bos_id, pipeline.eos_id)

    return batches, (len(split.names) + b - 1) // b


def _evaluator(cfg, split: Split, pipeline, device):
    d = cfg.decode

    def evaluate(model) -> dict:
        ids = decode_images(model, split.images, cfg.image.crop, device, beam_size=1, max_len=d.max_len,
                            batch_size=d.batch_size, bos_id=pipeline.bos_id, eos_id=pipeline.eos_id)
        report = caption_scores([pipeline.decode(x) for x in ids], split.captions, cfg.text.lowercase)
        return {k: v for k, v in report.items() if isinstance(v, float)}

    return evaluate


def _head(split: Split, n: int | None) -> Split:
    n = n or len(split.names)
    return Split(split.names[:n], split.images[:n], split.captions[:n])


# -- the loaded model ------------------------------------------------------------------
def _build(config: CaptioningConfig, ckpt: dict):
    pipeline = TextPipeline.from_json(ckpt["tokenizer_json"], where=str(ckpt["path"]))
    # the checkpoint holds the encoder's weights: no pretrained backbone download
    return build_captioner(config, pipeline.vocab_size, pipeline.pad_id, pretrained=False), {}


def _one_image(value) -> bool:
    return isinstance(value, (str, Path)) or hasattr(value, "getpixel")


def _check_image(value, where: str) -> None:
    if not _one_image(value):
        raise InputError(f"{where} must be an image path or a PIL image, got {type(value).__name__}")
    if isinstance(value, str) and not value.strip():
        raise InputError(f"{where} is an empty path")


class Captioner(Restored):
    """A loaded captioning checkpoint: ``caption`` images, ``evaluate`` on a split."""

    task, build = TASK, staticmethod(_build)

    def pixels(self, images) -> np.ndarray:
        """N×S×S×3 uint8 of PIL images or paths (RGB, resized); DataError naming a bad file."""
        size = self.config.image.size
        return np.stack([image_array(load_image(x), size) for x in images]) if images else \
            np.zeros((0, size, size, 3), np.uint8)

    def _decode(self, pixels: np.ndarray, beam_size, max_tokens, batch_size) -> list[list[int]]:
        d = self.config.decode
        return decode_images(self.model, pixels, self.config.image.crop, self.device,
                             beam_size=d.beam_size if beam_size is None else beam_size,
                             max_len=max_tokens or d.max_len, length_penalty=d.length_penalty,
                             batch_size=batch_size or d.batch_size, bos_id=self.pipeline.bos_id,
                             eos_id=self.pipeline.eos_id)

    def caption(self, images, beam_size: int | None = None, max_tokens: int | None = None,
                batch_size: int | None = None, *, max_len: int | None = None) -> str | list[str]:
        """The caption of one image (``PIL.Image`` or path), or one per image of a list; beam
        search (``beam_size`` 1 = greedy), at most ``max_tokens`` words (``max_len``: its old
        name). Raises InputError for None or an empty path, ConfigError for an option out of range."""
        max_tokens = spec.renamed(max_tokens, max_len, "max_len", spec.CAPTION_MAX_TOKENS)
        spec.check(spec.CAPTION, dict(beam_size=beam_size, max_tokens=max_tokens))
        images, single = one_or_many.items(images, "images", _one_image, _check_image)
        ids = self._decode(self.pixels(images), beam_size, max_tokens, batch_size)
        return one_or_many.result([self.pipeline.decode(x) for x in ids], single)

    def attention(self, image, max_tokens: int | None = None, *, max_len: int | None = None) -> dict:
        """Greedy caption of one image with its attention: words, weights T×h×w, the crop pixels."""
        max_tokens = spec.renamed(max_tokens, max_len, "max_len", spec.CAPTION_MAX_TOKENS)
        spec.check(spec.CAPTION, dict(max_tokens=max_tokens))
        pixels, p, crop = self.pixels([image]), self.pipeline, self.config.image.crop
        [found] = decode_batched(self.model, 1, image_encoder(self.model, pixels, crop, self.device),
                                 bos_id=p.bos_id, eos_id=p.eos_id, max_len=max_tokens or self.config.decode.max_len,
                                 attention=True)
        words, weights = found.hypotheses[0][0], found.attention
        side = int(round(weights.shape[1] ** 0.5))
        tokens = [p.decode([w]) for w in words] + ["<eos>"]
        return {"caption": p.decode(words), "tokens": tokens[: len(weights)],
                "weights": weights.reshape(len(weights), side, -1),
                "image": center_crop(pixels, crop)[0]}

    def evaluate(self, split: str = "test", data: str | None = None, images: str | None = None,
                 beam_size: int | str | None = None, limit: int | str | None = None,
                 batch_size: int | None = None, **options) -> dict:
        """BLEU-1..4 (sacreBLEU, every reference) and CIDEr (if pycocoevalcap) on a split.

        ``split`` names the config's ``data.<split>``; ``data`` is another caption table or
        image list (with the training captions file); ``images`` another folder or zip.
        """
        if split not in ("train", "valid", "test"):
            raise ConfigError(f"unknown split {split!r}; choose one of: train, valid, test")
        dcfg = data_config(self.config.data, options)
        if images:
            dcfg.images = images
        ev = read_split(dcfg, self.config.image, split, open_store(dcfg), int(limit) if limit else None, data, say)
        beam = int(beam_size) if beam_size is not None else self.config.decode.beam_size
        hyps = [self.pipeline.decode(x) for x in self._decode(ev.images, beam, None, batch_size)]
        report = caption_scores(hyps, ev.captions, self.config.text.lowercase)
        report.update(count=len(ev.names), references=sum(map(len, ev.captions)), beam_size=beam,
                      split=data or split, examples=[[n, h] for n, h in zip(ev.names[:5], hyps[:5])])
        return report

    @staticmethod
    def format_report(report: dict) -> str:
        lines = [f"images: {report['count']} ({report['references']} references), split {report['split']}, "
                 f"beam {report['beam_size']}",
                 "BLEU-1..4: " + "  ".join(f"{report[f'bleu{n}']:.2f}" for n in range(1, 5))
                 + f"  (brevity penalty {report['brevity_penalty']:.3f}, length ratio {report['length_ratio']:.3f})",
                 f"  signature: {report['bleu_signature']}"]
        lines.append(f"CIDEr: {report['cider']:.4f}" if "cider" in report
                     else "CIDEr: not computed (pip install pycocoevalcap)")
        lines += [f"  {name}: {hyp}" for name, hyp in report.get("examples", [])]
        return "\n".join(lines)


Loaded = Captioner
