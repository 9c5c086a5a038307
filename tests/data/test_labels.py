"""Label maps of classification tables: order, matching across file types, unknown labels."""

import numpy as np
import pytest

from rnnlp.data.labels import label_indices, label_map
from rnnlp.errors import DataError


def test_label_map_sorts_numbers_numerically_then_strings():
    assert label_map([10, 2, 2, "b", "a"]) == [2, 10, "a", "b"]


def test_an_empty_training_label_is_an_error():
    with pytest.raises(DataError, match="some training labels are empty"):
        label_map(["pos", None])


def test_labels_from_another_file_match_on_their_text_form():
    assert np.array_equal(label_indices(["1", 5, "5"], [1, 5], "dev.csv"), np.array([0, 1, 1]))


def test_a_label_unseen_in_training_names_row_and_labels():
    with pytest.raises(DataError) as err:
        label_indices(["pos", "meh"], ["neg", "pos"], "dev.csv")
    assert str(err.value) == ("dev.csv: label 'meh' (row 2) never appears in the training data (labels: neg, pos); "
                              "fix the label or add training examples")
