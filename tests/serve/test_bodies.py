"""Multipart uploads (caption's images as files) beside JSON: equal results, limits, one-line errors."""

import pytest

pytest.importorskip("fastapi", reason="the 'serve' extra (pip install 'rnnlp[serve]') is not installed")
pytest.importorskip("multipart", reason="python-multipart (the 'serve' extra) is not installed")

from fastapi.testclient import TestClient  # noqa: E402

from rnnlp.serve.app import Settings, create_app  # noqa: E402
from rnnlp.serve.fields import Limits  # noqa: E402

LIMITS = Limits(max_items=3, max_image_bytes=60_000, max_body_bytes=150_000)
URL = "/v1/models/captioning/caption"


@pytest.fixture(scope="module")
def client(models):
    served = {name: models[name] for name in ("captioning", "sentiment", "speech")}
    with TestClient(create_app(served, Settings(limits=LIMITS)), raise_server_exceptions=False) as c:
        yield c


def png(path) -> tuple:
    return (path.name, path.read_bytes(), "image/png")


def test_a_multipart_image_equals_base64_and_the_model(client, models, image_paths, images_b64):
    one = client.post(URL, files={"input": png(image_paths[0])}, data={"beam_size": "2"})
    assert one.status_code == 200, one.text
    assert one.json()["output"] == client.post(URL, json={"input": images_b64[0], "beam_size": 2}).json()["output"]
    assert one.json()["output"]["caption"] == models["captioning"].caption([image_paths[0]], beam_size=2)[0]
    many = client.post(URL, files=[("inputs", png(p)) for p in image_paths[:2]])
    assert [o["caption"] for o in many.json()["outputs"]] == models["captioning"].caption(image_paths[:2])


def test_text_fields_of_a_form_serve_other_verbs(client, models):
    r = client.post("/v1/models/sentiment/predict", files={"unused": (None, "")}, data={"input": "a fine film"})
    assert r.status_code == 422 and r.json()["field"] == "unused"  # unknown fields are refused, as in JSON
    r = client.post("/v1/models/sentiment/predict", data={"input": "a fine film"},
                    files={"inputs": ("t.txt", b"x", "text/plain")})
    assert r.json()["field"] == "input"  # both input and inputs: the usual one-line error


def _big_png(tmp_path, side: int):
    from PIL import Image
    import numpy as np

    path = tmp_path / "noise.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (side, side, 3), dtype=np.uint8)).save(path)
    return path


def test_bad_uploads_get_a_4xx_naming_the_field(client, image_paths, tmp_path):
    def fails(status, field, **kw):
        r = client.post(URL, **kw)
        assert (r.status_code, r.json()["field"]) == (status, field), r.text
        assert "\n" not in r.json()["error"]

    fails(413, "input", files={"input": png(_big_png(tmp_path, 160))})           # ~77 kB > 60 kB image limit
    fails(413, "body", files={"input": png(_big_png(tmp_path, 240))})            # ~173 kB > 150 kB body limit
    fails(422, "input", files={"input": ("a.png", b"not an image", "image/png")})
    fails(422, "input", files={"input": ("a.png", b"", "image/png")})
    fails(422, "image", files={"image": png(image_paths[0])})                    # a file under another name
    fails(422, "input", files=[("input", png(image_paths[0])), ("input", png(image_paths[1]))])
    fails(413, "inputs", files=[("inputs", png(p)) for p in image_paths[:2]] * 2)  # 4 files > max_items
    fails(400, "body", files=[("inputs", png(p)) for p in image_paths[:3]] * 2)  # the parser stops at 4
    fails(422, "beam_size", files={"input": png(image_paths[0])}, data={"beam_size": "two"})
    fails(400, "body", content=b"--x\r\nnot a part", headers={"content-type": "multipart/form-data; boundary=x"})


def test_bad_wav_uploads_get_a_4xx_naming_the_field(client, wav_paths):
    def fails(status, field, **kw):
        r = client.post("/v1/models/speech/transcribe", **kw)
        assert (r.status_code, r.json()["field"]) == (status, field), r.text
        return r.json()["error"]

    assert "not a PCM wav" in fails(422, "input", files={"input": ("a.wav", b"RIFF but not a wav", "audio/wav")})
    assert "empty" in fails(422, "input", files={"input": ("a.wav", b"", "audio/wav")})
    assert "empty" in fails(422, "inputs[1]", files=[("inputs", ("a.wav", wav_paths[0].read_bytes())),
                                                     ("inputs", ("b.wav", wav_paths[1].read_bytes()[:44]))])
    fails(422, "beam_size", files={"input": ("a.wav", wav_paths[0].read_bytes())}, data={"beam_size": "0"})
