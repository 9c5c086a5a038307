"""``rnnlp.forecast.data``: the bundled samples and CSV columns that ``rnnlp forecast`` reads."""

import numpy as np
import pytest

from rnnlp.errors import DataError
from rnnlp.forecast.data import SAMPLES, SAMPLES_DIR, load_series, time_axis


def test_samples_exist_and_load_with_their_years():
    assert all((SAMPLES_DIR / name).is_file() for name, _ in SAMPLES.values())
    nile = load_series("nile")
    assert (nile.label, nile.names, nile.values.shape) == ("nile", ["flow"], (100, 1))
    assert nile.values[:3, 0].tolist() == [1120.0, 1160.0, 963.0]
    assert time_axis(nile)[[0, -1]].tolist() == [1871.0, 1970.0]


def test_csv_columns_default_last_and_time_axis(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("t,a,b\n0,1,10\n2,2,20\n4,3,30\n")
    series = load_series(str(path))
    assert (series.label, series.names, series.values[:, 0].tolist()) == ("s.csv", ["b"], [10.0, 20.0, 30.0])
    both = load_series(str(path), ["a", "b"])
    assert both.values.tolist() == [[1, 10], [2, 20], [3, 30]]
    assert time_axis(both).tolist() == [0.0, 2.0, 4.0]
    assert time_axis(load_series(str(path), ["t"])).tolist() == [0.0, 1.0, 2.0]  # the series itself: no index


@pytest.mark.parametrize("text, message", [
    ("t,y\n0,1\n1,\n2,3\n", "column 'y' of s.csv has missing or NaN values at data row(s) 2; drop or fill them first"),
    ("t,y\n0,inf\n", "column 'y' of s.csv has infinite values at data row(s) 1"),
    ("", "s.csv is empty"),
])
def test_bad_series_are_data_errors(tmp_path, text, message):
    path = tmp_path / "s.csv"
    path.write_text(text)
    with pytest.raises(DataError) as exc:
        load_series(str(path))
    assert message in str(exc.value)


def test_missing_file_and_short_series(tmp_path):
    with pytest.raises(DataError, match="series file not found: .*nope.csv .or name a bundled sample: nile, sunspots"):
        load_series(str(tmp_path / "nope.csv"))
    with pytest.raises(DataError, match="series has 100 points but fitting needs at least 200 .try a smaller"):
        load_series("nile").require_length(200, "fitting")
    load_series("nile").require_length(100, "fitting")
