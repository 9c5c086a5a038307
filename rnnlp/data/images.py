"""Images and captions: a folder or zip of images, caption files, decoding to uint8 arrays.

``ImageStore`` opens images by name from a folder or a zip (read in place, never extracted);
``read_images`` decodes many of them into one N×S×S×3 uint8 array, skipping (with a warning
that names them) the missing, corrupt or non-image files. Every image is converted to RGB
(grayscale, RGBA, palette, CMYK) and resized to S×S. Captions come from a Flickr8k token file
(``image.jpg#k<TAB>caption``) or a csv/jsonl table of (image, caption) rows.
"""

from __future__ import annotations

import gzip
import io
import os
from collections import OrderedDict
from pathlib import Path

import numpy as np

from rnnlp.data.files import FileStore
from rnnlp.errors import DataError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff")


class ImageStore(FileStore):
    """Images of a folder (searched recursively) or a zip, looked up by file name.

    Names are matched as given, else by their base name (zips often hold ``Images/x.jpg``).
    """

    KIND, CONTENTS = "image", "images"

    def names(self) -> list[str]:
        """Base names of the files that look like images (by suffix), sorted."""
        return sorted(b for b in self._base if b.lower().endswith(IMAGE_SUFFIXES))

    def read_bytes(self, name: str) -> bytes:
        key = self.key(name)
        if key is None:
            raise DataError(f"image {name!r} not found in {self.path}")
        return self._bytes(key)

    def open(self, name: str):
        """The image as an RGB ``PIL.Image``; DataError naming it when missing or unreadable."""
        return decode_image(self.read_bytes(name), f"{self.path}:{name}")


def decode_image(data: bytes, where: str):
    """RGB ``PIL.Image`` from encoded bytes; DataError naming ``where`` if it is no image."""
    from PIL import Image, UnidentifiedImageError

    try:
        img = Image.open(io.BytesIO(data))
        img.load()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise DataError(f"{where}: not a readable image ({type(exc).__name__}: {exc})") from None
    return to_rgb(img)


def to_rgb(img):
    """RGB copy of any PIL image; transparency is composited on white."""
    from PIL import Image

    if img.mode == "RGB":
        return img
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return img.convert("RGB")


def load_image(source):
    """RGB ``PIL.Image`` from a ``PIL.Image`` or a path; DataError naming a bad file."""
    from PIL import Image

    if isinstance(source, Image.Image):
        return to_rgb(source)
    path = Path(source)
    if not path.is_file():
        raise DataError(f"image file not found: {path}")
    return decode_image(path.read_bytes(), str(path))


def image_array(img, size: int) -> np.ndarray:
    """size×size×3 uint8 array of an RGB image (resized, aspect ratio not kept)."""
    from PIL import Image

    if img.size != (size, size):
        img = img.resize((size, size), Image.BILINEAR)
    return np.asarray(img, dtype=np.uint8)


def read_images(store: ImageStore, names: list[str], size: int, warn=None):
    """(N×size×size×3 uint8 array, the names read): unreadable images skipped with a warning."""
    out = np.zeros((len(names), size, size, 3), dtype=np.uint8)
    kept, bad = [], []
    for name in names:
        try:
            out[len(kept)] = image_array(store.open(name), size)
            kept.append(name)
        except DataError:
            bad.append(name)
    if bad and warn:
        shown = ", ".join(bad[:10]) + (f" and {len(bad) - 10} more" if len(bad) > 10 else "")
        warn(f"warning: skipped {len(bad)} missing or unreadable images in {store.path}: {shown}")
    return out[: len(kept)], kept


# -- caption files ---------------------------------------------------------------------
def _open_text(path: Path):
    if not path.is_file():
        raise DataError(f"file not found: {path}")
    from rnnlp.data.readers import check_utf8

    check_utf8(path)  # bad bytes: a DataError naming the file, not a UnicodeDecodeError mid-read
    return gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else open(path, encoding="utf-8")


def read_token_file(path: str | os.PathLike) -> "OrderedDict[str, list[str]]":
    """Flickr8k ``image.jpg#k<TAB>caption`` lines -> {image: [captions]} (file order)."""
    captions: OrderedDict = OrderedDict()
    with _open_text(Path(path)) as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            key, sep, text = line.partition("\t")
            if not sep:
                raise DataError(f"{path}:{number}: expected 'image#k<TAB>caption', got {line[:60]!r}")
            captions.setdefault(key.rsplit("#", 1)[0].strip(), []).append(text.strip())
    return captions


def read_image_list(path: str | os.PathLike) -> list[str]:
    """Image names, one a line (blank lines ignored)."""
    with _open_text(Path(path)) as f:
        return [line.strip() for line in f if line.strip()]


def read_caption_table(path, image_column: str, caption_column: str, format=None, root=None
                       ) -> "OrderedDict[str, list[str]]":
    """A csv/tsv/jsonl/parquet table of (image, caption) rows -> {image: [captions]}."""
    from rnnlp.data.readers import read_table, require_columns

    ds = read_table(path, format, root)
    require_columns(ds, path, image_column, caption_column)
    captions: OrderedDict = OrderedDict()
    for image, text in zip(ds[image_column], ds[caption_column]):
        if image is None or not str(image).strip():
            continue
        captions.setdefault(str(image).strip(), []).append("" if text is None else str(text).strip())
    return captions


def read_captions(path, image_column="image", caption_column="caption", format=None, root=None):
    """{image: [captions]} from a token file (``.txt``/``.token``, optionally ``.gz``) or a table."""
    suffixes = [s for s in Path(str(path)).suffixes if s != ".gz"]
    if format is None and suffixes and suffixes[-1] in (".txt", ".token"):
        return read_token_file(path)
    return read_caption_table(path, image_column, caption_column, format, root)


# -- crops (numpy, N×H×W×3 uint8) ------------------------------------------------------
def center_crop(images: np.ndarray, crop: int) -> np.ndarray:
    size = images.shape[1]
    top = (size - crop) // 2
    return images[:, top: top + crop, top: top + crop]


def random_crop_flip(images: np.ndarray, crop: int, flip: bool, rng: np.random.Generator) -> np.ndarray:
    """A random crop² window of each image, mirrored left-right with probability 1/2 if ``flip``."""
    size = images.shape[1]
    out = np.empty((len(images), crop, crop, 3), dtype=np.uint8)
    for i, img in enumerate(images):
        y, x = rng.integers(0, size - crop + 1, size=2)
        window = img[y: y + crop, x: x + crop]
        out[i] = window[:, ::-1] if flip and rng.random() < 0.5 else window
    return out
