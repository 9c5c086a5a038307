"""Reading images from a folder or zip: RGB conversion, resizing, bad files, caption files."""

import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from rnnlp.data.images import (ImageStore, image_array, load_image, read_caption_table, read_captions,
                               read_image_list, read_images, read_token_file)
from rnnlp.errors import DataError

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "captioning"
IMAGES = ASSETS / "images"


@pytest.fixture
def zipped(tmp_path) -> Path:
    """The asset images in a zip, under a folder as Flickr8k zips often have them."""
    path = tmp_path / "images.zip"
    with zipfile.ZipFile(path, "w") as z:
        for f in sorted(IMAGES.iterdir()):
            z.write(f, f"Flicker8k_Dataset/{f.name}")
    return path


@pytest.mark.parametrize("kind", ["folder", "zip"])
def test_store_reads_every_image_as_rgb_and_skips_the_broken_one(kind, zipped):
    store = ImageStore(IMAGES if kind == "folder" else zipped)
    names = store.names()
    assert len(names) == 13 and "broken.jpg" in names and "a01.jpg" in store and "nope.jpg" not in store
    warnings = []
    pixels, kept = read_images(store, names, 20, warn=warnings.append)
    assert pixels.shape == (12, 20, 20, 3) and pixels.dtype == np.uint8
    assert "broken.jpg" not in kept and len(warnings) == 1 and "broken.jpg" in warnings[0]


def test_folder_and_zip_give_the_same_pixels(zipped):
    names = ["a01.jpg", "a05.png", "a06.png", "a08.png"]
    a, _ = read_images(ImageStore(IMAGES), names, 16)
    b, _ = read_images(ImageStore(zipped), names, 16)
    assert np.array_equal(a, b)


def test_grayscale_rgba_and_palette_become_rgb():
    gray = load_image(IMAGES / "a06.png")        # black square on white, mode L
    rgba = load_image(IMAGES / "a05.png")        # red circle, alpha 200, composited on white
    palette = load_image(IMAGES / "a08.png")     # green circle on white, mode P
    assert gray.mode == rgba.mode == palette.mode == "RGB"
    assert gray.getpixel((12, 12)) == (10, 10, 10)
    r, g, b = rgba.getpixel((8, 8))
    assert abs(r - (220 * 200 + 255 * 55) / 255) <= 1 and abs(g - (30 * 200 + 255 * 55) / 255) <= 1
    assert palette.getpixel((12, 12))[1] > 150 and min(palette.getpixel((0, 0))) >= 245


def test_any_size_is_resized():
    img = load_image(IMAGES / "a07.jpg")
    assert img.size == (40, 24) and image_array(img, 12).shape == (12, 12, 3)
    assert image_array(Image.new("RGB", (3, 500)), 8).shape == (8, 8, 3)


def test_bad_files_raise_errors_naming_them(tmp_path):
    with pytest.raises(DataError, match="broken.jpg"):
        load_image(IMAGES / "broken.jpg")
    with pytest.raises(DataError, match="nothere.png"):
        load_image(tmp_path / "nothere.png")
    text = tmp_path / "notes.png"
    text.write_text("just text")
    with pytest.raises(DataError, match="notes.png"):
        load_image(text)
    with pytest.raises(DataError, match="missing.jpg"):
        ImageStore(IMAGES).open("missing.jpg")
    with pytest.raises(DataError, match="not found"):
        ImageStore(tmp_path / "nowhere")


def test_caption_files():
    token = read_token_file(ASSETS / "captions.token.txt")
    assert len(token) == 14 and token["a01.jpg"][0] == "a red square on a white background ."
    assert token["a12.png"][-1] == "" and len(token["a12.png"]) == 4
    table = read_captions(ASSETS / "captions.csv")
    assert list(table) == list(token)[:13] + ["missing.jpg"] and table["a02.png"] == token["a02.png"]
    assert read_caption_table(ASSETS / "captions.csv", "image", "caption")["a03.jpg"][2] == "green square ."
    assert read_image_list(ASSETS / "valid.txt") == ["a10.png", "a11.jpg", "a12.png"]


def test_token_file_without_tab_is_an_error(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("a.jpg#0 no tab here\n")
    with pytest.raises(DataError, match="bad.txt:1"):
        read_token_file(bad)
