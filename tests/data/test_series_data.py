"""Series readers (ucr, values, long, npy, npz), missing values, normalisation, the stratified split."""

import gzip

import numpy as np
import pytest

from rnnlp.config.series import SeriesDataConfig
from rnnlp.data.series import channel_stats, read_series, stratified_split, z_normalize
from rnnlp.errors import DataError


def cfg(**kw) -> SeriesDataConfig:
    return SeriesDataConfig(**kw)


@pytest.mark.parametrize("sep", ["\t", ",", " "])
def test_ucr_rows_any_separator_label_first_variable_length(tmp_path, sep):
    path = tmp_path / "x.txt"
    path.write_text(sep.join(["1", "0.5", "1.5", "2"]) + "\n" + sep.join(["2.0", "3", "4", "NaN"]) + "\n\n")
    got = read_series(path, cfg())
    assert got.labels == [1, 2] and got.lengths == [3, 2] and got.channels == 1
    assert got.values[1][:, 0].tolist() == [3.0, 4.0] and got.values[0].dtype == np.float32


def test_gzipped_ucr_and_values_without_label(tmp_path):
    path = tmp_path / "x.tsv.gz"
    with gzip.open(path, "wt") as f:
        f.write("a\t1\t2\nb\t3\t4\n")
    assert read_series(path, cfg()).labels == ["a", "b"]
    plain = tmp_path / "v.tsv"
    plain.write_text("1\t2\t3\n")
    values = read_series(plain, cfg(format="values"), labelled=False)
    assert values.labels is None and values.values[0][:, 0].tolist() == [1, 2, 3]
    with pytest.raises(DataError, match=r"row 1, column 1: 'a' is not a number"):
        read_series(path, cfg(format="values"), labelled=False)


def test_inner_nan_names_the_row_or_is_interpolated(tmp_path):
    path = tmp_path / "x.tsv"
    path.write_text("1\t1\t2\t3\n1\t1\t\t3\t\t\n")
    with pytest.raises(DataError, match=r"series 2 has a missing value \(NaN\) at step 2; .*data.nan=interpolate"):
        read_series(path, cfg())
    got = read_series(path, cfg(nan="interpolate"))
    assert got.values[1][:, 0].tolist() == [1.0, 2.0, 3.0]  # inner gap filled, trailing gaps end the series


def test_bad_rows_are_one_line_errors(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("1,0.1,oops\n")
    with pytest.raises(DataError, match=r"x.csv: row 1, column 3: 'oops' is not a number"):
        read_series(path, cfg())
    path.write_text("1,nan,nan\n")
    with pytest.raises(DataError, match="series 1 has no values"):
        read_series(path, cfg())
    path.write_text("1,inf,2\n")
    with pytest.raises(DataError, match="infinite value"):
        read_series(path, cfg())
    with pytest.raises(DataError, match="pass --format"):
        read_series(_touch(tmp_path / "x.dat"), cfg())
    with pytest.raises(DataError, match="holds no labels"):
        read_series(path, cfg(format="values"))


def _touch(path):
    path.write_text("1 2 3\n")
    return path


def test_long_table_multivariate_grouped_by_id_sorted_by_time(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("id,time,a,b,label\ns2,1,5,50,y\ns1,2,2,20,x\ns1,1,1,10,x\ns2,0,4,40,y\ns2,2,6,60,y\n")
    got = read_series(path, cfg(format="long"))
    assert got.labels == ["y", "x"] and got.lengths == [3, 2] and got.channels == 2
    assert got.values[0].tolist() == [[4, 40], [5, 50], [6, 60]] and got.values[1].tolist() == [[1, 10], [2, 20]]
    one = read_series(path, cfg(format="long", value_columns="b"))
    assert one.channels == 1 and one.values[1][:, 0].tolist() == [10, 20]


def test_long_table_errors(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("id,time,a,label\n1,0,1,x\n1,1,2,y\n")
    with pytest.raises(DataError, match="series 1 has 2 labels"):
        read_series(path, cfg(format="long"))
    with pytest.raises(DataError, match="column 'when' not found"):
        read_series(path, cfg(format="long", time_column="when"))
    path.write_text("id,time,a,label\n1,0,1,x\n1,1,zz,x\n")
    with pytest.raises(DataError, match="table row 3 holds a value that is not a number"):
        read_series(path, cfg(format="long"))


def test_npy_and_npz(tmp_path):
    x = np.arange(24, dtype=np.float64).reshape(2, 4, 3)
    x[1, 3] = np.nan  # the second series is one frame shorter
    np.save(tmp_path / "x.npy", x)
    got = read_series(tmp_path / "x.npy", cfg(), labelled=False)
    assert got.lengths == [4, 3] and got.channels == 3 and got.labels is None
    np.savez(tmp_path / "d.npz", x=x[:, :, 0], y=np.array([3, 7]))
    got = read_series(tmp_path / "d.npz", cfg())
    assert got.labels == [3, 7] and got.channels == 1 and got.lengths == [4, 3]
    np.savez(tmp_path / "bad.npz", values=x)
    with pytest.raises(DataError, match="has no array 'x'"):
        read_series(tmp_path / "bad.npz", cfg())
    np.save(tmp_path / "obj.npy", np.array([[1], [1, 2]], dtype=object))
    with pytest.raises(DataError, match="object arrays are refused"):
        read_series(tmp_path / "obj.npy", cfg(), labelled=False)


def test_z_normalize_and_channel_stats():
    rows = [np.array([[1.0, 5.0], [3.0, 5.0]]), np.array([[5.0, 5.0]])]
    z = z_normalize(rows)
    assert z[0].tolist() == [[-1.0, 0.0], [1.0, 0.0]] and z[1].tolist() == [[0.0, 0.0]]
    mean, std = channel_stats(rows)
    assert mean.tolist() == [3.0, 5.0] and std[0] == pytest.approx(np.sqrt(8 / 3)) and std[1] == 1.0


def test_stratified_split_keeps_every_class_in_train():
    labels = [1] * 10 + [2] * 4 + [3]
    keep, held = stratified_split(labels, 0.25, seed=0)
    assert sorted(np.concatenate([keep, held]).tolist()) == list(range(15))
    held_labels = [labels[i] for i in held]
    assert held_labels.count(1) == 2 and held_labels.count(2) == 1 and 3 not in held_labels
    assert np.array_equal(held, stratified_split(labels, 0.25, seed=0)[1])
