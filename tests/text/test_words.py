"""Raw text split as a tagger's training data was, with offsets into the text."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnlp.text.words import WordRules, joined_words, whitespace_words

CONLL_LIKE = [["John", "Smith", "'s", "firm", "(", "Acme", "Corp.", ")", "did", "n't", "pay", "..."],
              ["The", "U.S.", "team", "beat", "France", "2-1", "."], ["Paris", ",", "he", "said", "--", "yes", "."]]
RULES = WordRules.learn(CONLL_LIKE)


def words(text: str, rules: WordRules = RULES) -> list[str]:
    return [w for w, _, _ in rules.split_text(text)]


def test_rules_learned_from_conll_style_tokens():
    assert RULES.split and RULES.punctuation == ("...", "--") and RULES.clitics == ("n't", "'s")
    assert RULES.keep == {"corp.", "u.s.", "'s"}  # words with punctuation at an edge
    assert WordRules.from_dict(RULES.to_dict()) == RULES


def test_punctuation_and_clitics_come_off_words_the_data_did_not_keep_whole():
    assert words("John Smith lives in Paris.") == ["John", "Smith", "lives", "in", "Paris", "."]
    assert words('He said: "the U.S. (and Smith\'s firm) didn\'t care..."') == [
        "He", "said", ":", '"', "the", "U.S.", "(", "and", "Smith", "'s", "firm", ")", "did", "n't", "care", "...", '"']
    assert words("acme corp. won 2-1.") == ["acme", "corp.", "won", "2-1", "."]  # kept words match any case
    assert words("--yes--") == ["--", "yes", "--"]


def test_data_with_punctuation_attached_is_split_on_whitespace_only():
    rules = WordRules.learn([["John", "lives", "in", "Paris."], ["Hello,", "world!", "Fine", "."]])
    assert not rules.split and words("Hello, Paris. Fine!", rules) == ["Hello,", "Paris.", "Fine!"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab.,'()-\" \n\u00e9\u2019", max_size=40))
def test_every_word_is_the_text_between_its_offsets_and_nothing_but_spaces_is_lost(text):
    found = RULES.split_text(text)
    assert all(text[start:end] == word and word for word, start, end in found)
    assert [e for _, _, e in found] == sorted(e for _, _, e in found)
    assert "".join(w for w, _, _ in found) == re.sub(r"\s", "", text)


def test_whitespace_and_pretokenised_words_carry_offsets_too():
    assert whitespace_words(" a  bc\td ") == [("a", 1, 2), ("bc", 4, 6), ("d", 7, 8)]
    assert joined_words(["Paris", "."]) == ("Paris .", [("Paris", 0, 5), (".", 6, 7)])


@pytest.mark.requires_shared
def test_conll2003_dev_sentences_written_as_plain_text_split_back_into_their_tokens(shared_data):
    """Rules learned on CoNLL-2003 train; dev sentences detokenised by a few regexes, then split."""
    from rnnlp.data.conll import read_conll

    folder = shared_data / "tagging" / "conll2003"
    rules = WordRules.learn(read_conll(folder / "eng.train.gz").tokens)
    dev = read_conll(folder / "eng.testa").tokens

    def plain(tokens):
        text = re.sub(r" ([.,;:?!)%])", r"\1", " ".join(tokens))
        return re.sub(r" ('s|n't|'re|'ll|'ve|'d|'m)\b", r"\1", re.sub(r"([($]) ", r"\1", text))

    same = sum(words(plain(t), rules) == t for t in dev)
    assert same / len(dev) >= 0.95  # 0.960 (3121 of 3250) when written
