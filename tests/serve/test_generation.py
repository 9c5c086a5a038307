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
