"""Reference recurrent cells written from the textbook equations.

These are for reading, teaching and testing, not for speed: ``nn.LSTM``/``nn.GRU`` (cuDNN)
are what ``rnnlp.nn.rnn`` trains with. Each cell stores its parameters exactly as torch does
(``weight_ih`` G·q×p, ``weight_hh`` G·q×q, ``bias_ih`` G·q, ``bias_hh`` G·q, gates stacked in
torch's order), so weights copied from ``nn.RNN``/``nn.LSTM``/``nn.GRU`` layer 0 give the
same numbers. Notation: p = input size, q = hidden size, x_t the input, h_t the state.

Parameter count of one LSTM layer: the equations have 4 gates, each with a q×p input matrix,
a q×q recurrent matrix and one bias of size q, so 4q(p+q+1). Torch (following cuDNN) keeps
two bias vectors per gate, ``bias_ih`` and ``bias_hh``, whose sum is the textbook bias, so
``nn.LSTM`` reports 4q(p+q+2). The cells here mirror torch's layout (4q(p+q+2)); the
redundant bias is the only difference.
"""

import math

import torch
from torch import nn


class _Cell(nn.Module):
    """Holds torch-layout parameters for ``gates`` stacked gates; subclasses define step()."""

    gates = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        g = self.gates * hidden_size
        self.weight_ih = nn.Parameter(torch.empty(g, input_size))
        self.weight_hh = nn.Parameter(torch.empty(g, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(g)) if bias else None
        self.bias_hh = nn.Parameter(torch.empty(g)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # Torch's own initialisation: U(-1/sqrt(q), 1/sqrt(q)) for every parameter.
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            nn.init.uniform_(weight, -bound, bound)

    def _input_part(self, x: torch.Tensor) -> torch.Tensor:
        """U x + b_ih for all gates at once: B×p -> B×G·q."""
        return nn.functional.linear(x, self.weight_ih, self.bias_ih)

    def _hidden_part(self, h: torch.Tensor) -> torch.Tensor:
        """W h + b_hh for all gates at once: B×q -> B×G·q."""
        return nn.functional.linear(h, self.weight_hh, self.bias_hh)

    def initial_state(self, batch_size: int, like: torch.Tensor):
        """The zero state for ``batch_size`` rows, with ``like``'s dtype and device."""
        return like.new_zeros(batch_size, self.hidden_size)

    def output(self, state) -> torch.Tensor:
        """The hidden vector h (B×q) carried by ``state``."""
        return state

    def forward(self, x: torch.Tensor, state=None):
        """One step: x B×p, state (None = zeros) -> new state."""
        if state is None:
            state = self.initial_state(x.shape[0], x)
        return self.step(x, state)


class RNNCell(_Cell):
    """Elman cell: h_t = tanh(W h_{t-1} + U x_t + b). State: h, B×q."""

    gates = 1

    def step(self, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self._input_part(x) + self._hidden_part(h))


class LSTMCell(_Cell):
    """LSTM cell; state (h, c), each B×q. Gate rows stacked i, f, g, o as in torch.

    i = σ(U_i x + W_i h + b_i)        input gate
    f = σ(U_f x + W_f h + b_f)        forget gate
    g = tanh(U_g x + W_g h + b_g)     candidate cell
    o = σ(U_o x + W_o h + b_o)        output gate
    c' = f ⊙ c + i ⊙ g;   h' = o ⊙ tanh(c')
    """

    gates = 4

    def initial_state(self, batch_size: int, like: torch.Tensor):
        zeros = like.new_zeros(batch_size, self.hidden_size)
        return zeros, zeros.clone()

    def output(self, state) -> torch.Tensor:
        return state[0]

    def step(self, x: torch.Tensor, state):
        h, c = state
        pre = self._input_part(x) + self._hidden_part(h)  # B×4q
        i, f, g, o = pre.chunk(4, dim=1)
        i, f, o = torch.sigmoid(i), torch.sigmoid(f), torch.sigmoid(o)
        c = f * c + i * torch.tanh(g)
        return o * torch.tanh(c), c


class GRUCell(_Cell):
    """GRU cell; state h, B×q. Gate rows stacked r, z, n as in torch.

    r = σ(U_r x + b_ir + W_r h + b_hr)           reset gate
    z = σ(U_z x + b_iz + W_z h + b_hz)           update gate
    n = tanh(U_n x + b_in + r ⊙ (W_n h + b_hn))  candidate
    h' = (1 - z) ⊙ n + z ⊙ h
    The reset gate multiplies W_n h + b_hn (torch/cuDNN), not h itself (Cho et al. 2014):
    this is why torch needs two bias vectors for the GRU.
    """

    gates = 3

    def step(self, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        xr, xz, xn = self._input_part(x).chunk(3, dim=1)
        hr, hz, hn = self._hidden_part(h).chunk(3, dim=1)
        r = torch.sigmoid(xr + hr)
        z = torch.sigmoid(xz + hz)
        n = torch.tanh(xn + r * hn)
        return (1 - z) * n + z * h


def run_cell(cell: _Cell, x: torch.Tensor, state=None):
    """Run ``cell`` over a sequence.

    Args:
        cell: an ``RNNCell``, ``LSTMCell`` or ``GRUCell``.
        x: B×T×p inputs (batch first).
        state: the initial state (h B×q, or (h, c) for the LSTM); None means zeros.

    Returns:
        (outputs B×T×q, final state). Every row runs all T steps: no length masking.
    """
    if state is None:
        state = cell.initial_state(x.shape[0], x)
    outputs = []
    for t in range(x.shape[1]):
        state = cell.step(x[:, t], state)
        outputs.append(cell.output(state))
    return torch.stack(outputs, dim=1), state


def lstm_parameter_count(input_size: int, hidden_size: int, torch_biases: bool = True) -> int:
    """Parameters of one LSTM layer: 4q(p+q+2) with torch's two biases, else 4q(p+q+1)."""
    biases = 2 if torch_biases else 1
    return 4 * hidden_size * (input_size + hidden_size + biases)
