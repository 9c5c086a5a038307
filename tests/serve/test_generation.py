"""Continuous batching of concurrent streams: each seeded stream equals its unbatched text."""

import asyncio
import json

import pytest
import torch

pytest.importorskip("fastapi", reason="the 'serve' extra (pip install 'rnnlp[serve]') is not installed")

import httpx  # noqa: E402

from rnnlp.serve.app import Settings, create_app  # noqa: E402
from rnnlp.serve.generation import cat_states  # noqa: E402

STREAMS = [("the", 12, 1), ("", 4, 2), ("a", 8, 3), ("the", 12, 1), ("of the", 1, None)]


async def stream_all(model):
    app = create_app({"lm": model}, Settings())
    server = app.state.server
    await server.start()

    async def one(client, prompt, n, seed):
        body = {"input": prompt, "max_tokens": n, "stream": True}
        body.update({"seed": seed} if seed is not None else {"greedy": True})
        async with client.stream("POST", "/v1/models/lm/generate", json=body) as r:
            return [json.loads(line[6:]) async for line in r.aiter_lines() if line.startswith("data: ")]

    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            found = await asyncio.gather(*(one(c, *s) for s in STREAMS))
    finally:
        await server.stop()
    return found, server.metrics


def test_concurrent_streams_share_steps_and_keep_their_seeded_text(models):
    lm = models["lm"]
    found, metrics = asyncio.run(stream_all(lm))
    for (prompt, n, seed), events in zip(STREAMS, found):
        expected = lm.generate(prompt, n, seed=seed) if seed is not None else lm.generate(prompt, n, greedy=True)
        assert len(events) == n + 1 and events[-1] == {"done": True, "text": expected}
        assert "".join(e["token"] for e in events[:-1]) == expected
    h = metrics.batches[("lm", "generate-stream")]
    assert h.sum / h.total > 1 and metrics.tokens["lm"] == sum(n for _, n, _ in STREAMS)


def test_cat_states_fills_missing_rows_with_the_zero_state():
    h = torch.arange(6.0).reshape(1, 2, 3)
    state = [(h[:, :1], h[:, 1:])]
    joined = cat_states([state, None])
    assert joined[0][0].shape == (1, 2, 3) and torch.equal(joined[0][0][:, 1], torch.zeros(1, 3))
    assert torch.equal(joined[0][1][:, 0], h[:, 1]) and cat_states([None, None]) is None


def test_a_failing_step_ends_its_streams_with_an_error_event_and_the_server_goes_on(models, monkeypatch):
    from rnnlp.serve.generation import StreamEngine

    lm = models["lm"]
    real = StreamEngine._step
    calls = []

    def flaky(self, rows):
        calls.append(len(rows))
        if len(calls) == 2:
            raise RuntimeError("step broke")
        return real(self, rows)

    monkeypatch.setattr(StreamEngine, "_step", flaky)
    app = create_app({"lm": lm}, Settings())

    async def two_streams():
        await app.state.server.start()
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
                broken = await c.post("/v1/models/lm/generate", json={"input": "the", "max_tokens": 5, "stream": True})
                fine = await c.post("/v1/models/lm/generate",
                                    json={"input": "the", "max_tokens": 3, "seed": 1, "stream": True})
        finally:
            await app.state.server.stop()
        return broken.text, fine.text

    broken, fine = asyncio.run(two_streams())
    events = [json.loads(x[6:]) for x in broken.splitlines() if x.startswith("data: ")]
    assert len(events) == 2 and events[-1] == {"error": "server: RuntimeError: step broke", "field": "server"}
    assert json.loads(fine.strip().splitlines()[-1][6:]) == {"done": True, "text": lm.generate("the", 3, seed=1)}
