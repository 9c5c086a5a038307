"""Pooling heads: attention pooling against a hand-written computation, and padding invariance."""

import math

import pytest
import torch

from rnnlp.nn.heads import AttentionPool, ClassificationHead, pool_outputs


def _direct(pool: AttentionPool, outputs: torch.Tensor, length: int) -> torch.Tensor:
    """One sequence, no mask: e_t = q . tanh(W h_t + b), a = softmax(e), sum_t a_t h_t."""
    W, b, q = pool.project.weight, pool.project.bias, pool.query.weight[0]
    scores = [float(q @ torch.tanh(W @ outputs[t] + b)) for t in range(length)]
    top = max(scores)
    exp = [math.exp(s - top) for s in scores]
    weights = [e / sum(exp) for e in exp]
    return sum(w * outputs[t] for t, w in enumerate(weights))


def test_attention_pool_matches_the_formula_and_ignores_padding():
    torch.manual_seed(0)
    pool = AttentionPool(6, 4)
    outputs = torch.randn(2, 5, 6)
    mask = torch.tensor([[True] * 5, [True, True, True, False, False]])
    with torch.no_grad():
        pooled = pool(outputs, mask)
        for i, length in enumerate((5, 3)):
            assert torch.allclose(pooled[i], _direct(pool, outputs[i], length), atol=1e-6)
        assert pool.weights[1, 3:].abs().max().item() == 0.0
        assert torch.allclose(pool.weights.sum(1), torch.ones(2))
        # garbage in the padded steps changes nothing
        noisy = outputs.clone()
        noisy[1, 3:] = 1e3
        assert torch.allclose(pool(noisy, mask)[1], pooled[1], atol=1e-6)


def test_classification_head_with_attention_pool_trains_its_weights():
    torch.manual_seed(0)
    head = ClassificationHead(6, 3, pool="attention")
    outputs, mask = torch.randn(4, 7, 6), torch.ones(4, 7, dtype=torch.bool)
    head(outputs, mask, outputs[:, -1]).sum().backward()
    assert head.attention.project.weight.grad is not None
    assert head(outputs, mask, outputs[:, -1]).shape == (4, 3)


def test_attention_is_not_a_weightless_pool():
    with pytest.raises(ValueError, match="AttentionPool"):
        pool_outputs(torch.zeros(1, 2, 3), torch.ones(1, 2, dtype=torch.bool), torch.zeros(1, 3), "attention")
