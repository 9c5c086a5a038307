"""``ImageCaptioner``: image encoder -> feature grid -> LSTM decoder with soft attention.

Show, Attend and Tell (Xu et al. 2015): the first (h, c) come from the mean feature; at each
step the previous hidden state attends over the grid (additive attention, keys computed once
per image), a gating scalar β = σ(W h) scales the context, and the LSTM reads
[embedding of the previous word; β · context]. Training adds the doubly stochastic penalty
λ · mean_s (1 - Σ_t α_ts)² (the paper's sum over cells taken as a mean, so λ does not scale
with the grid size), which pushes every grid cell to be looked at over the caption.

The model is a ``rnnlp.decoding.EncoderDecoder``: ``encode(images)`` gives the ``Memory`` (the
grid, B×S×C), ``start(memory)`` the state, ``step(prev_ids, state)`` and
``reorder_state(state, index)`` the rest; the state is a dict of the per-row ``h``, ``c``
and last ``weights``, plus the image ``memory`` (with its attention ``keys``) and ``source``
(the image each row reads), laid out as ``rnnlp.decoding.memory`` describes.
"""

from __future__ import annotations

from dataclasses import replace

import torch
from torch import nn

from rnnlp.decoding.memory import Memory, first_state, reorder_rows
from rnnlp.nn.attention import AdditiveAttention


class ImageCaptioner(nn.Module):
    """Args: encoder (normalised B×3×H×W -> B×S×C, with ``feature_size`` C), vocabulary size
    V, embedding_dim E, hidden_size H, attention_size A, dropout before the output layer,
    gate (the β gating scalar), pad_id."""

    def __init__(self, encoder: nn.Module, vocab_size: int, embedding_dim: int, hidden_size: int,
                 attention_size: int, dropout: float = 0.3, gate: bool = True, pad_id: int = 0):
        super().__init__()
        feature_size = encoder.feature_size
        self.encoder = encoder
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=pad_id)
        self.attention = AdditiveAttention(hidden_size, feature_size, attention_size)
        self.init_h = nn.Linear(feature_size, hidden_size)
        self.init_c = nn.Linear(feature_size, hidden_size)
        self.gate = nn.Linear(hidden_size, 1) if gate else None
        self.cell = nn.LSTMCell(embedding_dim + feature_size, hidden_size)
        self.dropout = nn.Dropout(dropout)
        # Output through the embedding size, h -> E -> V (Show, Attend and Tell's deep output,
        # linear): half the cost of an H×V output layer, the largest matmul of a step.
        self.proj = nn.Linear(hidden_size, embedding_dim)
        self.out = nn.Linear(embedding_dim, vocab_size)

    def encode(self, images: torch.Tensor) -> Memory:
        """Normalised images B×3×H×W -> their grids (memory B×S×C, no mask)."""
        return Memory(self.encoder(images))

    def start(self, memory: Memory) -> dict:
        """The decoder state before the first word, from the mean of each grid."""
        mean = memory.states.mean(dim=1)  # B×C
        memory = replace(memory, keys=self.attention.keys(memory.states))  # once per image
        return first_state(memory, h=torch.tanh(self.init_h(mean)), c=torch.tanh(self.init_c(mean)))

    def logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """…×H hidden states -> …×V scores."""
        return self.out(self.dropout(self.proj(hidden)))

    def _advance(self, embedded: torch.Tensor, state: dict) -> dict:
        """One LSTM step on embedded B×E inputs; the new state holds the attention weights B×S."""
        context, weights = state["memory"].attend(self.attention, state["h"])
        if self.gate is not None:
            context = torch.sigmoid(self.gate(state["h"])) * context
        h, c = self.cell(torch.cat([embedded, context], dim=1), (state["h"], state["c"]))
        return {**state, "h": h, "c": c, "weights": weights}

    def step(self, prev_ids: torch.Tensor, state: dict):
        """prev_ids B -> (log_probs B×V, state): the ``rnnlp.decoding`` protocol."""
        state = self._advance(self.embedding(prev_ids), state)
        return torch.log_softmax(self.logits(state["h"]), dim=-1), state

    def reorder_state(self, state: dict, index: torch.Tensor) -> dict:
        """Rows ``index`` of the per-row tensors; the memory stays once per image when it can."""
        return reorder_rows(state, index)

    def forward(self, memory: Memory, rows: torch.Tensor, inputs: torch.Tensor):
        """Teacher forcing: memory of B images, rows N (caption -> image row), inputs N×T (bos + words).

        Returns logits N×T×V and attention weights N×T×S.
        """
        # keys and initial state once per image, then one row per caption
        state = self.reorder_state(self.start(memory), rows)
        embedded = self.embedding(inputs)  # N×T×E
        hiddens, weights = [], []
        for t in range(inputs.size(1)):
            state = self._advance(embedded[:, t], state)
            hiddens.append(state["h"])
            weights.append(state["weights"])
        hidden = torch.stack(hiddens, dim=1)  # N×T×H
        return self.logits(hidden), torch.stack(weights, dim=1)


def doubly_stochastic_penalty(weights: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over captions and cells of (1 - Σ_t α_ts)², real steps only: weights N×T×S, mask N×T."""
    total = (weights * mask.unsqueeze(-1)).sum(dim=1)  # N×S
    return ((1.0 - total) ** 2).mean()
