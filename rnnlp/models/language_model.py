"""``LanguageModel``: embedding -> stacked LSTM/GRU -> softmax (full or adaptive) over the vocab.

Regularisation follows AWD-LSTM (Merity et al. 2017): embedding dropout drops whole words'
rows of the embedding matrix, locked (variational) dropout reuses one mask along time on the
embeddings, between layers and on the output, and weight tying shares the embedding matrix
with the output layer (Press & Wolf 2017; the last layer is then ``embedding_dim`` wide).
Each layer is its own ``nn.LSTM``/``nn.GRU`` so locked dropout can sit between layers.

The model is a ``rnnlp.decoding.Decoder``: ``step(prev_ids, state)`` consumes one token per
row and returns next-token log-probabilities, carrying ``state`` (a list with one entry per
layer: ``(h, c)`` for LSTM, ``h`` for GRU, each 1×B×H) so no prefix is ever re-read.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from rnnlp.decoding.protocol import index_state
from rnnlp.nn.locked_dropout import LockedDropout

CELLS = {"lstm": nn.LSTM, "gru": nn.GRU}


class LanguageModel(nn.Module):
    """Next-token model.

    Args:
        vocab_size: V.
        embedding_dim, hidden_size, num_layers, cell: the embedding and the recurrent stack.
        dropout, dropout_input, dropout_hidden: locked dropout on output, input, between layers.
        dropout_embedding: probability of dropping a word's whole embedding row (training).
        tie_weights: share the embedding matrix with the (full softmax) output layer.
        adaptive_cutoffs: None for a full softmax; else the cluster bounds of
            ``nn.AdaptiveLogSoftmaxWithLoss`` (with ``div_value``).

    ``forward(ids B×T, state) -> (hidden B×T×D, state)``; ``loss(hidden, targets)`` is the mean
    negative log-likelihood over targets != -100; ``log_probs(hidden N×D) -> N×V``.
    """

    def __init__(self, vocab_size: int, embedding_dim: int, hidden_size: int, num_layers: int = 2,
                 cell: str = "lstm", *, dropout: float = 0.0, dropout_input: float = 0.0,
                 dropout_hidden: float = 0.0, dropout_embedding: float = 0.0,
                 tie_weights: bool = False, adaptive_cutoffs: list[int] | None = None,
                 div_value: float = 4.0):
        super().__init__()
        _check(cell, num_layers, tie_weights, adaptive_cutoffs, vocab_size)
        self.cell, self.vocab_size = cell, vocab_size
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        top = embedding_dim if tie_weights else hidden_size
        sizes = [embedding_dim] + [hidden_size] * (num_layers - 1) + [top]
        self.layers = nn.ModuleList(CELLS[cell](sizes[i], sizes[i + 1], batch_first=True)
                                    for i in range(num_layers))
        self.drop_input, self.drop_hidden = LockedDropout(dropout_input), LockedDropout(dropout_hidden)
        self.drop_output, self.dropout_embedding = LockedDropout(dropout), dropout_embedding
        self.output_size = top
        self.adaptive = self.decoder = self.output_bias = None
        if adaptive_cutoffs:
            self.adaptive = nn.AdaptiveLogSoftmaxWithLoss(top, vocab_size, list(adaptive_cutoffs),
                                                          div_value=div_value)
        elif tie_weights:  # logits = hidden @ embedding.T + bias (one matrix, saved once)
            self.output_bias = nn.Parameter(torch.zeros(vocab_size))
        else:
            self.decoder = nn.Linear(top, vocab_size)
        nn.init.uniform_(self.embedding.weight, -0.1, 0.1)

    # -- the network ------------------------------------------------------------------------
    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        weight = self.embedding.weight
        if self.training and self.dropout_embedding > 0:
            keep = weight.new_empty(weight.size(0), 1).bernoulli_(1 - self.dropout_embedding)
            weight = weight * keep / (1 - self.dropout_embedding)
        return F.embedding(ids, weight)  # B×T×E

    def forward(self, ids: torch.Tensor, state=None):
        x = self.drop_input(self.embed(ids))
        new_state = []
        for i, layer in enumerate(self.layers):
            if i:
                x = self.drop_hidden(x)
            x, layer_state = layer(x, None if state is None else state[i])
            new_state.append(layer_state)
        return self.drop_output(x), new_state  # B×T×D

    def loss(self, hidden: torch.Tensor, targets: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
        """Mean (or summed) NLL of ``targets`` (B×T, -100 = ignore) given ``hidden`` B×T×D."""
        hidden, targets = hidden.reshape(-1, hidden.size(-1)), targets.reshape(-1)
        if self.adaptive is None:
            return F.cross_entropy(self.logits(hidden), targets, ignore_index=-100, reduction=reduction)
        keep = targets != -100
        if not bool(keep.all()):
            hidden, targets = hidden[keep], targets[keep]
        nll = -self.adaptive(hidden, targets).output  # N
        return nll.mean() if reduction == "mean" else nll.sum()

    def log_probs(self, hidden: torch.Tensor) -> torch.Tensor:
        """N×V log-probabilities of the next token from ``hidden`` N×D."""
        if self.adaptive is None:
            return F.log_softmax(self.logits(hidden), dim=-1)
        return self.adaptive.log_prob(hidden)

    def logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """N×V scores of the full softmax output."""
        if self.decoder is None:
            return F.linear(hidden, self.embedding.weight, self.output_bias)
        return self.decoder(hidden)

    # -- the Decoder protocol -----------------------------------------------------------------
    def step(self, prev_ids: torch.Tensor, state):
        """prev_ids LongTensor B, state -> (log_probs B×V, state)."""
        hidden, state = self(prev_ids.unsqueeze(1), state)  # B×1×D
        return self.log_probs(hidden[:, 0]), state

    def reorder_state(self, state, index: torch.Tensor):
        return None if state is None else index_state(state, index, batch_dim=1)


def detach_state(state):
    """Cut the graph at a batch boundary (truncated BPTT) keeping the values."""
    if state is None:
        return None
    if isinstance(state, torch.Tensor):
        return state.detach()
    return type(state)(detach_state(s) for s in state)


def _check(cell, num_layers, tie_weights, adaptive_cutoffs, vocab_size) -> None:
    from rnnlp.errors import ConfigError, choice_error

    if cell not in CELLS:
        raise choice_error("cell", cell, CELLS)
    if num_layers < 1:
        raise ConfigError(f"model.num_layers must be >= 1, got {num_layers}")
    if adaptive_cutoffs and tie_weights:
        raise ConfigError("model.tie_weights needs model.output=softmax (the adaptive softmax has "
                          "its own output matrices)")
    if adaptive_cutoffs and (list(adaptive_cutoffs) != sorted(set(adaptive_cutoffs))
                             or adaptive_cutoffs[0] < 1 or adaptive_cutoffs[-1] >= vocab_size):
        raise ConfigError(f"model.cutoffs must increase strictly within 1..{vocab_size - 1} (the "
                          f"vocabulary size), got {list(adaptive_cutoffs)}")
