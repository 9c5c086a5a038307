"""What a decoder must offer, and helpers to select rows of its state.

A decoder is any object with two methods (structural typing, no base class)::

    log_probs, state = decoder.step(prev_ids, state)   # prev_ids LongTensor B -> B×V
    state = decoder.reorder_state(state, index)         # index LongTensor N -> N rows

``step`` consumes one token per row and returns normalised log-probabilities (log-softmax)
for the next token; an RNN carries everything it needs in ``state`` and never re-reads the
prefix. ``reorder_state`` returns the state of rows ``index`` (repeats allowed): beam search
uses it to expand B sentences into B·K beams and to follow surviving beams.

The state is anything the decoder likes: a tensor, None, or nested tuples/lists/dicts of
tensors (e.g. the LSTM's (h, c) plus encoder memory and its mask). ``index_state`` selects
rows of such a nest along one ``batch_dim`` shared by all its tensors; a decoder whose parts
disagree (LSTM h and c are L×B×H, batch_dim=1; memory is B×S×H, batch_dim=0) calls it once
per part in its ``reorder_state``.
"""

from typing import Any, Protocol, runtime_checkable

import torch


@runtime_checkable
class Decoder(Protocol):
    """One step of an autoregressive model; see the module docstring for the contract."""

    def step(self, prev_ids: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any]:
        """prev_ids LongTensor B, state -> (log_probs B×V, new state)."""
        ...

    def reorder_state(self, state: Any, index: torch.Tensor) -> Any:
        """The state of rows ``index`` (LongTensor N, values in [0, B)), N rows."""
        ...


def index_state(state: Any, index: torch.Tensor, batch_dim: int = 0) -> Any:
    """Select rows ``index`` along ``batch_dim`` of every tensor in a nested state.

    Args:
        state: a tensor, None, or nested tuple/list/namedtuple/dict of them. Leaves that are
            not tensors (ints, strings) are shared by all rows and returned as they are.
        index: LongTensor N of row numbers; repeats allowed (beam expansion).
        batch_dim: the dimension that holds the batch in every tensor: 0 for batch-first
            tensors, 1 for torch RNN states (num_layers·dirs × B × H).

    Returns:
        The same structure with each tensor's ``batch_dim`` of size N.
    """
    if isinstance(state, torch.Tensor):
        return state.index_select(batch_dim, index.to(state.device))
    if isinstance(state, dict):
        return {key: index_state(value, index, batch_dim) for key, value in state.items()}
    if isinstance(state, tuple) and hasattr(state, "_fields"):  # namedtuple
        return type(state)(*(index_state(part, index, batch_dim) for part in state))
    if isinstance(state, (tuple, list)):
        return type(state)(index_state(part, index, batch_dim) for part in state)
    return state


def state_device(state: Any) -> torch.device:
    """The device of the first tensor in a nested state (CPU when it holds none)."""
    tensor = _first_tensor(state)
    return torch.device("cpu") if tensor is None else tensor.device


def _first_tensor(state: Any) -> torch.Tensor | None:
    if isinstance(state, torch.Tensor):
        return state
    if isinstance(state, dict):
        state = list(state.values())
    if isinstance(state, (tuple, list)):
        for part in state:
            tensor = _first_tensor(part)
            if tensor is not None:
                return tensor
    return None


def first_ids(bos_id, batch_size: int, state: Any) -> torch.Tensor:
    """The first ``prev_ids`` (LongTensor B) on the device decoding runs on.

    ``bos_id`` is an int for every row, or a LongTensor B (e.g. each row's last prompt
    token). The device is ``bos_id``'s when it is a tensor, else that of the first tensor in
    ``state``: with a GPU decoder and ``state`` None, pass ``bos_id`` as a tensor on the GPU.
    """
    if isinstance(bos_id, torch.Tensor):
        return bos_id.to(dtype=torch.long).reshape(batch_size)
    return torch.full((batch_size,), int(bos_id), dtype=torch.long, device=state_device(state))
