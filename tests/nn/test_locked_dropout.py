"""LockedDropout shares one mask over time; word_dropout swaps whole tokens for <unk>."""

import pytest
import torch

from rnnlp.errors import ConfigError
from rnnlp.nn.locked_dropout import LockedDropout, word_dropout


def test_mask_is_shared_over_time_and_scaled():
    torch.manual_seed(0)
    dropout = LockedDropout(0.5).train()
    out = dropout(torch.ones(4, 7, 16))
    assert set(out.unique().tolist()) == {0.0, 2.0}
    # Every time step of a sequence equals its first step.
    assert torch.equal(out, out[:, :1].expand_as(out))
    # Different sequences get different masks.
    assert not torch.equal(out[0, 0], out[1, 0])


def test_keep_rate_is_about_one_minus_p():
    torch.manual_seed(1)
    out = LockedDropout(0.25).train()(torch.ones(200, 3, 100))
    assert (out[:, 0] > 0).float().mean().item() == pytest.approx(0.75, abs=0.01)


def test_identity_in_eval_and_at_zero():
    x = torch.randn(2, 3, 4)
    assert LockedDropout(0.5).eval()(x) is x
    assert LockedDropout(0.0).train()(x) is x


def test_word_dropout_replaces_only_real_tokens():
    g = torch.Generator().manual_seed(0)
    ids = torch.arange(10, 110).reshape(4, 25)
    mask = torch.ones(4, 25, dtype=torch.bool)
    mask[:, 20:] = False  # padding
    out = word_dropout(ids, 0.5, unk_id=1, mask=mask, generator=g)
    dropped = out == 1
    assert torch.equal(out[~dropped], ids[~dropped])
    assert not dropped[:, 20:].any()
    assert 0.3 < dropped[:, :20].float().mean().item() < 0.7
    assert ids.min().item() == 10  # input untouched


def test_word_dropout_is_reproducible_and_zero_is_identity():
    ids = torch.randint(5, 50, (3, 8), generator=torch.Generator().manual_seed(2))
    a = word_dropout(ids, 0.3, 1, generator=torch.Generator().manual_seed(7))
    b = word_dropout(ids, 0.3, 1, generator=torch.Generator().manual_seed(7))
    assert torch.equal(a, b) and not torch.equal(a, ids)
    assert torch.equal(word_dropout(ids, 0.0, 1), ids)


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5])
def test_bad_probability_raises(p):
    with pytest.raises(ConfigError, match=r"dropout probability must be in \[0, 1\)"):
        LockedDropout(p)
    with pytest.raises(ConfigError, match="dropout probability"):
        word_dropout(torch.zeros(2, dtype=torch.long), p, 1)
