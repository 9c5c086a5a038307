"""The splits of a captioning data set: image names, their pixels and their captions.

``data.captions`` (a Flickr8k token file or a csv/jsonl table) holds every caption and
``data.train``/``valid``/``test`` list the images of each split, or each split is a table of
(image, caption) rows. Images come from an ``ImageStore`` (a folder or a zip).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnnlp.data.images import ImageStore, read_captions, read_image_list, read_images
from rnnlp.data.readers import resolve_path
from rnnlp.errors import DataError


@dataclass
class Split:
    """One split: image names, their pixels (N×S×S×3 uint8) and captions (texts per image)."""

    names: list
    images: np.ndarray
    captions: list          # list of lists of caption strings, one list per image
    ids: list | None = None  # encoded captions, same nesting (training)


def _path(path, dcfg) -> Path:
    return Path(resolve_path(path, dcfg.root))


def split_captions(dcfg, split: str, path: str | None = None, warn=None) -> dict:
    """{image: [captions]} of one split (``train``/``valid``/``test``), or of table ``path``."""
    warn, path = warn or _stderr, path or getattr(dcfg, split)
    if path is None:
        raise DataError(f"no {split} data: set data.{split} (an image list with data.captions, or a "
                        "csv/jsonl table of image, caption rows)")
    if dcfg.captions and not str(path).lower().endswith((".csv", ".tsv", ".json", ".jsonl", ".parquet")):
        every = read_captions(_path(dcfg.captions, dcfg), dcfg.image_column, dcfg.caption_column,
                              dcfg.format, dcfg.root)
        names = read_image_list(_path(path, dcfg))
        missing = [n for n in names if n not in every]
        if missing:
            warn(f"{split}: {len(missing)} images of {path} have no captions in {dcfg.captions}; skipped")
        return {n: every[n] for n in names if n in every}
    return read_captions(_path(path, dcfg), dcfg.image_column, dcfg.caption_column, dcfg.format, dcfg.root)


def open_store(dcfg) -> ImageStore:
    if not dcfg.images:
        raise DataError("set data.images to the folder or zip that holds the images")
    return ImageStore(_path(dcfg.images, dcfg))


def read_split(dcfg, icfg, split: str, store: ImageStore, limit: int | None = None, path=None,
               warn=None) -> Split:
    """Captions of a split whose images exist and decode; the skipped ones are counted (``warn``)."""
    warn = warn or _stderr
    captions = split_captions(dcfg, split, path, warn)
    absent = [n for n in captions if n not in store]
    if absent:
        lines = sum(len(captions[n]) for n in absent)
        warn(f"{split}: skipped {lines} caption lines whose image does not exist in {dcfg.images} "
            f"({len(absent)} images, e.g. {absent[0]})")
    empty = sum(1 for n in captions for c in captions[n] if not c.strip())
    if empty:
        warn(f"{split}: skipped {empty} empty captions")
    names = [n for n in captions if n in store and any(c.strip() for c in captions[n])]
    if limit:
        names = names[:limit]
    images, names = read_images(store, names, icfg.size, warn=warn)
    if not names:
        raise DataError(f"{split}: no readable image with a caption (images: {dcfg.images})")
    return Split(names, images, [[c for c in captions[n] if c.strip()] for n in names])


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr)
