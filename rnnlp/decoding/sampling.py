"""Greedy decoding and sampling (temperature, top-k, top-p), batched, with streaming forms.

``stream_greedy`` / ``stream_sample`` yield the next id of every row at each step, so a CLI
can print tokens as they come; ``greedy`` / ``sample`` collect them into lists. All rows
step together; a row that has produced ``eos_id`` keeps yielding ``eos_id`` until every row
has finished or ``max_len`` steps have run.

To continue a prompt, run the decoder over the prompt yourself and pass its last token
as ``bos_id`` (an int, or a LongTensor B with one per row) and the resulting state.
"""

from collections.abc import Callable, Iterator

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


def sample_chooser(temperature: float, top_k, top_p: float, generator):
    if temperature <= 0:
        raise ConfigError(
            f"temperature must be > 0, got {temperature}; use greedy decoding instead")
    if not 0 < top_p <= 1:
        raise ConfigError(f"top_p must be in (0, 1], got {top_p}")
    if top_k is not None and top_k < 1:
        raise ConfigError(f"top_k must be >= 1 or None, got {top_k}")

    def choose(log_probs: torch.Tensor) -> torch.Tensor:
        log_probs = log_probs / temperature
        if top_k is not None:
            log_probs = filter_top_k(log_probs, top_k)
        if top_p < 1:
            log_probs = filter_top_p(log_probs, top_p)
        probs = torch.softmax(log_probs, dim=-1)
        return torch.multinomial(probs, 1, generator=generator).squeeze(1)

    return choose


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
    keep the nucleus of mass ``top_p`` (1 = all); renormalise and draw with ``generator``
    (a ``torch.Generator`` on the decoder's device; None = torch's global one).
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
