"""Speech corpora: which recordings, with which transcripts.

A corpus is a manifest (csv/tsv/jsonl rows of ``path``, ``transcript``; paths looked up in
``audio``, else beside the manifest) or a folder/zip of wav files whose names carry the
transcript through a pattern such as FSDD's ``{label}_{speaker}_{index}.wav``. Filters on the
name's fields (``index=0-4``, ``speaker!=theo``) pick splits such as FSDD's official one or a
leave-one-speaker-out fold from one source.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnnlp.data.audio import AudioStore, decode_wav
from rnnlp.data.readers import read_table, require_columns, resolve_path
from rnnlp.errors import ConfigError, DataError


@dataclass
class Corpus:
    """Recordings (``names`` inside ``store``) and their transcripts, in a fixed order."""

    store: AudioStore
    names: list
    transcripts: list
    where: str

    def audio(self, sample_rate: int, notes: dict | None = None, skip_bad: bool = False) -> list[np.ndarray]:
        """Every recording decoded at ``sample_rate``; ``notes`` counts what had to be changed.

        A file that is not a readable wav is a DataError naming it; with ``skip_bad`` it is
        dropped from the corpus instead (with its transcript) and counted in ``notes``."""
        out, keep = [], []
        for i, name in enumerate(self.names):
            try:
                samples, said = decode_wav(self.store.read(name, self.where), f"{self.store.path}:{name}",
                                           sample_rate)
            except DataError as exc:
                if not skip_bad:
                    raise DataError(f"{exc}; or set data.skip_bad_files=true to train without it") from None
                said, samples = [f"skipped as unreadable ({exc})"], None
            for note in said:
                if notes is not None:
                    notes[note] = notes.get(note, 0) + 1
            if samples is not None:
                out.append(samples)
                keep.append(i)
        if len(keep) < len(self.names):
            self.names = [self.names[i] for i in keep]
            self.transcripts = [self.transcripts[i] for i in keep]
        return out


def read_corpus(source: str, dcfg, conditions: str | None = None) -> Corpus:
    """The corpus at ``source``: a folder or zip read through ``dcfg.pattern`` (filtered by
    ``conditions``), or a manifest file."""
    path = resolve_path(source, dcfg.root)
    if path.is_dir() or (path.is_file() and zipfile.is_zipfile(path)):
        if not dcfg.pattern:
            raise ConfigError(f"{path} is a folder or zip of recordings: give the file-name pattern that holds "
                              "the transcripts (--pattern '{label}_{speaker}_{index}.wav'), or a manifest")
        return _from_pattern(AudioStore(path), dcfg.pattern, conditions, dcfg.lowercase)
    if conditions:
        raise ConfigError(f"{path}: a manifest cannot be filtered ({conditions!r} applies to file names read "
                          "through data.pattern); give one manifest per split, or clear the filter "
                          "(data.train_filter=null, data.valid_filter=null)")
    return _from_manifest(path, dcfg)


def _from_manifest(path: Path, dcfg) -> Corpus:
    table = read_table(path, root=dcfg.root)
    require_columns(table, path, dcfg.path_column, dcfg.transcript_column)
    audio = resolve_path(dcfg.audio, dcfg.root) if dcfg.audio else path.parent
    store = AudioStore(audio)
    names = [str(p) for p in table[dcfg.path_column]]
    texts = [_text(t, dcfg.lowercase) for t in table[dcfg.transcript_column]]
    for i, name in enumerate(names):
        if store.key(name) is None:
            raise DataError(f"{path}, row {i + 1}: audio file {name!r} not found in {audio}; "
                            "fix the path, add the file, or set data.audio to the folder or zip holding it")
    return Corpus(store, names, texts, str(path))


def _text(value, lowercase: bool) -> str:
    text = " ".join(str(value if value is not None else "").split())
    return text.lower() if lowercase else text


def _from_pattern(store: AudioStore, pattern: str, conditions: str | None, lowercase: bool) -> Corpus:
    regex, keep = pattern_regex(pattern), parse_filter(conditions)
    names, texts = [], []
    for name in store.wav_names():
        match = regex.fullmatch(name.rsplit("/", 1)[-1])
        if match and keep(match.groupdict()):
            names.append(name)
            texts.append(_text(match["label"], lowercase))
    if not names:
        raise DataError(f"{store.path}: no wav file matches pattern {pattern!r}"
                        + (f" and filter {conditions!r}" if conditions else ""))
    return Corpus(store, names, texts, str(store.path))


def pattern_regex(pattern: str) -> re.Pattern:
    """``{label}_{speaker}_{index}.wav`` -> a regex with one named group per field."""
    fields = re.findall(r"{(\w+)}", pattern)
    if "label" not in fields:
        raise ConfigError(f"data.pattern {pattern!r} has no {{label}} field (the transcript); "
                          "e.g. '{label}_{speaker}_{index}.wav'")
    parts = re.split(r"{\w+}", pattern)
    body = "".join(re.escape(p) + (f"(?P<{f}>.+?)" if i < len(fields) else "")
                   for i, (p, f) in enumerate(zip(parts, fields + [""])))
    return re.compile(body)


def parse_filter(conditions: str | None):
    """A predicate over a name's fields from ``field=a,b``, ``field!=a``, ``field=lo-hi`` terms
    joined by ``;`` (all must hold)."""
    tests = []
    for term in filter(None, (t.strip() for t in (conditions or "").split(";"))):
        match = re.fullmatch(r"(\w+)\s*(!?=)\s*(.+)", term)
        if not match:
            raise ConfigError(f"data filter term {term!r}: write field=value[,value], field!=value or field=lo-hi")
        field, op, values = match.groups()
        tests.append((field, op == "=", _values(values)))
    return lambda fields: all((field in fields and fields[field] in allowed) == want
                              for field, want, allowed in tests)


def _values(text: str) -> set:
    out = set()
    for item in (v.strip() for v in text.split(",")):
        bounds = re.fullmatch(r"(\d+)-(\d+)", item)
        out |= {str(i) for i in range(int(bounds[1]), int(bounds[2]) + 1)} if bounds else {item}
    return out
