"""Parallel text: aligned files (plain and gz), two-column tables, framing of target ids."""

import gzip

import pytest
import torch

from rnnlp.data.parallel import (
    collate_parallel,
    drop_empty,
    read_lines,
    read_parallel_files,
    read_parallel_table,
)
from rnnlp.errors import DataError


def test_aligned_files_and_gz(tmp_path, assets):
    src, tgt = read_parallel_files(assets / "translation/val.de", assets / "translation/val.en")
    assert len(src) == len(tgt) == 20 and src[0].endswith(" .") and tgt[0].startswith(("a ", "an "))
    gz = tmp_path / "val.de.gz"
    with gzip.open(gz, "wt", encoding="utf-8") as f:
        f.write("\n".join(src) + "\n")
    assert read_lines(gz) == src


def test_mismatched_line_counts_name_both(tmp_path):
    (tmp_path / "a.de").write_text("eins\nzwei\ndrei\n", encoding="utf-8")
    (tmp_path / "a.en").write_text("one\ntwo\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"a\.de has 3 lines but target .*a\.en has 2"):
        read_parallel_files(tmp_path / "a.de", tmp_path / "a.en")


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        read_lines(tmp_path / "nope.de")


@pytest.mark.parametrize("name", ["pairs.tsv", "pairs.jsonl"])
def test_two_column_tables(assets, name):
    src, tgt = read_parallel_table(assets / "translation" / name, "de", "en")
    files = read_parallel_files(assets / "translation/val.de", assets / "translation/val.en")
    assert (src, tgt) == files


def test_table_missing_column(assets):
    with pytest.raises(DataError, match="column 'fr' not found .*columns found: de, en"):
        read_parallel_table(assets / "translation/pairs.tsv", "de", "fr")


def test_drop_empty_pairs():
    src, tgt, dropped = drop_empty(["a", " ", "c", "d"], ["x", "y", "", "w"])
    assert (src, tgt, dropped) == (["a", "d"], ["x", "w"], 2)


def test_collate_frames_targets_with_bos_and_eos():
    batch = collate_parallel([[5, 6, 7], [8]], [[9], [10, 11]], bos_id=2, eos_id=3)
    assert batch.source.ids.tolist() == [[5, 6, 7], [8, 0, 0]]
    assert batch.source.lengths.tolist() == [3, 1]
    assert batch.target_in.tolist() == [[2, 9, 0], [2, 10, 11]]
    assert batch.target_out.tolist() == [[9, 3, -100], [10, 11, 3]]
    assert batch.num_tokens == 5
    assert batch.to(torch.device("cpu")).target_out.tolist() == batch.target_out.tolist()
