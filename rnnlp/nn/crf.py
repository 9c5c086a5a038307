"""A linear-chain CRF over per-token emission scores, vectorised over the batch.

For tags y_1..y_n of one sentence with emissions E (n×C) the score is

    s(y) = start[y_1] + Σ_t E[t, y_t] + Σ_{t>1} trans[y_{t-1}, y_t] + end[y_n]

and p(y | E) = exp(s(y)) / Z with Z = Σ_y' exp(s(y')). ``nll`` is log Z - s(gold) per
sentence (forward algorithm), ``decode`` the argmax path (Viterbi). The loops run over time
only; every step handles the whole batch at once.

Masks are batch first and left aligned: ``mask[b, :n_b]`` True, the rest False, and every
sentence has at least one token. Forbidden transitions (``allowed_transitions``) get a
fixed score of ``FORBIDDEN`` instead of -inf: exp(-1e4) underflows to exactly 0 in float32
and float64, yet log-sum-exp and its gradient stay finite even where every path is forbidden.
"""

import torch
from torch import nn

from rnnlp.errors import ConfigError, choice_error

FORBIDDEN = -1e4


class CRF(nn.Module):
    """Linear-chain CRF with learned start, end and C×C transition scores.

    Args:
        num_tags: C.
        allowed: optional bool C×C; ``allowed[i, j]`` False forbids tag i followed by tag j.
        start_allowed: optional bool C; False forbids a sentence starting with that tag.
        end_allowed: optional bool C; False forbids a sentence ending with that tag.

    Raises:
        ConfigError: a mask of the wrong shape.
    """

    def __init__(self, num_tags: int, allowed=None, start_allowed=None, end_allowed=None):
        super().__init__()
        self.num_tags = num_tags
        self.transitions = nn.Parameter(torch.zeros(num_tags, num_tags))
        self.start = nn.Parameter(torch.zeros(num_tags))
        self.end = nn.Parameter(torch.zeros(num_tags))
        nn.init.uniform_(self.transitions, -0.1, 0.1)
        self.register_buffer("allowed", _bool_mask(allowed, (num_tags, num_tags), "allowed"))
        self.register_buffer("start_allowed",
                             _bool_mask(start_allowed, (num_tags,), "start_allowed"))
        self.register_buffer("end_allowed", _bool_mask(end_allowed, (num_tags,), "end_allowed"))

    def _scores(self):
        """(start C, transitions C×C, end C) with forbidden entries set to FORBIDDEN."""
        return (self.start.masked_fill(~self.start_allowed, FORBIDDEN),
                self.transitions.masked_fill(~self.allowed, FORBIDDEN),
                self.end.masked_fill(~self.end_allowed, FORBIDDEN))

    def log_partition(self, emissions: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """log Z per sentence (B) for emissions B×T×C, mask B×T (forward algorithm)."""
        start, transitions, end = self._scores()
        alpha = start + emissions[:, 0]  # B×C: log-sum of all prefixes ending in each tag
        for t in range(1, emissions.shape[1]):
            # B×C×1 + C×C -> B×C×C (from, to); sum out "from".
            step = torch.logsumexp(alpha.unsqueeze(2) + transitions, dim=1) + emissions[:, t]
            alpha = torch.where(mask[:, t : t + 1], step, alpha)
        return torch.logsumexp(alpha + end, dim=1)

    def marginals(self, emissions: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """P(tag_t = c | sentence) for every token, B×T×C (0 at padding): the gradient of log Z
        with respect to the emissions, which is forward-backward without a second pass."""
        with torch.enable_grad():
            leaf = emissions.detach().requires_grad_()
            (grad,) = torch.autograd.grad(self.log_partition(leaf, mask).sum(), leaf)
        return grad

    def score(self, emissions: torch.Tensor, tags: torch.Tensor,
              mask: torch.Tensor) -> torch.Tensor:
        """s(tags) per sentence (B); tags B×T, values at padding are ignored."""
        start, transitions, end = self._scores()
        mask_f = mask.to(emissions.dtype)
        tags = tags.masked_fill(~mask, 0)  # padding may hold -100 or any id
        emitted = emissions.gather(2, tags.unsqueeze(2)).squeeze(2)  # B×T
        moved = transitions[tags[:, :-1], tags[:, 1:]]  # B×(T-1)
        last = tags.gather(1, (mask.sum(1, keepdim=True) - 1)).squeeze(1)
        return (start[tags[:, 0]] + (emitted * mask_f).sum(1)
                + (moved * mask_f[:, 1:]).sum(1) + end[last])

    def nll(self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Negative log-likelihood of ``tags`` per sentence (B); reduce it yourself.

        Args:
            emissions: B×T×C scores from the tagger.
            tags: B×T gold tag ids (anything at padding).
            mask: B×T bool, True = real token, left aligned, at least one per row.
        """
        return self.log_partition(emissions, mask) - self.score(emissions, tags, mask)

    @torch.no_grad()
    def decode(self, emissions: torch.Tensor, mask: torch.Tensor) -> list[list[int]]:
        """The highest-scoring allowed tag sequence per sentence (Viterbi), each of its length."""
        start, transitions, end = self._scores()
        batch, length, num_tags = emissions.shape
        keep = torch.arange(num_tags, device=emissions.device).expand(batch, num_tags)
        best = start + emissions[:, 0]  # B×C: best prefix score ending in each tag
        backpointers = []
        for t in range(1, length):
            step, pointer = (best.unsqueeze(2) + transitions).max(dim=1)  # B×C, B×C
            valid = mask[:, t : t + 1]
            best = torch.where(valid, step + emissions[:, t], best)
            # At padding a tag points to itself, so backtracking passes through unchanged.
            backpointers.append(torch.where(valid, pointer, keep))
        return _backtrack((best + end).argmax(dim=1), backpointers, mask.sum(1).tolist())


def _backtrack(last: torch.Tensor, backpointers: list, lengths: list[int]) -> list[list[int]]:
    tag, path = last, [last]
    for pointer in reversed(backpointers):
        tag = pointer.gather(1, tag.unsqueeze(1)).squeeze(1)
        path.append(tag)
    path = torch.stack(path[::-1], dim=1).tolist()  # B×T
    return [row[:n] for row, n in zip(path, lengths)]


def _bool_mask(mask, shape, name: str) -> torch.Tensor:
    if mask is None:
        return torch.ones(shape, dtype=torch.bool)
    mask = torch.as_tensor(mask, dtype=torch.bool)
    if tuple(mask.shape) != shape:
        raise ConfigError(f"CRF {name} mask has shape {tuple(mask.shape)}, expected {shape}")
    return mask.clone()


# Tagging schemes. A tag is (prefix, type): "B-PER" -> ("B", "PER"), "O" -> ("O", "").
# Each rule answers: may tag `nxt` follow tag `prev`? START and END stand for the edges.

def _bio_follows(prev, nxt) -> bool:
    # I-X continues a chunk of type X that a B-X or I-X opened.
    return nxt[0] != "I" or (prev[0] in ("B", "I") and prev[1] == nxt[1])


def _iob1_follows(prev, nxt) -> bool:
    # I-X opens or continues a chunk; B-X only splits two adjacent chunks of type X.
    return nxt[0] != "B" or (prev[0] in ("B", "I") and prev[1] == nxt[1])


def _bioes_follows(prev, nxt) -> bool:
    inside = prev[0] in ("B", "I")  # a chunk is open and must continue with I or E
    if nxt[0] in ("I", "E"):
        return inside and prev[1] == nxt[1]
    return not inside


SCHEMES = {
    "BIO": ("BIO", _bio_follows),
    "IOB2": ("BIO", _bio_follows),
    "IOB1": ("BIO", _iob1_follows),
    "BIOES": ("BIOES", _bioes_follows),
    "IOBES": ("BIOES", _bioes_follows),
}


def _parse_tag(name: str, prefixes: str, scheme: str):
    if name == "O":
        return "O", ""
    prefix, dash, kind = name.partition("-")
    if not dash or not kind or len(prefix) != 1 or prefix not in prefixes.replace("O", ""):
        raise ConfigError(f"tag {name!r} is not a {scheme} tag; expected 'O' or one of "
                          f"{', '.join(p + '-TYPE' for p in prefixes if p != 'O')}")
    return prefix, kind


def allowed_transitions(tag_names, scheme: str):
    """Which tag transitions a tagging scheme permits.

    Args:
        tag_names: the tag of each id, e.g. ["O", "B-PER", "I-PER"].
        scheme: "BIO" (= "IOB2"), "IOB1" or "BIOES" (= "IOBES"), any case.

    Returns:
        (allowed C×C, start_allowed C, end_allowed C) bool tensors, in the order CRF takes
        them: ``CRF(len(tag_names), *allowed_transitions(tag_names, "BIO"))``.

    Raises:
        ConfigError: an unknown scheme or a tag that does not fit it.
    """
    if scheme.upper() not in SCHEMES:
        raise choice_error("tagging scheme", scheme, SCHEMES)
    prefixes, follows = SCHEMES[scheme.upper()]
    tags = [_parse_tag(name, prefixes, scheme) for name in tag_names]
    edge_start, edge_end = ("START", ""), ("END", "")
    allowed = torch.tensor([[follows(prev, nxt) for nxt in tags] for prev in tags])
    start_allowed = torch.tensor([follows(edge_start, nxt) for nxt in tags], dtype=torch.bool)
    end_allowed = torch.tensor([follows(prev, edge_end) for prev in tags], dtype=torch.bool)
    return allowed.reshape(len(tags), len(tags)), start_allowed, end_allowed
