"""rnnlp.embeddings and the ``rnnlp embeddings`` CLI group, on tiny committed assets."""

import gzip
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from gensim.test.utils import datapath

from rnnlp import embeddings as emb
from rnnlp.cli.embeddings import embeddings as cli
from rnnlp.embeddings.corpus import MAX_SENTENCE_LENGTH, LineCorpus
from rnnlp.errors import ConfigError, DataError, VectorsError
from rnnlp.embeddings.vectors import vectors_matrix

ASSETS = Path(__file__).parents[1] / "assets"
CORPUS = ASSETS / "corpus_tiny.txt"
GLOVE = ASSETS / "vectors" / "glove.txt"
SMALL = dict(dim=16, min_count=1, epochs=3, workers=1, seed=7, progress=False)


@pytest.fixture(scope="module")
def kv():
    return emb.train(CORPUS, **SMALL)


def corpus_words(path=CORPUS) -> set[str]:
    return set(path.read_text().split())


def word_level_pipeline(path: Path) -> Path:
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

    tok = Tokenizer(models.WordLevel({"<unk>": 0, "the": 1, "king": 2, ".": 3}, unk_token="<unk>"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.save(str(path))
    return path


# ---- training ---------------------------------------------------------------------------

def test_train_is_repeatable_with_one_worker_and_seed(kv):
    again = emb.train(CORPUS, **SMALL)
    assert again.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(again.vectors, kv.vectors)
    other = emb.train(CORPUS, **{**SMALL, "seed": 8})
    assert not np.array_equal(other.vectors, kv.vectors)


def test_train_vocabulary_and_shape(kv):
    assert set(kv.index_to_key) == corpus_words() and kv.vectors.shape == (47, 16)
    counts = {}
    for word in CORPUS.read_text().split():
        counts[word] = counts.get(word, 0) + 1
    frequent = emb.train(CORPUS, **{**SMALL, "min_count": 100})
    assert set(frequent.index_to_key) == {w for w, n in counts.items() if n >= 100}


def test_train_reads_gzip_like_plain_text(kv, tmp_path):
    gz = tmp_path / "corpus.txt.gz"
    with gzip.open(gz, "wt") as f:
        f.write(CORPUS.read_text())
    np.testing.assert_array_equal(emb.train(gz, **SMALL).vectors, kv.vectors)


def test_train_saves_output(kv, tmp_path):
    trained = emb.train(CORPUS, output=tmp_path / "v.bin", **SMALL)
    loaded = emb.load(tmp_path / "v.bin")
    assert loaded.index_to_key == trained.index_to_key
    np.testing.assert_array_equal(loaded.vectors, kv.vectors)


def test_fasttext_gives_vectors_to_unseen_words():
    ft = emb.train(CORPUS, model="fasttext", **SMALL)
    assert type(ft).__name__ == "FastTextKeyedVectors"
    assert "kingly" not in ft.key_to_index
    assert len(emb.neighbors(ft, "kingly", topn=3)["kingly"]) == 3


def test_progress_bar_counts_epochs(capsys):
    emb.train(CORPUS, **{**SMALL, "progress": True})
    assert "3/3" in capsys.readouterr().err


def test_corpus_is_restartable_and_splits_long_lines(tmp_path):
    path = tmp_path / "long.txt"
    path.write_text("a b\n\n" + " ".join(["w"] * (MAX_SENTENCE_LENGTH + 5)) + "\n")
    corpus = LineCorpus(path)
    first = list(corpus)
    assert first == list(corpus)
    assert [len(s) for s in first] == [2, MAX_SENTENCE_LENGTH, 5]


def test_pipeline_tokenizes_lines(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("The KING.\nthe queen\n")
    corpus = LineCorpus(path, word_level_pipeline(tmp_path / "tok.json"))
    assert list(corpus) == [["the", "king", "."], ["the", "<unk>"]]
    kv = emb.train(path, pipeline=tmp_path / "tok.json", **SMALL)
    assert sorted(kv.index_to_key) == [".", "<unk>", "king", "the"]


def test_train_errors(tmp_path):
    (tmp_path / "blank.txt").write_text("\n  \n")
    with pytest.raises(DataError, match="blank.txt has no tokens"):
        emb.train(tmp_path / "blank.txt", **SMALL)
    with pytest.raises(DataError, match=r"min_count=1000 leaves no word .* lower --min-count"):
        emb.train(CORPUS, **{**SMALL, "min_count": 1000})
    with pytest.raises(DataError, match="corpus file .*nope.txt does not exist"):
        emb.train(tmp_path / "nope.txt", **SMALL)
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(DataError, match="cannot load tokenizer pipeline .*bad.json"):
        emb.train(CORPUS, pipeline=tmp_path / "bad.json", **SMALL)
    with pytest.raises(ConfigError, match="unknown embeddings model 'glove'; choose one of"):
        emb.train(CORPUS, model="glove")
    with pytest.raises(ConfigError, match="sg must be 0"):
        emb.train(CORPUS, sg=2)
    with pytest.raises(ConfigError, match="dim must be a positive integer, got 0"):
        emb.train(CORPUS, dim=0)


# ---- queries ----------------------------------------------------------------------------

def test_neighbors_and_analogy_are_gensims(kv):
    assert emb.neighbors(kv, ["king", "cat"], topn=4) == {
        "king": kv.most_similar("king", topn=4), "cat": kv.most_similar("cat", topn=4)}
    expected = kv.most_similar(positive=["king", "woman"], negative=["man"], topn=3)
    assert emb.analogy(kv, "king", "man", "woman", topn=3) == expected
    assert {"king", "man", "woman"}.isdisjoint(w for w, _ in expected)


def test_unknown_word_suggests_close_words(kv):
    with pytest.raises(DataError, match=r"^'Kng' is not in the vocabulary \(47 words\); "
                                        r"did you mean 'king'"):
        emb.neighbors(kv, ["cat", "Kng"])
    with pytest.raises(DataError, match=r"'Queen' .*did you mean 'queen'"):
        emb.analogy(kv, "king", "man", "Queen")
    with pytest.raises(DataError, match=r"'zzzz' .*; check the spelling$"):
        emb.neighbors(kv, "zzzz")


# ---- evaluation -------------------------------------------------------------------------

def test_evaluate_equals_gensim(kv):
    results = emb.evaluate(kv)
    for name, file in (("wordsim353", "wordsim353.tsv"), ("simlex999", "simlex999.txt")):
        pearson, spearman, oov = kv.evaluate_word_pairs(datapath(file), restrict_vocab=len(kv))
        assert results[name]["spearman"] == spearman[0]
        assert results[name]["pearson"] == pearson[0]
        assert results[name]["oov_rate"] == oov / 100
    accuracy, _ = kv.evaluate_word_analogies(datapath("questions-words.txt"))
    assert results["analogy"]["accuracy"] == accuracy
    assert results["wordsim353"]["pairs"] == 353 and results["simlex999"]["pairs"] == 999


def test_evaluate_analogy_oov_rate_counts_skipped_questions(kv):
    lines = Path(datapath("questions-words.txt")).read_text().splitlines()
    questions = [q.lower().split() for q in lines if not q.startswith(":")]
    known = sum(all(w in kv.key_to_index for w in q) for q in questions)
    assert known == 90  # the family questions over corpus_tiny's gendered pairs
    analogy = emb.evaluate(kv)["analogy"]
    assert analogy["questions"] == 19544
    assert analogy["oov_rate"] == 1 - known / 19544


# ---- files: trim and convert ------------------------------------------------------------

def test_trim_keeps_exactly_the_needed_rows_in_order(tmp_path):
    glove = emb.load(GLOVE)
    (tmp_path / "words.json").write_text(json.dumps(["Paris", "cat", "unknown", "cat", "the"]))
    trimmed = emb.trim(glove, tmp_path / "words.json", output=tmp_path / "t.bin")
    assert trimmed.index_to_key == ["the", "cat", "paris"]
    np.testing.assert_array_equal(trimmed.vectors, glove.vectors[[0, 1, 5]])
    assert emb.load(tmp_path / "t.bin").index_to_key == ["the", "cat", "paris"]
    strict = emb.trim(glove, tmp_path / "words.json", lowercase_fallback=False)
    assert strict.index_to_key == ["the", "cat"]


def test_trimmed_vectors_give_the_same_matrix(tmp_path):
    glove = emb.load(GLOVE)
    vocab = ["<pad>", "Paris", "dog", "unknown", "king"]
    (tmp_path / "v.json").write_text(json.dumps(vocab))
    full = vectors_matrix(glove, vocab)
    small = vectors_matrix(emb.trim(glove, tmp_path / "v.json"), vocab)
    np.testing.assert_array_equal(full[0], small[0])
    assert full[1] == small[1]


def test_trim_vocab_from_tokenizer_json_and_text_corpus(tmp_path):
    glove = emb.load(GLOVE)
    tokenizer_json = word_level_pipeline(tmp_path / "tok.json")
    assert emb.trim(glove, tokenizer_json).index_to_key == ["the", "king"]
    (tmp_path / "corpus.txt").write_text("the dog\nsees a queen\n")
    assert emb.trim(glove, tmp_path / "corpus.txt").index_to_key == ["the", "dog", "queen"]


def test_trim_errors(tmp_path):
    glove = emb.load(GLOVE)
    (tmp_path / "none.json").write_text('["zebra"]')
    with pytest.raises(DataError, match="no word of vocab .*none.json has a vector"):
        emb.trim(glove, tmp_path / "none.json")
    (tmp_path / "dict.json").write_text('{"a": 1}')
    with pytest.raises(DataError, match="neither a JSON list of words nor a tokenizers JSON"):
        emb.trim(glove, tmp_path / "dict.json")
    (tmp_path / "broken.json").write_text('["a",')
    with pytest.raises(DataError, match="broken.json is not valid JSON"):
        emb.trim(glove, tmp_path / "broken.json")
    with pytest.raises(DataError, match="vocab file .*missing.txt does not exist"):
        emb.trim(glove, tmp_path / "missing.txt")


def test_convert_round_trips_every_format(tmp_path):
    original = emb.load(GLOVE)
    chain = [("a.txt", None), ("b.bin", None), ("c.kv", "kv"), ("d.txt", "glove"), ("e.vec", None)]
    src = GLOVE
    for name, fmt in chain:
        kv = emb.convert(src, tmp_path / name, dst_format=fmt, allow_pickle=True)
        src = tmp_path / name
        assert kv.index_to_key == original.index_to_key
        np.testing.assert_array_equal(kv.vectors, original.vectors)
    assert (tmp_path / "d.txt").read_text() == GLOVE.read_text()
    assert (tmp_path / "a.txt").read_text() == (ASSETS / "vectors" / "w2v.txt").read_text()


def test_convert_refuses_pickle_unless_allowed(tmp_path):
    with pytest.raises(VectorsError, match="pickle"):
        emb.convert(GLOVE, tmp_path / "v.kv", dst_format="kv")
    emb.convert(GLOVE, tmp_path / "v.kv", dst_format="kv", allow_pickle=True)
    with pytest.raises(VectorsError, match="--trust-pickle"):
        emb.convert(tmp_path / "v.kv", tmp_path / "v.bin")
    assert not (tmp_path / "v.bin").exists()


# ---- CLI --------------------------------------------------------------------------------

def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_cli_train_then_query_evaluate_trim_convert(tmp_path):
    out = tmp_path / "v.bin"
    result = invoke("train", CORPUS, "-o", out, "--dim", 16, "--min-count", 1, "train.epochs=3",
                    "train.threads=1", "train.seed=7", "--no-progress")
    assert result.exit_code == 0, result.output
    assert result.output == f"saved 47 vectors of 16 dimensions to {out}\n"
    kv = emb.load(out)
    expected = emb.train(CORPUS, **SMALL)
    np.testing.assert_array_equal(kv.vectors, expected.vectors)

    result = invoke("neighbors", out, "king", "--top-k", 2)
    (w1, s1), (w2, s2) = kv.most_similar("king", topn=2)
    assert result.output == f"king: {w1} {s1:.3f}, {w2} {s2:.3f}\n"
    result = invoke("analogy", out, "king", "man", "woman", "--top-k", 1)
    ((word, score),) = emb.analogy(kv, "king", "man", "woman")
    assert result.output == f"{word}\t{score:.4f}\n"
    result = invoke("evaluate", out)
    assert result.exit_code == 0 and result.output.splitlines()[3].startswith("analogy ")

    (tmp_path / "words.json").write_text('["king", "queen", "nope"]')
    result = invoke("trim", out, "--vocab", tmp_path / "words.json", "-o", tmp_path / "t.txt")
    assert result.output == f"kept 2 of 47 vectors in {tmp_path / 't.txt'}\n"
    result = invoke("convert", tmp_path / "t.txt", tmp_path / "t.glove", "--to", "glove")
    assert result.exit_code == 0, result.output
    kept = emb.load(tmp_path / "t.glove", format="glove")
    assert kept.index_to_key == [w for w in kv.index_to_key if w in ("king", "queen")]
    np.testing.assert_array_equal(kept.vectors, kv[kept.index_to_key])


def test_cli_errors_are_rnnlp_errors_for_the_main_cli_to_print(tmp_path):
    result = invoke("neighbors", GLOVE, "Kng")
    assert isinstance(result.exception, DataError)
    assert "did you mean 'king'" in str(result.exception)
    emb.convert(GLOVE, tmp_path / "v.kv", dst_format="kv", allow_pickle=True)
    result = invoke("neighbors", tmp_path / "v.kv", "king")
    assert isinstance(result.exception, VectorsError)
    assert invoke("neighbors", tmp_path / "v.kv", "king", "--trust-pickle").exit_code == 0
    assert invoke("train", CORPUS, "-o", tmp_path / "x.bin", "--sg", 2).exit_code == 2


@pytest.mark.parametrize("command", [None, "train", "neighbors", "analogy", "evaluate", "trim",
                                     "convert"])
def test_cli_help(command):
    result = invoke(*([command] if command else []), "--help")
    assert result.exit_code == 0 and result.output.startswith("Usage:")


def test_cli_choices_match_the_library():
    from rnnlp.cli.embeddings import FORMATS, MODELS
    from rnnlp.embeddings.training import MODELS as LIBRARY_MODELS
    from rnnlp.embeddings.vectors import FORMATS as LIBRARY_FORMATS

    assert FORMATS == LIBRARY_FORMATS and MODELS == LIBRARY_MODELS


def test_main_cli_prints_one_line_errors():
    command = [sys.executable, "-m", "rnnlp", "embeddings", "neighbors", str(GLOVE), "Kng"]
    run = subprocess.run(command, capture_output=True, text=True)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr == "error: 'Kng' is not in the vocabulary (6 words); did you mean 'king'?\n"
    help_text = subprocess.run([sys.executable, "-m", "rnnlp", "--help"], capture_output=True,
                               text=True, check=True).stdout
    assert "embeddings  Train, query, evaluate" in help_text


def test_cli_train_old_flags_are_deprecated_aliases(tmp_path):
    """--epochs/--workers/--seed: one warning line each, the same vectors as train.* overrides."""
    old, new = tmp_path / "old.bin", tmp_path / "new.bin"
    result = invoke("train", CORPUS, "-o", old, "--dim", 16, "--min-count", 1, "--epochs", 3, "--workers", 1,
                    "--seed", 7, "--no-progress")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == ["warning: --epochs is deprecated and goes in 0.5; write train.epochs=3",
                                          "warning: --workers is deprecated and goes in 0.5; write train.threads=1",
                                          "warning: --seed is deprecated and goes in 0.5; write train.seed=7"]
    assert invoke("train", CORPUS, "-o", new, "--dim", 16, "--min-count", 1, "train.epochs=3", "train.threads=1",
                  "train.seed=7", "--no-progress").exit_code == 0
    np.testing.assert_array_equal(emb.load(old).vectors, emb.load(new).vectors)


def test_cli_train_unknown_or_bad_override_is_one_line(tmp_path):
    from rnnlp.errors import ConfigError

    result = invoke("train", CORPUS, "-o", tmp_path / "v.bin", "train.lr=0.1")
    assert isinstance(result.exception, ConfigError) and not (tmp_path / "v.bin").exists()
    assert str(result.exception) == "unknown key 'train.lr'; valid keys here: epochs, seed, threads"
    result = invoke("train", CORPUS, "-o", tmp_path / "v.bin", "train.epochs=0")
    assert isinstance(result.exception, ConfigError) and "'train.epochs' must be greater than 0" in str(result.exception)
