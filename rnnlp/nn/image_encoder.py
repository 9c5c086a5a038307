"""Image encoders: B×3×H×W images -> a B×S×C grid of feature vectors (S = grid cells).

``SmallCNN`` is trained from scratch: stages of (3×3 conv + BatchNorm + ReLU) × n, each stage
but the last followed by 2×2 max pooling, so a 64×64 input with 4 stages gives an 8×8 grid.
``TorchvisionBackbone`` wraps a torchvision ResNet without its pooling and classifier
(torchvision is optional: the ``vision`` extra).
"""

from __future__ import annotations

import torch
from torch import nn

from rnnlp.errors import ConfigError, DataError, choice_error

# ImageNet statistics: inputs are normalised with them for every backbone.
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def normalize(images: torch.Tensor) -> torch.Tensor:
    """uint8 B×H×W×3 (or float 0..1 B×3×H×W) -> normalised float B×3×H×W."""
    if images.dtype == torch.uint8:
        images = images.permute(0, 3, 1, 2).float().div_(255.0)
    mean = images.new_tensor(MEAN).view(1, 3, 1, 1)
    std = images.new_tensor(STD).view(1, 3, 1, 1)
    return (images - mean) / std


def to_grid(features: torch.Tensor) -> torch.Tensor:
    """B×C×h×w feature map -> B×(h·w)×C grid, row-major (cell s = row s // w, column s % w)."""
    return features.flatten(2).transpose(1, 2)


class SmallCNN(nn.Module):
    """A small VGG-like CNN trained from scratch.

    Args:
        channels: output channels of each stage (at least one).
        convs_per_stage: 3×3 conv layers per stage.
        dropout: dropout on the output grid.
    """

    def __init__(self, channels=(32, 64, 128, 256), convs_per_stage: int = 1, dropout: float = 0.0):
        super().__init__()
        if not channels or convs_per_stage < 1:
            raise ConfigError("encoder.channels needs at least one stage and convs_per_stage >= 1")
        layers, c_in = [], 3
        for i, c_out in enumerate(channels):
            for _ in range(convs_per_stage):
                layers += [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out),
                           nn.ReLU(inplace=True)]
                c_in = c_out
            if i < len(channels) - 1:
                layers.append(nn.MaxPool2d(2))
        self.body = nn.Sequential(*layers)
        self.dropout = nn.Dropout(dropout)
        self.feature_size = int(channels[-1])

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Normalised B×3×H×W -> B×S×C grid."""
        return self.dropout(to_grid(self.body(images)))


class TorchvisionBackbone(nn.Module):
    """A torchvision ResNet up to its last conv stage: B×3×H×W -> B×(H/32·W/32)×C."""

    NAMES = ("resnet18", "resnet34", "resnet50")

    def __init__(self, name: str, weights_path: str | None = None, dropout: float = 0.0):
        super().__init__()
        if name not in self.NAMES:
            raise choice_error("encoder.backbone", name, ("small",) + self.NAMES)
        try:
            import torchvision
        except ModuleNotFoundError:
            raise ConfigError(f"encoder.backbone={name} needs torchvision: pip install 'rnnlp[vision]' "
                              "(or use encoder.backbone=small)") from None
        net = getattr(torchvision.models, name)(weights=None)
        if weights_path:
            try:
                net.load_state_dict(_read_state_dict(weights_path))
            except RuntimeError as exc:
                raise DataError(f"{weights_path}: not {name} weights "
                                f"({str(exc).splitlines()[0]})") from None
        self.body = nn.Sequential(*list(net.children())[:-2])  # drop avgpool and fc
        self.dropout = nn.Dropout(dropout)
        self.feature_size = 2048 if name == "resnet50" else 512

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.dropout(to_grid(self.body(images)))


def _read_state_dict(path: str) -> dict:
    from pathlib import Path

    if not Path(path).is_file():
        raise DataError(f"encoder weights file not found: {path}")
    if str(path).endswith(".safetensors"):
        from safetensors.torch import load_file
        return load_file(path)
    return torch.load(path, map_location="cpu", weights_only=True)
