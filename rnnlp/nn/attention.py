"""Attention over an encoder memory: additive (Bahdanau) and multiplicative (Luong).

Both share one contract::

    context, weights = attention(query, memory, mask)
    query   B×Q     the decoder state at this step
    memory  B×S×H   encoder outputs, batch first
    mask    B×S     bool, True = a real position (None = all real)
    context B×H     Σ_s weights[b, s] · memory[b, s]
    weights B×S     a distribution over the real positions; padding gets exactly 0

A row whose mask is all False gets all-zero weights and a zero context rather than NaN.
"""

import torch
from torch import nn

from rnnlp.errors import ConfigError, choice_error


def masked_softmax(scores: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Softmax over the last dim of ``scores`` (B×S) giving exactly 0 where ``mask`` is False."""
    if mask is None:
        return torch.softmax(scores, dim=-1)
    # The dtype's lowest value instead of -inf keeps fully masked rows finite; multiplying by
    # the mask afterwards makes padding exactly 0 even in such rows.
    scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
    return torch.softmax(scores, dim=-1) * mask


def _attend(scores: torch.Tensor, memory: torch.Tensor, mask: torch.Tensor | None):
    weights = masked_softmax(scores, mask)  # B×S
    context = torch.bmm(weights.unsqueeze(1), memory).squeeze(1)  # B×1×S @ B×S×H -> B×H
    return context, weights


class AdditiveAttention(nn.Module):
    """Bahdanau attention: score(q, m_s) = vᵀ tanh(W_q q + W_m m_s).

    Args:
        query_size: Q, the size of the query vector.
        memory_size: H, the size of each memory vector.
        attention_size: the size of the hidden layer inside the score (default H).
    """

    def __init__(self, query_size: int, memory_size: int, attention_size: int | None = None):
        super().__init__()
        attention_size = attention_size or memory_size
        self.query_proj = nn.Linear(query_size, attention_size, bias=False)
        self.memory_proj = nn.Linear(memory_size, attention_size, bias=True)
        self.v = nn.Linear(attention_size, 1, bias=False)

    def keys(self, memory: torch.Tensor) -> torch.Tensor:
        """W_m m for every position (B×S×A): compute once per sentence, pass to forward."""
        return self.memory_proj(memory)

    def forward(self, query, memory, mask=None, keys=None):
        """(context B×H, weights B×S); ``keys`` = ``self.keys(memory)`` if precomputed."""
        keys = self.keys(memory) if keys is None else keys
        hidden = torch.tanh(keys + self.query_proj(query).unsqueeze(1))  # B×S×A
        return _attend(self.v(hidden).squeeze(-1), memory, mask)


class MultiplicativeAttention(nn.Module):
    """Luong attention: score(q, m_s) = qᵀ m_s ("dot") or qᵀ W m_s ("general").

    Args:
        query_size: Q.
        memory_size: H; must equal Q for "dot".
        score: "dot" or "general".

    Raises:
        ConfigError: unknown score, or "dot" with Q != H.
    """

    SCORES = ("dot", "general")

    def __init__(self, query_size: int, memory_size: int, score: str = "general"):
        super().__init__()
        if score not in self.SCORES:
            raise choice_error("attention score", score, self.SCORES)
        if score == "dot" and query_size != memory_size:
            raise ConfigError(
                f"dot attention needs query_size == memory_size, got {query_size} and "
                f"{memory_size}; use score='general'")
        self.score = score
        # qᵀ W m = (Wᵀ q)ᵀ m: project the single query, not every memory position.
        general = score == "general"
        self.query_proj = nn.Linear(query_size, memory_size, bias=False) if general else None

    def forward(self, query, memory, mask=None):
        """(context B×H, weights B×S) for query B×Q, memory B×S×H, mask B×S."""
        if self.query_proj is not None:
            query = self.query_proj(query)
        scores = torch.bmm(memory, query.unsqueeze(-1)).squeeze(-1)  # B×S×H @ B×H×1 -> B×S
        return _attend(scores, memory, mask)


def attend_grouped(attention, queries: torch.Tensor, memory: torch.Tensor, mask: torch.Tensor | None = None,
                   keys: torch.Tensor | None = None):
    """K queries per memory entry at once: queries B×K×Q -> (context B×K×H, weights B×K×S).

    The scores ``attention`` (either module above) gives one query, in one matrix product per
    entry: beam search's K rows of a sentence, or the T teacher-forced steps of a target.
    ``keys`` is ``attention.keys(memory)`` for additive attention (computed when None).
    """
    if isinstance(attention, AdditiveAttention):  # vᵀ tanh(W_m m_s + W_q q): B×K×S×A inside
        keys = attention.keys(memory) if keys is None else keys
        hidden = torch.tanh(keys.unsqueeze(1) + attention.query_proj(queries).unsqueeze(2))
        scores = attention.v(hidden).squeeze(-1)
    else:  # qᵀ W m_s or qᵀ m_s
        q = attention.query_proj(queries) if attention.query_proj is not None else queries
        scores = torch.bmm(q, memory.transpose(1, 2))  # B×K×H @ B×H×S -> B×K×S
    weights = masked_softmax(scores, None if mask is None else mask.unsqueeze(1))
    return torch.bmm(weights, memory), weights  # B×K×S @ B×S×H -> B×K×H
