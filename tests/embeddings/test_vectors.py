"""rnnlp.embeddings.vectors: format detection, loading, saving and the embedding matrix."""

import gzip
import importlib.util
import shutil
from pathlib import Path

import numpy as np
import pytest

from rnnlp.errors import ConfigError, VectorsError
from rnnlp.embeddings.vectors import detect_format, load_vectors, save_vectors, vectors_matrix

ASSETS = Path(__file__).parents[1] / "assets" / "vectors"
_spec = importlib.util.spec_from_file_location("make_vectors", ASSETS / "make_vectors.py")
make_vectors = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_vectors)
WORDS, VECTORS = make_vectors.WORDS, make_vectors.VECTORS
FILES = {"glove.txt": "glove", "w2v.txt": "word2vec", "w2v.bin": "word2vec_binary"}


def gzipped(src: Path, tmp_path: Path) -> Path:
    dst = tmp_path / (src.name + ".gz")
    with open(src, "rb") as f, gzip.open(dst, "wb") as g:
        shutil.copyfileobj(f, g)
    return dst


def assert_same_vectors(kv):
    assert kv.index_to_key == WORDS
    np.testing.assert_array_equal(kv.vectors, VECTORS)


def test_assets_are_what_the_script_writes(tmp_path):
    make_vectors.main(tmp_path)
    for name in list(FILES) + ["ragged_glove.txt"]:
        assert (tmp_path / name).read_bytes() == (ASSETS / name).read_bytes()


@pytest.mark.parametrize("name,fmt", FILES.items())
def test_detect_and_load_every_format_plain_and_gz(name, fmt, tmp_path):
    for path in (ASSETS / name, gzipped(ASSETS / name, tmp_path)):
        assert detect_format(path) == fmt
        assert_same_vectors(load_vectors(path))
        assert_same_vectors(load_vectors(path, format=fmt))


def test_limit_reads_the_first_rows():
    for name in FILES:
        kv = load_vectors(ASSETS / name, limit=2)
        assert kv.index_to_key == WORDS[:2]


@pytest.mark.parametrize("filename,fmt", [
    ("v.bin", "word2vec_binary"), ("v.txt", "word2vec"), ("v.vec", "word2vec"),
    ("v.txt.gz", "word2vec"), ("v.bin.gz", "word2vec_binary"),
])
def test_save_chooses_format_by_extension_and_round_trips(filename, fmt, tmp_path):
    kv = load_vectors(ASSETS / "glove.txt")
    save_vectors(kv, tmp_path / filename)
    assert detect_format(tmp_path / filename) == fmt
    assert_same_vectors(load_vectors(tmp_path / filename))
    assert sorted(p.name for p in tmp_path.iterdir()) == [filename]  # no temp file left


def test_save_glove_writes_no_header(tmp_path):
    save_vectors(load_vectors(ASSETS / "w2v.bin"), tmp_path / "g.txt", format="glove")
    assert (tmp_path / "g.txt").read_text() == (ASSETS / "glove.txt").read_text()


def test_save_refuses_unknown_extension_and_unasked_pickle(tmp_path):
    kv = load_vectors(ASSETS / "glove.txt")
    with pytest.raises(VectorsError, match=r"extension \.npy.*\.bin"):
        save_vectors(kv, tmp_path / "v.npy")
    with pytest.raises(VectorsError, match="pickle"):
        save_vectors(kv, tmp_path / "v.kv", format="kv")
    assert list(tmp_path.iterdir()) == []


def test_kv_pickle_loads_only_when_allowed(tmp_path):
    kv = load_vectors(ASSETS / "glove.txt")
    save_vectors(kv, tmp_path / "v.kv", format="kv", allow_pickle=True)
    assert detect_format(tmp_path / "v.kv") == "kv"
    with pytest.raises(VectorsError, match=r"pickle.*binary=True.*--trust-pickle"):
        load_vectors(tmp_path / "v.kv")
    with pytest.raises(VectorsError, match="pickle"):
        load_vectors(tmp_path / "v.kv", format="kv")
    assert_same_vectors(load_vectors(tmp_path / "v.kv", allow_pickle=True))


def test_ragged_row_error_names_file_and_line():
    path = ASSETS / "ragged_glove.txt"
    with pytest.raises(VectorsError) as info:
        load_vectors(path)
    assert str(info.value) == (
        f"vectors file {path}, line 4: 3 values where earlier rows have 4; fix or drop that row"
    )


def test_word2vec_text_errors_count_header_lines(tmp_path):
    lines = (ASSETS / "w2v.txt").read_text().splitlines()
    lines[3] += " 7.0"  # file line 4 = third vector: 5 values
    (tmp_path / "bad.txt").write_text("\n".join(lines) + "\n")
    with pytest.raises(VectorsError, match=r"bad.txt, line 4: 5 values where earlier rows have 4"):
        load_vectors(tmp_path / "bad.txt")


def test_short_first_row_of_word2vec_text_is_a_text_error(tmp_path):
    lines = (ASSETS / "w2v.txt").read_text().splitlines()
    lines[1] = lines[1].rsplit(" ", 1)[0]
    (tmp_path / "first.txt").write_text("\n".join(lines) + "\n")
    assert detect_format(tmp_path / "first.txt") == "word2vec"
    with pytest.raises(VectorsError, match=r"first.txt, line 2: 3 values where earlier rows have 4"):
        load_vectors(tmp_path / "first.txt")


def test_explicit_format_must_match_the_file():
    with pytest.raises(VectorsError, match=r"glove.txt looks like glove, not word2vec_binary; "
                                           r"pass format='auto'"):
        load_vectors(ASSETS / "glove.txt", format="word2vec_binary")
    with pytest.raises(VectorsError, match="looks like word2vec_binary, not word2vec;"):
        load_vectors(ASSETS / "w2v.bin", format="word2vec")


def test_non_numeric_value_names_line(tmp_path):
    lines = (ASSETS / "glove.txt").read_text().splitlines()
    lines[4] = lines[4].replace("1.5", "1,5")  # line 5: a decimal comma
    (tmp_path / "comma.txt").write_text("\n".join(lines) + "\n")
    with pytest.raises(VectorsError, match=r"comma.txt, line 5: a value is not a number"):
        load_vectors(tmp_path / "comma.txt")


def test_header_count_larger_than_rows(tmp_path):
    text = (ASSETS / "w2v.txt").read_text().replace("6 4", "9 4", 1)
    (tmp_path / "short.txt").write_text(text)
    with pytest.raises(VectorsError, match="has 6 rows but its header says 9"):
        load_vectors(tmp_path / "short.txt")


def test_truncated_binary(tmp_path):
    (tmp_path / "cut.bin").write_bytes((ASSETS / "w2v.bin").read_bytes()[:-30])
    with pytest.raises(VectorsError, match="cut.bin is truncated or damaged"):
        load_vectors(tmp_path / "cut.bin")


def test_missing_empty_folder_and_unknown_files(tmp_path):
    with pytest.raises(VectorsError, match="nope.txt does not exist"):
        load_vectors(tmp_path / "nope.txt")
    with pytest.raises(VectorsError, match="is a folder"):
        load_vectors(tmp_path)
    (tmp_path / "empty.txt").write_text("\n")
    with pytest.raises(VectorsError, match="empty.txt is empty"):
        load_vectors(tmp_path / "empty.txt")
    (tmp_path / "prose.txt").write_text("hello world\n")
    with pytest.raises(VectorsError, match="cannot tell the format.*line 1"):
        detect_format(tmp_path / "prose.txt")
    (tmp_path / "zero.txt").write_text("0 4\n")
    with pytest.raises(VectorsError, match="holds no vectors"):
        load_vectors(tmp_path / "zero.txt")
    with pytest.raises(ConfigError, match="unknown vectors format 'npy'; choose one of: auto, glove"):
        load_vectors(ASSETS / "glove.txt", format="npy")


def test_vectors_matrix_rows_coverage_and_specials():
    kv = load_vectors(ASSETS / "glove.txt")
    vocab = ["<pad>", "King", "cat", "unseen", "PARIS", "another"]
    matrix, coverage = vectors_matrix(kv, vocab, oov="zero")
    assert matrix.dtype == np.float32 and matrix.shape == (6, 4)
    assert coverage == {"found": 3, "total": 5, "rate": 0.6}
    expected = np.zeros((6, 4), np.float32)
    expected[[1, 2, 4]] = VECTORS[[3, 1, 5]]
    np.testing.assert_array_equal(matrix, expected)


def test_vectors_matrix_without_lowercase_fallback():
    kv = load_vectors(ASSETS / "glove.txt")
    _, coverage = vectors_matrix(kv, ["<pad>", "King", "cat"], lowercase_fallback=False)
    assert coverage == {"found": 1, "total": 2, "rate": 0.5}


def test_vectors_matrix_random_oov_is_seeded_and_scaled():
    kv = load_vectors(ASSETS / "glove.txt")
    vocab = ["<pad>", "the", "cat", "dog", "king", "queen", "paris"] + [f"w{i}" for i in range(4000)]
    matrix, coverage = vectors_matrix(kv, vocab, seed=3)
    assert coverage["found"] == 6 and coverage["total"] == 4006
    np.testing.assert_array_equal(matrix[0], 0.0)
    np.testing.assert_array_equal(matrix[1:7], VECTORS)
    assert matrix[7:].std() == pytest.approx(VECTORS.std(), rel=0.02)
    assert abs(matrix[7:].mean()) < 0.01
    again, _ = vectors_matrix(kv, vocab, seed=3)
    other, _ = vectors_matrix(kv, vocab, seed=4)
    np.testing.assert_array_equal(matrix, again)
    assert not np.array_equal(matrix[7:], other[7:])
    with pytest.raises(ConfigError, match="unknown oov init 'mean'"):
        vectors_matrix(kv, vocab, oov="mean")


def test_a_vector_holding_nan_is_refused_naming_its_word_and_row(tmp_path):  # B125/B126
    path = tmp_path / "glove.txt"
    path.write_text("the 0.1 0.2\ncat nan 0.3\ndog 0.5 inf\n")
    with pytest.raises(VectorsError, match=r"the vector of 'cat' \(row 2\) holds non-finite values \(NaN or "
                                           r"infinity\), and 2 row\(s\) in all; fix or drop those rows$"):
        load_vectors(path)
