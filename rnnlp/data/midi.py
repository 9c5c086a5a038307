"""Piano rolls <-> MIDI files (``mido``), at a stated resolution of frames per quarter note.

A roll is a T×88 array of 0/1: frame t, key k sounds MIDI pitch ``LOWEST + k`` (21 = A0 ...
108 = C8). Reading renders every note of every non-drum channel: its onset and offset (in
ticks) are rounded to the nearest frame, and it sounds on frames [onset, offset). A note that
rounds to no frame at all (shorter than half a frame) is dropped. Writing turns each run of
consecutive sounding frames of a key into one note, so that ``read(write(roll)) == roll``
(a re-struck key that sounds on adjacent frames is one held note in a roll).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rnnlp.errors import DataError

KEYS = 88
LOWEST = 21                    # MIDI pitch of key 0 (A0)
DRUMS = 9                      # General MIDI: channel 10 (0-based 9) is percussion
TICKS_PER_BEAT = 480


def read_midi(path, steps_per_beat: int) -> np.ndarray:
    """The T×88 uint8 piano roll of a MIDI file; DataError for a file that is not MIDI, one
    without notes, drums only, or notes all shorter than half a frame at ``steps_per_beat``."""
    import mido

    if steps_per_beat < 1:
        raise DataError(f"steps_per_beat must be >= 1, got {steps_per_beat}")
    try:
        midi = mido.MidiFile(str(path))
    except (OSError, EOFError, ValueError, KeyError, IndexError) as exc:
        raise DataError(f"{path}: not a readable MIDI file ({exc}); give a .mid/.midi file") from None
    notes, drums = _notes(midi)
    if not notes:
        what = "only drum notes (channel 10)" if drums else "no notes"
        raise DataError(f"{path}: the MIDI file has {what}; give a file with pitched notes")
    return _render(notes, midi.ticks_per_beat, steps_per_beat, path)


def _notes(midi) -> tuple[list, int]:
    """(pitch, onset tick, offset tick) of the pitched notes, and the number of drum notes."""
    notes, drums, open_ = [], 0, {}
    for track in midi.tracks:
        tick = 0
        for msg in track:
            tick += msg.time
            if msg.type not in ("note_on", "note_off"):
                continue
            if msg.channel == DRUMS:
                drums += msg.type == "note_on" and msg.velocity > 0
                continue
            key = (msg.channel, msg.note)
            if key in open_:  # any event of a sounding key ends it (a repeated note_on re-strikes it)
                notes.append((msg.note, open_.pop(key), tick))
            if msg.type == "note_on" and msg.velocity > 0:
                open_[key] = tick
    notes += [(note, start, start + 1) for (_, note), start in open_.items()]  # never ended: a blip
    return notes, drums


def _render(notes: list, ticks_per_beat: int, steps_per_beat: int, path) -> np.ndarray:
    per_tick = steps_per_beat / ticks_per_beat
    spans = [(p, round(on * per_tick), round(off * per_tick)) for p, on, off in notes if LOWEST <= p < LOWEST + KEYS]
    spans = [(p, on, off) for p, on, off in spans if off > on]
    if not spans:
        raise DataError(f"{path}: at steps_per_beat={steps_per_beat} no note of keys A0-C8 lasts half a "
                        "frame, so the piece is empty; raise data.steps_per_beat")
    roll = np.zeros((max(off for _, _, off in spans), KEYS), dtype=np.uint8)
    for pitch, on, off in spans:
        roll[on:off, pitch - LOWEST] = 1
    return roll


def note_runs(roll: np.ndarray) -> list[tuple[int, int, int]]:
    """(pitch, first frame, end frame) of each run of consecutive sounding frames of a key."""
    padded = np.pad(np.asarray(roll, dtype=np.int8), ((1, 1), (0, 0)))
    change = np.diff(padded, axis=0)  # +1 where a run starts, -1 one past where it ends
    runs = []
    for key in range(roll.shape[1]):
        starts, ends = np.flatnonzero(change[:, key] == 1), np.flatnonzero(change[:, key] == -1)
        runs += [(LOWEST + key, int(s), int(e)) for s, e in zip(starts, ends)]
    return sorted(runs, key=lambda r: (r[1], r[0]))


def write_midi(roll: np.ndarray, path, steps_per_beat: int, bpm: float = 120.0, velocity: int = 80,
               program: int = 0) -> Path:
    """Write a T×88 roll as a one-track MIDI file (piano unless ``program``); returns the path."""
    path = Path(path)
    midi_file(roll, steps_per_beat, bpm, velocity, program).save(str(path))
    return path


def midi_bytes(roll: np.ndarray, steps_per_beat: int, bpm: float = 120.0) -> bytes:
    """The bytes of the MIDI file ``write_midi`` writes."""
    import io

    buffer = io.BytesIO()
    midi_file(roll, steps_per_beat, bpm).save(file=buffer)
    return buffer.getvalue()


def midi_file(roll: np.ndarray, steps_per_beat: int, bpm: float = 120.0, velocity: int = 80, program: int = 0):
    """A ``mido.MidiFile`` of the roll: one note per run of sounding frames, at ``bpm``."""
    import mido

    check_roll(roll, "roll")
    per_frame = TICKS_PER_BEAT / steps_per_beat
    events = []  # (tick, order, message): note_off before note_on at the same tick
    for pitch, start, end in note_runs(roll):
        events.append((round(start * per_frame), 1, mido.Message("note_on", note=pitch, velocity=velocity)))
        events.append((round(end * per_frame), 0, mido.Message("note_off", note=pitch, velocity=0)))
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm)),
                            mido.Message("program_change", program=program)])
    now = 0
    for tick, _, msg in sorted(events, key=lambda e: (e[0], e[1], e[2].note)):
        track.append(msg.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=max(0, round(len(roll) * per_frame) - now)))
    midi = mido.MidiFile(ticks_per_beat=TICKS_PER_BEAT)
    midi.tracks.append(track)
    return midi


def check_roll(roll, where: str) -> np.ndarray:
    """``roll`` as a T×88 uint8 array of 0/1; DataError naming ``where`` otherwise."""
    roll = np.asarray(roll)
    if roll.ndim != 2 or roll.shape[1] != KEYS:
        raise DataError(f"{where}: a piano roll must be T×{KEYS} (one column per key A0-C8), got shape "
                        f"{roll.shape}; transpose or pad it to {KEYS} keys")
    if roll.size and not np.isin(roll, (0, 1)).all():
        raise DataError(f"{where}: a piano roll holds 0/1 only, found values {np.unique(roll)[:5].tolist()}; "
                        "threshold it (roll > 0)")
    return roll.astype(np.uint8)
