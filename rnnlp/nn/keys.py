"""Distributions over the keys of one piano-roll frame given a context vector (a recurrent state).

Both heads offer the same four methods over N contexts (any leading shape ``*``):
``log_prob(context *×H, frame *×K) -> *`` (exact log-likelihood of binary frames, nats),
``marginals(context) -> *×K`` (the independent head's probabilities; for NADE each key's
conditional given the keys below it set by ``predict``), ``predict(context) -> *×K`` (0/1:
keys whose probability, or conditional given the keys already chosen, exceeds 0.5) and
``sample(context N×H, generator, temperature, max_notes) -> N×K``.

- ``BernoulliKeys``: K independent sigmoid outputs (the classic RNN baseline).
- ``NADEKeys``: keys low to high, each conditioned on the keys below it in the same frame
  through a NADE (Larochelle & Murray 2011) whose biases come from the context: RNN-NADE
  (Boulanger-Lewandowski, Bengio & Vincent 2012). ``log_prob`` is exact and runs all keys at
  once (one hidden layer per run of silent keys); ``sample`` draws key by key.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


def _bernoulli_log_prob(logits: torch.Tensor, frame: torch.Tensor) -> torch.Tensor:
    return -F.binary_cross_entropy_with_logits(logits, frame, reduction="none").sum(-1)


def _limit(probs: torch.Tensor, chosen: torch.Tensor, max_notes: int | None) -> torch.Tensor:
    """Keep at most ``max_notes`` of the ``chosen`` keys of each row: the most probable ones."""
    if max_notes is None or max_notes >= chosen.size(-1):
        return chosen
    ranked = torch.where(chosen.bool(), probs, torch.full_like(probs, -1.0))
    top = ranked.topk(max_notes, dim=-1).indices
    keep = torch.zeros_like(chosen).scatter_(-1, top, 1.0)
    return chosen * keep


class BernoulliKeys(nn.Module):
    """Each key sounds with its own probability sigmoid(w_k · context + b_k)."""

    def __init__(self, context_size: int, keys: int = 88):
        super().__init__()
        self.proj = nn.Linear(context_size, keys)

    def log_prob(self, context: torch.Tensor, frame: torch.Tensor) -> torch.Tensor:
        return _bernoulli_log_prob(self.proj(context), frame)

    def marginals(self, context: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.proj(context))

    def predict(self, context: torch.Tensor) -> torch.Tensor:
        return (self.proj(context) > 0).float()

    def sample(self, context: torch.Tensor, generator: torch.Generator, temperature: float = 1.0,
               max_notes: int | None = None) -> torch.Tensor:
        probs = torch.sigmoid(self.proj(context) / temperature)
        chosen = (torch.rand(probs.shape, generator=generator, device=probs.device) < probs).float()
        return _limit(probs, chosen, max_notes)


class NADEKeys(nn.Module):
    """p(v) = prod_k p(v_k | v_<k, context) with
    h_k = sigmoid(c + W[:, :k] v_<k) and p(v_k = 1 | ...) = sigmoid(b_k + V_k · h_k),
    where b = B_b context + b0 and c = B_c context + c0 (the recurrent state sets the biases)."""

    def __init__(self, context_size: int, keys: int = 88, hidden_size: int = 64):
        super().__init__()
        self.keys, self.hidden_size = keys, hidden_size
        self.to_b = nn.Linear(context_size, keys)
        self.to_c = nn.Linear(context_size, hidden_size)
        self.W = nn.Parameter(torch.randn(hidden_size, keys) * 0.01)   # visible -> hidden
        self.V = nn.Parameter(torch.randn(keys, hidden_size) * 0.01)   # hidden -> visible

    def logits(self, context: torch.Tensor, frame: torch.Tensor) -> torch.Tensor:
        """*×K logits of p(v_k = 1 | v_<k, context) for the given frame (teacher forcing).

        h_k only changes after a sounding key, and a frame has few (M, at most 4 in JSB): the
        hidden layer is computed once per segment between sounding keys (M + 1 of them, not
        K), and each key reads its segment's. The same numbers as K hidden layers, ~20x faster."""
        shape = frame.shape
        ctx, v = context.reshape(-1, context.size(-1)), frame.reshape(-1, self.keys)
        counts = v.sum(1)
        most = int(counts.max()) if len(v) else 0
        segment = (v.cumsum(1) - v).long()                           # N×K: sounding keys below k
        before = self.to_c(ctx).unsqueeze(1)                          # N×1×Hn: no key below
        if most:
            order = v * torch.arange(self.keys, 0, -1, device=v.device)  # sounding keys first, low to high
            keys = order.topk(most, dim=1).indices                       # N×M
            sounding = (torch.arange(most, device=v.device) < counts.unsqueeze(1)).unsqueeze(2)
            columns = self.W.t()[keys] * sounding                        # N×M×Hn: W[:, j] of each sounding j
            before = torch.cat([before, before + columns.cumsum(1)], dim=1)  # N×(M+1)×Hn
        scores = torch.sigmoid(before) @ self.V.t()                   # N×(M+1)×K
        logits = self.to_b(ctx) + scores.gather(1, segment.unsqueeze(1)).squeeze(1)
        return logits.reshape(shape)

    def log_prob(self, context: torch.Tensor, frame: torch.Tensor) -> torch.Tensor:
        return _bernoulli_log_prob(self.logits(context, frame), frame)

    def marginals(self, context: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.logits(context, self.predict(context)))

    def predict(self, context: torch.Tensor) -> torch.Tensor:
        return self._walk(context, lambda p: (p > 0.5).float())

    def sample(self, context: torch.Tensor, generator: torch.Generator, temperature: float = 1.0,
               max_notes: int | None = None) -> torch.Tensor:
        def draw(p):
            return (torch.rand(p.shape, generator=generator, device=p.device) < p).float()
        return self._walk(context, draw, temperature, max_notes)

    def _walk(self, context: torch.Tensor, choose, temperature: float = 1.0, max_notes: int | None = None):
        """Keys low to high: each key's conditional from the keys chosen below it, then ``choose``;
        once a row holds ``max_notes`` keys the rest stay silent."""
        shape = context.shape[:-1]
        ctx = context.reshape(-1, context.size(-1))
        b, a = self.to_b(ctx), self.to_c(ctx)                        # N×K, N×Hn
        frame = torch.zeros(ctx.size(0), self.keys, device=ctx.device)
        for k in range(self.keys):
            p = torch.sigmoid((b[:, k] + torch.sigmoid(a) @ self.V[k]) / temperature)
            v = choose(p)
            if max_notes is not None:
                v = v * (frame.sum(1) < max_notes).float()
            frame[:, k] = v
            a = a + v.unsqueeze(1) * self.W[:, k]
        return frame.reshape(*shape, self.keys)
