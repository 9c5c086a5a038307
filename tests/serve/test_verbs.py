"""The recommend and series verbs over the in-process API: each equals the loaded model's own call."""

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the 'serve' extra (pip install 'rnnlp[serve]') is not installed")

from fastapi.testclient import TestClient  # noqa: E402

from rnnlp.serve.app import create_app  # noqa: E402


@pytest.fixture(scope="module")
def client(models):
    served = {name: models[name] for name in ("recommender", "series")}
    with TestClient(create_app(served), raise_server_exceptions=False) as c:
        yield c


def test_recommend_equals_the_models_recommend(client, models):
    model = models["recommender"]
    r = client.post("/v1/models/recommender/recommend", json={"input": "i30 i31 i32", "k": 5}).json()
    assert r == {"model": "recommender", "output": model.recommend(["i30 i31 i32"], k=5)[0]}
    r = client.post("/v1/models/recommender/recommend",
                    json={"inputs": [["i30", "i31"], ["i05", "zz"]], "k": 3, "exclude_seen": False}).json()
    expected = model.recommend([["i30", "i31"], ["i05", "zz"]], k=3, exclude_seen=False)
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
    [expected] = models["recommender"].recommend([history], k=1000)
    assert r.status_code == 200 and expected["scores"][-1] == float("-inf")  # the model ranks seen items last
    items = r.json()["output"]["items"]
    assert items == expected["items"][:-3] and not set(items) & set(history)
