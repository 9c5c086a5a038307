"""PNG plots of results: attention maps (translation, captioning) and forecasts with intervals.

Each function takes plain data (numpy arrays, token lists, the dicts that the loaded models'
``attention`` methods return) and writes one PNG file, so the CLI only passes results along.
matplotlib is the optional ``plot`` extra: it is imported inside ``pyplot``, which turns its
absence into a ConfigError saying how to install it. No torch here.
"""

from __future__ import annotations

import numpy as np

from rnnlp.errors import ConfigError


def pyplot(what: str = "plotting"):
    """``matplotlib.pyplot`` on the Agg backend, or a ConfigError "<what> needs matplotlib: ..."."""
    try:
        import matplotlib
    except ImportError:
        raise ConfigError(f"{what} needs matplotlib: pip install 'rnnlp[plot]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _save(plt, fig, path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_translation_attention(info: dict, path) -> None:
    """A heatmap of ``Translator.attention`` output (``weights`` target×source, both token lists)."""
    plt = pyplot("the attention plot")
    weights = info["weights"]
    fig, ax = plt.subplots(figsize=(1 + 0.4 * weights.shape[1], 1 + 0.4 * weights.shape[0]))
    ax.imshow(weights, cmap="viridis", aspect="auto", vmin=0.0, vmax=1.0)
    ax.set_xticks(range(len(info["source_tokens"])), info["source_tokens"], rotation=90)
    ax.set_yticks(range(len(info["target_tokens"])), info["target_tokens"])
    ax.set_xlabel("source")
    ax.set_ylabel("translation")
    _save(plt, fig, path)


def plot_caption_attention(info: dict, path) -> None:
    """``Captioner.attention`` output: the image with each word's attention map over it."""
    plt = pyplot("--attention-plot")
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
    _save(plt, fig, path)


def plot_forecast(path, values, names, time, start: int, curves, title: str) -> None:
    """One panel per series: the data, then each curve's mean and interval band from ``start``.

    ``values`` is n×k, ``time`` the n time points, ``curves`` (label, mean, lower, upper) with
    h×k arrays for the h steps after ``time[start - 1]``.
    """
    plt = pyplot("--plot")
    step = time[1] - time[0] if len(time) > 1 else 1.0
    future = time[start - 1] + step * np.arange(1, len(curves[0][1]) + 1) if curves else []
    fig, axes = plt.subplots(len(names), 1, figsize=(9, 3.2 * len(names)), squeeze=False)
    for j, ax in enumerate(axes[:, 0]):
        ax.plot(time, values[:, j], color="black", lw=1.2, label=names[j])
        for label, mean, lower, upper in curves:
            (line,) = ax.plot(future, mean[:, j], lw=1.4, label=label)
            ax.fill_between(future, lower[:, j], upper[:, j], color=line.get_color(), alpha=0.15)
        ax.axvline(time[start - 1], color="grey", ls=":", lw=1)
        ax.legend(fontsize=8, ncol=min(6, len(curves) + 1), loc="upper left")
    axes[0, 0].set_title(title)
    _save(plt, fig, path)
