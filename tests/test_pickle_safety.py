"""Checkpoints never unpickle: a planted pickle payload (in the weights, in the optimizer state,
or as an extra model.pt / optimizer.pt beside them) is refused or ignored and never executed."""

import pickle

import pytest
import torch

import rnnlp
from rnnlp.cli import main
from rnnlp.errors import CheckpointError
from rnnlp.text import TextPipeline
from rnnlp.data.readers import sample_path
from rnnlp.training.checkpoint import load_trainer, read_checkpoint, save_checkpoint

SST2 = sample_path("sst2/train.tsv")


class Payload:
    """Unpickling this creates the file ``marker`` (a harmless stand-in for arbitrary code)."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _checkpoint(path):
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.AdamW(model.parameters(), lr=0.1)
    model(torch.ones(1, 3)).sum().backward()
    opt.step()
    trainer = {"epoch": 1, "step": 1, "best_score": 0.5, "bad_evals": 0, "best": {},
               "optimizer": opt.state_dict(), "scheduler": None}
    save_checkpoint(path, model=model, config={"task": "x"}, task="x",
                    pipeline=TextPipeline.build(["a b"], "word"), labels=["a", "b"], trainer=trainer)
    return path


@pytest.fixture
def marker(tmp_path):
    path = tmp_path / "pwned"
    yield path
    assert not path.exists(), "a pickle payload was executed"


def test_the_payload_works_when_unpickled(tmp_path):
    """Guard for the tests below: the payload really runs when something unpickles it."""
    pickle.loads(pickle.dumps(Payload(tmp_path / "ran")))
    assert (tmp_path / "ran").exists()


def test_pickle_as_optimizer_safetensors_is_refused(tmp_path, marker):
    ck = _checkpoint(tmp_path / "ck")
    assert load_trainer(ck)["step"] == 1  # intact state loads
    (ck / "trainer" / "optimizer.safetensors").write_bytes(pickle.dumps(Payload(marker)))
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        load_trainer(ck)


def test_pickle_as_trainer_json_is_refused(tmp_path, marker):
    ck = _checkpoint(tmp_path / "ck")
    (ck / "trainer" / "trainer.json").write_bytes(pickle.dumps(Payload(marker)))
    with pytest.raises(CheckpointError, match="trainer.json is corrupt"):
        load_trainer(ck)


@pytest.mark.parametrize("name", ["model.pt", "optimizer.pt", "trainer/optimizer.pt", "pytorch_model.bin"])
def test_extra_pickle_files_are_never_read(tmp_path, marker, name):
    ck = _checkpoint(tmp_path / "ck")
    (ck / name).write_bytes(pickle.dumps(Payload(marker)))
    (ck / name).with_suffix(".pkl").write_bytes(torch.serialization.pickle.dumps(Payload(marker)))
    assert read_checkpoint(ck)["meta"]["task"] == "x"
    assert load_trainer(ck)["step"] == 1


@pytest.mark.parametrize("target", ["model.safetensors", "trainer/optimizer.safetensors"])
def test_resume_and_load_through_the_cli_refuse_a_planted_pickle(tmp_path, marker, capsys, target):
    run = rnnlp.api.train("sentiment", None, ["train.max_steps=1", "train.progress=false", "data.train_limit=32",
                                              "train.threads=1", "embedding.embedding_dim=8",
                                              "encoder.hidden_size=8", f"data.train={SST2}",
                                              f"train.output={tmp_path / 'run'}"])
    (run / "last" / target).write_bytes(pickle.dumps(Payload(marker)))
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(["train", "sentiment", "--resume", str(run), "train.threads=1"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and f"{target} does not match its checksum" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
