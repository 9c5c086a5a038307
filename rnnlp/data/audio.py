"""Audio in: wav files decoded with the standard library's ``wave``, mixed to mono and resampled.

``decode_wav`` turns a wav file's bytes into float32 samples in [-1, 1] at the rate the model
wants; what it had to change (stereo mixed down, another rate resampled) comes back as notes, so
a caller can say so once instead of failing. Resampling uses ``scipy.signal.resample_poly``
(a polyphase FIR with a Kaiser window: well kept, exact rational ratios such as 44100 -> 16000).
``AudioStore`` reads files by name from a folder or a zip without extracting it.
"""

from __future__ import annotations

import io
import wave
from math import gcd

import numpy as np

from rnnlp.data.files import FileStore
from rnnlp.errors import DataError

_SCALE = {1: 128.0, 2: 32768.0, 3: 8388608.0, 4: 2147483648.0}


def decode_wav(data: bytes, where: str, sample_rate: int) -> tuple[np.ndarray, list[str]]:
    """(float32 mono samples at ``sample_rate``, notes) of a PCM wav file's bytes.

    Raises DataError naming ``where`` when the bytes are not a PCM wav file or hold no samples."""
    try:
        with wave.open(io.BytesIO(data)) as f:
            channels, width, rate, count = f.getnchannels(), f.getsampwidth(), f.getframerate(), f.getnframes()
            raw = f.readframes(count)
    except (wave.Error, EOFError, ValueError) as exc:
        raise DataError(f"{where}: not a PCM wav file ({exc}); convert it, e.g. "
                        f"`ffmpeg -i IN -ac 1 -ar {sample_rate} OUT.wav`") from None
    if count == 0 or not raw:
        raise DataError(f"{where}: empty wav file (no samples); remove it or record it again")
    if width not in _SCALE:
        raise DataError(f"{where}: {8 * width}-bit samples are not PCM that rnnlp reads; convert it to 16-bit, "
                        f"e.g. `ffmpeg -i IN -ac 1 -ar {sample_rate} -sample_fmt s16 OUT.wav`")
    if len(raw) % (width * channels):
        raise DataError(f"{where}: truncated wav file ({len(raw)} bytes of samples is not a whole number of "
                        f"{width * channels}-byte frames); re-export it or remove it")
    samples, notes = _pcm(raw, width, channels), []
    if channels > 1:
        samples = samples.mean(axis=1)
        notes.append(f"{channels} channels mixed to mono")
    else:
        samples = samples[:, 0]
    samples, resampled = to_rate(samples, rate, sample_rate)
    return samples, notes + resampled


def to_rate(samples: np.ndarray, rate: int, target: int) -> tuple[np.ndarray, list[str]]:
    """(float32 ``samples`` at ``target`` Hz, the note saying so when they were resampled)."""
    if rate == target:
        return samples.astype(np.float32, copy=False), []
    return resample(samples, rate, target).astype(np.float32), [f"resampled from {rate} Hz to {target} Hz"]


def _pcm(raw: bytes, width: int, channels: int) -> np.ndarray:
    """N×channels float64 in [-1, 1) from interleaved little-endian PCM (8-bit is unsigned)."""
    if width == 1:
        values = np.frombuffer(raw, np.uint8).astype(np.float64) - 128.0
    elif width == 3:  # 24-bit: sign-extend three bytes into an int32
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        values = ((b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)) << 8 >> 8).astype(np.float64)
    else:
        values = np.frombuffer(raw, {2: "<i2", 4: "<i4"}[width]).astype(np.float64)
    usable = len(values) - len(values) % channels
    return values[:usable].reshape(-1, channels) / _SCALE[width]


def resample(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    """``samples`` at ``rate`` Hz resampled to ``target`` Hz (polyphase, scipy)."""
    from scipy.signal import resample_poly

    g = gcd(rate, target)
    return resample_poly(samples, target // g, rate // g)


def encode_wav(samples: np.ndarray, sample_rate: int) -> bytes:
    """16-bit mono PCM wav bytes of float samples in [-1, 1] (test assets, built corpora)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(sample_rate)
        f.writeframes((np.clip(samples, -1, 1 - 1 / 32768) * 32768).astype("<i2").tobytes())
    return out.getvalue()


class AudioStore(FileStore):
    """The files of a folder (searched recursively) or of a zip, by relative path or base name."""

    KIND, CONTENTS = "audio", "wav files"

    def wav_names(self) -> list[str]:
        """Every ``.wav`` file's path inside the store, sorted."""
        return sorted(n for n in self._files if n.lower().endswith(".wav"))

    def read(self, name: str, where: str = "") -> bytes:
        key = self.key(name)
        if key is None:
            raise DataError(f"{where or self.path}: names {name!r}, which is not in {self.path}; "
                            "fix the path or add the file")
        return self._bytes(key)
