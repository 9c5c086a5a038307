"""Label maps of classification tables: order, matching across file types, unknown labels."""

import numpy as np
import pytest

from rnnlp.data.labels import display_names, label_indices, label_map
from rnnlp.errors import ConfigError, DataError


def test_label_map_sorts_numbers_numerically_then_strings():
    assert label_map([10, 2, 2, "b", "a"]) == [2, 10, "a", "b"]
    assert label_map(["10", "2", "b", "1"]) == ["1", "2", "10", "b"]  # labels read as text from csv/tsv


def test_an_empty_training_label_is_an_error_naming_its_row():  # B111/B112
    with pytest.raises(DataError, match="^train.csv: the label of row 2 is empty; fill it in or drop the row$"):
        label_map(["pos", None], "train.csv")
    with pytest.raises(DataError, match="label of row 3 is empty"):
        label_map(["1", "0", " ", "1"])
    with pytest.raises(DataError, match=r"label of row 1 is empty \(NaN\)"):
        label_map([float("nan"), 1.0])


def test_one_number_written_two_ways_is_an_error():  # B07
    with pytest.raises(DataError, match=r"labels '0' \(row 2\) and '0.0' \(row 4\) are one number written two ways"):
        label_map(["1", "0", "pos", "0.0", "2"])
    with pytest.raises(DataError, match="one number written two ways"):
        label_map([1, "1"])


def test_a_continuous_looking_label_column_is_an_error():  # B101
    with pytest.raises(DataError, match=r"labels look continuous \(6 distinct numbers such as 0.1\)"):
        label_map([0.1, 0.3, 0.5, 0.7, 0.8, 0.9])
    # a few fractional classes over many rows (half-star ratings) are classes
    assert label_map([0.5, 1.5, 2.5] * 10) == [0.5, 1.5, 2.5]
    assert label_map(["1", "2", "3", "1"]) == ["1", "2", "3"]


def test_labels_from_another_file_match_on_their_text_form():
    assert np.array_equal(label_indices(["1", 5, "5"], [1, 5], "dev.csv"), np.array([0, 1, 1]))


def test_a_label_unseen_in_training_names_row_and_labels():
    with pytest.raises(DataError) as err:
        label_indices(["pos", "meh"], ["neg", "pos"], "dev.csv")
    assert str(err.value) == ("dev.csv: label 'meh' (row 2) never appears in the training data (labels: neg, pos); "
                              "fix the label or add training examples")


def test_display_names_from_a_mapping_a_list_or_none():
    assert display_names([0, 1], {0: "negative", 1: "positive"}) == ["negative", "positive"]
    assert display_names([0, 1], {"1": "positive"}) == ["0", "positive"]  # keys match the text form; gaps keep it
    assert display_names([1, 3, 5], ["bad", "ok", "good"]) == ["bad", "ok", "good"]
    assert display_names(["neg", "pos"], None) == ["neg", "pos"]


@pytest.mark.parametrize("names,message", [
    ({2: "x"}, "data.label_names names label.s. 2 that the training data does not have .labels: 0, 1.; fix the keys"),
    (["only one"], "data.label_names lists 1 names but there are 2 labels .0, 1.; give one name per label"),
    ({0: "same", 1: "same"}, "data.label_names gives two labels the same name"),
])
def test_bad_display_names_are_one_line_config_errors(names, message):
    with pytest.raises(ConfigError, match=message):
        display_names([0, 1], names)


def test_gold_labels_may_be_given_by_name():
    gold = label_indices(["positive", 0, "1"], [0, 1], "dev.tsv", aliases=["negative", "positive"])
    assert gold.tolist() == [1, 0, 1]
