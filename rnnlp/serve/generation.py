"""Streaming generation with continuous batching: concurrent streams share each LSTM step.

Every active stream is one row. Each step concatenates the rows' states, runs the model once
for all of them, and picks every row's next token in one batched ``choose_rows`` (one softmax
and inverse-CDF search for all rows), each row's uniform drawn from that row's own generator
(seeded per request), so a seed gives the same text whatever else is in the batch. Streams join and
leave between steps. Steps run on the model's worker thread (``Batcher.call``), interleaved
with the model's other batches.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import torch

from rnnlp.decoding.sampling import RowSampler, choose_rows, seeded_generator
from rnnlp.serve.batcher import Batcher
from rnnlp.serve.metrics import Metrics
from rnnlp.tasks import spec


class StreamError(str):
    """Put on a row's queue instead of a piece when a step failed: the stream ends with it."""


@dataclass
class Row:
    """One stream: its recurrent state, last token, sampler, and the queue its pieces go to."""

    state: object
    last: torch.Tensor            # LongTensor 1
    renderer: object
    sampler: RowSampler           # how it picks its tokens (its options and generator)
    left: int                     # tokens still to produce
    out: asyncio.Queue = field(default_factory=asyncio.Queue)
    closed: bool = False          # the client went away


def cat_states(states: list):
    """One batch state from per-row LSTM states (batch on dim 1); None rows are zeros (the
    initial state of torch's RNNs)."""
    known = next((s for s in states if s is not None), None)
    if known is None:
        return None
    filled = [s if s is not None else _zeros_like(known) for s in states]
    return _cat(filled)


def row_of(state, i: int):
    """Row ``i`` of a batch state (batch on dim 1) as a view: no copy and no index tensor per row
    and step; the next step's ``cat_states`` copies it."""
    if isinstance(state, torch.Tensor):
        return state[:, i: i + 1]
    return type(state)(row_of(s, i) for s in state)


def _zeros_like(state):
    if isinstance(state, torch.Tensor):
        return torch.zeros_like(state)
    return type(state)(_zeros_like(s) for s in state)


def _cat(states: list):
    first = states[0]
    if isinstance(first, torch.Tensor):
        return torch.cat(states, dim=1)
    return type(first)(_cat([s[i] for s in states]) for i in range(len(first)))


class StreamEngine:
    """The continuous batcher of one language model."""

    def __init__(self, name: str, model, batcher: Batcher, metrics: Metrics, max_streams: int = 64):
        self.name, self.model, self.batcher, self.metrics = name, model, batcher, metrics
        self.max_streams = max_streams
        self.rows: list[Row] = []
        self.wake = asyncio.Event()
        self.task: asyncio.Task | None = None

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self.task:
            self.task.cancel()

    async def open(self, prompt: str, options: dict) -> Row:
        """Prime a stream on ``prompt`` (on the model's thread) and add it to the next step."""
        row = await self.batcher.call(self._prime, prompt, options)
        self.rows.append(row)
        self.wake.set()
        return row

    def _prime(self, prompt: str, o: dict) -> Row:
        spec.check(spec.GENERATE, {k: o[k] for k in ("max_tokens", "temperature", "top_k", "top_p", "seed")})
        state, last, renderer = self.model.prime(prompt, 1)
        sampler = RowSampler(greedy=True) if o["greedy"] else RowSampler(
            o["temperature"], o["top_k"], o["top_p"], seeded_generator(o["seed"], self.model.device))
        return Row(state, last, renderer, sampler, o["max_tokens"])

    async def _loop(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            while self.rows:
                rows = [r for r in self.rows if not r.closed][: self.max_streams]
                try:
                    pieces = await self.batcher.call(self._step, rows) if rows else []
                except Exception as exc:  # noqa: BLE001 - find the row that fails; the others go on
                    rows, pieces = await self._alone(rows, exc)
                self._deliver(rows, pieces)

    async def _alone(self, rows: list[Row], exc: Exception) -> tuple[list[Row], list[str]]:
        """After a failed step, each row steps alone: a row that fails again ends its own stream
        with the error; the rows that step fine keep their pieces (a request's failure is its own)."""
        if len(rows) == 1:
            self._fail(rows, exc)
            return [], []
        kept, pieces = [], []
        for row in rows:
            try:
                pieces += await self.batcher.call(self._step, [row])
                kept.append(row)
            except Exception as alone:  # noqa: BLE001
                self._fail([row], alone)
        return kept, pieces

    def _deliver(self, rows: list[Row], pieces: list[str]) -> None:
        """Each row's piece to its queue (then None when it is complete); finished rows leave."""
        for row, piece in zip(rows, pieces):
            row.left -= 1
            row.out.put_nowait(piece)
            if not row.left:
                row.out.put_nowait(None)
        self.metrics.tokens[self.name] += len(rows)
        if rows:
            self.metrics.batch(self.name, "generate-stream", len(rows))
        self.rows = [r for r in self.rows if r.left and not r.closed]

    def _fail(self, rows: list[Row], exc: Exception) -> None:
        for row in rows:
            row.out.put_nowait(StreamError(f"{type(exc).__name__}: {exc}".splitlines()[0]))
            row.closed = True
        self.rows = [r for r in self.rows if not r.closed]

    def _step(self, rows: list[Row]) -> list[str]:
        """One model step for every row: the text piece each row adds."""
        with torch.no_grad():
            state = cat_states([r.state for r in rows])
            log_probs, state = self.model.decoder.step(torch.cat([r.last for r in rows]), state)
            ids = choose_rows(log_probs, [r.sampler for r in rows])
            pieces = [row.renderer.pieces(ids[i: i + 1].tolist())[0] for i, row in enumerate(rows)]
            for i, row in enumerate(rows):  # only once every row has its piece: a failed step changes none
                row.last = ids[i: i + 1]
                row.state = row_of(state, i)
        return pieces
