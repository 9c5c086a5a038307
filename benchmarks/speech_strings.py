"""Build the connected-digits corpus from FSDD: strings of 3-7 spoken digits (seeded).

Each string is one speaker's recordings of one split laid end to end with 50-300 ms of silence
between them (and 50-150 ms before and after). FSDD's official split is kept: train strings use
only recordings index 10-49, dev strings (checkpoint selection) only index 5-9, test strings only
index 0-4 (FSDD's test set), so no test recording is ever heard in training.

    python benchmarks/speech_strings.py --fsdd ../shared/data/speech/fsdd/recordings.zip --out data/fsdd_strings

Writes OUT/{train,dev,test}/NNNNN.wav (16-bit, 8 kHz) and OUT/{train,dev,test}.csv manifests
(path, transcript: digits separated by spaces, e.g. "3 0 7"). Deterministic for a given --seed.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

from rnnlp.data.audio import AudioStore, decode_wav, encode_wav
from rnnlp.config.speech import SpeechDataConfig
from rnnlp.data.speech import pattern_regex, read_corpus

RATE = 8000
PATTERN = "{label}_{speaker}_{index}.wav"
SPLITS = {"train": ("index=10-49", 3000), "dev": ("index=5-9", 200), "test": ("index=0-4", 500)}


def recordings(fsdd: str, conditions: str) -> dict:
    """speaker -> [(digit, file name)] of the FSDD files matching ``conditions``."""
    corpus = read_corpus(fsdd, SpeechDataConfig(pattern=PATTERN), conditions)
    regex, out = pattern_regex(PATTERN), {}
    for name, digit in zip(corpus.names, corpus.transcripts):
        out.setdefault(regex.fullmatch(name.rsplit("/", 1)[-1])["speaker"], []).append((digit, name))
    return out


def silence(rng: np.random.Generator, low_ms: int, high_ms: int) -> np.ndarray:
    return np.zeros(int(rng.integers(low_ms, high_ms + 1)) * RATE // 1000, dtype=np.float32)


def build_string(store: AudioStore, files: list, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """One string of 3-7 of ``files`` (one speaker's), and its transcript."""
    picks = [files[i] for i in rng.integers(0, len(files), size=int(rng.integers(3, 8)))]
    parts = [silence(rng, 50, 150)]
    for k, (_, name) in enumerate(picks):
        parts.append(decode_wav(store.read(name), name, RATE)[0])
        parts.append(silence(rng, 50, 300) if k < len(picks) - 1 else silence(rng, 50, 150))
    return np.concatenate(parts), " ".join(digit for digit, _ in picks)


def write_split(fsdd: str, out: Path, split: str, seed: int) -> float:
    """Write one split's wavs and manifest; returns its length in seconds."""
    conditions, count = SPLITS[split]
    store, by_speaker = AudioStore(fsdd), recordings(fsdd, conditions)
    speakers = sorted(by_speaker)
    rng = np.random.default_rng([seed, list(SPLITS).index(split)])
    (out / split).mkdir(parents=True, exist_ok=True)
    rows, seconds = [], 0.0
    for i in range(count):
        samples, text = build_string(store, by_speaker[speakers[int(rng.integers(len(speakers)))]], rng)
        name = f"{split}/{i:05d}.wav"
        (out / name).write_bytes(encode_wav(samples, RATE))
        rows.append((name, text))
        seconds += len(samples) / RATE
    with open(out / f"{split}.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([("path", "transcript"), *rows])
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fsdd", required=True, help="FSDD recordings.zip (or its recordings/ folder).")
    parser.add_argument("--out", required=True, help="Folder to write the corpus into.")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    for split in SPLITS:
        seconds = write_split(args.fsdd, Path(args.out), split, args.seed)
        print(f"{split}: {SPLITS[split][1]} strings, {seconds / 60:.1f} min -> {Path(args.out) / split}.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
