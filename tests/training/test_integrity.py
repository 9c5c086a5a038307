"""Checkpoints that cannot lie: checksums of every file, finite weights, the model card in meta.json."""

import hashlib
import json
import shutil
from pathlib import Path

import pytest
import torch

import rnnlp

from rnnlp.errors import CheckpointError
from rnnlp.text import TextPipeline
from rnnlp.training.checkpoint import read_checkpoint, save_checkpoint
from rnnlp.training.integrity import checksums

OLD = Path(__file__).resolve().parents[1] / "assets" / "checkpoints_v0_1"


def _save(path, model=None, **kw):
    config = {"task": "x", "data": {"train": "/data/train.tsv", "valid": None, "text_column": "sentence"}}
    return save_checkpoint(path, model=model or torch.nn.Linear(3, 2), config=config, task="x",
                           pipeline=TextPipeline.build(["a b c"], "word"), labels=["neg", "pos"],
                           metrics={"accuracy": 0.5, "loss": float("nan"), "epoch": 2}, **kw)


def test_meta_records_the_sha256_of_every_other_file_and_a_model_card(tmp_path):
    ck = _save(tmp_path / "best", trainer=None)
    meta = json.loads((ck / "meta.json").read_text())
    expected = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                for p in ck.iterdir() if p.name != "meta.json"}
    assert meta["files"] == expected and len(expected) == 5
    assert meta["task"] == "x" and meta["checkpoint"] == "best" and meta["format_version"] == 1
    assert meta["torch_version"] == torch.__version__.split("+")[0]
    assert meta["created"].endswith("Z") and meta["rnnlp_version"]
    assert meta["data"] == {"train": "/data/train.tsv"}
    assert meta["metrics"] == {"accuracy": 0.5, "epoch": 2}  # NaN left out of the card
    assert json.loads((ck / "metrics.json").read_text())["loss"] is None  # and never written as NaN


def test_resume_state_files_are_checksummed_too(tmp_path):
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.ones(1, 3)).sum().backward()
    opt.step()
    ck = _save(tmp_path / "last", model, trainer={"step": 1, "optimizer": opt.state_dict()})
    files = json.loads((ck / "meta.json").read_text())["files"]
    assert {"trainer/trainer.json", "trainer/optimizer.safetensors"} <= set(files)
    (ck / "trainer" / "trainer.json").write_text((ck / "trainer" / "trainer.json").read_text().replace("1", "2"))
    with pytest.raises(CheckpointError, match="trainer/trainer.json does not match its checksum"):
        read_checkpoint(ck)


def _overwrite_4k(file: Path) -> None:
    """The issue's corruption: 4 KiB of 0xFF inside the weights (the header stays readable)."""
    data = bytearray(file.read_bytes())
    data[-4096:] = b"\xff" * 4096
    file.write_bytes(bytes(data))


def test_corrupted_weights_are_refused_naming_the_file(tmp_path):
    ck = _save(tmp_path / "ck", torch.nn.Linear(64, 32))
    _overwrite_4k(ck / "model.safetensors")
    with pytest.raises(CheckpointError, match=r"ck: model.safetensors does not match its checksum"):
        read_checkpoint(ck)


def test_an_edited_tokenizer_is_a_checksum_error_naming_it(tmp_path):
    ck = _save(tmp_path / "ck")
    (ck / "tokenizer.json").write_text((ck / "tokenizer.json").read_text().replace('"a"', '"z"'))
    with pytest.raises(CheckpointError, match="tokenizer.json does not match its checksum"):
        read_checkpoint(ck)


@pytest.mark.parametrize("damage, message", [
    (lambda ck: (ck / "labels.json").unlink(), "incomplete: labels.json is missing"),
    (lambda ck: (ck / "tagging.json").write_text("{}"), "tagging.json was not part of the checkpoint"),
])
def test_missing_and_added_files(tmp_path, damage, message):
    ck = _save(tmp_path / "ck")
    damage(ck)
    with pytest.raises(CheckpointError, match=message):
        read_checkpoint(ck)


def test_files_rnnlp_never_reads_may_be_added(tmp_path):
    ck = _save(tmp_path / "ck")
    (ck / "README.md").write_text("my model")
    assert read_checkpoint(ck)["labels"] == ["neg", "pos"]


def test_non_finite_weights_are_never_saved_and_never_loaded(tmp_path):
    from safetensors.torch import save_file

    from rnnlp.errors import TrainingError

    model = torch.nn.Linear(3, 2)
    ck = _save(tmp_path / "ck", model)
    before = (ck / "model.safetensors").read_bytes()
    with torch.no_grad():
        model.bias[1] = float("nan")
        model.weight[0, 0] = float("inf")
    with pytest.raises(TrainingError, match=r"not saving .*weight 'weight' holds 1 non-finite value\(s\)"):
        _save(ck, model)
    assert (ck / "model.safetensors").read_bytes() == before  # the good checkpoint is untouched
    # a damaged file written by something else is refused when read, naming the tensor
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(ck / "model.safetensors"))
    meta = json.loads((ck / "meta.json").read_text())
    meta["files"]["model.safetensors"] = hashlib.sha256((ck / "model.safetensors").read_bytes()).hexdigest()
    (ck / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match=r"weight 'bias' holds 1 non-finite value\(s\)"):
        read_checkpoint(ck)


def test_old_checkpoints_load_with_one_warning_line(tmp_path, capsys):
    shutil.copytree(OLD / "sentiment", tmp_path / "old")
    ckpt = read_checkpoint(tmp_path / "old")
    assert ckpt["meta"]["rnnlp_version"] == "0.1.0"
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"warning: checkpoint {tmp_path / 'old'} (rnnlp 0.1.0, "
                                                   "before 0.3.0) may carry no checksums")


def test_a_checkpoint_of_a_release_with_checksums_but_without_them_is_refused(tmp_path):  # B30/B34
    ck = _save(tmp_path / "ck", torch.nn.Linear(3, 2))
    meta = json.loads((ck / "meta.json").read_text())
    assert meta["rnnlp_version"] == rnnlp.__version__ and "files" in meta
    (ck / "meta.json").write_text(json.dumps({k: v for k, v in meta.items() if k != "files"}))
    with pytest.raises(CheckpointError, match=rf"lists no checksums, which every checkpoint of that version carries"):
        read_checkpoint(ck)


def test_predict_on_corrupted_weights_exits_2_with_one_line(tmp_path, run_cli):
    """The issue's case: 0xFF over 4 KiB of weights once printed "probability": NaN and exit 0."""
    ck = tmp_path / "copy"
    shutil.copytree(OLD / "sentiment", ck)
    meta = json.loads((ck / "meta.json").read_text())
    (ck / "meta.json").write_text(json.dumps({**meta, "files": checksums(ck)}))  # as rnnlp now saves it
    assert run_cli(["predict", ck, "a fine film", "--json"])[0] == 0
    _overwrite_4k(ck / "model.safetensors")
    code, out, err = run_cli(["predict", ck, "a fine film", "--json"])
    assert (code, out) == (2, "")
    assert err == (f"error: checkpoint {ck}: model.safetensors does not match its checksum in meta.json "
                   "(changed or corrupted after saving); restore it or retrain\n")
