"""The sktime/UEA .ts reader: univariate, multivariate with unequal dimensions, missing values,
labels, and the refused variants."""

import pytest

from rnnlp.config.series import SeriesDataConfig
from rnnlp.data.series import read_series
from rnnlp.errors import DataError

UNIVARIATE = """# a comment
@problemName Toy
@timeStamps false
@missing true
@univariate true
@equalLength false
@classLabel true a b
@data
1.0,2.0,3.5:a
4,?,6,7:b
"""

MULTIVARIATE = """@problemName Toy2
@dimensions 2
@classLabel true 1 2
@data
1,2,3:10,20:2
4,5:40,50:1
"""


def read(tmp_path, text, **kw):
    path = tmp_path / "x.ts"
    path.write_text(text)
    return read_series(path, SeriesDataConfig(**kw))


def test_univariate_labels_lengths_and_missing_values(tmp_path):
    got = read(tmp_path, UNIVARIATE, nan="interpolate")
    assert got.labels == ["a", "b"] and got.lengths == [3, 4] and got.channels == 1
    assert got.values[0][:, 0].tolist() == [1.0, 2.0, 3.5]
    assert got.values[1][:, 0].tolist() == [4.0, 5.0, 6.0, 7.0]      # '?' interpolated


def test_a_missing_value_is_an_error_naming_the_series_without_interpolation(tmp_path):
    with pytest.raises(DataError, match=r"series 2 has a missing value \(NaN\) at step 2"):
        read(tmp_path, UNIVARIATE)


def test_multivariate_shorter_dimension_is_missing_values(tmp_path):
    with pytest.raises(DataError, match=r"series 1 has a missing value \(NaN\) at step 3"):
        read(tmp_path, MULTIVARIATE)
    got = read(tmp_path, MULTIVARIATE, nan="interpolate")
    assert got.labels == [2, 1] and got.channels == 2
    assert got.values[0].tolist() == [[1, 10], [2, 20], [3, 20]]      # the last value held
    assert got.values[1].tolist() == [[4, 40], [5, 50]]


@pytest.mark.parametrize("text, message", [
    ("@timeStamps true\n@data\n(1,2):a\n", "time-stamped"),
    ("@targetLabel true\n@data\n1,2:0.5\n", "regression"),
    ("@classLabel true a\n1,2:a\n", "before @data"),
    ("@classLabel true a\n", "no @data line"),
    ("@classLabel true a\n@data\n1,2\n", "no class label"),
    ("@dimensions 2\n@classLabel true a\n@data\n1,2:a\n", "1 dimensions, the header says 2"),
    ("@classLabel true a\n@data\n1,x:a\n", r"dimension 1: 'x' is not a number"),
])
def test_bad_files_get_one_line_errors(tmp_path, text, message):
    with pytest.raises(DataError, match=message) as info:
        read(tmp_path, text)
    assert "\n" not in str(info.value)


def test_unlabelled_file_reads_for_prediction(tmp_path):
    got = read_series(_write(tmp_path, "@classLabel false\n@data\n1,2,3\n"), SeriesDataConfig(), labelled=False)
    assert got.labels is None and got.lengths == [3]


def _write(tmp_path, text):
    path = tmp_path / "u.ts"
    path.write_text(text)
    return path
