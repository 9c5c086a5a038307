"""A small additive synthesizer: piano roll -> mono 16-bit WAV (numpy and the standard library).

Each note (a run of sounding frames of one key, ``rnnlp.data.midi.note_runs``) is a few
harmonics of its equal-tempered pitch (A4 = 440 Hz) under a short attack and an exponential
decay, released over 30 ms. Enough to hear what a model wrote; no external synth needed.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from rnnlp.data.midi import check_roll, note_runs

HARMONICS = (1.0, 0.5, 0.25, 0.125)   # amplitudes of partials 1..4 (a soft, organ-like tone)
ATTACK, RELEASE, DECAY = 0.01, 0.03, 1.5  # seconds; DECAY: the time constant of the fade


def pitch_hz(pitch: int) -> float:
    return 440.0 * 2.0 ** ((pitch - 69) / 12)


def render(roll: np.ndarray, steps_per_beat: int, bpm: float = 120.0, sample_rate: int = 22050) -> np.ndarray:
    """Samples in [-1, 1] (float32) of the roll played at ``bpm`` quarter notes a minute."""
    roll = check_roll(roll, "roll")
    frame = 60.0 / bpm / steps_per_beat  # seconds per frame
    out = np.zeros(int(np.ceil((len(roll) * frame + RELEASE) * sample_rate)) + 1, dtype=np.float64)
    for pitch, start, end in note_runs(roll):
        begin, length = int(start * frame * sample_rate), int(((end - start) * frame + RELEASE) * sample_rate)
        t = np.arange(length) / sample_rate
        tone = sum(a * np.sin(2 * np.pi * pitch_hz(pitch) * (k + 1) * t) for k, a in enumerate(HARMONICS)
                   if pitch_hz(pitch) * (k + 1) < sample_rate / 2)  # no partial above Nyquist
        out[begin: begin + length] += tone * _envelope(t, (end - start) * frame)
    peak = np.abs(out).max()
    return (out / peak * 0.9 if peak > 0 else out).astype(np.float32)


def _envelope(t: np.ndarray, held: float) -> np.ndarray:
    """Attack ramp, exponential decay while held, linear release after ``held`` seconds."""
    rise = np.clip(t / ATTACK, 0.0, 1.0)
    fall = np.exp(-t / DECAY)
    release = np.clip(1.0 - (t - held) / RELEASE, 0.0, 1.0)
    return rise * fall * release


def write_wav(samples: np.ndarray, path, sample_rate: int = 22050) -> Path:
    """Write mono float samples in [-1, 1] as 16-bit PCM; returns the path."""
    path = Path(path)
    path.write_bytes(wav_bytes(samples, sample_rate))
    return path


def wav_bytes(samples: np.ndarray, sample_rate: int = 22050) -> bytes:
    """The bytes of a mono 16-bit PCM WAV file of float samples in [-1, 1]."""
    import io

    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(sample_rate)
        f.writeframes(pcm.tobytes())
    return buffer.getvalue()
