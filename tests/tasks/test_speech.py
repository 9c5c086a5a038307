"""The speech task end to end on 18 FSDD clips: train, reload, transcribe, evaluate, the CLI, bad input."""

import json
import wave
from pathlib import Path

import numpy as np
import pytest

import rnnlp
from rnnlp.data.audio import decode_wav, encode_wav
from rnnlp.errors import DataError

ROOT = Path(__file__).resolve().parents[2]
FSDD = ROOT / "tests" / "assets" / "speech" / "fsdd"


def cli(capsys, *args) -> tuple:
    """(exit code, stdout, stderr) of ``rnnlp ARGS`` run in this process."""
    from rnnlp.cli import main

    try:
        main([str(a) for a in args])
        code = 0
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return rnnlp.api.train("speech", str(ROOT / "recipes" / "speech" / "tiny.yaml"), [
        f"train.output={tmp_path_factory.mktemp('speech') / 'run'}", "train.threads=1", "train.epochs=2",
        "train.progress=false"])


def stereo_44k(path: Path) -> Path:
    """0_theo_0.wav as a 44.1 kHz stereo file (the same speech on both channels)."""
    from scipy.signal import resample_poly

    mono, _ = decode_wav((FSDD / "0_theo_0.wav").read_bytes(), "x", 8000)
    up = np.round(np.clip(resample_poly(mono, 441, 80), -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as f:
        f.setnchannels(2)
        f.setsampwidth(2)
        f.setframerate(44100)
        f.writeframes(np.repeat(up, 2).tobytes())
    return path


def test_reloaded_model_transcribes_paths_and_arrays_alike(run):
    model = rnnlp.load(run)
    files = [FSDD / "0_theo_0.wav", FSDD / "2_jackson_1.wav"]
    rows = model.transcribe(files)
    assert [r["notes"] for r in rows] == [[], []] and all(isinstance(r["text"], str) for r in rows)
    arrays = [decode_wav(p.read_bytes(), str(p), 8000)[0] for p in files]
    assert model.transcribe(arrays) == rows == rnnlp.load(run / "best").transcribe([str(p) for p in files])
    assert model.transcribe(files[0]) == rows[:1]  # one path alone
    assert set(model.labels) == {"0", "1", "2"} and model.info()["task"] == "speech"


def test_evaluate_a_filtered_folder_with_the_beam(run):
    import jiwer

    model = rnnlp.load(run)
    files = sorted(FSDD.glob("*_0.wav"))
    hyps = [r["text"] for r in model.transcribe(files, beam_size=4)]
    report = model.evaluate(str(FSDD), filter="index=0", beam_size=4)
    assert report["count"] == 6 and report["beam_size"] == 4
    assert report["wer"] == pytest.approx(jiwer.wer([f.name[0] for f in files], hyps))


def test_evaluate_scores_a_manifest_with_jiwer(run, tmp_path):
    import jiwer

    model = rnnlp.load(run)
    report = model.evaluate(str(FSDD.parent / "fsdd_dev.csv"), audio=str(FSDD))
    hyps = [r["text"] for r in model.transcribe([FSDD / n for n in
                                                 ("0_jackson_0.wav", "1_jackson_0.wav", "2_theo_0.wav", "0_theo_0.wav")])]
    refs = ["0", "1", "2", "0"]
    assert report["wer"] == pytest.approx(jiwer.wer(refs, hyps)) and report["cer"] == pytest.approx(jiwer.cer(refs, hyps))
    assert report["accuracy"] == pytest.approx(np.mean([r == h for r, h in zip(refs, hyps)]))
    assert "WER:" in model.format_report(report)


def test_bad_inputs(run, tmp_path):
    """Each bad input of issue 18: a handled case with a note, or a one-line DataError."""
    model = rnnlp.load(run)
    converted = model.transcribe([stereo_44k(tmp_path / "s.wav")])[0]
    assert converted["notes"] == ["2 channels mixed to mono", "resampled from 44100 Hz to 8000 Hz"]
    (tmp_path / "empty.wav").write_bytes(encode_wav(np.zeros(0), 8000))
    (tmp_path / "text.wav").write_text("not audio")
    (tmp_path / "m.csv").write_text("path,transcript\n0_theo_0.wav,0\nnope.wav,1\n")
    (tmp_path / "new.csv").write_text("path,transcript\n0_theo_0.wav,0 7\n")
    cases = [
        (lambda: model.transcribe([tmp_path / "empty.wav"]), "empty.wav: empty wav file"),
        (lambda: model.transcribe([tmp_path / "text.wav"]), "text.wav: not a PCM wav file"),
        (lambda: model.transcribe([tmp_path / "absent.wav"]), "audio file not found: .*absent.wav"),
        (lambda: model.evaluate(str(tmp_path / "m.csv"), audio=str(FSDD)), "m.csv, row 2: audio file 'nope.wav' not found"),
    ]
    for call, message in cases:
        with pytest.raises(DataError, match=message) as err:
            call()
        assert "\n" not in str(err.value)
    unseen = model.evaluate(str(tmp_path / "new.csv"), audio=str(FSDD))  # "7" was never a training label
    assert unseen["unseen_units"] == ["7"] and unseen["wer"] >= 0.5
    assert "never seen in training (counted as errors): '7'" in model.format_report(unseen)


def test_resumed_features_statistics_come_from_the_checkpoint(run):
    model = rnnlp.load(run)
    assert model.model.shift.abs().sum() > 0 and not np.allclose(model.model.scale.numpy(), 1.0)


def test_cli_transcribe_and_evaluate(run, tmp_path, capsys):
    wav = str(FSDD / "1_theo_0.wav")
    code, out, err = cli(capsys, "transcribe", run, wav, "--json", "--beam-size", "2")
    assert code == 0, err
    row = json.loads(out)
    assert row["path"] == wav and row["text"] == rnnlp.load(run).transcribe([wav], beam_size=2)[0]["text"]
    code, out, err = cli(capsys, "transcribe", run, stereo_44k(tmp_path / "s.wav"))
    assert code == 0 and out.count("\t") == 1 and "resampled from 44100 Hz" in err
    code, _, err = cli(capsys, "transcribe", run, tmp_path / "none.wav")
    assert code == 2 and err.count("\n") == 1 and "audio file not found" in err
    code, out, err = cli(capsys, "evaluate", run, "--data", FSDD, "--filter", "index=0", "--json")
    assert code == 0, err
    assert json.loads(out)["count"] == 6
