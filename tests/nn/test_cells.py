"""Reference cells equal torch's nn.RNN/nn.LSTM/nn.GRU when given the same weights."""

import pytest
import torch
from torch import nn

from rnnlp.nn.cells import GRUCell, LSTMCell, RNNCell, lstm_parameter_count, run_cell

B, T, P, Q = 3, 5, 4, 6


def _copy_from(ours: nn.Module, theirs: nn.Module) -> None:
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(ours, name).copy_(getattr(theirs, f"{name}_l0"))


def _inputs():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(B, T, P, generator=g, dtype=torch.float64)
    h0 = torch.randn(1, B, Q, generator=g, dtype=torch.float64)
    c0 = torch.randn(1, B, Q, generator=g, dtype=torch.float64)
    return x, h0, c0


@pytest.mark.parametrize("ours_cls,theirs_cls", [(RNNCell, nn.RNN), (GRUCell, nn.GRU)])
def test_single_state_cells_match_torch(ours_cls, theirs_cls):
    torch.manual_seed(1)
    theirs = theirs_cls(P, Q, batch_first=True).double()
    ours = ours_cls(P, Q).double()
    _copy_from(ours, theirs)
    x, h0, _ = _inputs()
    expected, expected_h = theirs(x, h0)
    outputs, h = run_cell(ours, x, h0[0])
    assert outputs.shape == (B, T, Q)
    torch.testing.assert_close(outputs, expected, atol=1e-10, rtol=0)
    torch.testing.assert_close(h, expected_h[0], atol=1e-10, rtol=0)


def test_lstm_matches_torch():
    torch.manual_seed(2)
    theirs = nn.LSTM(P, Q, batch_first=True).double()
    ours = LSTMCell(P, Q).double()
    _copy_from(ours, theirs)
    x, h0, c0 = _inputs()
    expected, (expected_h, expected_c) = theirs(x, (h0, c0))
    outputs, (h, c) = run_cell(ours, x, (h0[0], c0[0]))
    torch.testing.assert_close(outputs, expected, atol=1e-10, rtol=0)
    torch.testing.assert_close(h, expected_h[0], atol=1e-10, rtol=0)
    torch.testing.assert_close(c, expected_c[0], atol=1e-10, rtol=0)


@pytest.mark.parametrize("ours_cls,theirs_cls",
                         [(RNNCell, nn.RNN), (LSTMCell, nn.LSTM), (GRUCell, nn.GRU)])
def test_zero_initial_state_matches_torch(ours_cls, theirs_cls):
    torch.manual_seed(3)
    theirs = theirs_cls(P, Q, batch_first=True).double()
    ours = ours_cls(P, Q).double()
    _copy_from(ours, theirs)
    x, _, _ = _inputs()
    torch.testing.assert_close(run_cell(ours, x)[0], theirs(x)[0], atol=1e-10, rtol=0)


def test_one_step_forward_equals_first_output():
    torch.manual_seed(4)
    cell = LSTMCell(P, Q).double()
    x, _, _ = _inputs()
    h, _ = cell(x[:, 0])
    torch.testing.assert_close(h, run_cell(cell, x)[0][:, 0], atol=0, rtol=0)


def test_parameter_layout_is_torch_layout():
    for cls, gates in ((RNNCell, 1), (LSTMCell, 4), (GRUCell, 3)):
        shapes = {name: tuple(p.shape) for name, p in cls(P, Q).named_parameters()}
        assert shapes == {"weight_ih": (gates * Q, P), "weight_hh": (gates * Q, Q),
                          "bias_ih": (gates * Q,), "bias_hh": (gates * Q,)}


@pytest.mark.parametrize("p,q", [(4, 6), (300, 512), (1, 1)])
def test_lstm_parameter_count(p, q):
    # Textbook: 4 gates × (q×p input + q×q recurrent + q bias) = 4q(p+q+1).
    assert lstm_parameter_count(p, q, torch_biases=False) == 4 * q * (p + q + 1)
    # Torch keeps two biases per gate: 4q(p+q+2), and so do our cells.
    torch_count = sum(w.numel() for w in nn.LSTM(p, q).parameters())
    assert torch_count == 4 * q * (p + q + 2) == lstm_parameter_count(p, q)
    assert sum(w.numel() for w in LSTMCell(p, q).parameters()) == torch_count


def test_lstm_parameter_count_known_value():
    assert lstm_parameter_count(4, 6, torch_biases=False) == 264
    assert lstm_parameter_count(4, 6) == 288


def test_no_bias_cell_has_only_weights():
    cell = GRUCell(P, Q, bias=False)
    assert [name for name, _ in cell.named_parameters()] == ["weight_ih", "weight_hh"]
    assert run_cell(cell, torch.zeros(1, 2, P))[0].abs().max() == 0
