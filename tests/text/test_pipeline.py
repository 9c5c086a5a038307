import pytest

from rnnlp.errors import DataError
from rnnlp.text import SPECIALS, TextPipeline

CORPUS = ["The cat sat on the mat .", "the dog sat", "A cat and a dog"] * 3


def test_specials_take_the_first_ids():
    pipe = TextPipeline.build(CORPUS, "word")
    assert pipe.vocab()[:4] == list(SPECIALS)
    assert (pipe.pad_id, pipe.unk_id, pipe.bos_id, pipe.eos_id) == (0, 1, 2, 3)


def test_word_level_lowercases_frames_and_truncates():
    pipe = TextPipeline.build(CORPUS, "word", lowercase=True)
    vocab = pipe.tokenizer.get_vocab()
    ids = pipe.encode("The CAT flew", bos=True, eos=True)
    assert ids == [2, vocab["the"], vocab["cat"], 1, 3]
    assert pipe.encode("the cat sat on", max_length=3, bos=True) == [2, vocab["the"], vocab["cat"]]
    assert pipe.decode(pipe.encode("the cat sat .")) == "the cat sat ."


def test_word_level_min_freq_and_max_size():
    pipe = TextPipeline.build(["a a a b b c"], "word", min_freq=2)
    assert pipe.vocab()[4:] == ["a", "b"]
    capped = TextPipeline.build(["a a a b b c"], "word", max_size=1)
    assert capped.vocab()[4:] == ["a"]


def test_char_level_is_lossless_on_known_characters():
    pipe = TextPipeline.build(["hello world\nbye"], "char", lowercase=False)
    text = "hello\nworld bye"
    assert pipe.decode(pipe.encode(text)) == text
    assert len(pipe.encode(text)) == len(text)


def test_bpe_round_trip():
    pipe = TextPipeline.build(CORPUS * 5, "bpe", vocab_size=40, lowercase=False)
    assert pipe.decode(pipe.encode("The cat sat on the mat .")) == "The cat sat on the mat ."


def test_save_load_same_ids(tmp_path):
    pipe = TextPipeline.build(CORPUS, "char")
    pipe.save(tmp_path / "p.json")
    again = TextPipeline.load(tmp_path / "p.json")
    assert again.level == "char"
    assert again.encode_batch(CORPUS) == pipe.encode_batch(CORPUS)


def test_encode_words_one_id_per_word():
    pipe = TextPipeline.build(CORPUS, "word")
    ids = pipe.encode_words_batch([["The", "zebra", "."]])[0]
    vocab = pipe.tokenizer.get_vocab()
    assert ids == [vocab["the"], 1, vocab["."]]


def test_bad_files(tmp_path):
    with pytest.raises(DataError, match="tokenizer file not found"):
        TextPipeline.load(tmp_path / "none.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(DataError, match="not a valid tokenizer file"):
        TextPipeline.load(tmp_path / "bad.json")


def test_replace_rules_run_after_lowercasing_in_order_and_are_saved(tmp_path):
    pipe = TextPipeline.build(["It does n't , `` Old-Fashioned ''"], "word",
                              replace=[[" n't", "n 't"], ["``|''", '"'], [r"(?<=\w)-(?=\w)", " @-@ "]])
    assert pipe.tokens("It does n't") == ["it", "doesn", "'t"]
    assert pipe.tokens("`` Old-Fashioned ''") == ['"', "old", "@-@", "fashioned", '"']
    pipe.save(tmp_path / "p.json")
    assert TextPipeline.load(tmp_path / "p.json").tokens("DOES N'T") == ["doesn", "'t"]


def test_new_words_and_renormalized():
    pipe = TextPipeline.build(["the cat sat"], "word")
    texts = ["the Dog sat", "a dog , a bird", "does n't"]
    assert pipe.new_words(texts) == ["dog", "a", ",", "bird", "does", "n't"]
    assert pipe.new_words(texts, min_freq=2) == ["dog", "a"]
    again = pipe.renormalized(True, [[" n't", "n 't"]])
    assert again.vocab() == pipe.vocab() and again.new_words(texts[2:]) == ["doesn", "'t"]
    assert pipe.tokens("does n't") == ["<unk>", "<unk>"]  # the original is unchanged


def test_extended_vocabulary_keeps_old_ids_and_adds_words():
    pipe = TextPipeline.build(CORPUS, "word")
    bigger = pipe.extended(["zebra", "the", "okapi"])
    assert bigger.vocab()[: pipe.vocab_size] == pipe.vocab()
    assert bigger.vocab()[pipe.vocab_size:] == ["zebra", "okapi"]
    assert bigger.encode("the zebra") == [pipe.encode("the")[0], pipe.vocab_size]
    with pytest.raises(Exception, match="only a word-level vocabulary"):
        TextPipeline.build(CORPUS, "char").extended(["x"])


@pytest.mark.parametrize("level", ["word", "char", "bpe"])
def test_special_token_text_in_the_corpus_leaves_no_hole_in_the_ids(level):
    pipe = TextPipeline.build(["a b <unk> c", "a <unk> d"] * 3, level, vocab_size=30)
    ids = sorted(pipe.tokenizer.get_vocab().values())
    assert ids == list(range(pipe.vocab_size))
    assert pipe.vocab()[:4] == list(SPECIALS)
    assert pipe.encode("<unk>") == [pipe.unk_id]
