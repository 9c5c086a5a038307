"""Attention plots of translations and captions (matplotlib: the ``plot`` extra, imported lazily)."""

from __future__ import annotations

import numpy as np

from rnnlp.errors import ConfigError


def require_matplotlib():
    """matplotlib (the ``plot`` extra), or a ConfigError saying how to install it."""
    try:
        import matplotlib
    except ModuleNotFoundError:
        raise ConfigError("the attention plot needs matplotlib: pip install 'rnnlp[plot]'") from None
    return matplotlib


def plot_text_attention(info: dict, path) -> None:
    """Save ``Translator.attention`` output as a heatmap (needs the ``plot`` extra: matplotlib)."""
    require_matplotlib().use("Agg")
    import matplotlib.pyplot as plt

    weights = info["weights"]
    fig, ax = plt.subplots(figsize=(1 + 0.4 * weights.shape[1], 1 + 0.4 * weights.shape[0]))
    ax.imshow(weights, cmap="viridis", aspect="auto", vmin=0.0, vmax=1.0)
    ax.set_xticks(range(len(info["source_tokens"])), info["source_tokens"], rotation=90)
    ax.set_yticks(range(len(info["target_tokens"])), info["target_tokens"])
    ax.set_xlabel("source")
    ax.set_ylabel("translation")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_image_attention(info: dict, path) -> None:
    """Save ``Captioner.attention`` output: the image with each word's attention map over it."""
    require_matplotlib().use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    image, weights, tokens = info["image"], info["weights"], info["tokens"]
    cols = min(5, len(tokens))
    rows = (len(tokens) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(2.2 * cols, 2.4 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, token, grid in zip(axes.flat, tokens, weights):
        heat = np.asarray(Image.fromarray((grid / max(grid.max(), 1e-12) * 255).astype(np.uint8))
                          .resize(image.shape[:2][::-1], Image.BILINEAR))
        ax.imshow(image)
        ax.imshow(heat, cmap="gray", alpha=0.6)
        ax.set_title(token)
    fig.suptitle(info["caption"])
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
