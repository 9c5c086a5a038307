"""Piano-roll readers (.mat, .npz, MIDI), the MIDI writer and the synthesizer."""

import wave
from pathlib import Path

import mido
import numpy as np
import pytest

from rnnlp.data.midi import KEYS, check_roll, note_runs, read_midi, write_midi
from rnnlp.data.music import chunk, has_split, read_rolls, write_npz
from rnnlp.data.synth import render, write_wav
from rnnlp.errors import ConfigError, DataError

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "music"


def random_roll(seed: int, frames: int = 40, density: float = 0.08) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.random((frames, KEYS)) < density).astype(np.uint8)


def midi_file(path: Path, notes: list, ticks_per_beat: int = 480) -> Path:
    """A MIDI file of (channel, pitch, onset tick, offset tick) notes, one track."""
    events = []
    for channel, pitch, on, off in notes:
        events += [(on, mido.Message("note_on", channel=channel, note=pitch, velocity=90)),
                   (off, mido.Message("note_off", channel=channel, note=pitch, velocity=0))]
    track, now = mido.MidiTrack(), 0
    for tick, msg in sorted(events, key=lambda e: e[0]):
        track.append(msg.copy(time=tick - now))
        now = tick
    midi = mido.MidiFile(ticks_per_beat=ticks_per_beat)
    midi.tracks.append(track)
    midi.save(str(path))
    return path


@pytest.mark.parametrize("steps_per_beat", [1, 2, 4, 7])
def test_roll_to_midi_to_roll_is_exact(tmp_path, steps_per_beat):
    roll = random_roll(steps_per_beat)
    roll[-1, 40] = 1  # the piece ends with a sounding key, so its length survives
    path = write_midi(roll, tmp_path / "piece.mid", steps_per_beat, bpm=90)
    assert np.array_equal(read_midi(path, steps_per_beat), roll)


def test_midi_notes_are_rendered_at_the_stated_resolution(tmp_path):
    # middle C for one beat, then E for half a beat, at 480 ticks a beat; 4 frames a beat
    path = midi_file(tmp_path / "a.mid", [(0, 60, 0, 480), (0, 64, 480, 720), (9, 36, 0, 480)])
    roll = read_midi(path, 4)
    assert roll.shape == (6, KEYS)
    assert roll[:, 60 - 21].tolist() == [1, 1, 1, 1, 0, 0] and roll[:, 64 - 21].tolist() == [0, 0, 0, 0, 1, 1]
    assert roll.sum() == 6  # the drum note (channel 10) is left out


def test_note_runs_merge_consecutive_frames():
    roll = np.zeros((5, KEYS), np.uint8)
    roll[0:2, 0] = roll[3:5, 0] = roll[1, 87] = 1
    assert note_runs(roll) == [(21, 0, 2), (108, 1, 2), (21, 3, 5)]


def test_bad_midi_inputs_are_one_line_data_errors(tmp_path):
    (tmp_path / "text.mid").write_text("not a midi file at all")
    silent = midi_file(tmp_path / "silent.mid", [])
    drums = midi_file(tmp_path / "drums.mid", [(9, 36, 0, 480), (9, 38, 480, 960)])
    short = midi_file(tmp_path / "short.mid", [(0, 60, 0, 60), (0, 62, 100, 150)])
    cases = {tmp_path / "text.mid": "not a readable MIDI file", silent: "has no notes",
             drums: "only drum notes", short: "the piece is empty"}
    for path, says in cases.items():
        with pytest.raises(DataError, match=says) as info:
            read_midi(path, 1)
        assert "\n" not in str(info.value) and str(path) in str(info.value)
    assert read_midi(short, 16).sum() == 2 + 2  # the same notes at a finer resolution: 2 frames each


def test_a_roll_of_the_wrong_width_or_values_is_refused(tmp_path):
    with pytest.raises(DataError, match="must be T×88"):
        check_roll(np.zeros((4, 87)), "piece 3")
    with pytest.raises(DataError, match="0/1 only"):
        check_roll(np.full((4, 88), 2), "piece 3")
    np.savez(tmp_path / "wide.npz", train=np.zeros((5, 90), np.uint8), train_lengths=np.array([5]))
    with pytest.raises(DataError, match="F×88"):
        read_rolls(tmp_path / "wide.npz")


def test_mat_and_npz_assets_hold_the_same_splits():
    for split in ("train", "valid", "test"):
        mat, npz = read_rolls(ASSETS / "tiny.mat", split), read_rolls(ASSETS / "tiny.npz", split)
        assert len(mat) == len(npz) > 0 and all(np.array_equal(a, b) for a, b in zip(mat, npz))
    assert has_split(ASSETS / "tiny.mat", "valid") and not has_split(ASSETS / "tiny.mat", "extra")
    with pytest.raises(DataError, match="no split 'extra'.*traindata"):
        read_rolls(ASSETS / "tiny.mat", "extra")


def test_npz_round_trip_and_lengths_checked(tmp_path):
    rolls = [random_roll(1, 5), random_roll(2, 9)]
    write_npz(tmp_path / "r.npz", {"test": rolls})
    assert all(np.array_equal(a, b) for a, b in zip(read_rolls(tmp_path / "r.npz", "test"), rolls))
    np.savez(tmp_path / "bad.npz", test=np.zeros((5, 88), np.uint8), test_lengths=np.array([2, 2]))
    with pytest.raises(DataError, match="lengths must add up"):
        read_rolls(tmp_path / "bad.npz", "test")


def test_midi_folders_with_split_subfolders_and_lists(tmp_path):
    (tmp_path / "train").mkdir()
    for i in range(3):
        write_midi(random_roll(i, 8) | np.eye(8, KEYS, 30, dtype=np.uint8), tmp_path / "train" / f"{i}.mid", 2)
    assert len(read_rolls(tmp_path, "train", steps_per_beat=2)) == 3
    assert has_split(tmp_path, "train") and not has_split(tmp_path, "valid")
    (tmp_path / "list.txt").write_text("train/0.mid\ntrain/2.mid\n")
    assert len(read_rolls(tmp_path / "list.txt", steps_per_beat=2)) == 2
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no .mid or .midi files"):
        read_rolls(tmp_path / "empty")


def test_unknown_format_and_missing_file():
    with pytest.raises(ConfigError, match="choose one of: mat, npz, midi"):
        read_rolls(ASSETS / "tiny.npz", fmt="wav")
    with pytest.raises(DataError, match="cannot tell the format"):
        read_rolls(ASSETS / "make_tiny.py")
    with pytest.raises(DataError, match="not found"):
        read_rolls(ASSETS / "absent.mat")


def test_chunk_cuts_long_pieces():
    pieces = chunk([random_roll(0, 10), random_roll(1, 3)], 4)
    assert [len(p) for p in pieces] == [4, 4, 2, 3]


def test_synth_plays_each_note_at_its_pitch(tmp_path):
    roll = np.zeros((4, KEYS), np.uint8)
    roll[:, 69 - 21] = 1  # A4 held for 4 frames = 2 s at 60 bpm, 2 frames a beat
    samples = render(roll, 2, bpm=60, sample_rate=8000)
    assert len(samples) >= 2 * 8000 and np.abs(samples).max() == pytest.approx(0.9, abs=1e-3)
    spectrum = np.abs(np.fft.rfft(samples[:8000]))
    assert np.argmax(spectrum) == 440  # 1 Hz bins over one second
    write_wav(samples, tmp_path / "a.wav", 8000)
    with wave.open(str(tmp_path / "a.wav")) as f:
        assert f.getframerate() == 8000 and f.getnframes() == len(samples)


@pytest.mark.requires_shared
def test_the_shared_sets_have_their_documented_sizes(shared_data):
    sizes = {"JSB_Chorales.mat": [(229, 13807), (76, 4602), (77, 4725)],
             "Nottingham.mat": [(694, 176561), (173, 45513), (170, 44463)]}
    for name, expected in sizes.items():
        found = [read_rolls(shared_data / "music/poly" / name, split) for split in ("train", "valid", "test")]
        assert [(len(r), sum(map(len, r))) for r in found] == expected
