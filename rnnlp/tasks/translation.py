"""Translation (sequence to sequence with attention): data, model, loss, BLEU, decoding.

Text goes through BPE ``TextPipeline``s (one joint vocabulary or one per side). Characters
never seen when the BPE was built become ``<unk>`` on the source side; ``<unk>`` is a
special token, so it is dropped from decoded output.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch.nn import functional as F

from rnnlp.config.translation import TranslationConfig
from rnnlp.data.batching import BucketBatcher, collate
from rnnlp.data.parallel import collate_parallel, drop_empty, read_pairs
from rnnlp.decoding import decode_batched
from rnnlp.errors import ConfigError, DataError
from rnnlp.models.builders import build_seq2seq, build_text_pipeline
from rnnlp.tasks import one_or_many, spec
from rnnlp.tasks.common import data_config
from rnnlp.training.distributed import say
from rnnlp.tasks.driver import Restored
from rnnlp.tasks.protocol import Prepared
from rnnlp.text import TextPipeline
from rnnlp.training.metrics import corpus_scores
from rnnlp.training.optim import total_steps

TASK = "translation"
SOURCE_TOKENIZER = "source_tokenizer.json"  # beside tokenizer.json (the target's) when separate
_EVAL_FIELDS = ("source_column", "target_column", "format", "root", "max_length")  # kept from training


# -- data ------------------------------------------------------------------------------
def encode_side(pipeline: TextPipeline, texts: list[str], max_length: int, what: str) -> list[list[int]]:
    """Ids of each text, truncated to ``max_length`` tokens with one warning for all."""
    ids = pipeline.encode_batch(texts)
    long = sum(len(s) > max_length for s in ids)
    if long:
        say(f"warning: {what}: {long} of {len(ids)} sentences are longer than {max_length} tokens "
            "and were truncated (data.max_length)")
    return [s[:max_length] for s in ids]


def build_pipelines(cfg: TranslationConfig, sources, targets) -> tuple[TextPipeline, TextPipeline]:
    """(source, target) pipelines: loaded from ``text.*.path`` or learned from the training data."""
    if cfg.text.vocab == "joint":
        joint = build_text_pipeline(cfg.text.target, list(sources) + list(targets), cfg.data.root)
        return joint, joint
    return (build_text_pipeline(cfg.text.source, sources, cfg.data.root),
            build_text_pipeline(cfg.text.target, targets, cfg.data.root))


# -- loss and evaluation -----------------------------------------------------------------
def make_loss_fn(cfg: TranslationConfig, total_steps: int, done: int = 0):
    """``loss_fn(model, batch)`` with label smoothing and the teacher-forcing schedule
    (``done``: training steps already taken, when a run is resumed)."""
    s2s, step = cfg.seq2seq, [done]
    generator = torch.Generator().manual_seed(cfg.train.seed)

    def ratio() -> float:
        if s2s.teacher_forcing_final is None:
            return s2s.teacher_forcing
        done = min(step[0] / max(total_steps, 1), 1.0)
        return s2s.teacher_forcing + done * (s2s.teacher_forcing_final - s2s.teacher_forcing)

    def loss_fn(model, batch):
        src = batch.source
        tf = ratio() if model.training else 1.0
        logits = model(src.ids, src.lengths, src.mask, batch.target_in, teacher_forcing=tf,
                       generator=generator if src.ids.device.type == "cpu" else None)
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), batch.target_out.reshape(-1),
                               ignore_index=-100, label_smoothing=s2s.label_smoothing if model.training else 0.0)
        step[0] += model.training
        gold = batch.target_out != -100
        correct = int(((logits.argmax(-1) == batch.target_out) & gold).sum())
        return loss, {"correct": correct, "count": int(gold.sum())}

    return loss_fn


# -- decoding --------------------------------------------------------------------------
def max_lengths(lengths, dcfg) -> list[int]:
    """Most target tokens per sentence: ratio · source length + extra."""
    return [max(1, int(dcfg.max_len_ratio * n) + dcfg.max_len_extra) for n in lengths]


def decode_ids(model, ids: list[list[int]], device, dcfg, *, beam_size: int = 1, n_best: int = 1,
               length_penalty: float = 0.0, batch_size: int | None = None, bos_id: int = 2,
               eos_id: int = 3) -> list[list[tuple[list[int], float]]]:
    """``n_best`` (ids, score) per source, in input order; batches of similar source length.

    A sentence's output does not depend on the others in its batch: padding is masked and
    each sentence has its own length limit. Greedy scores are 0 (not computed).
    """
    check_decoding(beam_size, n_best)
    model.eval()
    lengths = [len(s) for s in ids]
    found = decode_batched(model, len(ids), source_encoder(model, ids, device), bos_id=bos_id, eos_id=eos_id,
                           max_len=max_lengths([max(n, 1) for n in lengths], dcfg), beam_size=beam_size,
                           n_best=n_best, length_penalty=length_penalty,
                           batch_size=batch_size or dcfg.batch_size, lengths=lengths)
    return [decoded.hypotheses for decoded in found]


def source_encoder(model, ids: list[list[int]], device):
    """``encode(indices) -> Memory`` of those source sentences, for ``decode_batched``."""
    def encode(chunk: list[int]):
        batch = collate([ids[i] for i in chunk]).to(device)
        return model.encode(batch.ids, batch.lengths.to(device), batch.mask)
    return encode


def check_decoding(beam_size, n_best, length_penalty=None) -> None:
    """The decoding options against the verb specification, and n_best <= beam_size."""
    spec.check(spec.TRANSLATE, dict(beam_size=beam_size, n_best=n_best, length_penalty=length_penalty))
    if n_best > beam_size:
        raise ConfigError(f"n_best must be <= beam_size ({beam_size}), got {n_best}")


# -- training (the driver runs it: rnnlp/tasks/driver.py) ----------------------------
def prepare(cfg: TranslationConfig, resumed, device) -> Prepared:
    """Sentence pairs, pipelines, model and the teacher-forcing loss of a run (``Task.prepare``)."""
    sources, targets = _train_pairs(cfg)
    src_pipe, tgt_pipe = _pipelines(resumed.ckpt) if resumed else build_pipelines(cfg, sources, targets)
    src, tgt = _encode_pairs(cfg, src_pipe, tgt_pipe, sources, targets, "train")
    valid = _valid_data(cfg, src_pipe, tgt_pipe)
    if valid is None:  # BLEU on (a slice of) the training pairs instead
        n = min(len(src), cfg.data.valid_limit or 500)
        valid = {"source": src[:n], "target": tgt[:n], "references": [tgt_pipe.decode(t) for t in tgt[:n]]}
    model = build_seq2seq(cfg, src_pipe.vocab(), tgt_pipe.vocab(), with_vectors=resumed is None, log=say)
    batcher = BucketBatcher([len(s) for s in src], cfg.train.batch_size, bucket=cfg.train.bucket, seed=cfg.train.seed)

    def batches(epoch):
        batcher.set_epoch(epoch)
        for idx in batcher:
            yield collate_parallel([src[i] for i in idx], [tgt[i] for i in idx])

    done = resumed.trainer["step"] if resumed else 0
    loss_fn = make_loss_fn(cfg, total_steps(cfg.train, len(batcher)), done)
    return Prepared(cfg, model, loss_fn, batches, len(batcher), _evaluator(cfg, valid, tgt_pipe, device), "bleu",
                    f"{len(src)} train / {len(valid['source'])} dev pairs, vocab {src_pipe.vocab_size} source / "
                    f"{tgt_pipe.vocab_size} target ({cfg.text.vocab})", tgt_pipe,
                    extra_files={} if src_pipe is tgt_pipe else {SOURCE_TOKENIZER: src_pipe.to_json()},
                    describe=lambda best: f"best dev BLEU {best['bleu']:.2f}")


def _train_pairs(cfg) -> tuple[list, list]:
    pairs = read_pairs(cfg.data, "train")
    if pairs is None:
        raise DataError("no training data: give --source FILE --target FILE (aligned lines) or "
                        "--train TABLE with --source-column/--target-column, or a --recipe")
    sources, targets, dropped = drop_empty(*pairs)
    if dropped:
        say(f"train: skipped {dropped} pairs with an empty side")
    if not sources:
        raise DataError("every training pair has an empty side; check the files or columns")
    if cfg.data.train_limit:
        sources, targets = sources[: cfg.data.train_limit], targets[: cfg.data.train_limit]
    return sources, targets


def _encode_pairs(cfg, src_pipe, tgt_pipe, sources, targets, what):
    n = cfg.data.max_length
    src = [s or [src_pipe.unk_id] for s in encode_side(src_pipe, sources, n, f"{what} source")]
    return src, encode_side(tgt_pipe, targets, n - 1, f"{what} target")  # room for <bos>/<eos>


def _valid_data(cfg, src_pipe, tgt_pipe):
    pairs = read_pairs(cfg.data, "valid")
    if pairs is None:
        return None
    sources, targets, _ = drop_empty(*pairs)
    if cfg.data.valid_limit:
        sources, targets = sources[: cfg.data.valid_limit], targets[: cfg.data.valid_limit]
    src, tgt = _encode_pairs(cfg, src_pipe, tgt_pipe, sources, targets, "valid")
    return {"source": src, "target": tgt, "references": targets}


def _evaluator(cfg, valid, tgt_pipe, device):
    """Dev BLEU (greedy by default, beam ``seq2seq.eval_beam_size``) and teacher-forced loss."""
    loss_fn = make_loss_fn(cfg, 1)

    def evaluate(model) -> dict:
        losses = []
        for start in range(0, len(valid["source"]), 128):
            sl = slice(start, start + 128)
            batch = collate_parallel(valid["source"][sl], valid["target"][sl]).to(device)
            losses.append((loss_fn(model, batch)[0].item(), batch.num_tokens))
        found = decode_ids(model, valid["source"], device, cfg.decode, beam_size=cfg.seq2seq.eval_beam_size,
                           length_penalty=cfg.decode.length_penalty)
        hyps = [tgt_pipe.decode(h[0][0]) for h in found]
        report = corpus_scores(hyps, valid["references"])
        total = sum(n for _, n in losses)
        return {"bleu": report["bleu"], "bleu_lowercase": report["bleu_lowercase"], "chrf": report["chrf"],
                "loss": sum(v * n for v, n in losses) / max(total, 1)}

    return evaluate


def _pipelines(ckpt: dict) -> tuple[TextPipeline, TextPipeline]:
    where = str(ckpt["path"])
    tgt = TextPipeline.from_json(ckpt["tokenizer_json"], where=where)
    src_file = Path(ckpt["path"]) / SOURCE_TOKENIZER
    src = TextPipeline.load(src_file) if src_file.is_file() else tgt
    return src, tgt


# -- the loaded model ------------------------------------------------------------------
def _build(config: TranslationConfig, ckpt: dict):
    source, target = _pipelines(ckpt)
    model = build_seq2seq(config, source.vocab(), target.vocab(), with_vectors=False)
    return model, {"source_pipeline": source, "target_pipeline": target}


class Translator(Restored):
    """A loaded translation checkpoint: ``translate`` sentences, ``evaluate`` on parallel files."""

    task, build = TASK, staticmethod(_build)

    def _source_ids(self, texts: list[str]) -> list[list[int]]:
        return encode_side(self.source_pipeline, texts, self.config.data.max_length, "source")

    def translate_n_best(self, texts: list[str], beam_size: int | None = None, n_best: int = 1,
                         length_penalty: float | None = None, batch_size: int | None = None
                         ) -> list[list[tuple[str, float]]]:
        """Up to ``n_best`` (translation, score) per text, best first; an empty text gives [("", 0.0)].

        Scores are length-normalised log-probabilities (GNMT ``length_penalty``); greedy
        decoding (beam 1, n_best 1) reports 0.
        """
        d = self.config.decode
        beam_size = d.beam_size if beam_size is None else beam_size
        check_decoding(beam_size, n_best, length_penalty)
        texts = ["" if t is None else str(t) for t in texts]
        real = [i for i, t in enumerate(texts) if t.strip()]
        found = decode_ids(self.model, self._source_ids([texts[i] for i in real]), self.device, d,
                           beam_size=beam_size, n_best=n_best, batch_size=batch_size,
                           length_penalty=d.length_penalty if length_penalty is None else length_penalty)
        out = [[("", 0.0)] for _ in texts]
        for i, hyps in zip(real, found):
            out[i] = [(self.target_pipeline.decode(ids), score) for ids, score in hyps]
        return out

    def translate(self, texts: str | list[str], beam_size: int | None = None, length_penalty: float | None = None,
                  batch_size: int | None = None) -> str | list[str]:
        """The translation of one text, or one per text of a list (beam search; ``beam_size`` 1 =
        greedy). Raises InputError for None or a blank text."""
        texts, single = one_or_many.texts(texts)
        found = self.translate_n_best(texts, beam_size, 1, length_penalty, batch_size)
        return one_or_many.result([hyps[0][0] for hyps in found], single)

    def attention(self, text: str) -> dict:
        """Greedy translation of one text with its attention: source/target tokens, weights T×S."""
        ids = self._source_ids([text])[0] or [self.source_pipeline.unk_id]
        tgt = self.target_pipeline
        encode = source_encoder(self.model, [ids], self.device)
        [found] = decode_batched(self.model, 1, encode, bos_id=tgt.bos_id, eos_id=tgt.eos_id,
                                 max_len=max_lengths([len(ids)], self.config.decode), attention=True)
        out, weights = found.hypotheses[0][0], found.attention
        vocab_s, vocab_t = self.source_pipeline.vocab(), tgt.vocab()
        # one token per row of weights: "</s>" only when the model chose it within the limit
        return {"source_tokens": [vocab_s[i] for i in ids],
                "target_tokens": ([vocab_t[i] for i in out] + ["</s>"])[: len(weights)],
                "weights": weights, "translation": tgt.decode(out)}

    def evaluate(self, source: str | None = None, target: str | None = None, data: str | None = None,
                 beam_size: int | str | None = None, length_penalty: float | str | None = None,
                 batch_size: int | None = None, **options) -> dict:
        """Cased sacreBLEU (with signature; lowercased beside it) and chrF on aligned files or a
        two-column table."""
        dcfg = data_config(self.config.data, options, _EVAL_FIELDS)
        pairs = read_pairs(dcfg, "test", source=source, target=target, table=data)
        if pairs is None:
            raise DataError("give the test data: --source FILE --target FILE, or --data TABLE")
        sources, references = pairs
        beam = int(beam_size) if beam_size is not None else self.config.decode.beam_size
        hyps = self.translate(sources, beam, float(length_penalty) if length_penalty is not None else None,
                              batch_size)
        report = corpus_scores(hyps, references)
        report.update(count=len(sources), beam_size=beam, cased_model=not self.config.text.target.lowercase)
        return report

    @staticmethod
    def format_report(report: dict) -> str:
        lines = [f"sentences: {report['count']} (beam {report['beam_size']})",
                 f"BLEU: {report['bleu']:.2f} cased, {report['bleu_lowercase']:.2f} lowercased  ({report['bleu_detail']})",
                 f"  signature: {report['bleu_signature']}",
                 f"  lowercased: {report['bleu_lowercase_signature']}",
                 f"chrF: {report['chrf']:.2f}",
                 f"  signature: {report['chrf_signature']}"]
        if not report.get("cased_model", True):  # trained lowercased: cased BLEU counts every capital as wrong
            lines.append("note: this model was trained lowercased (text.target.lowercase), so its output has no capitals")
        return "\n".join(lines)


Loaded = Translator
