"""CRF against brute-force enumeration of every tag sequence on tiny inputs."""

import itertools

import pytest
import torch

from rnnlp.errors import ConfigError
from rnnlp.nn.crf import CRF, allowed_transitions

B, T, C = 4, 4, 3
LENGTHS = [4, 2, 1, 3]


def _crf(num_tags=C, masks=(None, None, None), seed=0):
    torch.manual_seed(seed)
    crf = CRF(num_tags, *masks).double()
    with torch.no_grad():  # non-zero start/end so they matter in every check
        crf.start.normal_()
        crf.end.normal_()
        crf.transitions.normal_()
    return crf


def _batch(num_tags=C, seed=1):
    g = torch.Generator().manual_seed(seed)
    emissions = torch.randn(B, T, num_tags, generator=g, dtype=torch.float64)
    mask = torch.arange(T)[None, :] < torch.tensor(LENGTHS)[:, None]
    tags = torch.randint(num_tags, (B, T), generator=g).masked_fill(~mask, -100)
    return emissions, tags, mask


def _path_score(crf, emissions, path, masks=(None, None, None)):
    """s(path) for one sentence straight from the definition; None if a mask forbids it."""
    allowed, start_ok, end_ok = masks
    if allowed is not None:
        pairs_ok = all(allowed[a, b] for a, b in zip(path, path[1:]))
        if not (pairs_ok and start_ok[path[0]] and end_ok[path[-1]]):
            return None
    score = crf.start[path[0]] + crf.end[path[-1]]
    score = score + sum(emissions[t, y] for t, y in enumerate(path))
    return score + sum(crf.transitions[a, b] for a, b in zip(path, path[1:]))


def _brute_force(crf, emissions, length, masks=(None, None, None)):
    """(log Z, best path) over every allowed path of ``length`` tags."""
    num_tags = emissions.shape[-1]
    scored = []
    for path in itertools.product(range(num_tags), repeat=length):
        score = _path_score(crf, emissions, path, masks)
        if score is not None:
            scored.append((score.item(), list(path)))
    log_z = torch.logsumexp(torch.tensor([s for s, _ in scored], dtype=torch.float64), 0)
    return log_z.item(), max(scored)[1]


def test_log_partition_and_best_path_match_brute_force():
    crf = _crf()
    emissions, tags, mask = _batch()
    log_z = crf.log_partition(emissions, mask)
    paths = crf.decode(emissions, mask)
    assert [len(p) for p in paths] == LENGTHS
    for b, n in enumerate(LENGTHS):
        expected_log_z, expected_path = _brute_force(crf, emissions[b], n)
        assert log_z[b].item() == pytest.approx(expected_log_z, abs=1e-10)
        assert paths[b] == expected_path


def test_nll_matches_definition():
    crf = _crf()
    emissions, tags, mask = _batch()
    nll = crf.nll(emissions, tags, mask)
    assert nll.shape == (B,)
    for b, n in enumerate(LENGTHS):
        log_z, _ = _brute_force(crf, emissions[b], n)
        gold = _path_score(crf, emissions[b], tags[b, :n].tolist()).item()
        assert nll[b].item() == pytest.approx(log_z - gold, abs=1e-10)
        assert nll[b].item() > 0


def test_sentence_scores_do_not_depend_on_batch_or_padding():
    crf = _crf()
    emissions, tags, mask = _batch()
    batched = crf.nll(emissions, tags, mask)
    for b, n in enumerate(LENGTHS):
        alone = crf.nll(emissions[b : b + 1, :n], tags[b : b + 1, :n], mask[b : b + 1, :n])
        assert alone.item() == pytest.approx(batched[b].item(), abs=1e-12)
        assert crf.decode(emissions[b : b + 1, :n], mask[b : b + 1, :n])[0] == \
            crf.decode(emissions, mask)[b]


def test_probabilities_of_all_paths_sum_to_one():
    crf = _crf()
    emissions, _, _ = _batch()
    mask = torch.ones(1, 3, dtype=torch.bool)
    paths = torch.tensor(list(itertools.product(range(C), repeat=3)))
    nll = crf.nll(emissions[:1, :3].expand(len(paths), 3, C), paths, mask.expand(len(paths), 3))
    assert torch.exp(-nll).sum().item() == pytest.approx(1.0, abs=1e-12)


TAGS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]


def test_decode_respects_allowed_transitions_and_matches_constrained_brute_force():
    masks = allowed_transitions(TAGS, "BIO")
    crf = _crf(len(TAGS), masks, seed=3)
    emissions, _, mask = _batch(len(TAGS), seed=4)
    emissions[:, :, 2] += 3.0  # make the forbidden I-PER tempting everywhere
    paths = crf.decode(emissions, mask)
    log_z = crf.log_partition(emissions, mask)
    for b, n in enumerate(LENGTHS):
        expected_log_z, expected_path = _brute_force(crf, emissions[b], n, masks)
        assert paths[b] == expected_path
        assert log_z[b].item() == pytest.approx(expected_log_z, abs=1e-10)
        assert _path_score(crf, emissions[b], paths[b], masks) is not None


def test_unconstrained_decode_would_take_the_forbidden_path():
    # The check above is only meaningful if the constraint changes the answer.
    crf = _crf(len(TAGS), seed=3)
    emissions, _, mask = _batch(len(TAGS), seed=4)
    emissions[:, :, 2] += 3.0
    assert crf.decode(emissions, mask)[2] == [2]


def test_gradients_are_finite_with_constraints():
    crf = _crf(len(TAGS), allowed_transitions(TAGS, "BIO"), seed=5)
    emissions, tags, mask = _batch(len(TAGS))
    emissions.requires_grad_(True)
    crf.nll(emissions, tags.clamp(min=0), mask).sum().backward()
    assert torch.isfinite(emissions.grad).all() and torch.isfinite(crf.transitions.grad).all()
    assert torch.all(emissions.grad[~mask] == 0)


def test_bio_table():
    allowed, start, end = allowed_transitions(["O", "B-X", "I-X", "B-Y", "I-Y"], "bio")
    assert allowed.int().tolist() == [
        # O  B-X I-X B-Y I-Y   (row: from, column: to)
        [1, 1, 0, 1, 0],  # O
        [1, 1, 1, 1, 0],  # B-X
        [1, 1, 1, 1, 0],  # I-X
        [1, 1, 0, 1, 1],  # B-Y
        [1, 1, 0, 1, 1],  # I-Y
    ]
    assert start.int().tolist() == [1, 1, 0, 1, 0]
    assert end.int().tolist() == [1, 1, 1, 1, 1]


def test_iob1_table():
    allowed, start, end = allowed_transitions(["O", "B-X", "I-X", "I-Y"], "IOB1")
    assert allowed.int().tolist() == [
        [1, 0, 1, 1],  # O: B-X cannot follow O
        [1, 1, 1, 1],  # B-X
        [1, 1, 1, 1],  # I-X
        [1, 0, 1, 1],  # I-Y: B-X only after an X chunk
    ]
    assert start.int().tolist() == [1, 0, 1, 1]
    assert end.int().tolist() == [1, 1, 1, 1]


def test_bioes_table():
    allowed, start, end = allowed_transitions(["O", "B-X", "I-X", "E-X", "S-X", "I-Y"], "BIOES")
    assert allowed.int().tolist() == [
        # O  B  I  E  S  I-Y
        [1, 1, 0, 0, 1, 0],  # O
        [0, 0, 1, 1, 0, 0],  # B-X: must continue X
        [0, 0, 1, 1, 0, 0],  # I-X
        [1, 1, 0, 0, 1, 0],  # E-X: chunk closed
        [1, 1, 0, 0, 1, 0],  # S-X
        [0, 0, 0, 0, 0, 1],  # I-Y: only I-Y (no E-Y in this tag set)
    ]
    assert start.int().tolist() == [1, 1, 0, 0, 1, 0]
    assert end.int().tolist() == [1, 0, 0, 1, 1, 0]


def test_bad_arguments_raise():
    with pytest.raises(ConfigError, match="choose one of: BIO, IOB2, IOB1, BIOES, IOBES"):
        allowed_transitions(["O"], "BILOU")
    with pytest.raises(ConfigError, match="'E-X' is not a BIO tag"):
        allowed_transitions(["O", "E-X"], "BIO")
    with pytest.raises(ConfigError, match="'PER' is not a BIO tag"):
        allowed_transitions(["PER"], "BIO")
    with pytest.raises(ConfigError, match=r"allowed mask has shape \(2, 2\), expected \(3, 3\)"):
        CRF(3, allowed=torch.ones(2, 2, dtype=torch.bool))


def _brute_force_marginals(crf, emissions, length, masks=(None, None, None)):
    """P(tag_t = c) summed over every allowed path of ``length`` tags, T×C."""
    num_tags = emissions.shape[-1]
    out = torch.zeros(length, num_tags, dtype=torch.float64)
    paths = [p for p in itertools.product(range(num_tags), repeat=length)
             if _path_score(crf, emissions, p, masks) is not None]
    weights = torch.softmax(torch.stack([_path_score(crf, emissions, p, masks) for p in paths]), 0)
    for path, w in zip(paths, weights):
        out[torch.arange(length), list(path)] += w.detach()
    return out


@pytest.mark.parametrize("constrained", [False, True])
def test_marginals_match_brute_force_and_are_zero_at_padding(constrained):
    tags = len(TAGS) if constrained else C
    masks = allowed_transitions(TAGS, "BIO") if constrained else (None, None, None)
    crf = _crf(tags, masks, seed=5)
    emissions, _, mask = _batch(tags, seed=6)
    marginals = crf.marginals(emissions, mask)
    for b, n in enumerate(LENGTHS):
        assert torch.allclose(marginals[b, :n], _brute_force_marginals(crf, emissions[b], n, masks), atol=1e-10)
        assert n == T or marginals[b, n:].abs().max().item() == 0.0
