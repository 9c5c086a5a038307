"""rnnlp.io.json_dumps: strict JSON (what the standard library's strict mode accepts), never NaN."""

import json
import math

import numpy as np
import pytest

from rnnlp.errors import DataError
from rnnlp.io import json_dumps


def _strict_loads(text):
    """Python's parser refusing NaN/Infinity, as JavaScript's JSON.parse and most others do."""
    def refuse(name):
        raise ValueError(f"not JSON: {name}")
    return json.loads(text, parse_constant=refuse)


def test_non_finite_numbers_become_null_anywhere():
    data = {"loss": math.nan, "rows": [{"p": math.inf}, (1.5, -math.inf)], "ok": 2, "name": "café"}
    text = json_dumps(data)
    assert _strict_loads(text) == {"loss": None, "rows": [{"p": None}, [1.5, None]], "ok": 2, "name": "café"}
    assert json.dumps(data) != text  # the standard library alone writes NaN


def test_numpy_values_are_plain_numbers():
    text = json_dumps({"p": np.float32(0.25), "v": np.array([1.0, np.nan]), "n": np.int64(3)})
    assert _strict_loads(text) == {"p": 0.25, "v": [1.0, None], "n": 3}


def test_error_policy_names_where_the_non_finite_number_is():
    with pytest.raises(DataError, match=r"holds nan at rows\[1\]\.probability; the model produced a non-finite"):
        json_dumps({"rows": [{"probability": 0.5}, {"probability": float("nan")}]}, nonfinite="error")
    with pytest.raises(ValueError, match="nonfinite must be"):
        json_dumps({}, nonfinite="zero")
