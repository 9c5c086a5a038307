"""Generate the tiny captioning assets (run from anywhere: python make_assets.py).

Twelve small images of coloured shapes in assorted sizes and modes (RGB jpg/png, grayscale,
RGBA, palette), a corrupt ``broken.jpg``, a Flickr8k-style token file (with lines for a
missing image, the corrupt one and an empty caption), split lists, and the same captions as
a csv table (the "own data" layout).
"""

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).parent
COLORS = {"red": (220, 30, 30), "green": (30, 180, 40), "blue": (30, 60, 220), "yellow": (240, 220, 20),
          "black": (10, 10, 10), "white": (250, 250, 250)}
SPECS = [  # name, colour, shape, background, size, mode
    ("a01.jpg", "red", "square", "white", (24, 24), "RGB"),
    ("a02.png", "blue", "circle", "white", (32, 20), "RGB"),
    ("a03.jpg", "green", "square", "black", (20, 28), "RGB"),
    ("a04.png", "yellow", "circle", "black", (24, 24), "RGB"),
    ("a05.png", "red", "circle", "white", (16, 16), "RGBA"),
    ("a06.png", "black", "square", "white", (24, 24), "L"),
    ("a07.jpg", "blue", "square", "black", (40, 24), "RGB"),
    ("a08.png", "green", "circle", "white", (24, 24), "P"),
    ("a09.jpg", "yellow", "square", "white", (24, 32), "RGB"),
    ("a10.png", "red", "square", "black", (24, 24), "RGB"),
    ("a11.jpg", "blue", "circle", "black", (28, 28), "RGB"),
    ("a12.png", "green", "square", "white", (24, 24), "RGB"),
]


def draw(color, shape, background, size, mode):
    img = Image.new("RGB", size, COLORS[background])
    w, h = size
    box = (w // 4, h // 4, 3 * w // 4, 3 * h // 4)
    pen = ImageDraw.Draw(img)
    (pen.rectangle if shape == "square" else pen.ellipse)(box, fill=COLORS[color])
    if mode == "RGBA":
        img = img.convert("RGBA")
        img.putalpha(200)
    elif mode in ("L", "P"):
        img = img.convert(mode)
    return img


def captions(color, shape, background):
    return [f"a {color} {shape} on a {background} background .", f"a {shape} that is {color} .",
            f"{color} {shape} ."]


def main() -> None:
    (HERE / "images").mkdir(exist_ok=True)
    lines, rows = [], ["image,caption"]
    for name, color, shape, background, size, mode in SPECS:
        draw(color, shape, background, size, mode).save(HERE / "images" / name)
        for k, text in enumerate(captions(color, shape, background)):
            lines.append(f"{name}#{k}\t{text}")
            rows.append(f"{name},{text}")
    (HERE / "images" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    lines += ["broken.jpg#0\ta broken picture .", "missing.jpg#0\ta picture that is not there .",
              "a12.png#3\t "]
    rows += ["broken.jpg,a broken picture .", "missing.jpg,a picture that is not there ."]
    (HERE / "captions.token.txt").write_text("\n".join(lines) + "\n")
    (HERE / "captions.csv").write_text("\n".join(rows) + "\n")
    names = [s[0] for s in SPECS]
    (HERE / "train.txt").write_text("\n".join(names[:9] + ["broken.jpg", "missing.jpg"]) + "\n")
    (HERE / "valid.txt").write_text("\n".join(names[9:]) + "\n")
    (HERE / "test.txt").write_text("\n".join(names[9:]) + "\n")


if __name__ == "__main__":
    main()
