"""Where config paths are looked up (recipe folder, data root, working folder) and what runs record."""

from pathlib import Path

import pytest

from rnnlp.config.base import build_config, from_dict, to_dict
from rnnlp.config.lm import LMConfig
from rnnlp.config.paths import candidates, looks_like_hub, path_fields
from rnnlp.config.sentiment import SentimentConfig
from rnnlp.config.translation import TranslationConfig
from rnnlp.errors import DataError


@pytest.fixture
def places(tmp_path, monkeypatch):
    """A recipe folder, a data root and a working folder (the cwd), each holding ``d.csv``."""
    dirs = {name: tmp_path / name for name in ("recipes", "root", "cwd")}
    for d in dirs.values():
        d.mkdir()
        (d / "d.csv").write_text("sentence,label\nok,1\n")
    monkeypatch.chdir(dirs["cwd"])
    monkeypatch.delenv("RNNLP_DATA", raising=False)
    return dirs


def recipe(folder: Path, text: str) -> Path:
    path = folder / "r.yaml"
    path.write_text("task: sentiment\n" + text)
    return path


def test_a_recipe_path_is_looked_up_beside_the_recipe_then_the_data_root_then_the_cwd(places):
    r = recipe(places["recipes"], "data: {train: d.csv}\n")
    root = {"data": {"root": str(places["root"])}}
    assert build_config(SentimentConfig, r, extra=root).data.train == str(places["recipes"] / "d.csv")
    (places["recipes"] / "d.csv").unlink()
    assert build_config(SentimentConfig, r, extra=root).data.train == str(places["root"] / "d.csv")
    (places["root"] / "d.csv").unlink()
    assert build_config(SentimentConfig, r, extra=root).data.train == str(places["cwd"] / "d.csv")


def test_a_command_line_path_is_looked_up_in_the_cwd_then_the_data_root(places, monkeypatch):
    r = recipe(places["recipes"], "data: {valid: d.csv}\n")
    monkeypatch.setenv("RNNLP_DATA", str(places["root"]))
    cfg = build_config(SentimentConfig, r, ["data.train=d.csv"])
    assert cfg.data.train == str(places["cwd"] / "d.csv")        # the option: the cwd first
    assert cfg.data.valid == str(places["recipes"] / "d.csv")    # the recipe's: its folder first
    assert cfg.data.root == str(places["root"])                  # $RNNLP_DATA is recorded
    (places["cwd"] / "d.csv").unlink()
    assert build_config(SentimentConfig, r, ["data.train=d.csv"]).data.train == str(places["root"] / "d.csv")


def test_a_relative_data_root_is_under_the_recipe_folder_or_the_cwd(places):
    (places["recipes"] / "sub").mkdir()
    (places["recipes"] / "sub" / "x.csv").write_text("sentence,label\nok,1\n")
    r = recipe(places["recipes"], "data: {root: sub, train: x.csv}\n")
    cfg = build_config(SentimentConfig, r)
    assert (cfg.data.root, cfg.data.train) == (str(places["recipes"] / "sub"), str(places["recipes"] / "sub/x.csv"))
    cfg = build_config(SentimentConfig, None, ["data.root=../root", "data.train=d.csv"])
    assert cfg.data.root == str(places["root"]) and cfg.data.train == str(places["cwd"] / "d.csv")


def test_a_missing_path_names_every_place_tried(places):
    r = recipe(places["recipes"], "data: {train: nope.csv}\n")
    with pytest.raises(DataError) as err:
        build_config(SentimentConfig, r, extra={"data": {"root": str(places["root"])}})
    tried = [places["recipes"] / "nope.csv", places["root"] / "nope.csv", places["cwd"] / "nope.csv"]
    assert str(err.value) == (f"file not found: nope.csv (data.train); tried {', '.join(map(str, tried))}; "
                              "check the path, --data-root or $RNNLP_DATA")
    with pytest.raises(DataError, match=r"tried .*nope.csv; set --data-root or \$RNNLP_DATA to the folder"):
        build_config(SentimentConfig, r)
    with pytest.raises(DataError, match=r"the data root .*elsewhere \(--data-root / \$RNNLP_DATA\) is not a folder"):
        build_config(SentimentConfig, r, ["data.root=elsewhere"])


def test_hub_names_pass_only_where_a_hub_dataset_can_be_read(places):
    assert build_config(SentimentConfig, None, ["data.train=someone/reviews"]).data.train == "someone/reviews"
    assert build_config(SentimentConfig, None, ["data.train=imdb:train"]).data.train == "imdb:train"
    with pytest.raises(DataError, match=r"file not found: someone/corpus \(data.train\)"):
        build_config(LMConfig, None, ["data.train=someone/corpus"])
    assert not looks_like_hub("reviews.csv") and not looks_like_hub("./a/b") and looks_like_hub("glue/sst2")


def test_a_recipe_with_the_users_own_data_builds_its_tokenizer_from_it(places, capsys):
    (places["recipes"] / "vocab.json").write_text("{}")
    (places["cwd"] / "mine.json").write_text("{}")
    r = recipe(places["recipes"], "data: {train: d.csv}\ntext: {path: vocab.json}\n")
    assert build_config(SentimentConfig, r).text.path == str(places["recipes"] / "vocab.json")
    assert capsys.readouterr().err == f"tokenizer (text.path): loaded from {places['recipes'] / 'vocab.json'}\n"
    assert build_config(SentimentConfig, r, extra={"data": {"train": "d.csv"}}).text.path is None
    assert capsys.readouterr().err == ("tokenizer (text.path): built from your training data; the recipe's "
                                       "vocab.json belongs to its own dataset (pass text.path=FILE to use a "
                                       "tokenizer file)\n")
    cfg = build_config(SentimentConfig, r, ["text.path=mine.json"], extra={"data": {"train": "d.csv"}})
    assert cfg.text.path == str(places["cwd"] / "mine.json")
    assert capsys.readouterr().err == f"tokenizer (text.path): loaded from {places['cwd'] / 'mine.json'}\n"
    # giving only other files (valid) or the recipe's own training file keeps the recipe's tokenizer
    assert build_config(SentimentConfig, r, ["data.valid=d.csv"]).text.path is not None
    assert build_config(SentimentConfig, r, ["data.train=../recipes/d.csv"]).text.path is not None


def test_each_translation_side_reports_its_tokenizer(places, capsys):
    (places["cwd"] / "s.txt").write_text("a\n")
    r = places["recipes"] / "t.yaml"
    r.write_text("task: translation\n")
    build_config(TranslationConfig, r, ["data.source=s.txt", "data.target=s.txt"])
    assert capsys.readouterr().err.splitlines() == ["tokenizer (text.source.path): built from your training data",
                                                    "tokenizer (text.target.path): built from your training data"]


def test_the_resolved_config_round_trips_with_its_absolute_paths(places):
    cfg = build_config(SentimentConfig, recipe(places["recipes"], "data: {train: d.csv, valid: ../root/d.csv}\n"))
    again = from_dict(SentimentConfig, to_dict(cfg))
    assert again == cfg and all(Path(p).is_absolute() for p in (again.data.train, again.data.valid))


def test_every_path_field_is_marked():
    keys = {key: f.metadata["path"] for key, _, f in path_fields(TranslationConfig())}
    assert keys == {"data.source": "train", "data.target": "train", "data.valid_source": "data",
                    "data.valid_target": "data", "data.train": "train", "data.valid": "data",
                    "text.source.path": "tokenizer", "text.target.path": "tokenizer",
                    "source_embedding.vectors": "file", "target_embedding.vectors": "file",
                    "encoder.init_from": "file", "encoder.init_from_backward": "file"}  # refused by translation


def test_candidates_of_an_absolute_path_and_duplicates(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert candidates(tmp_path / "a") == [tmp_path / "a"]
    assert candidates("a", root=tmp_path, recipe_dir=tmp_path) == [tmp_path / "a"]
