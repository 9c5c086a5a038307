"""Prints librosa_mel.json: librosa 0.11.0's mel filterbank and a log-mel spectrogram, the
reference values tests/nn/test_spectrogram.py checks rnnlp.nn.spectrogram against (rnnlp does
not depend on librosa; it is the `reference` extra). Run with librosa installed:

    pip install 'rnnlp[reference]' && python tests/assets/speech/reference/librosa_mel.py > librosa_mel.json
"""

import json

import librosa
import numpy as np

bank = librosa.filters.mel(sr=8000, n_fft=256, n_mels=10, fmin=0.0, fmax=None)  # Slaney scale and norm
t = np.arange(800) / 8000
wave = (0.5 * np.sin(2 * np.pi * 440 * t) + 0.25 * np.sin(2 * np.pi * 1900 * t)).astype(np.float32)
power = np.abs(librosa.stft(wave, n_fft=256, hop_length=80, win_length=200, window="hann", center=True,
                            pad_mode="constant")) ** 2
mel = np.log(bank @ power + 1e-6).T
print(json.dumps({"librosa": librosa.__version__, "bank": bank.tolist(), "log_mel": mel.tolist(),
                  "mel_of_hz": {str(f): float(librosa.hz_to_mel(f)) for f in (0.0, 440.0, 1000.0, 3000.0)}}))
