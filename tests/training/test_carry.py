"""The one carried-state mechanism: names in a checkpoint (unchanged from the two it replaces:
the LM's ``lm_state.<layer>.<part>``, the recommender's ``lanes.<part>``) and exact round trips."""

import torch

from rnnlp.training.carry import Carry, flatten, unflatten


def _same(a, b) -> bool:
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return torch.equal(a, b)


def test_names_and_round_trips_of_every_state_shape():
    h, c = torch.randn(1, 3, 4), torch.randn(1, 3, 4)
    cases = {
        "lm_state.": ([(h, c), (h + 1, c + 1)], ["lm_state.0.0", "lm_state.0.1", "lm_state.1.0", "lm_state.1.1"]),
        "gru_state.": ([h, h + 1], ["gru_state.0.0", "gru_state.1.0"]),  # one tensor per layer
        "lanes.": ((h, c), ["lanes.0", "lanes.1"]),
        "lane.": (h, ["lane.0"]),
    }
    for prefix, (state, names) in cases.items():
        flat = flatten(state, prefix)
        assert list(flat) == names
        assert _same(unflatten(flat, prefix), state)
    assert flatten(None, "x.") == {} and unflatten({"other.0": h}, "x.") is None


class _Resumed:
    def __init__(self, trainer):
        self.trainer = trainer


def test_a_resumed_run_starts_its_first_epoch_from_the_saved_state_then_afresh():
    state = (torch.ones(1, 2, 3), torch.zeros(1, 2, 3))
    mid = Carry("lanes.", _Resumed({"batch": 5, **flatten(state, "lanes."), "lm_state.0.0": torch.ones(1)}))
    mid.start_epoch()
    assert _same(mid.state, state)
    mid.keep(tuple(s.requires_grad_() * 2 for s in (torch.ones(1, 2, 3), torch.ones(1, 2, 3))))
    assert not any(s.requires_grad for s in mid.state)  # cut from the batch's graph
    assert list(mid.tensors()) == ["lanes.0", "lanes.1"]
    mid.start_epoch()
    assert mid.state is None  # the next epoch starts afresh
    at_end = Carry("lanes.", _Resumed({"batch": 0, **flatten(state, "lanes.")}))
    at_end.start_epoch()
    assert at_end.state is None  # saved at an epoch's end: nothing carried over
