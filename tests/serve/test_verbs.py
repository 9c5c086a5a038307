"""The recommend, series and transcribe verbs over the in-process API: each equals the loaded model's own call."""

import base64
import io
import wave

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the 'serve' extra (pip install 'rnnlp[serve]') is not installed")

from fastapi.testclient import TestClient  # noqa: E402

from rnnlp.serve.app import create_app  # noqa: E402


@pytest.fixture(scope="module")
def client(models):
    served = {name: models[name] for name in ("recommender", "series", "speech")}
    with TestClient(create_app(served), raise_server_exceptions=False) as c:
        yield c


def test_recommend_equals_the_models_recommend(client, models):
    model = models["recommender"]
    r = client.post("/v1/models/recommender/recommend", json={"input": "i30 i31 i32", "k": 5}).json()
    assert r == {"model": "recommender", "output": model.recommend(["i30 i31 i32"], top_k=5)[0]}
    r = client.post("/v1/models/recommender/recommend",
                    json={"inputs": [["i30", "i31"], ["i05", "zz"]], "k": 3, "exclude_seen": False}).json()
    expected = model.recommend([["i30", "i31"], ["i05", "zz"]], top_k=3, exclude_seen=False)
    assert r["outputs"] == expected and r["outputs"][1]["unknown"] == ["zz"] and len(expected[0]["items"]) == 3


def test_series_predict_equals_the_models_predict(client, models):
    model = models["series"]
    wave, step = np.sin(np.arange(30) / 2), np.sign(np.sin(np.arange(25) / 2))
    r = client.post("/v1/models/series/predict", json={"inputs": [wave.tolist(), step.tolist()]}).json()
    assert r["outputs"] == model.predict([wave, step])
    assert [o["probabilities"] for o in r["outputs"]] == [o["probabilities"] for o in model.predict([wave, step])]
    tail = client.post("/v1/models/series/predict", json={"input": wave[:20].tolist() + [None] * 10}).json()
    assert tail["output"] == model.predict([wave[:20]])[0]  # trailing nulls end the series, as NaN does


def test_a_history_of_unknown_items_is_a_422_and_the_server_goes_on(client, models):
    bad = client.post("/v1/models/recommender/recommend", json={"inputs": ["i05", "zz yy"]})
    assert bad.status_code == 422 and bad.json()["field"] == "input" and "history 2" in bad.json()["error"]
    good = client.post("/v1/models/recommender/recommend", json={"input": "i05"})
    assert good.status_code == 200 and good.json()["output"] == models["recommender"].recommend(["i05"])[0]


def test_a_k_beyond_the_unseen_items_leaves_out_the_seen_ones(client, models):
    history = ["i01", "i02", "i03"]
    r = client.post("/v1/models/recommender/recommend", json={"input": history, "k": 1000})
    [expected] = models["recommender"].recommend([history], top_k=1000)
    assert r.status_code == 200 and expected["scores"][-1] == float("-inf")  # the model ranks seen items last
    items = r.json()["output"]["items"]
    assert items == expected["items"][:-3] and not set(items) & set(history)


def _wav(samples: np.ndarray, rate: int, channels: int = 1) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as f:
        f.setnchannels(channels)
        f.setsampwidth(2)
        f.setframerate(rate)
        f.writeframes((samples * 32767).astype("<i2").tobytes())
    return out.getvalue()


def test_transcribe_equals_the_models_transcribe(client, models, wav_paths):
    model = models["speech"]
    clips = [base64.b64encode(p.read_bytes()).decode() for p in wav_paths]
    r = client.post("/v1/models/speech/transcribe", json={"inputs": clips, "beam_size": 2}).json()
    assert r == {"model": "speech", "outputs": model.transcribe([str(p) for p in wav_paths], beam_size=2)}
    one = client.post("/v1/models/speech/transcribe", files={"input": (wav_paths[0].name, wav_paths[0].read_bytes())},
                      data={"beam_size": "2"})
    assert one.status_code == 200 and one.json()["output"] == r["outputs"][0]


def test_transcribe_mixes_stereo_and_resamples_with_notes(client, models, wav_paths):
    from rnnlp.data.audio import decode_wav

    mono, _ = decode_wav(wav_paths[0].read_bytes(), "clip", 8000)
    stereo = _wav(np.repeat(mono, 2), 8000, channels=2)  # both channels equal: the mix is the clip
    r = client.post("/v1/models/speech/transcribe", files={"input": ("s.wav", stereo)},
                    data={"beam_size": "2"}).json()["output"]
    assert r["notes"] == ["2 channels mixed to mono"]
    left = np.frombuffer(stereo[44:], "<i2")[::2] / 32768.0
    assert r["text"] == models["speech"].transcribe(left, beam_size=2)[0]["text"]
    assert r["text"]  # beam 2 of the two-step model says something (greedy says nothing): a real comparison
    fast = client.post("/v1/models/speech/transcribe", files={"input": ("f.wav", _wav(mono, 16000))}).json()["output"]
    assert fast["notes"] == ["resampled from 16000 Hz to 8000 Hz"]
