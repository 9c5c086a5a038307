"""``SequenceTagger``: words (+ casing, + characters) -> BiLSTM -> per-token tag scores -> CRF or softmax.

    ids B×T ─embedding─┐
    cases B×T ─casing──┼─cat─▶ locked dropout ─▶ RNNEncoder ─▶ locked dropout ─▶ Linear ─▶ emissions B×T×C
    chars B×T×L ─char──┘                                               (CRF | softmax) ─▶ loss, tags
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from rnnlp.data.batching import Tensors
from rnnlp.nn.crf import FORBIDDEN
from rnnlp.nn.locked_dropout import LockedDropout, word_dropout

CASES = ("<pad>", "other", "lower", "upper", "title", "numeric", "mostly_numeric", "has_digit")


def casing(word: str) -> int:
    """Casing class of a word (an index into ``CASES``); the lookup itself is lower-cased."""
    digits = sum(c.isdigit() for c in word)
    if word.isdigit():
        return 5
    if digits / max(len(word), 1) > 0.5:
        return 6
    if word.islower():
        return 2
    if word.isupper():
        return 3
    if word[:1].isupper():
        return 4
    return 7 if digits else 1


def log_partition(crf, emissions: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``crf.log_partition`` (log Z per sentence, B) computed with one matmul per step.

    alpha_t = log(exp(alpha_{t-1} - m) @ exp(trans - k)) + m + k + E_t, m and k the maxima that
    keep exp in range. A B×C @ C×C matmul per step replaces a B×C×C logsumexp; the speed of
    both, alone and in a whole training step, is measured by benchmarks/tagging.py
    (benchmarks/results/tagging.md). Forbidden moves score
    ``FORBIDDEN``, exp of which is exactly 0; the clamp keeps log and its gradient finite
    where every path is forbidden (such prefixes then weigh e^-69 of the best, not e^-1e4).
    """
    start = crf.start.masked_fill(~crf.start_allowed, FORBIDDEN)
    transitions = crf.transitions.masked_fill(~crf.allowed, FORBIDDEN)
    end = crf.end.masked_fill(~crf.end_allowed, FORBIDDEN)
    k = transitions.detach().max()
    weights = (transitions - k).exp()  # C×C
    alpha = start + emissions[:, 0]    # B×C
    for t in range(1, emissions.shape[1]):
        m = alpha.detach().max(dim=1, keepdim=True).values  # B×1
        step = ((alpha - m).exp() @ weights).clamp_min(1e-30).log() + m + k + emissions[:, t]
        alpha = torch.where(mask[:, t: t + 1], step, alpha)
    return torch.logsumexp(alpha + end, dim=1)


@dataclass
class TagBatch(Tensors):
    ids: torch.Tensor                # B×T word ids
    chars: torch.Tensor              # B×T×L char ids (0 = padding)
    cases: torch.Tensor              # B×T casing classes
    lengths: torch.Tensor            # B (CPU)
    mask: torch.Tensor               # B×T bool
    targets: torch.Tensor | None     # B×T tag ids, -100 at padding


class SequenceTagger(nn.Module):
    """Assembled tagger; submodules are built by ``rnnlp.models.builders.build_tagger``.

    Args:
        embedding: word ids B×T -> B×T×E (``embedding_dim``).
        encoder: ``RNNEncoder`` (``output_size``).
        num_tags: C.
        chars: optional char encoder N×L -> N×D (``output_size``).
        casing: optional ``nn.Embedding`` over ``CASES``.
        crf: optional ``rnnlp.nn.crf.CRF``; None gives an independent softmax per token.
        dropout: locked dropout on the encoder's input and output.
        word_dropout: probability of replacing a word by ``unk_id`` in training.
        char_lm: optional ``CharLMFeatures`` (chars B×T×L, mask -> B×T×D), contextual features.
    """

    def __init__(self, embedding, encoder, num_tags: int, *, chars=None, casing=None, crf=None,
                 dropout: float = 0.5, word_dropout: float = 0.0, unk_id: int = 1, char_lm=None):
        super().__init__()
        self.char_lm = char_lm  # optional CharLMFeatures (rnnlp/nn/char_lm.py), after the others
        self.embedding, self.chars, self.casing, self.encoder, self.crf = embedding, chars, casing, encoder, crf
        self.drop = LockedDropout(dropout)
        self.proj = nn.Linear(encoder.output_size, num_tags)
        self.word_dropout, self.unk_id = word_dropout, unk_id

    def forward(self, batch: TagBatch) -> torch.Tensor:
        """Emission scores B×T×C."""
        ids = batch.ids
        if self.training and self.word_dropout:
            ids = word_dropout(ids, self.word_dropout, self.unk_id, mask=batch.mask)
        parts = [self.embedding(ids)]
        if self.chars is not None:
            parts.append(self._char_features(batch.chars, batch.mask))
        if self.casing is not None:
            parts.append(self.casing(batch.cases))
        if self.char_lm is not None:
            parts.append(self.char_lm(batch.chars, batch.mask))
        outputs, _ = self.encoder(self.drop(torch.cat(parts, dim=-1)), batch.lengths)
        return self.proj(self.drop(outputs))

    def _char_features(self, chars: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Char encoder over the real words only (padding positions get zeros): B×T×D."""
        batch, steps, width = chars.shape
        real = mask.reshape(-1)
        words = self.chars(chars.reshape(batch * steps, width)[real])  # N×D
        out = words.new_zeros(batch * steps, words.size(1))
        out[real] = words
        return out.view(batch, steps, -1)

    def loss(self, emissions: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Mean per token: CRF negative log-likelihood, or softmax cross-entropy (plus the
        co-trained character LMs' weighted loss, when ``char_lm`` has one)."""
        aux = self.char_lm.take_aux_loss() if self.char_lm is not None else 0.0
        return self._tag_loss(emissions, targets, mask) + aux

    def _tag_loss(self, emissions: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        if self.crf is not None:
            nll = log_partition(self.crf, emissions, mask) - self.crf.score(emissions, targets, mask)
            return nll.sum() / mask.sum()
        return F.cross_entropy(emissions.flatten(0, 1), targets.flatten(), ignore_index=-100)

    @torch.no_grad()
    def marginals(self, emissions: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """P(tag | sentence) per token, B×T×C: CRF marginals, or the softmax of each token."""
        if self.crf is not None:
            return self.crf.marginals(emissions, mask)
        return emissions.softmax(-1) * mask.unsqueeze(-1)

    @torch.no_grad()
    def decode(self, emissions: torch.Tensor, mask: torch.Tensor) -> list[list[int]]:
        """Best tag ids per sentence (Viterbi with the CRF, argmax per token without)."""
        if self.crf is not None:
            return self.crf.decode(emissions, mask)
        best = emissions.argmax(-1).tolist()
        return [row[:n] for row, n in zip(best, mask.sum(1).tolist())]
