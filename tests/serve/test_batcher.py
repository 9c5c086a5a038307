"""Dynamic batching: concurrent requests run as one batch and get the unbatched results."""

import asyncio

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the 'serve' extra (pip install 'rnnlp[serve]') is not installed")

import httpx  # noqa: E402

from rnnlp.serve.app import Settings, create_app  # noqa: E402

TEXTS = ["a fine film", "dull", "the best movie of the year , truly", "bad", "not good at all", "fun",
         "an utterly boring and long film that never ends", "great acting"]
SENTENCES = ["EU rejects German call", "Peter Blackburn", "BRUSSELS 1996-08-22", "the", "Germany 's representative"]


async def concurrently(models, requests, max_wait_ms=300.0):
    """Send every (path, body) at once; return the responses' JSON and the server's metrics."""
    app = create_app(models, Settings(max_batch=64, max_wait_ms=max_wait_ms))
    server = app.state.server
    await server.start()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://t") as c:
            found = await asyncio.gather(*(c.post(f"/v1/models/{p}", json=b) for p, b in requests))
    finally:
        await server.stop()
    return [r.json() for r in found], server.metrics


def mean_batch(metrics, model, verb):
    h = metrics.batches[(model, verb)]
    return h.sum / h.total


def test_concurrent_requests_share_a_batch_and_equal_unbatched_results(models, images_b64, image_paths, same):
    requests = [("sentiment/predict", {"input": t}) for t in TEXTS]
    requests += [("tagging/tag", {"input": s}) for s in SENTENCES]
    requests += [("translation/translate", {"input": t, "beam_size": 2}) for t in ["ein hund", "eine katze", "ein"]]
    requests += [("captioning/caption", {"input": b, "beam_size": 2}) for b in images_b64]
    requests += [("lm/generate", {"input": p, "max_tokens": 5, "seed": 3}) for p in ["the", "a", "the"]]
    found, metrics = asyncio.run(concurrently(models, requests))
    for model, verb in [("sentiment", "predict"), ("tagging", "tag"), ("translation", "translate"),
                        ("captioning", "caption")]:
        assert mean_batch(metrics, model, verb) > 1, (model, verb)
    sentiment, found = found[:len(TEXTS)], found[len(TEXTS):]
    for text, row in zip(TEXTS, sentiment):  # one at a time, through the loaded model
        [alone] = models["sentiment"].predict([text])
        assert row["output"]["label"] == alone["label"]
        assert np.allclose(list(row["output"]["probabilities"].values()), list(alone["probabilities"].values()),
                           atol=1e-5, rtol=0)
    tags, found = found[:len(SENTENCES)], found[len(SENTENCES):]
    assert same([r["output"] for r in tags], [models["tagging"].predict([s])[0] for s in SENTENCES])
    assert [r["output"]["translation"] for r in found[:3]] == \
        [models["translation"].translate([t], beam_size=2)[0] for t in ["ein hund", "eine katze", "ein"]]
    assert [r["output"]["caption"] for r in found[3:6]] == \
        [models["captioning"].caption([p], beam_size=2)[0] for p in image_paths]
    seeded = models["lm"].generate("the", 5, seed=3)
    assert [r["output"]["text"] for r in found[6:]] == [seeded, models["lm"].generate("a", 5, seed=3), seeded]


def test_concurrent_transcribe_requests_share_a_batch_and_equal_unbatched_results(models, wav_paths):
    import base64

    clips = [base64.b64encode(p.read_bytes()).decode() for p in wav_paths]
    requests = [("speech/transcribe", {"input": c, "beam_size": 2}) for c in clips]
    found, metrics = asyncio.run(concurrently({"speech": models["speech"]}, requests))
    assert mean_batch(metrics, "speech", "transcribe") > 1
    alone = [models["speech"].transcribe(str(p), beam_size=2)[0] for p in wav_paths]
    assert [r["output"] for r in found] == alone and len({a["text"] for a in alone}) > 1


def test_requests_with_other_options_are_not_mixed(models):
    requests = [("translation/translate", {"input": "ein hund", "beam_size": b}) for b in (1, 2, 1, 2)]
    found, metrics = asyncio.run(concurrently({"translation": models["translation"]}, requests))
    expected = {b: models["translation"].translate(["ein hund"], beam_size=b)[0] for b in (1, 2)}
    assert [r["output"]["translation"] for r in found] == [expected[b] for b in (1, 2, 1, 2)]
    assert mean_batch(metrics, "translation", "translate") == 2


def test_one_bad_item_fails_only_its_request(models, monkeypatch):
    model = models["sentiment"]
    real = type(model).predict

    def picky(self, texts):
        if "poison" in texts:
            raise RuntimeError("poisoned")
        return real(self, texts)

    monkeypatch.setattr(type(model), "predict", picky)
    requests = [("sentiment/predict", {"input": t}) for t in ["fine", "poison", "dull"]]
    found, metrics = asyncio.run(concurrently({"sentiment": model}, requests))
    assert found[1]["field"] == "server" and "poisoned" in found[1]["error"]
    assert [found[0]["output"]["label"], found[2]["output"]["label"]] == [r["label"] for r in real(model, ["fine", "dull"])]


def test_no_wait_still_batches_what_is_queued(models):
    requests = [("sentiment/predict", {"input": t}) for t in TEXTS]
    found, _ = asyncio.run(concurrently({"sentiment": models["sentiment"]}, requests, max_wait_ms=0))
    assert [r["output"]["label"] for r in found] == [r["label"] for r in models["sentiment"].predict(TEXTS)]
