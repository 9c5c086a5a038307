"""Memory and the shared state layout: rows in blocks share one memory entry per source."""

from pathlib import Path

import torch

from rnnlp.api import make_config
from rnnlp.decoding import EncoderDecoder, Memory
from rnnlp.decoding.memory import first_state, reorder_rows
from rnnlp.models.builders import build_captioner

ROOT = Path(__file__).resolve().parents[2]


def _state(sources=3):
    states = torch.arange(sources * 2 * 1.0).reshape(sources, 2, 1)
    mask = torch.tensor([[True, False], [True, True], [True, True]])[:sources]
    return first_state(Memory(states, mask), h=torch.arange(sources * 1.0).reshape(1, sources, 1))


def test_memory_select_and_lengths():
    memory = _state()["memory"]
    picked = memory.select(torch.tensor([2, 0]))
    assert picked.states[:, :, 0].tolist() == [[4, 5], [0, 1]]
    assert picked.mask.tolist() == [[True, True], [True, False]]
    assert picked.summary is None and picked.lengths() == [2, 1] and len(picked) == 2
    assert Memory(torch.zeros(2, 5, 3)).lengths() == [5, 5]


def test_rows_in_blocks_keep_one_memory_entry_per_source():
    state = _state()
    beams = reorder_rows(state, torch.tensor([0, 0, 1, 1, 2, 2]), batch_dims={"h": 1})
    assert beams["memory"] is state["memory"]  # not copied
    assert beams["source"].tolist() == [0, 0, 1, 1, 2, 2] and beams["h"][0, :, 0].tolist() == [0, 0, 1, 1, 2, 2]
    # sentence 1 finished and left: its memory entry leaves too, the rows stay in blocks
    dropped = reorder_rows(beams, torch.tensor([5, 4, 1, 0]), batch_dims={"h": 1})
    assert dropped["source"].tolist() == [0, 0, 1, 1] and len(dropped["memory"]) == 2
    assert dropped["memory"].states[:, 0, 0].tolist() == [4, 0] and dropped["h"][0, :, 0].tolist() == [2, 2, 0, 0]


def test_rows_in_uneven_groups_get_a_memory_entry_each():
    state = reorder_rows(_state(), torch.tensor([0, 0, 0, 2]), batch_dims={"h": 1})  # captions: 3, 0, 1
    assert state["source"].tolist() == [0, 1, 2, 3] and state["memory"].states[:, 0, 0].tolist() == [0, 0, 0, 4]


def test_captioner_rows_in_any_order_read_their_own_image():
    torch.manual_seed(0)
    model = build_captioner(make_config("captioning", str(ROOT / "recipes/captioning/tiny.yaml")), 11).eval()
    assert isinstance(model, EncoderDecoder)
    state = model.start(Memory(torch.randn(3, 9, model.encoder.feature_size)))
    prev = torch.tensor([5, 6, 7])
    with torch.no_grad():
        ref = model.step(prev, state)[0]
        for index in ([2, 0, 1], [0, 0, 1, 1, 2, 2], [1, 1, 0, 2, 2, 2], [2, 2]):
            index = torch.tensor(index)
            out = model.step(prev[index], model.reorder_state(state, index))[0]
            assert torch.allclose(out, ref[index], atol=1e-6)
