"""``FileStore``: the files of a folder (searched recursively) or of a zip (read in place, never
extracted), looked up by relative path or, failing that, by base name (zips often hold
``Images/x.jpg`` where a caption file says ``x.jpg``). ``ImageStore`` and ``AudioStore`` are
its image and wav kinds."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from rnnlp.errors import DataError


class FileStore:
    """Files of a folder or a zip by name; ``KIND`` and ``CONTENTS`` word the errors."""

    KIND = "file"        # "<KIND> folder or zip not found: PATH"
    CONTENTS = "files"   # "PATH: not a folder or a zip file of <CONTENTS>"

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        if self.path.is_dir():
            self._zip = None
            self._files = {p.relative_to(self.path).as_posix(): p for p in self.path.rglob("*") if p.is_file()}
        elif self.path.is_file() and zipfile.is_zipfile(self.path):
            self._zip = zipfile.ZipFile(self.path)
            self._files = {i.filename: i.filename for i in self._zip.infolist() if not i.is_dir()}
        elif self.path.exists():
            raise DataError(f"{self.path}: not a folder or a zip file of {self.CONTENTS}")
        else:
            raise DataError(f"{self.KIND} folder or zip not found: {self.path}")
        self._base = {}
        for name in sorted(self._files):
            self._base.setdefault(name.rsplit("/", 1)[-1], name)

    def __contains__(self, name: str) -> bool:
        return self.key(name) is not None

    def key(self, name: str) -> str | None:
        """The stored path of ``name`` (as given, else by base name), or None."""
        name = str(name).replace("\\", "/")
        return name if name in self._files else self._base.get(name.rsplit("/", 1)[-1])

    def _bytes(self, key: str) -> bytes:
        return self._zip.read(key) if self._zip is not None else self._files[key].read_bytes()
