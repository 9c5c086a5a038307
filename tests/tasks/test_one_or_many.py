"""The Python API's shape on every task: one item -> one result, a list -> a list; None is an error.

The tasks of rnnlp 0.1 run on its checkpoints (tests/assets/checkpoints_v0_1); recommender
and series, which came later, are checked in their own test modules.
"""

from pathlib import Path

import numpy as np
import pytest
import torch

import rnnlp
import rnnlp.models
from rnnlp.errors import InputError
from rnnlp.tasks import one_or_many

ROOT = Path(__file__).resolve().parents[2]
OLD = ROOT / "tests" / "assets" / "checkpoints_v0_1"
IMAGES = sorted((ROOT / "tests" / "assets" / "captioning" / "images").iterdir())

# task -> (verb, one item, another item, options)
VERBS = {
    "sentiment": ("predict", "a fine film", "dull", {}),
    "tagging": ("tag", "EU rejects German call", "Peter Brown", {}),
    "lm": ("generate", "the", "", {"max_tokens": 5, "greedy": True}),
    "translation": ("translate", "ein hund", "eine katze", {"beam_size": 2}),
    "captioning": ("caption", str(IMAGES[0]), IMAGES[1], {"beam_size": 2}),
}


@pytest.fixture(scope="module", params=sorted(VERBS))
def loaded(request):
    return request.param, rnnlp.load(OLD / request.param)


def test_one_item_gives_one_result_and_a_list_gives_a_list_in_order(loaded, same):
    task, model = loaded
    verb, first, second, options = VERBS[task]
    call = getattr(model, verb)
    one, two = call(first, **options), call(second, **options)
    assert not isinstance(one, list) and same(call([first, second], **options), [one, two])
    assert same(call((x for x in [first]), **options), [one])  # any iterable is a list
    assert call([], **options) == []


def test_none_or_a_list_holding_none_is_a_one_line_value_error(loaded):
    task, model = loaded
    verb, first, _, options = VERBS[task]
    call = getattr(model, verb)
    name = {"lm": "prompt", "captioning": "images"}.get(task, "texts")
    with pytest.raises(ValueError, match=rf"^{name} is None; give one item or a list of them$"):
        call(None, **options)
    with pytest.raises(InputError, match=rf"^{name}\[1\] is None$"):
        call([first, None], **options)


@pytest.mark.parametrize("task", ["sentiment", "tagging", "translation"])
def test_an_empty_text_is_an_error_naming_its_place(task):
    verb, first, _, options = VERBS[task]
    call = getattr(rnnlp.load(OLD / task), verb)
    with pytest.raises(InputError, match=r"^texts\[1\] is an empty text$"):
        call([first, " \n"], **options)
    wanted = "a text or a list of tokens" if task == "tagging" else "a string"
    with pytest.raises(InputError, match=rf"^texts\[1\] must be {wanted}, got int$"):
        call([first, 3], **options)
    with pytest.raises(InputError, match=r"^texts must be one item or a list of them, got int$"):
        call(3, **options)


def test_predict_proba_of_one_text_is_one_row():
    model = rnnlp.load(OLD / "sentiment")
    assert np.array_equal(model.predict_proba("a fine film"), model.predict_proba(["a fine film"])[0])


def test_a_loaded_model_says_what_it_is(loaded):
    task, model = loaded
    text = repr(model)
    assert text.startswith(f"{type(model).__name__}(task='{task}', path='{model.path}'")
    assert text.endswith(", device='cpu')") and "parameters=" in text
    sizes = {k: v for k, v in model.info()["vocab_sizes"].items()}
    assert all(f"{k.replace('pipeline', 'vocab')}={v}" in text for k, v in sizes.items()) and sizes
    if model.labels:
        assert f"labels={len(model.labels)} [{str(model.labels[0])!r}" in text


def test_every_task_head_is_importable_from_rnnlp_models(loaded):
    task, model = loaded
    assert type(model.model) is getattr(rnnlp.models, type(model.model).__name__)
    for name in rnnlp.models.__all__:
        assert issubclass(getattr(rnnlp.models, name), torch.nn.Module)
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        rnnlp.models.Nope  # noqa: B018


def test_histories_a_string_or_a_list_of_ids_is_one_a_list_of_them_many():
    assert one_or_many.histories("i1 i2") == (["i1 i2"], True)
    assert one_or_many.histories([3, 5, 7]) == ([[3, 5, 7]], True)
    assert one_or_many.histories(["i1 i2", [3, 5]]) == (["i1 i2", [3, 5]], False)
    for bad, message in [([[]], r"histories\[0\] must be a non-empty list"), (["ok", " "], r"histories\[1\] is an empty"),
                         ([[1, None]], r"histories\[0\] holds None"), (None, "histories is None"), (5, "got int")]:
        with pytest.raises(InputError, match=message):
            one_or_many.histories(bad)
