"""Dynamic batching: concurrent requests to one model run as one batch.

Requests queue up; the batcher takes the first, then gathers more for up to ``max_wait``
seconds or until ``max_batch`` items, groups them by (verb, options) and runs each group as
one call of the verb on all of their items, in the model's own worker thread (one per model,
so torch never runs one model from two threads). While a batch runs, the next one gathers.
A batch that fails is rerun request by request, so one bad item fails only its own request.
A request that times out is never started, and a running batch whose requests have all timed
out is told so (``rnnlp.serve.verbs.abandoned``): generation stops at its next token.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from rnnlp.serve.metrics import Metrics
from rnnlp.serve.verbs import Verb, running


@dataclass
class Job:
    verb: Verb
    options: dict
    items: list
    future: asyncio.Future = field(repr=False)

    @property
    def key(self) -> tuple:
        return self.verb.name, tuple(sorted(self.options.items()))


class Batcher:
    """One model's queue and worker thread; ``start`` it inside the running event loop."""

    def __init__(self, name: str, model, metrics: Metrics, max_batch: int = 32, max_wait: float = 0.005):
        self.name, self.model, self.metrics = name, model, metrics
        self.max_batch, self.max_wait = max_batch, max_wait
        self.executor = ThreadPoolExecutor(1, thread_name_prefix=f"rnnlp-{name}")
        self.queue: asyncio.Queue | None = None
        self.task: asyncio.Task | None = None

    def start(self) -> None:
        self.queue = asyncio.Queue()
        self.task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self.task:
            self.task.cancel()
        self.executor.shutdown(wait=True)

    async def submit(self, verb: Verb, options: dict, items: list) -> list:
        """The verb's outputs for ``items``, computed in a batch with whatever else is queued."""
        future = asyncio.get_running_loop().create_future()
        await self.queue.put(Job(verb, options, items, future))
        return await future

    async def call(self, function, *args):
        """Run ``function(*args)`` on the model's worker thread (streaming, attention...)."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, function, *args)

    async def _loop(self) -> None:
        while True:
            jobs = await self._gather()
            groups: dict[tuple, list[Job]] = {}
            for job in jobs:
                groups.setdefault(job.key, []).append(job)
            for group in groups.values():
                await self._run(group)

    async def _gather(self) -> list[Job]:
        jobs = [await self.queue.get()]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_wait
        while sum(len(j.items) for j in jobs) < self.max_batch:
            try:
                if self.queue.empty() and deadline <= loop.time():
                    break
                jobs.append(self.queue.get_nowait() if not self.queue.empty()
                            else await asyncio.wait_for(self.queue.get(), deadline - loop.time()))
            except asyncio.TimeoutError:
                break
        return jobs

    async def _run(self, group: list[Job]) -> None:
        jobs = [j for j in group if not j.future.done()]  # a timed-out request is not run
        if not jobs:
            return
        items = [x for j in jobs for x in j.items]
        verb, options = jobs[0].verb, jobs[0].options
        gone = threading.Event()  # set once every request of this batch has timed out or gone

        def left(_future) -> None:
            if all(j.future.done() for j in jobs):
                gone.set()

        for job in jobs:
            job.future.add_done_callback(left)
        try:
            outputs = await self.call(running, gone, verb.run, self.model, items, options)
        except Exception as exc:  # noqa: BLE001 - rerun alone below, or fail only this request
            await self._failed(jobs, exc)
            return
        self.metrics.batch(self.name, verb.name, len(items))
        start = 0
        for job in jobs:
            if not job.future.done():
                job.future.set_result(outputs[start: start + len(job.items)])
            start += len(job.items)

    async def _failed(self, jobs: list[Job], exc: Exception) -> None:
        """A failed batch of several requests reruns each alone; a lone request gets the error."""
        if len(jobs) > 1:
            for job in jobs:
                await self._run([job])
        elif not jobs[0].future.done():
            jobs[0].future.set_exception(exc)
