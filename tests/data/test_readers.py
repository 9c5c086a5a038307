import json
from pathlib import Path

import pytest

from rnnlp.data.readers import local_file, read_table, require_columns, resolve_path, sample_path
from rnnlp.errors import DataError


def test_bundled_sample_is_there():
    ds = read_table(sample_path("sst2/train.tsv"))
    assert ds.num_rows == 5000 and ds.column_names == ["sentence", "label"]
    assert read_table(sample_path("sst2/dev.tsv")).num_rows == 872


def test_tsv_keeps_bare_quotes(tmp_path):
    path = tmp_path / "q.tsv"
    path.write_text('sentence\tlabel\n"the " film\t1\nit \'s "great\t0\n')
    ds = read_table(path)
    assert ds["sentence"] == ['"the " film', 'it \'s "great']


@pytest.mark.parametrize("name", ["reviews.csv", "reviews.jsonl"])
def test_csv_and_jsonl(assets, name):
    ds = read_table(assets / "sentiment" / name)
    assert ds.num_rows == 20 and "review" in ds.column_names


def test_parquet(tmp_path, assets):
    read_table(assets / "sentiment" / "reviews.csv").to_parquet(str(tmp_path / "r.parquet"))
    assert read_table(tmp_path / "r.parquet").num_rows == 20


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        read_table(tmp_path / "missing.csv")
    with pytest.raises(DataError, match="is a folder"):
        read_table(tmp_path)


def test_unknown_extension_and_bad_content(tmp_path):
    (tmp_path / "x.dat").write_text("a")
    with pytest.raises(DataError, match="pass --format"):
        read_table(tmp_path / "x.dat")
    (tmp_path / "x.json").write_text("{broken")
    with pytest.raises(DataError, match="cannot read"):
        read_table(tmp_path / "x.json")


def test_hub_name_offline_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(DataError, match="without a network, pass a local file path"):
        read_table("someone/some-dataset-that-is-not-here")


def test_wrong_column_lists_the_columns(assets):
    ds = read_table(assets / "sentiment" / "reviews.csv")
    with pytest.raises(DataError, match="column 'text' not found .* columns found: id, review, stars"):
        require_columns(ds, "reviews.csv", "review", "text")


def test_relative_paths_under_data_root(tmp_path, monkeypatch):
    (tmp_path / "d.json").write_text(json.dumps({"a": 1}))
    monkeypatch.setenv("RNNLP_DATA", str(tmp_path))
    assert resolve_path("d.json") == tmp_path / "d.json"


def test_resolve_path_prefers_the_working_folder_and_returns_it_absolute(tmp_path, monkeypatch):
    for d in ("cwd", "root"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "d.json").write_text("{}")
    monkeypatch.chdir(tmp_path / "cwd")
    assert resolve_path("d.json", str(tmp_path / "root")) == tmp_path / "cwd" / "d.json"
    (tmp_path / "cwd" / "d.json").unlink()
    assert resolve_path("d.json", str(tmp_path / "root")) == tmp_path / "root" / "d.json"
    assert resolve_path("nope.json", str(tmp_path / "root")) == Path("nope.json")  # for the caller's error


def test_local_file_names_every_place_tried(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RNNLP_DATA", raising=False)
    (tmp_path / "root").mkdir()
    with pytest.raises(DataError, match=rf"file not found: x.txt \(text file\); tried {tmp_path}/x.txt, "
                                        rf"{tmp_path}/root/x.txt; check the path"):
        local_file("x.txt", str(tmp_path / "root"), "text file")
    with pytest.raises(DataError, match="is a folder; give a text file"):
        local_file("root", None, "text file")
    (tmp_path / "root" / "x.txt").write_text("a")
    assert local_file("x.txt", str(tmp_path / "root")) == tmp_path / "root" / "x.txt"
