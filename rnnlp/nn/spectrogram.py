"""Log-mel features and SpecAugment masking.

torchaudio's wheels pin an older torch than the one rnnlp runs on, and librosa brings numba and
llvmlite for one matrix, so the features are ``torch.stft`` (Hann window, centred frames) times
a mel filterbank written here from librosa's formulas (Slaney mel scale, Slaney area
normalisation: ``librosa.filters.mel``'s defaults); tests/nn/test_spectrogram.py holds values
printed by librosa 0.11 and the script that printed them.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


def hz_to_mel(hz):
    """Slaney's mel scale: linear below 1 kHz (3 mels per 200 Hz), logarithmic above."""
    hz = np.asarray(hz, dtype=np.float64)
    log_part = 15.0 + np.log(np.maximum(hz, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
    return np.where(hz >= 1000.0, log_part, 3.0 * hz / 200.0)


def mel_to_hz(mel):
    mel = np.asarray(mel, dtype=np.float64)
    return np.where(mel >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel - 15.0)), 200.0 * mel / 3.0)


def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int, fmin: float = 0.0, fmax: float | None = None):
    """n_mels × (n_fft // 2 + 1) float32 triangular filters, each of unit area (Slaney norm)."""
    fmax = sample_rate / 2 if fmax is None else fmax
    freqs = np.linspace(0, sample_rate / 2, n_fft // 2 + 1)
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    widths = np.diff(edges)
    ramps = edges[:, None] - freqs[None, :]
    rising, falling = -ramps[:-2] / widths[:-1, None], ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(rising, falling))
    return (weights * (2.0 / (edges[2:] - edges[:-2]))[:, None]).astype(np.float32)


class LogMel(nn.Module):
    """samples N (one recording) -> log-mel frames T×n_mels, T = 1 + N // hop (centred frames)."""

    def __init__(self, sample_rate: int, n_mels: int = 40, win_ms: float = 25.0, hop_ms: float = 10.0,
                 fmin: float = 0.0, fmax: float | None = None):
        super().__init__()
        self.win, self.hop = round(sample_rate * win_ms / 1000), round(sample_rate * hop_ms / 1000)
        self.n_fft = 1 << (self.win - 1).bit_length()  # next power of two: a fast FFT size
        self.register_buffer("window", torch.hann_window(self.win), persistent=False)
        bank = mel_filterbank(sample_rate, self.n_fft, n_mels, fmin, fmax)
        self.register_buffer("bank", torch.from_numpy(bank), persistent=False)

    def forward(self, samples: torch.Tensor) -> torch.Tensor:
        spec = torch.stft(samples, self.n_fft, self.hop, self.win, self.window, center=True,
                          pad_mode="constant", return_complex=True)
        power = spec.real.square() + spec.imag.square()          # F×T
        return torch.log(self.bank @ power + 1e-6).T.contiguous()  # T×M


def spec_augment(features: np.ndarray, rng: np.random.Generator, freq_masks: int, freq_width: int,
                 time_masks: int, time_width: int, time_ratio: float = 0.2) -> np.ndarray:
    """A copy of T×M ``features`` with frequency bands and time spans set to their mean
    (SpecAugment, Park et al. 2019, without time warping); widths drawn uniformly up to the maxima,
    a time mask at most ``time_ratio`` of the frames."""
    out = features.copy()
    fill = float(features.mean())
    frames, bands = out.shape
    for _ in range(freq_masks):
        width = int(rng.integers(0, min(freq_width, bands) + 1))
        start = int(rng.integers(0, bands - width + 1))
        out[:, start:start + width] = fill
    for _ in range(time_masks):
        width = int(rng.integers(0, min(time_width, int(time_ratio * frames)) + 1))
        start = int(rng.integers(0, frames - width + 1))
        out[start:start + width] = fill
    return out
