"""wav decoding (widths, stereo, other rates, bad files) and speech corpora (manifest, pattern, filters)."""

import io
import wave
import zipfile
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import resample_poly

from rnnlp.config.speech import SpeechDataConfig
from rnnlp.data.audio import AudioStore, decode_wav, encode_wav
from rnnlp.data.speech import parse_filter, pattern_regex, read_corpus
from rnnlp.errors import ConfigError, DataError

FSDD = Path(__file__).resolve().parents[1] / "assets" / "speech" / "fsdd"
PATTERN = "{label}_{speaker}_{index}.wav"


def wav_bytes(frames: np.ndarray, rate: int, width: int) -> bytes:
    """A wav file of integer ``frames`` (N×channels) written by the standard library."""
    out = io.BytesIO()
    with wave.open(out, "wb") as f:
        f.setnchannels(frames.shape[1])
        f.setsampwidth(width)
        f.setframerate(rate)
        if width == 3:
            raw = frames.astype("<i4").view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
        else:
            raw = frames.astype({1: np.uint8, 2: "<i2", 4: "<i4"}[width]).tobytes()
        f.writeframes(raw)
    return out.getvalue()


@pytest.mark.parametrize("width,values,expected", [
    (1, [0, 128, 255], [-1.0, 0.0, 127 / 128]),                 # 8-bit is unsigned
    (2, [-32768, 0, 16384], [-1.0, 0.0, 0.5]),
    (3, [-8388608, -1, 4194304], [-1.0, -1 / 8388608, 0.5]),     # 24-bit sign-extended
    (4, [-2**31, 0, 2**30], [-1.0, 0.0, 0.5]),
])
def test_every_pcm_width_decodes_to_floats(width, values, expected):
    samples, notes = decode_wav(wav_bytes(np.array(values)[:, None], 8000, width), "x.wav", 8000)
    assert samples.dtype == np.float32 and notes == []
    assert np.allclose(samples, expected, atol=1e-7)


def test_stereo_is_mixed_and_44k_resampled_with_notes():
    t = np.arange(4410) / 44100
    left = np.round(8000 * np.sin(2 * np.pi * 300 * t))
    right = np.round(left / 2)
    frames = np.stack([left, right], axis=1)
    samples, notes = decode_wav(wav_bytes(frames, 44100, 2), "s.wav", 8000)
    assert notes == ["2 channels mixed to mono", "resampled from 44100 Hz to 8000 Hz"]
    expected = resample_poly((left + right) / 2 / 32768, 80, 441)  # the reference resampler, directly
    assert len(samples) == 800 and np.allclose(samples, expected, atol=1e-6)


@pytest.mark.parametrize("data,message", [
    (wav_bytes(np.zeros((0, 1)), 8000, 2), "x.wav: empty wav file"),
    (b"this is not audio at all", "x.wav: not a PCM wav file"),
    (b"", "x.wav: not a PCM wav file"),
    (wav_bytes(np.ones((5, 1)), 8000, 2)[:-1], r"x.wav: truncated wav file \(9 bytes of samples is not a whole "
                                               r"number of 2-byte frames\)"),  # B59
])
def test_bad_wav_files_are_one_line_errors(data, message):
    with pytest.raises(DataError, match=message) as err:
        decode_wav(data, "x.wav", 8000)
    assert "\n" not in str(err.value)


def test_encode_then_decode_round_trips_16_bit():
    x = np.linspace(-0.9, 0.9, 101).astype(np.float32)
    y, _ = decode_wav(encode_wav(x, 8000), "r.wav", 8000)
    assert np.allclose(x, y, atol=1 / 32768)


def test_a_store_reads_a_folder_and_a_zip_alike(tmp_path):
    archive = tmp_path / "clips.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for p in sorted(FSDD.glob("*.wav")):
            z.write(p, f"recordings/{p.name}")
    folder, packed = AudioStore(FSDD), AudioStore(archive)
    assert len(folder.wav_names()) == len(packed.wav_names()) == 18
    assert folder.read("0_theo_2.wav") == packed.read("0_theo_2.wav") == packed.read("recordings/0_theo_2.wav")
    with pytest.raises(DataError, match="not a folder or a zip"):
        AudioStore(FSDD / "ATTRIBUTION.md")


def test_file_name_patterns_and_filters():
    regex = pattern_regex(PATTERN)
    assert regex.fullmatch("7_jackson_32.wav").groupdict() == {"label": "7", "speaker": "jackson", "index": "32"}
    keep = parse_filter("index=0-4; speaker!=theo")
    assert keep({"index": "3", "speaker": "george"}) and not keep({"index": "3", "speaker": "theo"})
    assert not keep({"index": "5", "speaker": "george"}) and parse_filter("speaker=a,b")({"speaker": "b"})
    with pytest.raises(ConfigError, match="no {label} field"):
        pattern_regex("{digit}_{speaker}.wav")
    with pytest.raises(ConfigError, match="data filter term 'index<4'"):
        parse_filter("index<4")


def test_a_pattern_corpus_takes_transcripts_from_names():
    corpus = read_corpus(str(FSDD), SpeechDataConfig(pattern=PATTERN), "index=0;speaker=theo")
    assert corpus.names == ["0_theo_0.wav", "1_theo_0.wav", "2_theo_0.wav"]
    assert corpus.transcripts == ["0", "1", "2"]
    waves = corpus.audio(8000)
    assert len(waves) == 3 and all(w.dtype == np.float32 and len(w) > 1000 for w in waves)
    with pytest.raises(DataError, match="no wav file matches"):
        read_corpus(str(FSDD), SpeechDataConfig(pattern=PATTERN), "speaker=nobody")


def test_an_unreadable_file_in_a_corpus_is_named_or_skipped_and_counted(tmp_path):  # B152
    import shutil

    for name in ("0_theo_0.wav", "1_theo_0.wav"):
        shutil.copy(FSDD / name, tmp_path / name)
    (tmp_path / "2_theo_0.wav").write_bytes((FSDD / "2_theo_0.wav").read_bytes()[:-1])
    corpus = read_corpus(str(tmp_path), SpeechDataConfig(pattern=PATTERN))
    with pytest.raises(DataError, match=r"2_theo_0.wav: truncated wav file .*; or set data.skip_bad_files=true"):
        corpus.audio(8000)
    notes: dict = {}
    waves = corpus.audio(8000, notes, skip_bad=True)
    assert len(waves) == 2 and corpus.names == ["0_theo_0.wav", "1_theo_0.wav"] and corpus.transcripts == ["0", "1"]
    assert len(notes) == 1 and "skipped as unreadable" in next(iter(notes)) and "2_theo_0.wav" in next(iter(notes))


@pytest.mark.parametrize("name", ["fsdd_dev.csv", "fsdd_dev.jsonl"])
def test_manifests_csv_and_jsonl(name):
    corpus = read_corpus(str(FSDD.parent / name), SpeechDataConfig(audio=str(FSDD)))
    assert corpus.transcripts == (["0", "1", "2", "0"] if name.endswith("csv") else ["1", "2"])
    assert len(corpus.audio(8000)) == len(corpus.names)


def test_a_manifest_naming_a_missing_file_says_which_row(tmp_path):
    (tmp_path / "m.csv").write_text("path,transcript\n0_theo_0.wav,zero\ngone.wav,one\n")
    with pytest.raises(DataError, match=r"m.csv, row 2: audio file 'gone.wav' not found in .*fsdd"):
        read_corpus(str(tmp_path / "m.csv"), SpeechDataConfig(audio=str(FSDD)))
    with pytest.raises(ConfigError, match="m.csv: a manifest cannot be filtered"):
        read_corpus(str(tmp_path / "m.csv"), SpeechDataConfig(audio=str(FSDD)), "index=0")
