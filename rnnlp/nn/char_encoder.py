"""Character-level word features: a CNN or a BiLSTM over the characters of each word.

Both map char ids N×L (N words, L characters, padded with 0) to one vector per word N×D.
Words are spelled in their original casing, so capitalisation reaches the tagger here even
when the word lookup is lower-cased.
"""

from __future__ import annotations

import torch
from torch import nn

from rnnlp.nn.rnn import RNNEncoder


class CharCNN(nn.Module):
    """Char embeddings -> Conv1d (window ``kernel_size``) -> max over positions (Ma & Hovy 2016).

    ``forward(chars N×L) -> N×num_filters``; padding positions never win the max.
    """

    def __init__(self, num_chars: int, char_dim: int = 25, num_filters: int = 50,
                 kernel_size: int = 3, padding_idx: int = 0):
        super().__init__()
        self.embed = nn.Embedding(num_chars, char_dim, padding_idx=padding_idx)
        self.conv = nn.Conv1d(char_dim, num_filters, kernel_size, padding=kernel_size // 2)
        self.output_size = num_filters
        self.padding_idx = padding_idx

    def forward(self, chars: torch.Tensor) -> torch.Tensor:
        x = self.embed(chars).transpose(1, 2)       # N×C×L
        h = self.conv(x)                             # N×F×L
        pad = (chars == self.padding_idx).unsqueeze(1)
        pad[..., 0] = False                          # an empty word still gives a finite vector
        return h.masked_fill(pad, -1e4).amax(dim=2)  # N×F


class CharLSTM(nn.Module):
    """Char embeddings -> BiLSTM; the word vector is the final state of both directions.

    ``forward(chars N×L) -> N×2·hidden_size`` (Lample et al. 2016).
    """

    def __init__(self, num_chars: int, char_dim: int = 25, hidden_size: int = 25,
                 padding_idx: int = 0):
        super().__init__()
        self.embed = nn.Embedding(num_chars, char_dim, padding_idx=padding_idx)
        self.rnn = RNNEncoder(char_dim, hidden_size, bidirectional=True)
        self.output_size = self.rnn.output_size
        self.padding_idx = padding_idx

    def forward(self, chars: torch.Tensor) -> torch.Tensor:
        lengths = (chars != self.padding_idx).sum(1).clamp(min=1)
        _, state = self.rnn(self.embed(chars), lengths.cpu())
        return state  # N×2H


def build_char_encoder(kind: str, num_chars: int, char_dim: int, hidden: int, kernel_size: int = 3):
    """``"cnn"`` | ``"lstm"`` | ``"none"`` (returns None)."""
    if kind == "cnn":
        return CharCNN(num_chars, char_dim, hidden, kernel_size)
    if kind == "lstm":
        return CharLSTM(num_chars, char_dim, hidden)
    if kind == "none":
        return None
    from rnnlp.errors import choice_error
    raise choice_error("char encoder", kind, ["cnn", "lstm", "none"])
