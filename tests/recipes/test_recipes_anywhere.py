"""Every shipped recipe trains, in a tiny form, from an unrelated working folder.

The tiny recipes name their files relative to themselves, so no ``--data-root`` is needed. The
full recipes run on a stand-in data root: the test assets laid out under the recipes' relative
paths (``sentiment/sst2/train.tsv.gz``...) and passed as ``$RNNLP_DATA``. Runs record absolute
paths, so ``rnnlp evaluate RUN`` works wherever it is typed.
"""

import gzip
import json
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml

from rnnlp.cli import main
from rnnlp.config.base import from_dict
from rnnlp.config.paths import path_fields

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "tests" / "assets"
TINY = sorted((ROOT / "recipes").glob("*/tiny.yaml"))
FULL = sorted(p for p in (ROOT / "recipes").rglob("*.yaml") if p.name != "tiny.yaml")
FAST = ["train.max_steps=1", "train.threads=1", "train.progress=false"]
# a full recipe's tiny form: one step, no time budget, small evaluations
FULL_FAST = [*FAST, "train.eval_every=null", "train.time_limit_minutes=null", "data.train_limit=256"]
SAMPLES = ROOT / "rnnlp" / "data" / "samples"
# path under the data root -> the asset standing in for it (gzipped / zipped to match the name)
STANDINS = {
    "sentiment/sst2/train.tsv.gz": SAMPLES / "sst2/train.tsv",
    "sentiment/sst2/dev.tsv": SAMPLES / "sst2/dev.tsv",
    "embeddings/glove_6b_50d/glove.6B.50d.top50k.txt.gz": ASSETS / "vectors/glove.txt",
    "tagging/conll2003/eng.train.gz": ASSETS / "tagging/train.conll",
    "tagging/conll2003/eng.testa": ASSETS / "tagging/dev.conll",
    "tagging/conll2003/eng.testb": ASSETS / "tagging/dev.conll",
    **{f"tagging/ud_english_lines/en_lines-ud-{s}.conllu.gz": ASSETS / "tagging/tiny.conllu"
       for s in ("train", "dev", "test")},
    "lm/tinyshakespeare/input.txt": ASSETS / "lm/tiny.txt",
    **{f"lm/wikitext2/{s}.txt.gz": ASSETS / "lm/tiny.txt" for s in ("train", "valid", "test")},
    **{f"translation/multi30k/{s}.{lang}.gz": ASSETS / f"translation/{'train' if s == 'train' else 'val'}.{lang}"
       for s in ("train", "val") for lang in ("de", "en")},
    "captioning/flickr8k/images_128x128.zip": ASSETS / "captioning/images",
    "captioning/flickr8k/Flickr8k.token.txt.gz": ASSETS / "captioning/captions.token.txt",
    "captioning/flickr8k/Flickr_8k.trainImages.txt": ASSETS / "captioning/train.txt",
    "captioning/flickr8k/Flickr_8k.devImages.txt": ASSETS / "captioning/valid.txt",
    "captioning/flickr8k/Flickr_8k.testImages.txt": ASSETS / "captioning/test.txt",
    "recommendation/ml-100k/u.data.gz": ASSETS / "recommender/u.data",
    "recommendation/amazon_beauty/Beauty.txt.gz": ASSETS / "recommender/sequences.txt",
    "timeseries_classification/ecg5000/ECG5000_TRAIN.tsv.gz": SAMPLES / "series/train.tsv",
    **{f"fsdd_strings/{s}.csv": ASSETS / "speech/fsdd_dev.csv" for s in ("train", "dev")},
    **{f"fsdd_strings/{p.name}": p for p in (ASSETS / "speech/fsdd").glob("*.wav")},
    "music/poly/JSB_Chorales.mat": ASSETS / "music/tiny.mat",
    "music/poly/Nottingham.mat": ASSETS / "music/tiny.mat",
}
# FSDD's recipe splits by recording index (10-49 train, 5-9 dev): the 18 clips (index 0-2) renumbered
FSDD_INDEX = {"0": "5", "1": "10", "2": "11"}


@pytest.fixture(scope="module")
def standin_root(tmp_path_factory) -> Path:
    """A data root holding every file the full recipes name, made from the test assets."""
    root = tmp_path_factory.mktemp("data")
    for name, source in STANDINS.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            with zipfile.ZipFile(target, "w") as z:
                for f in sorted(source.iterdir()):
                    z.write(f, f.name)
        elif name.endswith(".gz"):
            target.write_bytes(gzip.compress(source.read_bytes(), mtime=0))
        else:
            shutil.copy(source, target)
    (root / "speech/fsdd").mkdir(parents=True)
    with zipfile.ZipFile(root / "speech/fsdd/recordings.zip", "w") as z:
        for f in sorted((ASSETS / "speech/fsdd").glob("*.wav")):
            digit, speaker, index = f.stem.split("_")
            z.write(f, f"recordings/{digit}_{speaker}_{FSDD_INDEX[index]}.wav")
    return root


def config_of(checkpoint: Path):
    import importlib

    from rnnlp.tasks.table import TASKS

    data = yaml.safe_load((checkpoint / "config.yaml").read_text())
    module, name = TASKS[data["task"]].config.split(":")
    return from_dict(getattr(importlib.import_module(module), name), data)


@pytest.mark.parametrize("recipe", TINY, ids=lambda p: p.parent.name)
def test_a_tiny_recipe_trains_from_an_unrelated_folder(recipe, tmp_path, monkeypatch, capsys):
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    monkeypatch.delenv("RNNLP_DATA", raising=False)
    if recipe.parent.name == "tagging":  # the tiny tagging recipe names no data: a file in the cwd
        shutil.copy(ROOT / "tests/assets/tagging/train.conll", "mine.conll")
    extra = ["--train", "mine.conll"] if recipe.parent.name == "tagging" else []
    main(["train", recipe.parent.name, "--recipe", str(recipe), *extra, *FAST, "-o", "run"])
    best = tmp_path / "work" / "run" / "best"
    given = [(key, getattr(holder, f.name)) for key, holder, f in path_fields(config_of(best))]
    assert given, "a task config without path fields"
    for key, value in given:
        assert value is None or (Path(value).is_absolute() and Path(value).exists()), (key, value)


def test_a_captioning_run_evaluates_its_test_split_from_another_folder(tmp_path, monkeypatch, capsys):
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
    monkeypatch.chdir(tmp_path / "a")
    monkeypatch.delenv("RNNLP_DATA", raising=False)
    main(["train", "captioning", "--recipe", str(ROOT / "recipes/captioning/tiny.yaml"), *FAST, "-o", "run"])
    monkeypatch.chdir(tmp_path / "b")
    capsys.readouterr()
    main(["evaluate", str(tmp_path / "a" / "run"), "--split", "test", "--json"])
    report = json.loads(capsys.readouterr().out)
    test_images = (ROOT / "tests/assets/captioning/test.txt").read_text().split()
    assert report["split"] == "test" and report["count"] == len(test_images)


@pytest.mark.parametrize("recipe", FULL, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_a_full_recipe_trains_from_an_unrelated_folder_on_a_data_root(recipe, standin_root, tmp_path,
                                                                      monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RNNLP_DATA", str(standin_root))
    main(["train", recipe.parent.name, "--recipe", str(recipe), *FULL_FAST, "-o", "run"])
    for key, holder, f in path_fields(config_of(tmp_path / "run" / "best")):
        value = getattr(holder, f.name)
        assert value is None or Path(value).is_relative_to(standin_root) or Path(value).is_relative_to(ROOT), key
