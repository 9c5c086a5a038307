"""Issue 28 (serve under attack and in production), the parts built so far: every malformed request
is a 4xx, bounded numbers and nesting, JSON only, metrics labels from configured names, browser
origins, operator endpoints, request ids, and one stream's failure ending only that stream."""

import asyncio
import json
import re
import time

import pytest

pytest.importorskip("fastapi", reason="the 'serve' extra (pip install 'rnnlp[serve]') is not installed")

from fastapi.testclient import TestClient  # noqa: E402

from rnnlp.serve.app import Settings, create_app  # noqa: E402

JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def client(models):
    settings = Settings(api_key="k", cors_origins=("https://app.example",))
    with TestClient(create_app(models, settings), raise_server_exceptions=False) as c:
        c.headers.update({"authorization": "Bearer k"})
        yield c


def raw(client, path, body: bytes, headers=JSON):
    return client.post(f"/v1/models/{path}", content=body, headers=headers)


@pytest.mark.parametrize("path, body, status, field", [
    ("lm/generate", b'{"input": "the", "temperature": NaN}', 400, "body"),
    ("lm/generate", b'{"input": "the", "temperature": Infinity}', 400, "body"),
    ("lm/generate", b'{"input": "the", "temperature": 1e-300}', 422, "temperature"),
    ("lm/generate", b'{"input": "the", "max_tokens": 1' + b"0" * 5000 + b"}", 400, "body"),
    ("sentiment/predict", b'{"input": "\\ud800 film"}', 422, "input"),
    ("tagging/tag", b'{"input": "Paris \\udfff"}', 422, "input"),
    ("translation/translate", b'{"input": "ein \\ud800"}', 422, "input"),
    ("lm/generate", b'{"input": "\\ud800"}', 422, "input"),
    ("sentiment/predict", b"[" * 100_000, 400, "body"),
])
def test_malformed_requests_are_4xx_naming_the_field(client, path, body, status, field):
    r = raw(client, path, body)
    assert (r.status_code, r.json()["field"]) == (status, field), r.text


def test_a_body_that_is_not_json_is_415(client):
    r = raw(client, "sentiment/predict", b'{"input": "a fine film"}', {"content-type": "text/plain"})
    assert r.status_code == 415 and r.json()["field"] == "content-type"
    assert raw(client, "sentiment/predict", b'{"input": "a fine film"}').status_code == 200


def test_metrics_labels_come_only_from_configured_names(client):
    for i in range(20):
        client.post(f"/v1/models/nope{i}/predict", json={"input": "x"})
        client.post(f"/v1/models/sentiment/verb{i}", json={"input": "x"})
    text = client.get("/metrics").text
    assert "nope" not in text and "verb1" not in text
    assert 'model="unknown",verb="unknown",code="404"} 20' in text
    assert 'model="sentiment",verb="unknown",code="404"} 20' in text


def test_browser_origins_preflight_and_request_ids(client):
    ok = client.options("/v1/models/sentiment/predict", headers={
        "origin": "https://app.example", "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type"})
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == "https://app.example"
    evil = client.post("/v1/models/sentiment/predict", json={"input": "x"}, headers={"origin": "https://evil.example"})
    assert evil.status_code == 403 and evil.json()["field"] == "origin"
    mine = client.get("/health", headers={"x-request-id": "abc-123"})
    assert mine.headers["x-request-id"] == "abc-123"
    assigned = client.get("/health", headers={"x-request-id": "no spaces allowed"}).headers["x-request-id"]
    assert len(assigned) == 32 and assigned != "no spaces allowed"


def test_operator_endpoints_and_no_server_paths(client, models):
    assert client.get("/health/live").json() == {"status": "ok"}
    for _ in range(200):  # ready once every model answered its warm-up item
        ready = client.get("/health/ready")
        if ready.status_code == 200:
            break
        time.sleep(0.05)
    assert ready.json() == {"status": "ready", "models": list(models)}
    catalog = json.dumps(client.get("/v1/models").json())
    assert not re.search(r'"/[^"]*"', catalog), "an absolute server path in /v1/models"
    one = client.get("/v1/models/sentiment").json()
    assert one["task"] == "sentiment" and one["verbs"] == ["predict"] and one["limits"]["max_items"] == 64
    assert len(one["weights_sha256"]) == 64 and not re.search(r'"/[^"]*"', json.dumps(one))
    assert client.get("/v1/models/nope").status_code == 404


def test_one_failing_stream_ends_alone_and_the_others_go_on():
    """A step that fails for one row: that row's stream ends with an error, the others get their piece."""
    from rnnlp.serve.generation import StreamEngine, StreamError

    class Batcher:
        async def call(self, fn, rows):
            if any(r.bad for r in rows):
                raise RuntimeError("index 2 is out of bounds")
            return [f"piece{r.n}" for r in rows]

    class Row:
        def __init__(self, n, bad=False):
            self.n, self.bad, self.out, self.closed, self.left = n, bad, asyncio.Queue(), False, 5

    async def scenario():
        engine = StreamEngine("lm", None, Batcher(), metrics=None)
        rows = [Row(0), Row(1, bad=True), Row(2)]
        kept, pieces = await engine._alone(rows, RuntimeError("batch"))
        return rows, kept, pieces

    rows, kept, pieces = asyncio.run(scenario())
    assert [r.n for r in kept] == [0, 2] and pieces == ["piece0", "piece2"]
    failed = rows[1].out.get_nowait()
    assert isinstance(failed, StreamError) and "out of bounds" in failed and rows[1].closed
    assert rows[0].out.empty() and not rows[0].closed


def test_declared_sizes_are_refused_before_any_decoding(models):
    """A small PNG declaring many pixels, a wav declaring a huge rate or many channels: 413 from the
    header alone (the review's 13000 x 13000 PNG took 650 MB and blocked /health for 2.7 s)."""
    import base64
    import io
    import wave

    from PIL import Image

    from rnnlp.serve.fields import Limits

    png = io.BytesIO()
    Image.new("1", (1200, 1000)).save(png, format="PNG")  # 1.2 M pixels in a few hundred bytes
    limits = Limits(max_pixels=1_000_000)
    with TestClient(create_app(models, Settings(limits=limits)), raise_server_exceptions=False) as c:
        r = c.post("/v1/models/captioning/caption", json={"input": base64.b64encode(png.getvalue()).decode()})
        assert r.status_code == 413 and "1200 x 1000 pixels" in r.json()["error"]
        for rate, channels, message in [(1_000_003, 1, "sample rate of 1000003 Hz"), (8000, 12, "12 channels")]:
            clip = io.BytesIO()
            with wave.open(clip, "wb") as f:
                f.setnchannels(channels)
                f.setsampwidth(2)
                f.setframerate(rate)
                f.writeframes(b"\0\0" * channels * 10)
            r = c.post("/v1/models/speech/transcribe", json={"input": base64.b64encode(clip.getvalue()).decode()})
            assert r.status_code == 413 and message in r.json()["error"], r.text


def test_a_full_queue_is_a_429_with_retry_after(models):
    settings = Settings(max_queue=1, timeout_s=5)
    with TestClient(create_app(models, settings), raise_server_exceptions=False) as c:
        batcher = c.app.state.server.batchers["sentiment"]
        batcher.queue.qsize = lambda: 1  # one request already waiting (the worker is busy elsewhere)
        r = c.post("/v1/models/sentiment/predict", json={"input": "a fine film"})
        assert r.status_code == 429 and r.headers["retry-after"] == "1" and r.json()["field"] == "queue"
        del batcher.queue.qsize
        assert c.post("/v1/models/sentiment/predict", json={"input": "a fine film"}).status_code == 200


def test_the_openapi_document_lists_exactly_the_fields_the_server_accepts(client, models):
    from rnnlp.serve.verbs import VERBS

    doc = client.get("/openapi.json").json()
    for name, model in models.items():
        for verb_name, verb in VERBS[model.task].items():
            schema = doc["paths"][f"/v1/models/{name}/{verb_name}"]["post"]["requestBody"]["content"][
                "application/json"]["schema"]
            assert set(schema["properties"]) == {"input", "inputs", *verb.known}
            unknown = client.post(f"/v1/models/{name}/{verb_name}", json={"input": "x", "nope": 1})
            assert unknown.status_code == 422 and unknown.json()["field"] == "nope"  # a field it does not list
    assert "/v1/models/lm/generate" in client.get("/docs").text
    beam = doc["paths"]["/v1/models/translation/translate"]["post"]["requestBody"]["content"]["application/json"][
        "schema"]["properties"]["beam_size"]
    assert (beam["type"], beam["minimum"], beam["maximum"], beam["x-rnnlp-limit"]) == ("integer", 1, 100, 16)
    top_p = doc["paths"]["/v1/models/lm/generate"]["post"]["requestBody"]["content"]["application/json"][
        "schema"]["properties"]["top_p"]
    assert (top_p["exclusiveMinimum"], top_p["maximum"], top_p["default"]) == (0, 1, 1.0)


def test_only_allowed_host_headers_are_answered(models):
    from rnnlp.cli.serve import default_hosts

    assert default_hosts("127.0.0.1") == default_hosts("localhost") == ("localhost", "127.0.0.1", "::1", "[::1]")
    assert default_hosts("0.0.0.0") == ("*",)
    settings = Settings(allowed_hosts=default_hosts("127.0.0.1"))
    with TestClient(create_app(models, settings), base_url="http://localhost:8000") as c:
        assert c.get("/health").status_code == 200
        for host in ("127.0.0.1:8000", "[::1]:8000", "localhost"):
            assert c.get("/health", headers={"host": host}).status_code == 200, host
        for host in ("attacker.example", "attacker.example:8000", "localhost.attacker.example", ""):
            r = c.post("/v1/models/sentiment/predict", json={"input": "x"}, headers={"host": host})
            assert r.status_code == 400 and r.json()["field"] == "host", host


def test_a_body_that_does_not_arrive_in_time_is_a_408(models):
    import httpx

    from rnnlp.serve.fields import Limits

    async def slow():
        yield b'{"input": '
        await asyncio.sleep(1.5)
        yield b'"a fine film"}'

    async def scenario():
        app = create_app(models, Settings(limits=Limits(body_seconds=0.3)))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
                return await c.post("/v1/models/sentiment/predict", content=slow(), headers=JSON)

    r = asyncio.run(scenario())
    assert r.status_code == 408 and r.json()["field"] == "body"
