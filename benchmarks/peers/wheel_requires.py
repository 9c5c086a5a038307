"""The Requires-Dist of one wheel on PyPI, read through HTTP range requests (the zip index and the
METADATA member, a few kB): what a wheel would pull in, without downloading it. setup.sh uses it
to say why OpenNMT-py's torch<2.3 is not installed from PyPI (its Linux wheels require the CUDA
runtime). Standard library only.

    python benchmarks/peers/wheel_requires.py torch 2.2.2 cp311-cp311-manylinux1_x86_64
"""

from __future__ import annotations

import io
import json
import sys
import urllib.request
import zipfile


class Remote(io.RawIOBase):
    """A seekable, read-only view of a URL through HTTP range requests."""

    def __init__(self, url: str):
        self.url, self.pos = url, 0
        head = urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=30)
        self.size = int(head.headers["Content-Length"])

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = 0) -> int:
        self.pos = {0: offset, 1: self.pos + offset, 2: self.size + offset}[whence]
        return self.pos

    def readinto(self, buffer) -> int:
        if self.pos >= self.size or not len(buffer):
            return 0
        end = min(self.pos + len(buffer), self.size) - 1
        request = urllib.request.Request(self.url, headers={"Range": f"bytes={self.pos}-{end}"})
        data = urllib.request.urlopen(request, timeout=60).read()
        buffer[: len(data)] = data
        self.pos += len(data)
        return len(data)


def requires(name: str, version: str, tag: str) -> list[str]:
    request = urllib.request.Request(f"https://pypi.org/simple/{name}/",
                                     headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    files = json.load(urllib.request.urlopen(request, timeout=60))["files"]
    filename = f"{name}-{version}-{tag}.whl"
    url = next((f["url"] for f in files if f["filename"] == filename), None)
    if url is None:
        raise LookupError(f"no file {filename} on PyPI")
    with zipfile.ZipFile(io.BufferedReader(Remote(url), buffer_size=1 << 16)) as wheel:
        meta = wheel.read(f"{name}-{version}.dist-info/METADATA").decode()
    return [line.split(":", 1)[1].strip() for line in meta.splitlines() if line.startswith("Requires-Dist:")]


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: wheel_requires.py NAME VERSION TAG", file=sys.stderr)
        return 2
    try:
        found = requires(*argv)
    except (OSError, LookupError, KeyError, zipfile.BadZipFile) as exc:
        print(f"wheel_requires.py: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print("\n".join(found))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
