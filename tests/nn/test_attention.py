"""Attention: weights are a distribution over real positions, padding is invisible."""

import pytest
import torch

from rnnlp.errors import ConfigError
from rnnlp.nn.attention import AdditiveAttention, MultiplicativeAttention, masked_softmax

B, S, Q, H = 3, 5, 4, 6


def _make(kind):
    torch.manual_seed(0)
    if kind == "additive":
        return AdditiveAttention(Q, H, attention_size=7).double()
    if kind == "dot":
        return MultiplicativeAttention(H, H, score="dot").double()
    return MultiplicativeAttention(Q, H, score="general").double()


def _inputs(kind, s=S):
    g = torch.Generator().manual_seed(1)
    query = torch.randn(B, H if kind == "dot" else Q, generator=g, dtype=torch.float64)
    memory = torch.randn(B, s, H, generator=g, dtype=torch.float64)
    lengths = torch.tensor([5, 3, 1])
    mask = torch.arange(s)[None, :] < lengths[:, None]
    return query, memory, mask


KINDS = ["additive", "dot", "general"]


@pytest.mark.parametrize("kind", KINDS)
def test_weights_are_a_distribution_over_real_positions(kind):
    attention = _make(kind)
    query, memory, mask = _inputs(kind)
    context, weights = attention(query, memory, mask)
    assert context.shape == (B, H) and weights.shape == (B, S)
    torch.testing.assert_close(weights.sum(-1), torch.ones(B, dtype=torch.float64))
    assert torch.all(weights[~mask] == 0)
    assert torch.all(weights[mask] > 0)
    torch.testing.assert_close(context, torch.einsum("bs,bsh->bh", weights, memory))


@pytest.mark.parametrize("kind", KINDS)
def test_appending_padding_changes_nothing(kind):
    attention = _make(kind)
    query, memory, mask = _inputs(kind)
    extra = torch.randn(B, 4, H, generator=torch.Generator().manual_seed(9), dtype=torch.float64)
    padded_memory = torch.cat([memory, 100 * extra], dim=1)
    padded_mask = torch.cat([mask, torch.zeros(B, 4, dtype=torch.bool)], dim=1)
    context, weights = attention(query, memory, mask)
    padded_context, padded_weights = attention(query, padded_memory, padded_mask)
    torch.testing.assert_close(padded_context, context, atol=1e-12, rtol=0)
    torch.testing.assert_close(padded_weights[:, :S], weights, atol=1e-12, rtol=0)
    assert torch.all(padded_weights[:, S:] == 0)


@pytest.mark.parametrize("kind", KINDS)
def test_garbage_in_padding_changes_nothing(kind):
    attention = _make(kind)
    query, memory, mask = _inputs(kind)
    noisy = memory.masked_fill(~mask[..., None], 1e3)
    torch.testing.assert_close(attention(query, noisy, mask)[0], attention(query, memory, mask)[0],
                               atol=1e-12, rtol=0)


def test_dot_score_by_hand():
    attention = MultiplicativeAttention(2, 2, score="dot")
    query = torch.tensor([[1.0, 0.0]])
    memory = torch.tensor([[[0.0, 1.0], [2.0, 0.0], [5.0, 5.0]]])
    mask = torch.tensor([[True, True, False]])
    context, weights = attention(query, memory, mask)
    p = torch.tensor([1.0, torch.e ** 2]) / (1 + torch.e ** 2)
    torch.testing.assert_close(weights, torch.tensor([[p[0], p[1], 0.0]]))
    torch.testing.assert_close(context, torch.tensor([[2 * p[1], p[0]]]))


def test_additive_precomputed_keys_give_same_result():
    attention = _make("additive")
    query, memory, mask = _inputs("additive")
    with_keys = attention(query, memory, mask, keys=attention.keys(memory))
    torch.testing.assert_close(with_keys[0], attention(query, memory, mask)[0], atol=0, rtol=0)


def test_fully_masked_row_gives_zero_not_nan():
    weights = masked_softmax(torch.randn(2, 3), torch.tensor([[True, False, True], [False] * 3]))
    assert torch.all(weights[1] == 0) and torch.isfinite(weights).all()
    assert weights[0, 1] == 0


def test_no_mask_means_all_positions():
    attention = _make("general")
    query, memory, _ = _inputs("general")
    full = torch.ones(B, S, dtype=torch.bool)
    torch.testing.assert_close(attention(query, memory)[1], attention(query, memory, full)[1])


def test_gradients_flow():
    attention = _make("additive")
    query, memory, mask = _inputs("additive")
    memory.requires_grad_(True)
    attention(query, memory, mask)[0].sum().backward()
    assert torch.all(memory.grad[~mask] == 0) and memory.grad[mask].abs().sum() > 0
    assert all(p.grad is not None for p in attention.parameters())


def test_bad_arguments_raise():
    with pytest.raises(ConfigError, match="choose one of: dot, general"):
        MultiplicativeAttention(3, 3, score="concat")
    with pytest.raises(ConfigError, match="query_size == memory_size"):
        MultiplicativeAttention(3, 4, score="dot")
