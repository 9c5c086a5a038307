"""The data `rnnlp train sentiment` bundles: the files are what MANIFEST.json and the READMEs
beside them say (bytes, rows, sha256), and the default config points at them."""

import gzip
import hashlib
import json

import pytest

from rnnlp.config.sentiment import BUNDLED_VECTORS, SentimentConfig
from rnnlp.data.readers import SAMPLES, sample_path
from rnnlp.tasks.sentiment import default_data

MANIFEST = json.loads((SAMPLES / "MANIFEST.json").read_text(encoding="utf-8"))


def rows(path) -> int:
    if ".bin" in path.suffixes:  # word2vec binary: "count dim" header
        with gzip.open(path, "rb") as f:
            return int(f.readline().split()[0])
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return sum(1 for _ in f) - 1  # header line


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_bundled_file_matches_the_manifest_and_its_readme(name):
    path, entry = SAMPLES / name, MANIFEST[name]
    assert path.stat().st_size == entry["bytes"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
    assert rows(path) == entry["rows"]
    readme = (path.parent / "README.md").read_text(encoding="utf-8")
    assert path.name in readme and f"{entry['rows']:,}" in readme


def test_the_manifest_lists_the_default_models_files_and_the_wheel_stays_small():
    assert {"sst2/train_full.tsv.gz", "sst2/dev.tsv", "glove/glove.6B.50d.sst2.bin.gz"} <= set(MANIFEST)
    assert MANIFEST["sst2/train_full.tsv.gz"]["rows"] == 67_349  # the full GLUE SST-2 training set
    assert sum(e["bytes"] for e in MANIFEST.values()) < 8 * 2**20


def test_the_default_config_trains_on_the_bundled_files():
    cfg = default_data(SentimentConfig())
    assert cfg.data.train == str(sample_path("sst2/train_full.tsv.gz"))
    assert cfg.data.valid == str(sample_path("sst2/dev.tsv"))
    assert cfg.data.label_names == {0: "negative", 1: "positive"}
    assert cfg.embedding.kind == "pretrained" and cfg.embedding.vectors == BUNDLED_VECTORS
    assert str(sample_path("glove/glove.6B.50d.sst2.bin.gz")) == BUNDLED_VECTORS
