"""The captioning task on the tiny coloured-shape assets: attention, training, reload, decoding."""

import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import rnnlp
from rnnlp.api import make_config, train
from rnnlp.decoding import beam_search, greedy
from rnnlp.errors import ConfigError, DataError
from rnnlp.models.builders import build_captioner
from rnnlp.models.captioner import doubly_stochastic_penalty
from rnnlp.tasks.captioning import center_crop, memory_of

ROOT = Path(__file__).resolve().parents[2]
TINY = str(ROOT / "recipes" / "captioning" / "tiny.yaml")
ASSETS = ROOT / "tests" / "assets" / "captioning"
IMAGES = [ASSETS / "images" / n for n in ("a10.png", "a11.jpg", "a06.png")]


@pytest.fixture(scope="module")
def run(tiny_runs):
    return tiny_runs("captioning")  # the session's tiny captioning run


def test_attention_weights_sum_to_one_over_the_grid():
    torch.manual_seed(0)
    cfg = make_config("captioning", TINY)
    model = build_captioner(cfg, vocab_size=11).eval()
    pixels = torch.randint(0, 256, (2, 16, 16, 3), dtype=torch.uint8)
    memory = memory_of(model, pixels)
    assert memory.states.shape == (2, 64, 16)  # 16px, one pooling: an 8×8 grid of 16 channels
    state = model.start(memory)
    _, state = model.step(torch.tensor([2, 2]), state)
    assert state["weights"].shape == (2, 64) and torch.allclose(state["weights"].sum(1), torch.ones(2))
    logits, weights = model(memory, torch.tensor([0, 0, 1]), torch.tensor([[2, 5, 6], [2, 7, 0], [2, 4, 4]]))
    assert logits.shape == (3, 3, 11) and torch.allclose(weights.sum(-1), torch.ones(3, 3))


def test_doubly_stochastic_penalty_value():
    weights = torch.tensor([[[0.5, 0.5], [1.0, 0.0], [0.0, 1.0]]])  # 1 caption, 3 steps, 2 cells
    mask = torch.tensor([[True, True, False]])  # sums over real steps: [1.5, 0.5]
    assert float(doubly_stochastic_penalty(weights, mask)) == pytest.approx((0.25 + 0.25) / 2)


def test_tiny_recipe_trains_saves_reloads_and_captions_identically(run, capsys):
    assert (run / "best" / "model.safetensors").is_file() and (run / "last" / "trainer").is_dir()
    first = rnnlp.load(run).caption([str(p) for p in IMAGES])
    second = rnnlp.load(run / "best").caption([Image.open(p) for p in IMAGES])
    assert first == second and len(first) == 3 and all(isinstance(c, str) for c in first)
    assert rnnlp.load(run).caption(str(IMAGES[0])) == first[0]  # one path alone: one caption


def test_training_reports_skipped_lines_broken_images_and_empty_captions(tmp_path, capsys):
    train("captioning", TINY, [f"train.output={tmp_path / 'r'}", f"data.root={ROOT}", "train.max_steps=1"])
    err = capsys.readouterr().err
    assert "train: skipped 1 caption lines whose image does not exist" in err and "missing.jpg" in err
    assert "skipped 1 missing or unreadable images" in err and "broken.jpg" in err
    assert "valid: skipped 1 empty captions" in err
    assert "9 train images (27 captions)" in err


def test_captions_come_from_the_shared_beam_search(run):
    model = rnnlp.load(run)
    pixels = model.pixels([str(p) for p in IMAGES])
    crop = torch.from_numpy(np.ascontiguousarray(center_crop(pixels, model.config.image.crop)))
    p = model.pipeline
    with torch.no_grad():
        state = model.model.start(memory_of(model.model, crop))
        beams = beam_search(model.model, state, bos_id=p.bos_id, eos_id=p.eos_id, beam_size=3, max_len=8,
                            batch_size=3)
        greedy_ids = greedy(model.model, state, p.bos_id, p.eos_id, 8, 3)
    assert model.caption([str(x) for x in IMAGES], beam_size=3) == [p.decode(b[0][0]) for b in beams]
    assert model.caption([str(x) for x in IMAGES], beam_size=1) == [p.decode(g) for g in greedy_ids]


def test_evaluate_reports_bleu_1_to_4_on_a_split(run):
    report = rnnlp.load(run).evaluate(split="test", root=str(ROOT))
    assert report["count"] == 3 and report["references"] == 9  # a12.png: its empty 4th caption dropped
    assert all(0.0 <= report[f"bleu{n}"] <= 100.0 for n in range(1, 5))
    text = rnnlp.load(run).format_report(report)
    assert text.startswith("images: 3 (9 references)") and "BLEU-1..4" in text
    with pytest.raises(ConfigError, match="unknown split"):
        rnnlp.load(run).evaluate(split="dev")


def test_own_data_layout_zip_and_table(tmp_path):
    zipped = tmp_path / "imgs.zip"
    with zipfile.ZipFile(zipped, "w") as z:
        for f in sorted((ASSETS / "images").iterdir()):
            z.write(f, f"imgs/{f.name}")
    table = str(ASSETS / "captions.csv")
    extra = {"data": {"images": str(zipped), "captions": None, "train": table, "valid": table, "test": None}}
    run = train("captioning", TINY, [f"train.output={tmp_path / 'r'}"], extra=extra)
    model = rnnlp.load(run)
    assert len(model.caption([str(IMAGES[0])])) == 1
    assert model.evaluate(data=table)["count"] == 12


def test_frozen_encoder_with_cached_features_keeps_encoder_weights(tmp_path):
    over = [f"train.output={tmp_path / 'r'}", f"data.root={ROOT}", "encoder.freeze=true",
            "encoder.cache_features=true", "train.max_steps=3"]
    run = train("captioning", TINY, over)
    trained = rnnlp.load(run)
    torch.manual_seed(0)  # the same seed as training: build gives the initial weights
    fresh = build_captioner(make_config("captioning", TINY), trained.pipeline.vocab_size)
    trained = trained.model
    for (name, a), b in zip(fresh.encoder.state_dict().items(), trained.encoder.state_dict().values()):
        assert torch.equal(a, b), name
    assert not torch.equal(fresh.out.weight, trained.out.weight)


def test_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="image.crop"):
        train("captioning", TINY, [f"data.root={ROOT}", "image.crop=40"])
    with pytest.raises(ConfigError, match="encoder.freeze"):
        train("captioning", TINY, [f"data.root={ROOT}", "encoder.cache_features=true"])
    with pytest.raises(DataError, match="data.images"):
        train("captioning", TINY, [f"data.root={ROOT}"], extra={"data": {"images": None}})


def test_torchvision_backbone_needs_torchvision():
    pytest.importorskip("PIL")
    try:
        import torchvision  # noqa: F401
        pytest.skip("torchvision is installed")
    except ModuleNotFoundError:
        pass
    cfg = make_config("captioning", TINY, ["encoder.backbone=resnet18"])
    with pytest.raises(ConfigError, match="torchvision"):
        build_captioner(cfg, 10)


def test_caption_names_a_bad_image(run, tmp_path):
    bad = tmp_path / "text.jpg"
    bad.write_text("not an image")
    with pytest.raises(DataError, match="text.jpg"):
        rnnlp.load(run).caption([str(IMAGES[0]), str(bad)])
    with pytest.raises(DataError, match="gone.png"):
        rnnlp.load(run).caption([str(tmp_path / "gone.png")])
