import json
import pickle

import pytest
import torch

from rnnlp.errors import CheckpointError
from rnnlp.io import atomic_directory, recover_directory
from rnnlp.text import TextPipeline
from rnnlp.training.checkpoint import load_trainer, read_checkpoint, save_checkpoint


def _save(path, model, **kw):
    pipe = TextPipeline.build(["a b c"], "word")
    return save_checkpoint(path, model=model, config={"task": "x"}, task="x", pipeline=pipe,
                           labels=["neg", "pos"], metrics={"accuracy": 0.5}, **kw)


def test_round_trip(tmp_path):
    model = torch.nn.Linear(3, 2)
    _save(tmp_path / "ck", model)
    ckpt = read_checkpoint(tmp_path / "ck")
    assert ckpt["meta"]["task"] == "x" and ckpt["labels"] == ["neg", "pos"]
    assert ckpt["metrics"] == {"accuracy": 0.5}
    assert torch.equal(ckpt["weights"]["weight"], model.weight.detach())
    assert sorted(p.name for p in (tmp_path / "ck").iterdir()) == [
        "config.yaml", "labels.json", "meta.json", "metrics.json", "model.safetensors", "tokenizer.json"]


def test_trainer_state_round_trip(tmp_path):
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.AdamW(model.parameters(), lr=0.1)
    model(torch.ones(1, 3)).sum().backward()
    opt.step()
    trainer = {"epoch": 1, "step": 5, "best_score": 0.7, "bad_evals": 0, "best": {},
               "optimizer": opt.state_dict(), "scheduler": None}
    _save(tmp_path / "ck", model, trainer=trainer)
    restored = load_trainer(tmp_path / "ck")
    fresh = torch.optim.AdamW(model.parameters(), lr=0.1)
    fresh.load_state_dict(restored["optimizer"])
    for a, b in zip(fresh.state_dict()["state"].values(), opt.state_dict()["state"].values()):
        assert torch.equal(a["exp_avg"], b["exp_avg"]) and float(a["step"]) == float(b["step"])
    assert restored["step"] == 5


@pytest.mark.parametrize("damage, message", [
    (lambda p: (p / "model.safetensors").unlink(), "incomplete: missing model.safetensors"),
    (lambda p: (p / "model.safetensors").write_bytes(b"\x00" * 10), "model.safetensors does not match its checksum"),
    (lambda p: (p / "meta.json").write_text("{oops"), "meta.json is corrupt"),
])
def test_damaged_checkpoints_are_clear_errors(tmp_path, damage, message):
    _save(tmp_path / "ck", torch.nn.Linear(3, 2))
    damage(tmp_path / "ck")
    with pytest.raises(CheckpointError, match=message):
        read_checkpoint(tmp_path / "ck")


def test_a_pickle_payload_is_never_loaded(tmp_path):
    """Only safetensors/JSON/YAML are read: a planted pickle (even named like weights) is refused."""
    _save(tmp_path / "ck", torch.nn.Linear(3, 2))

    class Boom:
        def __reduce__(self):
            return (open, (str(tmp_path / "pwned"), "w"))

    (tmp_path / "ck" / "model.safetensors").write_bytes(pickle.dumps(Boom()))
    with pytest.raises(CheckpointError):
        read_checkpoint(tmp_path / "ck")
    assert not (tmp_path / "pwned").exists()


def test_interrupted_write_keeps_the_previous_checkpoint(tmp_path):
    _save(tmp_path / "ck", torch.nn.Linear(3, 2))
    with pytest.raises(KeyboardInterrupt):
        with atomic_directory(tmp_path / "ck") as tmp:
            (tmp / "model.safetensors").write_bytes(b"partial")
            raise KeyboardInterrupt
    assert read_checkpoint(tmp_path / "ck")["meta"]["task"] == "x"
    assert [p.name for p in tmp_path.iterdir()] == ["ck"]


def test_crash_between_renames_is_recovered(tmp_path):
    _save(tmp_path / "ck", torch.nn.Linear(3, 2))
    (tmp_path / "ck").rename(tmp_path / ".ck.old")  # the state between the two renames
    recover_directory(tmp_path / "ck")
    assert json.loads((tmp_path / "ck" / "meta.json").read_text())["task"] == "x"


def test_run_folder_resolves_to_best(tmp_path):
    _save(tmp_path / "run" / "best", torch.nn.Linear(3, 2))
    assert read_checkpoint(tmp_path / "run")["path"] == tmp_path / "run" / "best"
    with pytest.raises(CheckpointError, match="checkpoint not found"):
        read_checkpoint(tmp_path / "nothing")


def test_a_checkpoint_of_a_newer_format_is_refused_naming_the_version(tmp_path):
    from rnnlp import __version__
    from rnnlp.training.checkpoint import FORMAT_VERSION

    path = save_checkpoint(tmp_path / "ck", model=torch.nn.Linear(2, 1), config={}, task="x")
    meta = json.loads((path / "meta.json").read_text())
    (path / "meta.json").write_text(json.dumps({**meta, "rnnlp_version": "9.0.0", "format_version": FORMAT_VERSION + 1}))
    with pytest.raises(CheckpointError) as err:
        read_checkpoint(path)
    assert str(err.value) == (f"checkpoint {path} was written by rnnlp 9.0.0 (checkpoint format {FORMAT_VERSION + 1}); "
                              f"rnnlp {__version__} reads formats up to {FORMAT_VERSION}: upgrade rnnlp")
