"""Greedy decoding and sampling (temperature, top-k, top-p), batched, with streaming forms.

``stream_greedy`` / ``stream_sample`` yield the next id of every row at each step, so a CLI
can print tokens as they come; ``greedy`` / ``sample`` collect them into lists. All rows
step together; a row that has produced ``eos_id`` keeps yielding ``eos_id`` until every row
has finished or ``max_len`` steps have run.

To continue a prompt, run the decoder over the prompt yourself and pass its last token
as ``bos_id`` (an int, or a LongTensor B with one per row) and the resulting state.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch

from rnnlp.decoding.protocol import Decoder, first_ids
from rnnlp.errors import ConfigError


def _stream(decoder: Decoder, state, bos_id, eos_id: int, max_len: int, batch_size: int,
            choose: Callable[[torch.Tensor], torch.Tensor]) -> Iterator[torch.Tensor]:
    prev = first_ids(bos_id, batch_size, state)
    finished = torch.zeros(batch_size, dtype=torch.bool, device=prev.device)
    for _ in range(max_len):
        log_probs, state = decoder.step(prev, state)  # B×V
        prev = choose(log_probs).masked_fill(finished, eos_id)
        finished |= prev == eos_id
        yield prev
        if finished.all():
            return


def _check_max_len(max_len: int) -> None:
    if max_len < 1:
        raise ConfigError(f"max_len must be >= 1, got {max_len}")


def stream_greedy(decoder: Decoder, state, bos_id, eos_id: int, max_len: int,
                  batch_size: int = 1) -> Iterator[torch.Tensor]:
    """Yield the argmax next ids (LongTensor B) step by step; see ``greedy``."""
    _check_max_len(max_len)
    return _stream(decoder, state, bos_id, eos_id, max_len, batch_size,
                   lambda log_probs: log_probs.argmax(dim=-1))


def greedy(decoder: Decoder, state, bos_id, eos_id: int, max_len: int,
           batch_size: int = 1) -> list[list[int]]:
    """Pick the most probable token at every step.

    Args:
        decoder: a ``Decoder``.
        state: its initial state for ``batch_size`` rows (may be None).
        bos_id: first input id: int, or LongTensor B (e.g. each row's last prompt token).
            Decoding runs on its device when a tensor, else on the device of ``state``.
        eos_id: the id that ends a row.
        max_len: the most tokens generated per row, ``eos_id`` included.
        batch_size: B, the rows in ``state``.

    Returns:
        B lists of generated ids, without ``bos_id`` and without ``eos_id``.

    Raises:
        ConfigError: max_len < 1.
    """
    return collect(stream_greedy(decoder, state, bos_id, eos_id, max_len, batch_size), eos_id,
                   batch_size)


def filter_top_k(log_probs: torch.Tensor, top_k: int) -> torch.Tensor:
    """Set all but the ``top_k`` largest entries of each row (B×V) to -inf (ties kept)."""
    kth = log_probs.topk(min(top_k, log_probs.shape[-1]), dim=-1).values[:, -1:]
    return log_probs.masked_fill(log_probs < kth, float("-inf"))


def filter_top_p(log_probs: torch.Tensor, top_p: float) -> torch.Tensor:
    """Keep the nucleus: the fewest most probable tokens whose probability reaches ``top_p``.

    Rows of ``log_probs`` (B×V) need not be normalised. The most probable token is always kept.
    """
    sorted_logp, order = log_probs.sort(dim=-1, descending=True)
    probs = torch.softmax(sorted_logp, dim=-1)
    # A token stays if the mass strictly before it is below top_p.
    drop_sorted = (probs.cumsum(dim=-1) - probs) >= top_p
    drop = drop_sorted.scatter(-1, order, drop_sorted)
    return log_probs.masked_fill(drop, float("-inf"))


def check_sampling(temperature: float, top_k, top_p: float) -> None:
    """ConfigError unless temperature > 0, top_p in (0, 1] and top_k >= 1 or None."""
    if temperature <= 0:
        raise ConfigError(
            f"temperature must be > 0, got {temperature}; use greedy decoding instead")
    if not 0 < top_p <= 1:
        raise ConfigError(f"top_p must be in (0, 1], got {top_p}")
    if top_k is not None and top_k < 1:
        raise ConfigError(f"top_k must be >= 1 or None, got {top_k}")


def seeded_generator(seed: int | None, device) -> torch.Generator:
    """A generator seeded with ``seed`` (None: from the OS), on ``device``."""
    gen = torch.Generator(device=device)
    if seed is None:
        gen.seed()
    else:
        gen.manual_seed(seed)
    return gen


@dataclass(frozen=True, eq=False)
class RowSampler:
    """How one row picks its next token: its options and the generator its uniforms come from.

    Rows that share a generator object draw their uniforms from it together, in row order.
    """

    temperature: float = 1.0
    top_k: int | None = None
    top_p: float = 1.0
    generator: torch.Generator | None = None
    greedy: bool = False

    def __post_init__(self):
        if not self.greedy:
            check_sampling(self.temperature, self.top_k, self.top_p)

    @property
    def options(self) -> tuple:
        return self.temperature, self.top_k, self.top_p


def reshape(log_probs: torch.Tensor, temperature: float, top_k, top_p: float) -> torch.Tensor:
    """Divide by ``temperature``, then keep the top-k (None = all) and the top-p nucleus."""
    if temperature != 1:  # x / 1 == x: skip a B×V pass
        log_probs = log_probs / temperature
    if top_k is not None:
        log_probs = filter_top_k(log_probs, top_k)
    if top_p < 1:
        log_probs = filter_top_p(log_probs, top_p)
    return log_probs


BLOCK = 256  # vocabulary ids per block of the two-level inverse-CDF search


def inverse_cdf(probs: torch.Tensor, uniforms: torch.Tensor) -> torch.Tensor:
    """Row b's index i with cdf[i-1] <= u_b * total < cdf[i]: a draw from row b of ``probs``
    (B×V, >= 0, need not sum to 1) given u_b uniform in [0, 1).

    Two levels, so that no B×V cumulative sum is written: the target is first placed among
    the sums of blocks of ``BLOCK`` ids, then among the ids of its block. Sums are float64
    (rare tokens keep their mass over a large vocabulary), and each target stays strictly
    below its total, so a zero-probability id is never picked even when u_b * total rounds up.
    """
    rows, vocab = probs.shape
    full = vocab // BLOCK * BLOCK
    sums = probs[:, :full].reshape(rows, -1, BLOCK).sum(dim=-1, dtype=torch.float64)
    if full < vocab:
        sums = torch.cat([sums, probs[:, full:].sum(dim=-1, keepdim=True, dtype=torch.float64)], dim=1)
    cdf = sums.cumsum(dim=-1)
    target = _below(uniforms.to(torch.float64).unsqueeze(1) * cdf[:, -1:], cdf[:, -1:])
    block = torch.searchsorted(cdf, target, right=True)  # B×1
    before = torch.cat([torch.zeros_like(cdf[:, :1]), cdf[:, :-1]], dim=1).gather(1, block)
    ids = block * BLOCK + torch.arange(BLOCK, device=probs.device)
    inside = probs.gather(1, ids.clamp(max=vocab - 1)).masked_fill(ids >= vocab, 0)
    local = inside.cumsum(dim=-1, dtype=torch.float64)
    rest = _below((target - before).clamp(min=0), local[:, -1:])
    return (block * BLOCK + torch.searchsorted(local, rest, right=True)).squeeze(1)


def _below(target: torch.Tensor, total: torch.Tensor) -> torch.Tensor:
    """``target``, at most the largest float64 below ``total``."""
    return torch.minimum(target, torch.nextafter(total, torch.zeros_like(total)))


def _uniforms(samplers: list[RowSampler], device) -> torch.Tensor:
    """One uniform per row, each from its row's generator (rows sharing one draw together)."""
    by_generator: dict[int, tuple] = {}
    for i, s in enumerate(samplers):
        by_generator.setdefault(id(s.generator), (s.generator, []))[1].append(i)
    if len(by_generator) == 1:
        return torch.rand(len(samplers), generator=samplers[0].generator, dtype=torch.float64,
                          device=device)
    u = torch.empty(len(samplers), dtype=torch.float64, device=device)
    for generator, rows in by_generator.values():
        u[rows] = torch.rand(len(rows), generator=generator, dtype=torch.float64, device=device)
    return u


def _reshaped(scores: torch.Tensor, samplers: list[RowSampler]) -> torch.Tensor:
    """Row j of ``scores`` reshaped by ``samplers[j]``'s options, rows alike in one call."""
    groups: dict[tuple, list[int]] = {}
    for j, s in enumerate(samplers):
        groups.setdefault(s.options, []).append(j)
    if len(groups) == 1:
        return reshape(scores, *samplers[0].options)
    scores = scores.clone()
    for options, members in groups.items():
        scores[members] = reshape(scores[members], *options)
    return scores


def choose_rows(log_probs: torch.Tensor, samplers: list[RowSampler]) -> torch.Tensor:
    """The next id of every row of ``log_probs`` (B×V), row b picked by ``samplers[b]``.

    Rows with the same options are reshaped together; then ONE softmax and ``inverse_cdf``
    serve every sampled row (one uniform each), and a row's draw depends only on its own
    log-probs and its generator's uniform, so a seeded row gives the same ids in any batch.
    """
    rows = [i for i, s in enumerate(samplers) if not s.greedy]
    if len(rows) < len(samplers):
        ids = log_probs.argmax(dim=-1)
        if not rows:
            return ids
    part = [samplers[i] for i in rows]
    scores = _reshaped(log_probs if len(rows) == len(samplers) else log_probs[rows], part)
    drawn = inverse_cdf(torch.softmax(scores, dim=-1), _uniforms(part, log_probs.device))
    if len(rows) == len(samplers):
        return drawn
    ids[rows] = drawn
    return ids


def sample_chooser(temperature: float, top_k, top_p: float, generator):
    """``choose`` (log_probs B×V -> LongTensor B) drawing every row with ``generator``."""
    sampler = RowSampler(temperature, top_k, top_p, generator)
    return lambda log_probs: choose_rows(log_probs, [sampler] * log_probs.shape[0])


def stream_sample(decoder: Decoder, state, bos_id, eos_id: int, max_len: int,
                  batch_size: int = 1, temperature: float = 1.0, top_k: int | None = None,
                  top_p: float = 1.0, generator: torch.Generator | None = None
                  ) -> Iterator[torch.Tensor]:
    """Yield sampled next ids (LongTensor B) step by step; see ``sample``.

    Arguments are checked when called, before the first step.
    """
    _check_max_len(max_len)
    choose = sample_chooser(temperature, top_k, top_p, generator)
    return _stream(decoder, state, bos_id, eos_id, max_len, batch_size, choose)


def sample(decoder: Decoder, state, bos_id, eos_id: int, max_len: int, batch_size: int = 1,
           temperature: float = 1.0, top_k: int | None = None, top_p: float = 1.0,
           generator: torch.Generator | None = None) -> list[list[int]]:
    """Sample each token from the decoder's distribution, reshaped in this order:

    divide log-probs by ``temperature``; keep the ``top_k`` most probable tokens (None = all);
    keep the nucleus of mass ``top_p`` (1 = all); renormalise and draw by inverse CDF with one
    float64 uniform per row and step from ``generator`` (a ``torch.Generator`` on the
    decoder's device; None = torch's global one); a row's draw depends only on its own
    log-probs and its uniform (``choose_rows``).
    Other arguments and the result are as in ``greedy``.

    Raises:
        ConfigError: temperature <= 0 (use greedy), top_p outside (0, 1], top_k < 1,
            max_len < 1.
    """
    stream = stream_sample(decoder, state, bos_id, eos_id, max_len, batch_size, temperature,
                           top_k, top_p, generator)
    return collect(stream, eos_id, batch_size)


def collect(stream: Iterator[torch.Tensor], eos_id: int, batch_size: int) -> list[list[int]]:
    """Turn a stream of per-step ids into B lists, each cut before its first ``eos_id``."""
    steps = [ids.tolist() for ids in stream]
    rows = [[step[b] for step in steps] for b in range(batch_size)]
    return [row[: row.index(eos_id)] if eos_id in row else row for row in rows]
