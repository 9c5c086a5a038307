"""The HTTP API in-process (FastAPI's TestClient) over every task's tiny checkpoint."""

import base64
import json

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the 'serve' extra (pip install 'rnnlp[serve]') is not installed")

from fastapi.testclient import TestClient  # noqa: E402

from rnnlp.serve.app import Settings, create_app  # noqa: E402
from rnnlp.serve.fields import Limits  # noqa: E402

LIMITS = Limits(max_items=4, max_chars=50, max_tokens=20, max_beam=4, max_image_bytes=50_000, max_body_bytes=100_000,
                max_values=30, max_k=20, max_audio_bytes=40_000, max_audio_seconds=1.0)


def wav_b64(seconds: float, rate: int = 8000) -> str:
    from rnnlp.data.audio import encode_wav

    return base64.b64encode(encode_wav(np.zeros(int(seconds * rate), np.float32), rate)).decode()


@pytest.fixture(scope="module")
def client(models):
    with TestClient(create_app(models, Settings(limits=LIMITS)), raise_server_exceptions=False) as c:
        yield c


def post(client, path, body):
    return client.post(f"/v1/models/{path}", json=body)


def test_health_and_catalog(client, models):
    assert client.get("/health").json() == {"status": "ok", "models": list(models)}
    catalog = client.get("/v1/models").json()
    verbs = {name: m["verbs"] for name, m in catalog["models"].items()}
    assert verbs == {"sentiment": ["predict"], "tagging": ["predict", "tag"], "translation": ["translate"],
                     "lm": ["generate"], "captioning": ["caption"], "recommender": ["recommend"],
                     "series": ["predict"], "speech": ["transcribe"]}
    tagging = catalog["models"]["tagging"]
    assert tagging["task"] == "tagging" and tagging["labels"] == models["tagging"].info()["labels"]
    assert tagging["vocab_sizes"]["pipeline"] > 0 and catalog["rnnlp_version"]


def test_every_verb_equals_the_loaded_model(client, models, images_b64, image_paths):
    m = models
    r = post(client, "sentiment/predict", {"inputs": ["a fine film", "dull"]}).json()
    assert r == {"model": "sentiment", "outputs": m["sentiment"].predict(["a fine film", "dull"])}
    r = post(client, "tagging/tag", {"inputs": ["EU rejects German call", ["Peter", "Blackburn"]]}).json()
    assert r["outputs"] == m["tagging"].predict(["EU rejects German call", ["Peter", "Blackburn"]])
    r = post(client, "translation/translate", {"input": "ein hund", "beam_size": 2}).json()
    assert r["output"] == {"translation": m["translation"].translate(["ein hund"], beam_size=2)[0]}
    r = post(client, "lm/generate", {"input": "the", "max_tokens": 8, "greedy": True}).json()
    assert r["output"]["text"] == m["lm"].generate("the", 8, greedy=True)
    r = post(client, "captioning/caption", {"inputs": images_b64[:2], "beam_size": 2}).json()
    assert [o["caption"] for o in r["outputs"]] == m["captioning"].caption(image_paths[:2], beam_size=2)


def test_translation_n_best_and_attention(client, models):
    r = post(client, "translation/translate", {"input": "ein hund", "beam_size": 3, "n_best": 2}).json()["output"]
    expected = models["translation"].translate_n_best(["ein hund"], beam_size=3, n_best=2)[0]
    assert r["n_best"] == [{"text": t, "score": s} for t, s in expected] and r["translation"] == expected[0][0]
    r = post(client, "translation/translate", {"input": "ein hund", "attention": True}).json()["output"]
    att = models["translation"].attention("ein hund")
    assert r["source_tokens"] == att["source_tokens"] and r["translation"] == att["translation"]
    assert len(r["weights"]) == len(r["target_tokens"]) and len(r["weights"][0]) == len(r["source_tokens"])


def test_streaming_sends_the_seeded_text_token_by_token(client, models):
    r = post(client, "lm/generate", {"input": "the", "max_tokens": 6, "seed": 7, "stream": True})
    assert r.headers["content-type"].startswith("text/event-stream")
    events = [json.loads(line[6:]) for line in r.text.splitlines() if line.startswith("data: ")]
    assert len(events) == 7 and events[-1]["done"]
    expected = models["lm"].generate("the", 6, seed=7)
    assert "".join(e["token"] for e in events[:-1]) == events[-1]["text"] == expected


BAD = [  # (path, body, status, field)
    ("nope/predict", {"input": "x"}, 404, "model"),
    ("sentiment/tag", {"input": "x"}, 404, "verb"),
    ("sentiment/predict", {}, 422, "input"),
    ("sentiment/predict", {"input": "x", "inputs": ["y"]}, 422, "input"),
    ("sentiment/predict", [1, 2], 422, "body"),
    ("sentiment/predict", {"input": 3}, 422, "input"),
    ("sentiment/predict", {"input": "   "}, 422, "input"),
    ("sentiment/predict", {"inputs": []}, 422, "inputs"),
    ("sentiment/predict", {"inputs": "text"}, 422, "inputs"),
    ("sentiment/predict", {"inputs": ["a", None]}, 422, "inputs[1]"),
    ("sentiment/predict", {"inputs": ["a"] * 5}, 413, "inputs"),
    ("sentiment/predict", {"input": "x" * 51}, 413, "input"),
    ("sentiment/predict", {"input": "x", "temperature": 1}, 422, "temperature"),
    ("tagging/tag", {"input": []}, 422, "input"),
    ("tagging/tag", {"input": ["EU", 3]}, 422, "input[1]"),
    ("translation/translate", {"input": "x", "beam_size": "2"}, 422, "beam_size"),
    ("translation/translate", {"input": "x", "beam_size": 5}, 413, "beam_size"),  # past --max-beam 4
    ("translation/translate", {"input": "x", "beam_size": 101}, 422, "beam_size"),  # past the bound
    ("translation/translate", {"input": "x", "beam_size": 2, "n_best": 3}, 422, "n_best"),
    ("translation/translate", {"input": "x", "attention": "yes"}, 422, "attention"),
    ("lm/generate", {"input": "the", "max_tokens": 21}, 413, "max_tokens"),
    ("lm/generate", {"input": "the", "max_tokens": 0}, 422, "max_tokens"),
    ("lm/generate", {"input": "the", "max_tokens": True}, 422, "max_tokens"),
    ("lm/generate", {"input": "the", "temperature": 0}, 422, "temperature"),
    ("lm/generate", {"input": "the", "top_p": 1.5}, 422, "top_p"),
    ("lm/generate", {"input": "the", "top_k": 0}, 422, "top_k"),
    ("lm/generate", {"input": "the", "seed": -1}, 422, "seed"),
    ("lm/generate", {"inputs": ["a", "b"], "stream": True}, 422, "inputs"),
    ("captioning/caption", {"input": "not base64!"}, 422, "input"),
    ("captioning/caption", {"input": "aGVsbG8="}, 422, "input"),
    ("captioning/caption", {"input": "/etc/passwd"}, 422, "input"),
    ("captioning/caption", {"input": "A" * 70_000}, 413, "input"),
    ("recommender/recommend", {"input": 5}, 422, "input"),
    ("recommender/recommend", {"input": []}, 422, "input"),
    ("recommender/recommend", {"input": "   "}, 422, "input"),
    ("recommender/recommend", {"inputs": [["i05"], ["i05", 1.5]]}, 422, "inputs[1][1]"),
    ("recommender/recommend", {"input": ["i05"] * 31}, 413, "input"),
    ("recommender/recommend", {"input": "i05", "top_k": 0}, 422, "top_k"),
    ("recommender/recommend", {"input": "i05", "k": 0}, 422, "top_k"),  # the old name, still read
    ("recommender/recommend", {"input": "i05", "top_k": 21}, 413, "top_k"),
    ("recommender/recommend", {"input": "i05", "exclude_seen": 1}, 422, "exclude_seen"),
    ("recommender/recommend", {"input": "i05", "beam_size": 2}, 422, "beam_size"),
    ("recommender/recommend", {"input": "nobody knows"}, 422, "input"),  # no item the model knows
    ("series/predict", {"input": "1 2 3"}, 422, "input"),
    ("series/predict", {"input": []}, 422, "input"),
    ("series/predict", {"input": [1, "2"]}, 422, "input[1]"),
    ("series/predict", {"input": [1, True]}, 422, "input[1]"),
    ("series/predict", {"input": [[1, 2], [3]]}, 422, "input[1]"),
    ("series/predict", {"input": [0.5] * 31}, 413, "input"),
    ("series/predict", {"input": [1, None, 2]}, 422, "input"),  # a gap inside: the model's own check
    ("series/predict", {"input": [[1, 2], [3, 4]]}, 422, "input"),  # 2 channels; it was trained on 1
    ("speech/transcribe", {"input": "not base64!"}, 422, "input"),
    ("speech/transcribe", {"input": "aGVsbG8="}, 422, "input"),  # "hello": not a wav
    ("speech/transcribe", {"input": "/tmp/clip.wav"}, 422, "input"),  # never a server-side path
    ("speech/transcribe", {"inputs": [wav_b64(0.5), wav_b64(0)]}, 422, "inputs[1]"),  # no samples
    ("speech/transcribe", {"input": wav_b64(1.5)}, 413, "input"),  # 1.5 s > max_audio_seconds
    ("speech/transcribe", {"input": "A" * 60_000}, 413, "input"),  # > max_audio_bytes
    ("speech/transcribe", {"input": wav_b64(0.5), "beam_size": 5}, 413, "beam_size"),
    ("speech/transcribe", {"input": wav_b64(0.5), "beam_size": "2"}, 422, "beam_size"),
    ("speech/transcribe", {"input": wav_b64(0.5), "n_best": 2}, 422, "n_best"),
]


@pytest.mark.parametrize("path,body,status,field", BAD, ids=[f"{p}:{f}:{i}" for i, (p, _, _, f) in enumerate(BAD)])
def test_bad_requests_get_a_4xx_naming_the_field(client, path, body, status, field):
    r = post(client, path, body)
    assert r.status_code == status, r.text
    assert r.json()["field"] == field and "\n" not in r.json()["error"]


@pytest.mark.parametrize("content,status,field", [(b"{not json", 400, "body"), (b"\xff\xfe", 400, "body"),
                                                  (b"[" * 100_001, 413, "body")])
def test_malformed_or_oversized_bodies(client, content, status, field):
    r = client.post("/v1/models/sentiment/predict", content=content, headers={"content-type": "application/json"})
    assert (r.status_code, r.json()["field"]) == (status, field)


def test_unknown_routes_and_methods_are_json(client):
    assert client.get("/v1/nothing").json()["field"] == "path"
    r = client.get("/v1/models/sentiment/predict")
    assert r.status_code == 405 and r.json()["field"] == "path"


def test_a_failing_model_call_fails_only_its_request(client, models, monkeypatch):
    def broken(texts):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(models["sentiment"], "predict", broken)
    r = post(client, "sentiment/predict", {"input": "fine"})
    assert r.status_code == 500 and r.json() == {"error": "server: internal error: RuntimeError: boom",
                                                 "field": "server"}
    assert 'rnnlp_requests_total{model="sentiment",verb="predict",code="500"} 1' in client.get("/metrics").text
    monkeypatch.undo()
    assert post(client, "sentiment/predict", {"input": "fine"}).status_code == 200


def test_metrics_are_prometheus_text(client):
    post(client, "sentiment/predict", {"inputs": ["a", "b"]})
    text = client.get("/metrics").text
    assert 'rnnlp_requests_total{model="sentiment",verb="predict",code="200"}' in text
    assert '# TYPE rnnlp_request_seconds histogram' in text
    assert 'rnnlp_batch_size_bucket{model="sentiment",verb="predict",le="2"}' in text
    assert 'rnnlp_request_seconds_count{model="sentiment",verb="predict"}' in text


def test_api_key_is_required_except_for_health_and_the_page(models):
    app = create_app({"sentiment": models["sentiment"]}, Settings(api_key="s3cret"))
    with TestClient(app) as c:
        assert c.get("/health").status_code == 200 and c.get("/").status_code == 200
        assert c.get("/v1/models").status_code == 401
        bad = c.get("/v1/models", headers={"Authorization": "Bearer wrong"})
        assert bad.status_code == 401 and bad.json()["field"] == "authorization"
        assert c.get("/v1/models", headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_cors_is_off_unless_asked(models):
    origin = {"Origin": "http://example.test"}
    with TestClient(create_app({"sentiment": models["sentiment"]})) as c:
        assert "access-control-allow-origin" not in c.get("/health", headers=origin).headers
    with TestClient(create_app({"sentiment": models["sentiment"]},
                               Settings(cors_origins=("http://example.test",)))) as c:
        assert c.get("/health", headers=origin).headers["access-control-allow-origin"] == "http://example.test"


def test_a_slow_request_times_out_with_504_and_the_server_goes_on(models, monkeypatch):
    import time

    model = models["sentiment"]
    real = type(model).predict
    monkeypatch.setattr(type(model), "predict", lambda self, texts: time.sleep(0.5) or real(self, texts))
    with TestClient(create_app({"sentiment": model}, Settings(timeout_s=0.1)), raise_server_exceptions=False) as c:
        r = post(c, "sentiment/predict", {"input": "fine"})
        assert r.status_code == 504 and r.json() == {"error": "timeout: no result within 0.1 s", "field": "timeout"}
        monkeypatch.undo()
        time.sleep(0.5)  # the timed-out call still finishes on the model's thread
        assert post(c, "sentiment/predict", {"input": "fine"}).status_code == 200


def test_a_timed_out_generation_stops_at_its_next_token(models, monkeypatch):
    """Per-request deadline: once every request of a running batch has timed out, generation stops
    (the verb checks between tokens) instead of running on to max_tokens for nobody."""
    import time

    model, steps = models["lm"], []

    def slow_stream(self, prompt, max_tokens=200, **options):
        for _ in range(max_tokens):
            time.sleep(0.02)
            steps.append(1)
            yield ["x"]

    with TestClient(create_app({"lm": model}, Settings(timeout_s=0.2)), raise_server_exceptions=False) as c:
        while c.get("/health/ready").status_code != 200:  # the warm-up item runs at full speed
            time.sleep(0.05)
        monkeypatch.setattr(type(model), "stream", slow_stream)
        r = post(c, "lm/generate", {"input": "the", "max_tokens": 200})
        assert r.status_code == 504
        time.sleep(0.5)
        assert 5 <= len(steps) <= 20  # about 0.2 s of tokens, never the 200 asked for (4 s)


class Toy:
    """A loaded model of a task the server has no row for: served through its ``predict``."""

    task = "toy"

    def info(self):
        return {"task": "toy"}

    def predict(self, items):
        import numpy as np

        return [np.arange(len(x)) for x in items]


def test_a_task_without_a_row_is_served_through_predict():
    with TestClient(create_app({"toy": Toy()})) as c:
        assert c.get("/v1/models").json()["models"]["toy"] == {"task": "toy", "verbs": ["predict"]}
        assert post(c, "toy/predict", {"inputs": ["ab", [1, 2, 3]]}).json()["outputs"] == [[0, 1], [0, 1, 2]]
        assert post(c, "toy/predict", {"input": "x" * 10_001}).json()["field"] == "input"
