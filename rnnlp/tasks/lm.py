"""Language models: a text stream, truncated BPTT training, perplexity, text generation."""

from __future__ import annotations

import math
from typing import Iterator

import torch

from rnnlp.config.lm import LMConfig
from rnnlp.data.batching import Batch, advanced, rank_share
from rnnlp.data.stream import StreamBatcher, encode_stream, hold_out, read_corpus, read_text, split_lines
from rnnlp.errors import ConfigError, DataError, InputError
from rnnlp.tasks import spec
from rnnlp.models.builders import build_language_model, build_text_pipeline
from rnnlp.decoding.sampling import seeded_generator
from rnnlp.tasks import one_or_many
from rnnlp.training.distributed import say
from rnnlp.tasks.driver import Restored
from rnnlp.tasks.protocol import Prepared
from rnnlp.text import TextPipeline
from rnnlp.training.carry import Carry
from rnnlp.training.distributed import world

TASK = "lm"


# -- data ------------------------------------------------------------------------------
def uses_eos(cfg: LMConfig) -> bool:
    return cfg.data.eos if cfg.data.eos is not None else cfg.text.level != "char"


def num_ids(pipeline: TextPipeline) -> int:
    """Rows the model needs: the largest id + 1. Equal to vocab_size for pipelines built now;
    tokenizers saved before TextPipeline re-indexed its ids (a corpus holding the literal <unk>
    left a gap) need the larger number to load their checkpoints."""
    return max(pipeline.tokenizer.get_vocab().values()) + 1


def build_pipeline(cfg: LMConfig, text: str) -> TextPipeline:
    return build_text_pipeline(cfg.text, split_lines(text, uses_eos(cfg)), cfg.data.root)


# -- loss and evaluation ------------------------------------------------------------------
def stream_nll(model, ids: torch.Tensor, batch_size: int, bptt: int, device) -> tuple[float, int]:
    """Summed NLL (nats) and number of scored tokens of ``ids``, state carried along streams."""
    was_training = model.training
    model.eval()
    total, count, state = 0.0, 0, None
    with torch.no_grad():
        for batch in StreamBatcher(ids, min(batch_size, len(ids) - 1), bptt):
            batch = batch.to(device)
            hidden, state = model(batch.ids, state)
            total += float(model.loss(hidden, batch.targets, reduction="sum"))
            count += batch.num_tokens
            advanced(batch.num_tokens, "token")
    model.train(was_training)
    return total, count


def lm_metrics(nll: float, count: int, level: str) -> dict:
    loss = nll / max(count, 1)
    out = {"loss": loss, "perplexity": math.exp(min(loss, 700.0)), "tokens": count}
    if level == "char":
        out["bits_per_char"] = loss / math.log(2)
    return out


PREFIX = "lm_state."  # the carried BPTT state's names in a checkpoint's trainer state


def carried_loss(carry: Carry):
    """The LM loss over a stream batch, run from the state the previous batch left (truncated BPTT)."""
    def loss_fn(model, batch):
        hidden, state = model(batch.ids, carry.state)
        carry.keep(state)
        return model.loss(hidden, batch.targets), {"count": int((batch.targets != -100).sum())}
    return loss_fn


# -- training (the driver runs it: rnnlp/tasks/driver.py) ----------------------------
def prepare(cfg: LMConfig, resumed, device) -> Prepared:
    """Token streams, pipeline, model and the carried BPTT state of a run (``Task.prepare``)."""
    if not cfg.data.train:
        raise DataError("give the training text with --train FILE (or data.train in the recipe)")
    text = read_corpus(cfg.data.train, cfg.data.root, cfg.data.text_column)
    if cfg.data.valid:
        valid_text = read_corpus(cfg.data.valid, cfg.data.root, cfg.data.text_column)
    else:
        text, valid_text = hold_out(text, cfg.data.valid_fraction)
    pipeline = TextPipeline.from_json(resumed.ckpt["tokenizer_json"]) if resumed else build_pipeline(cfg, text)
    train_ids = _read_order(cfg, encode_stream(pipeline, text, uses_eos(cfg)))
    if cfg.data.train_limit:
        train_ids = train_ids[: cfg.data.train_limit]
    valid_ids = _read_order(cfg, encode_stream(pipeline, valid_text, uses_eos(cfg)))
    d = cfg.data
    batcher = StreamBatcher(train_ids, cfg.train.batch_size, d.bptt, random_bptt=d.random_bptt, seed=cfg.train.seed)
    carry = Carry(PREFIX, resumed, device)

    def batches(epoch):
        carry.start_epoch()
        batcher.set_epoch(epoch)
        yield from map(_rank_rows, batcher)

    def evaluate(m):
        return lm_metrics(*stream_nll(m, valid_ids, d.eval_batch_size, d.bptt, device), cfg.text.level)

    return Prepared(cfg, build_language_model(cfg, num_ids(pipeline)), carried_loss(carry), batches, len(batcher),
                    evaluate, "-loss", f"{len(train_ids):,} train / {len(valid_ids):,} valid tokens, "
                    f"vocab {pipeline.vocab_size}", pipeline, trainer_tensors=carry.tensors,
                    describe=lambda b: f"best valid loss {b['loss']:.4f}, perplexity {b['perplexity']:.2f}")


def _read_order(cfg: LMConfig, ids: torch.Tensor) -> torch.Tensor:
    """The stream as the model reads it: backwards for a backward LM (``data.reverse``)."""
    return ids.flip(0) if cfg.data.reverse else ids


def _rank_rows(batch: Batch) -> Batch:
    """Under torchrun each rank trains its own share of the B streams (and carries their state)."""
    rank, size = world()
    if size == 1:
        return batch
    mine = rank_share(batch.ids.size(0), rank, size)
    return Batch(batch.ids[mine], batch.lengths[mine], batch.mask[mine], batch.targets[mine])


# -- the loaded model ------------------------------------------------------------------------
def _build(config: LMConfig, ckpt: dict):
    pipeline = TextPipeline.from_json(ckpt["tokenizer_json"], where=str(ckpt["path"]))
    return build_language_model(config, num_ids(pipeline)), {}


class TextGenerator(Restored):
    """A loaded language model: ``generate`` / ``stream`` text, ``evaluate`` perplexity on a file."""

    task, build = TASK, staticmethod(_build)

    def __init__(self, ckpt: dict, device: str = "cpu"):
        super().__init__(ckpt, device)
        p = self.pipeline  # <pad> and <bos> are never targets; <eos> only when lines end with it
        banned = [p.pad_id, p.bos_id] + ([] if uses_eos(self.config) else [p.eos_id])
        self.decoder = _Banned(self.model, banned)

    # -- evaluation ---------------------------------------------------------------------------
    def evaluate(self, data: str | None = None, batch_size: int | None = None) -> dict:
        """loss (nats/token), perplexity, tokens (+ bits_per_char for char models) on a text file."""
        if not data:
            raise DataError("give the text to evaluate on with --data FILE")
        ids = encode_stream(self.pipeline, read_text(data, self.config.data.root), uses_eos(self.config))
        if len(ids) < 2:
            raise DataError(f"{data}: too little text to evaluate")
        d = self.config.data
        report = lm_metrics(*stream_nll(self.model, ids, batch_size or d.eval_batch_size, d.bptt,
                                        self.device), self.config.text.level)
        report["data"] = str(data)
        return report

    @staticmethod
    def format_report(report: dict) -> str:
        lines = [f"tokens: {report['tokens']}", f"loss: {report['loss']:.4f} nats/token",
                 f"perplexity: {report['perplexity']:.2f}"]
        if "bits_per_char" in report:
            lines.append(f"bits per character: {report['bits_per_char']:.4f}")
        return "\n".join(lines)

    # -- generation ---------------------------------------------------------------------------
    def stream(self, prompt: str = "", max_tokens: int = 200, *, temperature: float = 1.0,
               top_k: int | None = None, top_p: float = 1.0, seed: int | None = None,
               num_samples: int = 1, greedy: bool = False, repetition_penalty: float = 1.0,
               no_repeat_ngram_size: int = 0, stop=None) -> Iterator[list[str]]:
        """Yield, token by token, the text piece each of the ``num_samples`` rows adds.

        The prompt is read once to build the state; each new token is one step of the model.
        ``repetition_penalty`` and ``no_repeat_ngram_size`` act on the prompt's and the
        generated ids (``rnnlp.decoding.constraints``); ``stop`` (a string or a list) ends a
        row where one first appears, cut off: text that may begin one is held back until it
        cannot (``rnnlp.decoding.stop``), and the stream ends when every row has stopped.
        Raises ConfigError for an option outside its bounds (``rnnlp.tasks.spec.GENERATE``) or
        an empty stop string.
        """
        from rnnlp.decoding import StopStrings, stream_greedy, stream_sample

        spec.check(spec.GENERATE, dict(max_tokens=max_tokens, temperature=temperature, top_k=top_k, top_p=top_p,
                                       seed=seed, num_samples=num_samples, greedy=greedy, stop=stop,
                                       repetition_penalty=repetition_penalty,
                                       no_repeat_ngram_size=no_repeat_ngram_size))
        stops = StopStrings(stop, num_samples)
        decoder, state, last, renderer = self.start(prompt, num_samples, repetition_penalty, no_repeat_ngram_size)
        with torch.no_grad():
            if greedy:
                steps = stream_greedy(decoder, state, last, -1, max_tokens, num_samples)
            else:
                steps = stream_sample(decoder, state, last, -1, max_tokens, num_samples, temperature,
                                      top_k, top_p, seeded_generator(seed, self.device))
            for ids in steps:
                yield stops.feed(renderer.pieces(ids.tolist()))
                if stops.done:
                    return
        tail = stops.flush()
        if any(tail):
            yield tail

    def generate(self, prompt: str | list[str] = "", max_tokens: int = 200, *, temperature: float = 1.0,
                 top_k: int | None = None, top_p: float = 1.0, seed: int | None = None,
                 num_samples: int = 1, greedy: bool = False, beam_size: int | None = None,
                 repetition_penalty: float = 1.0, no_repeat_ngram_size: int = 0, stop=None):
        """The continuation of ``prompt`` (the prompt itself not repeated): a str, or a list of
        ``num_samples`` strs when ``num_samples`` > 1; a list of prompts gives a list of those,
        each prompt generated alone (with the same ``seed``). ``beam_size`` runs beam search
        and returns its ``num_samples`` best sequences; ``greedy`` the argmax path; else
        sampling. The other options are those of ``stream``; InputError for a None prompt."""
        prompts, single = one_or_many.items(prompt, "prompt", lambda v: isinstance(v, str), _check_prompt)
        options = dict(temperature=temperature, top_k=top_k, top_p=top_p, seed=seed, num_samples=num_samples,
                       greedy=greedy, repetition_penalty=repetition_penalty,
                       no_repeat_ngram_size=no_repeat_ngram_size, stop=stop)
        spec.check(spec.GENERATE, dict(options, max_tokens=max_tokens, beam_size=beam_size))
        if beam_size:
            found = [self._beam(p, max_tokens, beam_size, **options) for p in prompts]
        else:
            found = [self._sampled(p, max_tokens, options) for p in prompts]
        return one_or_many.result(found, single)

    def _sampled(self, prompt: str, max_tokens: int, options: dict):
        rows = [""] * options["num_samples"]
        for pieces in self.stream(prompt, max_tokens, **options):
            rows = [row + piece for row, piece in zip(rows, pieces)]
        return rows[0] if options["num_samples"] == 1 else rows

    def _beam(self, prompt, max_tokens, beam_size, *, num_samples, repetition_penalty, no_repeat_ngram_size,
              stop, **ignored):
        from rnnlp.decoding import StopStrings, beam_search

        if num_samples > beam_size:
            raise ConfigError(f"num_samples must be <= beam_size ({beam_size}) with beam search, got {num_samples}")
        stops = StopStrings(stop, 1)
        decoder, state, last, renderer = self.start(prompt, 1, repetition_penalty, no_repeat_ngram_size)
        with torch.no_grad():
            hyps = beam_search(decoder, state, bos_id=last, eos_id=-1, beam_size=beam_size,
                               max_len=max_tokens, n_best=num_samples)[0]
        texts = []
        for ids, _ in hyps:
            renderer.reset()
            texts.append(stops.cut("".join(renderer.pieces([i])[0] for i in ids)))
        return texts[0] if num_samples == 1 else texts

    def prompt_ids(self, prompt: str) -> list[int]:
        """The ids the model reads for ``prompt``; the last one is decoding's first input
        (``<bos>`` alone for an empty prompt; a prompt's last line goes on, unended)."""
        eos = uses_eos(self.config)
        ids = encode_stream(self.pipeline, prompt, eos).tolist() if prompt else [self.pipeline.bos_id]
        if prompt and eos and not prompt.endswith("\n"):
            ids = ids[:-1]
        return ids

    def start(self, prompt: str, rows: int, repetition_penalty: float = 1.0, no_repeat_ngram_size: int = 0):
        """``prime``, and the decoder to step: ``self.decoder``, or with the repetition rules
        a ``Constrained`` one whose state also carries the prompt's ids:
        (decoder, state, last ids, renderer)."""
        from rnnlp.decoding.constraints import Constrained, active, check_rules

        check_rules(repetition_penalty, no_repeat_ngram_size)
        state, last, renderer = self.prime(prompt, rows)
        if not active(repetition_penalty, no_repeat_ngram_size):
            return self.decoder, state, last, renderer
        history = torch.tensor([self.prompt_ids(prompt)[:-1]] * rows, dtype=torch.long, device=self.device)
        decoder = Constrained(self.decoder, repetition_penalty, no_repeat_ngram_size)
        return decoder, decoder.start(state, history), last, renderer

    def prime(self, prompt: str, rows: int):
        """Run the prompt once: (state for ``rows`` rows, last ids LongTensor rows, renderer)."""
        ids = self.prompt_ids(prompt)
        words = [i for i in ids[1:] if i != self.pipeline.eos_id]
        # older checkpoints may hold <unk> off id 1 (see num_ids): ask the tokenizer
        unk = self.pipeline.tokenizer.token_to_id("<unk>")
        if words and all(i in (unk, self.pipeline.unk_id) for i in words):
            say(f"warning: every token of the prompt {prompt!r} is unknown to the model (read as <unk>)")
        state = None
        if len(ids) > 1:
            with torch.no_grad():
                _, state = self.model(torch.tensor([ids[:-1]], device=self.device))
            state = self.model.reorder_state(state, torch.zeros(rows, dtype=torch.long))
        last = torch.full((rows,), ids[-1], dtype=torch.long, device=self.device)
        at_start = ids[-1] in (self.pipeline.bos_id, self.pipeline.eos_id)
        return state, last, _Renderer(self.pipeline, rows, at_start)


def _check_prompt(value, where: str) -> None:
    """A prompt is a string; an empty one starts from ``<bos>``."""
    if not isinstance(value, str):
        raise InputError(f"{where} must be a string, got {type(value).__name__}")


class _Banned:
    """The model as a Decoder that never proposes ids training never had as targets."""

    def __init__(self, model, banned: list[int]):
        self.model, self.banned = model, torch.tensor(banned, dtype=torch.long)

    def step(self, prev_ids, state):
        log_probs, state = self.model.step(prev_ids, state)
        return log_probs.index_fill(1, self.banned.to(log_probs.device), float("-inf")), state

    def reorder_state(self, state, index):
        return self.model.reorder_state(state, index)


class _Renderer:
    """Token ids -> text pieces, per row: words spaced, chars joined, <eos> a newline."""

    def __init__(self, pipeline: TextPipeline, rows: int, at_start: bool):
        self.pipeline, self.rows, self.at_start = pipeline, rows, at_start
        self.start = [at_start] * rows

    def reset(self) -> None:
        self.start = [self.at_start] * self.rows

    def pieces(self, ids: list[int]) -> list[str]:
        out = []
        for row, i in enumerate(ids):
            out.append(self._piece(row, i))
        return out

    def _piece(self, row: int, i: int) -> str:
        p = self.pipeline
        if i == p.eos_id:
            self.start[row] = True
            return "\n"
        if i in (p.pad_id, p.bos_id):
            return ""
        token = p.tokenizer.id_to_token(i) or ""
        if p.level == "char":
            return "\ufffd" if i == p.unk_id else token  # one character for one token
        if p.level == "bpe":
            return token.replace("\u2581", " ")
        piece = token if self.start[row] else " " + token
        self.start[row] = False
        return piece


Loaded = TextGenerator
