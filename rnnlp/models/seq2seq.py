"""``Seq2Seq``: bidirectional RNN encoder -> bridge -> attentional RNN decoder (Luong et al. 2015).

Per target step t (the decoder's diagram)::

    x_t   = [embed(y_{t-1}); a_{t-1}]       a_{t-1} only with input feeding
    h_t   = RNN(x_t, h_{t-1})                h_0 = tanh(W_b · encoder final state) (the bridge)
    c_t   = attention(h_t, memory, mask)     additive (Bahdanau) or general/dot (Luong)
    a_t   = tanh(W_c [h_t; c_t])             the attentional vector
    p_t   = log_softmax(W_o a_t)             W_o = the target embedding when tied

Training with full teacher forcing and no input feeding runs the decoder RNN over the whole
target in one fused call (``run_parallel``); otherwise it steps token by token with the
same ``step`` that decoding uses. Both give the same numbers (tests/tasks/test_translation.py).

For decoding the model is a ``rnnlp.decoding.EncoderDecoder``: ``encode`` gives the source
``Memory`` (states B×S×M, mask B×S, summary = the encoder's final state), ``start`` the first
state, ``step`` and ``reorder_state`` follow the protocol. The state is a dict: ``hidden``
(the RNN state, L×N×H, a tuple (h, c) for LSTM), ``feed`` (a_{t-1} N×A, or None), and, as
``rnnlp.decoding.memory`` lays out for every encoder-decoder, ``memory`` (once per sentence,
with additive attention's ``keys``) and ``source`` (N: the sentence each row reads).
"""

from __future__ import annotations

from dataclasses import replace

import torch
from torch import nn
from torch.nn import functional as F

from rnnlp.decoding.memory import Memory, first_state, reorder_rows
from rnnlp.nn.attention import AdditiveAttention, attend_grouped

CELLS = {"gru": nn.GRU, "lstm": nn.LSTM}


class Bridge(nn.Module):
    """Encoder final state B×M -> the decoder's initial state (L×B×H, or (h, c) for LSTM)."""

    def __init__(self, memory_size: int, hidden_size: int, num_layers: int, cell: str,
                 enabled: bool = True):
        super().__init__()
        self.shape, self.cell, self.enabled = (num_layers, hidden_size), cell, enabled
        parts = 2 if cell == "lstm" else 1
        self.proj = nn.Linear(memory_size, parts * num_layers * hidden_size) if enabled else None

    def forward(self, final: torch.Tensor):
        layers, hidden = self.shape
        if self.proj is None:
            h = final.new_zeros(layers, final.size(0), hidden)
            return (h, h.clone()) if self.cell == "lstm" else h
        out = torch.tanh(self.proj(final))  # B×(parts·L·H)
        out = out.view(final.size(0), -1, layers, hidden).permute(1, 2, 0, 3).contiguous()  # parts×L×B×H
        return (out[0], out[1]) if self.cell == "lstm" else out[0]


class AttentionDecoder(nn.Module):
    """Embedding -> RNN -> attention -> attentional vector -> vocabulary log-probs."""

    def __init__(self, embedding: nn.Module, attention: nn.Module, cell: str, hidden_size: int,
                 memory_size: int, vocab_size: int, num_layers: int = 1, dropout: float = 0.0,
                 input_feed: bool = False, output_dropout: float = 0.0, tie_embeddings: bool = True):
        super().__init__()
        emb_dim = embedding.embedding_dim
        self.embedding, self.attention, self.input_feed = embedding, attention, input_feed
        # Tying makes the attentional vector the size of an embedding row.
        self.attn_size = emb_dim if tie_embeddings else hidden_size
        self.rnn = CELLS[cell](emb_dim + (self.attn_size if input_feed else 0), hidden_size,
                               num_layers, batch_first=True, dropout=dropout if num_layers > 1 else 0.0)
        self.combine = nn.Linear(hidden_size + memory_size, self.attn_size, bias=False)
        self.drop = nn.Dropout(output_dropout)
        if tie_embeddings:  # N(0, 1/E) rows keep the initial output logits O(1), as in fairseq
            with torch.no_grad():
                nn.init.normal_(embedding.weight, std=emb_dim ** -0.5)
                embedding.weight[0].zero_()  # <pad>
        # Tied: the embedding matrix itself (not a second Parameter sharing its storage,
        # which safetensors refuses to save) plus an own bias.
        self.out_proj = None if tie_embeddings else nn.Linear(self.attn_size, vocab_size)
        self.out_bias = nn.Parameter(torch.zeros(vocab_size)) if tie_embeddings else None

    def out(self, attn: torch.Tensor) -> torch.Tensor:
        """Vocabulary logits (...×V) of attentional vectors (...×A)."""
        if self.out_proj is None:
            return F.linear(attn, self.embedding.weight, self.out_bias)
        return self.out_proj(attn)

    def step(self, prev_ids: torch.Tensor, state: dict):
        """One token per row: (attentional vector B×A, attention weights B×S, new state)."""
        x = self.embedding(prev_ids.unsqueeze(1))  # B×1×E
        if self.input_feed:
            x = torch.cat([x, state["feed"].unsqueeze(1)], dim=-1)
        out, hidden = self.rnn(x, state["hidden"])  # B×1×H
        context, weights = state["memory"].attend(self.attention, out[:, 0])
        attn = self.drop(torch.tanh(self.combine(torch.cat([out[:, 0], context], dim=-1))))
        new = dict(state, hidden=hidden, feed=attn if self.input_feed else None)
        return attn, weights, new

    def run_parallel(self, target_in: torch.Tensor, state: dict) -> torch.Tensor:
        """All steps of a teacher-forced target at once (no input feeding): B×T×A."""
        out, _ = self.rnn(self.embedding(target_in), state["hidden"])  # B×T×H
        memory = state["memory"]
        contexts, _ = attend_grouped(self.attention, out, memory.states, memory.mask, memory.keys)  # B×T×M
        return self.drop(torch.tanh(self.combine(torch.cat([out, contexts], dim=-1))))  # B×T×A


class Seq2Seq(nn.Module):
    """Source ids -> target log-probs; also a ``rnnlp.decoding.EncoderDecoder``."""

    def __init__(self, source_embedding: nn.Module, encoder: nn.Module, bridge: Bridge,
                 decoder: AttentionDecoder):
        super().__init__()
        self.source_embedding, self.encoder = source_embedding, encoder
        self.bridge, self.decoder = bridge, decoder

    def encode(self, ids: torch.Tensor, lengths: torch.Tensor, mask: torch.Tensor) -> Memory:
        """The memory of source ids B×S (lengths B, mask B×S)."""
        states, final = self.encoder(self.source_embedding(ids), lengths)  # B×S×M, B×M
        return Memory(states, mask, summary=final)

    def start(self, memory: Memory) -> dict:
        """The decoder's state before the first target token."""
        attention = self.decoder.attention
        if isinstance(attention, AdditiveAttention):  # W_m m_s once per sentence, not per step
            memory = replace(memory, keys=attention.keys(memory.states))
        decoder = self.decoder
        feed = memory.states.new_zeros(len(memory), decoder.attn_size) if decoder.input_feed else None
        return first_state(memory, hidden=self.bridge(memory.summary), feed=feed)

    def forward(self, ids, lengths, mask, target_in, teacher_forcing: float = 1.0,
                generator: torch.Generator | None = None) -> torch.Tensor:
        """Logits B×T×V for ``target_in`` B×T (starting with <bos>).

        With ``teacher_forcing`` < 1 each row's next input is, with probability
        1 - teacher_forcing, the model's own argmax prediction instead of the gold token.
        """
        state = self.start(self.encode(ids, lengths, mask))
        if teacher_forcing >= 1.0 and not self.decoder.input_feed:
            return self.decoder.out(self.decoder.run_parallel(target_in, state))
        logits, prev = [], target_in[:, 0]
        for t in range(target_in.size(1)):
            attn, _, state = self.decoder.step(prev, state)
            logits.append(self.decoder.out(attn))
            if t + 1 < target_in.size(1):
                prev = self._next_input(target_in[:, t + 1], logits[-1], teacher_forcing, generator)
        return torch.stack(logits, dim=1)

    @staticmethod
    def _next_input(gold, logits, ratio: float, generator):
        if ratio >= 1.0:
            return gold
        use_gold = torch.rand(gold.shape, generator=generator, device=gold.device) < ratio
        return torch.where(use_gold, gold, logits.argmax(-1).detach())

    # -- the rnnlp.decoding.EncoderDecoder protocol (encode, start above) --------------------
    def step(self, prev_ids: torch.Tensor, state: dict):
        attn, weights, state = self.decoder.step(prev_ids, state)
        return F.log_softmax(self.decoder.out(attn), dim=-1), dict(state, weights=weights)

    def reorder_state(self, state: dict, index: torch.Tensor) -> dict:
        return reorder_rows(state, index, batch_dims={"hidden": 1})  # RNN state: L×N×H
