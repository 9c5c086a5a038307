"""The music task's generate verb over the in-process API: the loaded model's own piece, as
pitches per frame, MIDI and WAV (base64)."""

import base64
import io
import wave
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the 'serve' extra (pip install 'rnnlp[serve]') is not installed")

from fastapi.testclient import TestClient  # noqa: E402

import rnnlp  # noqa: E402
from rnnlp.data.midi import read_midi  # noqa: E402
from rnnlp.serve.app import create_app  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def music(trained_runs):
    model = rnnlp.load(trained_runs["music"])
    with TestClient(create_app({"music": model}), raise_server_exceptions=False) as client:
        yield model, client


def test_generate_returns_the_models_piece_as_pitches_midi_and_wav(music, tmp_path):
    model, client = music
    r = client.post("/v1/models/music/generate", json={"input": [], "steps": 12, "seed": 4, "bpm": 90})
    assert r.status_code == 200, r.text
    out = r.json()["output"]
    roll = model.generate(steps=12, seed=4)
    assert out["roll"] == [[21 + int(k) for k in frame.nonzero()[0]] for frame in roll]
    (tmp_path / "p.mid").write_bytes(base64.b64decode(out["midi_base64"]))
    last = np.flatnonzero(roll.any(1))[-1] + 1
    assert np.array_equal(read_midi(tmp_path / "p.mid", model.steps_per_beat), roll[:last])
    with wave.open(io.BytesIO(base64.b64decode(out["wav_base64"]))) as f:
        assert f.getnchannels() == 1 and f.getnframes() > 0


def test_a_prompt_of_pitches_continues_and_bad_fields_are_422(music):
    model, client = music
    prompt = [[60, 64, 67], [62, 65], []]
    r = client.post("/v1/models/music/generate", json={"inputs": [prompt], "steps": 5, "seed": 0, "wav": False})
    roll = np.zeros((3, 88), np.uint8)
    for t, frame in enumerate(prompt):
        roll[t, [p - 21 for p in frame]] = 1
    expected = model.generate(steps=5, seed=0, prompt=roll)
    assert r.json()["outputs"][0]["roll"] == [[21 + int(k) for k in f.nonzero()[0]] for f in expected]
    assert "wav_base64" not in r.json()["outputs"][0]
    bad = client.post("/v1/models/music/generate", json={"input": [[60, 200]]})
    assert bad.status_code == 422 and bad.json()["field"] == "input[0]"
    assert client.post("/v1/models/music/generate", json={"input": [], "max_tokens": 3}).status_code == 422
