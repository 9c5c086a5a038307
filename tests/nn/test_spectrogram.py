"""Log-mel features against librosa 0.11 (values stored in tests/assets/speech/reference, with
the script that printed them), and SpecAugment masking."""

import json
from pathlib import Path

import numpy as np
import torch

from rnnlp.nn.spectrogram import LogMel, hz_to_mel, mel_filterbank, mel_to_hz, spec_augment

REF = json.loads((Path(__file__).resolve().parents[1] / "assets/speech/reference/librosa_mel.json").read_text())


def test_the_mel_scale_is_slaney_and_round_trips():
    for hz, mel in REF["mel_of_hz"].items():
        assert abs(hz_to_mel(float(hz)) - mel) < 1e-9
    hz = np.array([0.0, 123.0, 999.0, 1000.0, 3999.0])
    assert np.allclose(mel_to_hz(hz_to_mel(hz)), hz)


def test_the_filterbank_matches_librosa():
    bank = mel_filterbank(8000, 256, 10)
    assert bank.shape == (10, 129)
    assert np.allclose(bank, np.array(REF["bank"]), atol=1e-7, rtol=1e-5)


def test_log_mel_of_two_tones_matches_librosa():
    t = np.arange(800) / 8000
    wave = (0.5 * np.sin(2 * np.pi * 440 * t) + 0.25 * np.sin(2 * np.pi * 1900 * t)).astype(np.float32)
    mel = LogMel(8000, n_mels=10, win_ms=25, hop_ms=10)
    got = mel(torch.from_numpy(wave)).numpy()
    assert (mel.win, mel.hop, mel.n_fft) == (200, 80, 256)
    assert got.shape == (11, 10)  # 1 + 800 // 80 centred frames
    assert np.allclose(got, np.array(REF["log_mel"]), atol=2e-3)


def test_spec_augment_masks_bands_and_frames_reproducibly():
    feats = np.arange(50 * 8, dtype=np.float32).reshape(50, 8)
    a = spec_augment(feats, np.random.default_rng(3), 2, 3, 2, 5, 0.2)
    b = spec_augment(feats, np.random.default_rng(3), 2, 3, 2, 5, 0.2)
    assert np.array_equal(a, b) and not np.array_equal(a, feats)
    assert np.array_equal(feats, np.arange(50 * 8, dtype=np.float32).reshape(50, 8))  # input untouched
    changed = a != feats
    whole_rows, whole_cols = changed.all(1), changed.all(0)
    assert np.array_equal(changed, whole_rows[:, None] | whole_cols[None, :])  # masks are whole bands/spans
    assert whole_rows.sum() <= 10 and whole_cols.sum() <= 6
    assert np.allclose(a[changed], feats.mean())
