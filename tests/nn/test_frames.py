"""FrameProjection: shapes, strided lengths, and padding that never reaches a shorter series."""

import pytest
import torch

from rnnlp.errors import ConfigError
from rnnlp.nn.frames import FrameProjection


def test_linear_keeps_length_and_maps_each_frame():
    torch.manual_seed(0)
    proj = FrameProjection(3, 4)
    x = torch.randn(2, 5, 3)
    y, lengths = proj(x, torch.tensor([5, 2]))
    assert y.shape == (2, 5, 4) and lengths.tolist() == [5, 2]
    assert torch.allclose(y[0, 1], proj.net(x[0, 1]))


def test_conv_stride_shortens_lengths():
    proj = FrameProjection(1, 6, "conv", kernel=3, stride=2, layers=2)
    y, lengths = proj(torch.randn(2, 7, 1), torch.tensor([7, 4]))
    assert y.shape == (2, 4, 6) and lengths.tolist() == [4, 2]


def test_conv_output_of_a_short_series_ignores_the_padding():
    torch.manual_seed(0)
    proj = FrameProjection(2, 4, "conv", kernel=5)
    short = torch.randn(1, 3, 2)
    padded = torch.cat([short, torch.full((1, 4, 2), 9.0)], dim=1)
    alone, _ = proj(short, torch.tensor([3]))
    inside, _ = proj(padded, torch.tensor([3]))
    assert torch.allclose(alone, inside[:, :3], atol=1e-6)


def test_unknown_projection_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown frame projection 'fft'"):
        FrameProjection(1, 4, "fft")
