"""Contextual string embeddings (Akbik et al. 2018, flair): word features from character LMs.

A sentence is spelled as one character stream, ``"\\n" + "w1 w2 ... wn" + " "``. A forward
character LM reads it left to right and each word gets its state after the word's last
character; a backward LM (trained on reversed text) reads it right to left and each word gets
its state after the word's first character, i.e. having read the word and everything after it.

The tagger spells words with its own character ids (``chars`` B×T×L, 0 = padding); a lookup
buffer per LM turns them into the LM's ids, with two more entries: the start marker and the
space between words. Frozen LMs run without gradients and their features are cached per
sentence (the same words give the same features); tuned LMs train with the tagger.
"""

from __future__ import annotations

import torch
from torch import nn


class CharLM(nn.Module):
    """The part of a character ``LanguageModel`` that makes states: embedding + recurrent layers.

    Parameter names match ``LanguageModel``'s (``embedding.weight``, ``layers.i.*``), so its
    weights load directly. ``forward(ids B×S) -> states B×S×H`` (the top layer).
    """

    def __init__(self, vocab_size: int, embedding_dim: int, hidden_sizes: list[int], cell: str = "lstm",
                 num_chars: int = 1, predict: bool = False):
        super().__init__()
        rnn = {"lstm": nn.LSTM, "gru": nn.GRU}[cell]
        sizes = [embedding_dim, *hidden_sizes]
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.layers = nn.ModuleList(rnn(sizes[i], sizes[i + 1], batch_first=True) for i in range(len(hidden_sizes)))
        self.output_size = hidden_sizes[-1]
        # tagger char id -> LM id; the last two entries: start marker, space (set from the LM's tokenizer)
        self.register_buffer("lookup", torch.ones(num_chars + 2, dtype=torch.long))
        self.decoder = nn.Linear(self.output_size, vocab_size) if predict else None  # co-training

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        x = self.embedding(ids)
        for layer in self.layers:
            x, _ = layer(x)
        return x

    def next_char_loss(self, states: torch.Tensor, ids: torch.Tensor, lengths: list[int]) -> torch.Tensor:
        """Mean cross-entropy of each stream's next character (``ids`` B×S, ``states`` B×S×H)."""
        targets = ids[:, 1:].clone()
        steps = torch.arange(1, ids.size(1), device=ids.device).unsqueeze(0)
        targets[steps >= torch.tensor(lengths, device=ids.device).unsqueeze(1)] = -100  # padding
        logits = self.decoder(states[:, :-1])
        return nn.functional.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=-100)


def spell(words: list[torch.Tensor], lookup: torch.Tensor, backward: bool) -> tuple[torch.Tensor, list[int]]:
    """The LM ids of one sentence's stream and, per word, the position whose state is its feature.

    ``words``: tagger char ids per word (no padding). Forward: the position of each word's last
    character; backward (the stream reversed): the position of each word's first character.
    """
    start, space = lookup[-2:].tolist()
    pieces, ends, length = [], [], 1
    for word in words:
        pieces.append(lookup[word])
        length += len(word)
        ends.append(length - 1)
        length += 1
    stream = [torch.tensor([start])]
    for i, piece in enumerate(pieces):
        stream += [piece, torch.tensor([space])]
    chars = torch.cat(stream[1:])  # "w1 w2 ... wn "
    if not backward:
        return torch.cat([stream[0], chars]), ends
    firsts = [end - len(word) + 1 for end, word in zip(ends, words)]  # in the forward stream
    total = len(chars)  # reversed: start marker + " wn ... w1"; char at forward p lands at total + 1 - p
    return torch.cat([stream[0], chars.flip(0)]), [total + 1 - p for p in firsts]


class CharLMFeatures(nn.Module):
    """Forward (and backward) character-LM states per word: chars B×T×L, mask B×T -> B×T×D.

    With ``aux_weight`` > 0 (LM-LSTM-CRF, Liu et al. 2018: LMs with a ``decoder``, co-trained),
    each training forward also computes the LMs' next-character loss on the batch's sentences;
    ``take_aux_loss`` hands it (times ``aux_weight``) to the tagger's loss, once.
    """

    def __init__(self, forward_lm: CharLM, backward_lm: CharLM | None = None, freeze: bool = True,
                 aux_weight: float = 0.0):
        super().__init__()
        self.forward_lm, self.backward_lm, self.freeze = forward_lm, backward_lm, freeze
        self.aux_weight, self.aux_loss = aux_weight, None
        self.output_size = forward_lm.output_size + (backward_lm.output_size if backward_lm else 0)
        self.cache: dict[bytes, torch.Tensor] = {}  # frozen: sentence chars -> T×D features
        if freeze:
            self.requires_grad_(False)

    def forward(self, chars: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        sentences = [_words(chars[b], int(n)) for b, n in enumerate(mask.sum(1).tolist())]
        out = chars.new_zeros(chars.size(0), chars.size(1), self.output_size, dtype=torch.float)
        if not self.freeze:
            for b, feats in enumerate(self.features(sentences)):
                out[b, : len(feats)] = feats
            return out
        keys = [b"".join(w.cpu().numpy().tobytes() + b"|" for w in s) for s in sentences]
        todo = [b for b, key in enumerate(keys) if key not in self.cache]
        if todo:
            with torch.no_grad():
                for b, feats in zip(todo, self.features([sentences[b] for b in todo])):
                    self.cache[keys[b]] = feats
        for b, key in enumerate(keys):
            out[b, : len(self.cache[key])] = self.cache[key]
        return out

    def features(self, sentences: list) -> list[torch.Tensor]:
        """T_b×D features of each sentence (lists of per-word char-id tensors)."""
        aux = self.training and self.aux_weight > 0
        lms = [(self.forward_lm, False)] + ([(self.backward_lm, True)] if self.backward_lm is not None else [])
        parts, losses = zip(*(_states(lm, sentences, backward, aux) for lm, backward in lms))
        if aux:
            self.aux_loss = torch.stack(losses).mean()
        return [torch.cat(p, dim=-1) for p in zip(*parts)]

    def take_aux_loss(self) -> torch.Tensor | float:
        """``aux_weight`` times the co-trained LMs' loss of the last training forward (then 0)."""
        loss, self.aux_loss = self.aux_loss, None
        return 0.0 if loss is None else self.aux_weight * loss


def _words(row: torch.Tensor, n: int) -> list[torch.Tensor]:
    """The first ``n`` words of a B×T×L row, padding removed (an empty word becomes <unk>, id 1)."""
    return [w[w > 0] if bool((w > 0).any()) else w.new_ones(1) for w in row[:n]]


def _states(lm: CharLM, sentences: list, backward: bool, with_loss: bool = False):
    """Run ``lm`` over the padded streams of ``sentences``: (each word's state, per sentence;
    the next-character loss when ``with_loss``, else None)."""
    spelled = [spell(words, lm.lookup, backward) for words in sentences]
    device = lm.embedding.weight.device
    ids = nn.utils.rnn.pad_sequence([s for s, _ in spelled], batch_first=True).to(device)  # B×S
    states = lm(ids)  # padding only follows real characters, so it changes no state we pick
    picked = [states[b, torch.tensor(pos, device=device)] for b, (_, pos) in enumerate(spelled)]
    return picked, lm.next_char_loss(states, ids, [len(s) for s, _ in spelled]) if with_loss else None
