"""Fuzzing every verb in-process: hypothesis-made JSON bodies, field values and headers. The only
acceptable answers are 2xx and 4xx (issue 28: every malformed request is the client's error)."""

import json

import pytest

pytest.importorskip("fastapi", reason="the 'serve' extra (pip install 'rnnlp[serve]') is not installed")

from fastapi.testclient import TestClient  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from rnnlp.serve.app import Settings, create_app  # noqa: E402
from rnnlp.serve.fields import Limits  # noqa: E402

VERBS = ["sentiment/predict", "tagging/tag", "translation/translate", "lm/generate", "captioning/caption",
         "recommender/recommend", "series/predict", "speech/transcribe"]
FIELDS = ["input", "inputs", "beam_size", "n_best", "attention", "max_tokens", "temperature", "top_k", "top_p",
          "seed", "greedy", "stream", "k", "exclude_seen"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(allow_nan=True),
                    st.text(max_size=40))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=12)
bodies = st.one_of(st.dictionaries(st.sampled_from(FIELDS), values, max_size=5), values)
headers = st.dictionaries(st.sampled_from(["content-type", "origin", "x-request-id", "accept"]),
                          st.sampled_from(["application/json", "text/plain", "", "https://x.example", "a" * 300,
                                           "multipart/form-data; boundary=z", "*/*"]), max_size=3)


@pytest.fixture(scope="module")
def client(models):
    limits = Limits(max_items=4, max_chars=50, max_tokens=8, max_beam=3, max_values=30, max_k=20,
                    max_audio_seconds=1.0)
    with TestClient(create_app(models, Settings(limits=limits, timeout_s=20)), raise_server_exceptions=False) as c:
        yield c


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(verb=st.sampled_from(VERBS), body=bodies, sent=headers)
def test_any_body_and_headers_get_a_2xx_or_4xx(client, verb, body, sent):
    data = json.dumps(body, allow_nan=True).encode()
    r = client.post(f"/v1/models/{verb}", content=data, headers={"content-type": "application/json", **sent})
    assert r.status_code < 500, (verb, body, sent, r.text)
