"""The verb specification against the three surfaces built from it: the CLI's click options, the
server's request fields and the loaded models' keyword arguments must accept and refuse the same
values (each bound probed just inside and just outside), with the same defaults."""

import importlib
import inspect
from pathlib import Path

import click
import pytest

import rnnlp
from rnnlp.errors import ConfigError
from rnnlp.serve.fields import Limits, RequestError
from rnnlp.serve.verbs import VERBS, option
from rnnlp.tasks import spec
from rnnlp.tasks.driver import task_module
from rnnlp.tasks.table import TASKS, verb_method, verb_options

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = {("lm", "generate"): "rnnlp.cli.generate:generate",
            ("translation", "translate"): "rnnlp.cli.translate:translate",
            ("captioning", "caption"): "rnnlp.cli.caption:caption",
            ("recommender", "recommend"): "rnnlp.cli.recommend:recommend",
            ("speech", "transcribe"): "rnnlp.cli.transcribe:transcribe",
            ("music", "generate"): "rnnlp.cli.generate:generate"}
WIDE = Limits(max_beam=10 ** 9, max_tokens=10 ** 9, max_k=10 ** 9)  # no server cap below the bounds
ROWS = [(task, verb, p) for task, e in TASKS.items() for verb, rows in e.verbs.items() for p in rows]
NUMERIC = [(t, v, p) for t, v, p in ROWS if p.kind in (int, float)]


def command(task, verb):
    module, name = COMMANDS[(task, verb)].split(":")
    return getattr(importlib.import_module(module), name)


def probes(p) -> list[tuple[object, bool]]:
    """(value, inside the bounds) just at and just past each bound."""
    step = 1 if p.kind is int else 1e-6
    out = []
    if p.low is not None:
        out += [(p.low + step, True), (p.low - step, False)]
        out.append((p.kind(p.low), not p.low_open))
    if p.high is not None:
        out += [(p.kind(p.high), True), (p.high + step, False)]
    return out


def cli_accepts(task, verb, p, value) -> bool:
    cmd = command(task, verb)
    param = next(x for x in cmd.params if x.name == p.name)
    try:
        param.process_value(click.Context(cmd), value)
        return True
    except (ConfigError, click.BadParameter):
        return False


def http_accepts(task, verb, p, value) -> bool:
    assert p in VERBS[task][verb].params
    try:
        option(p, {p.name: value}, WIDE)
        return True
    except RequestError as exc:
        assert exc.status == 422
        return False


@pytest.mark.parametrize("task,verb,p", NUMERIC, ids=[f"{t}.{v}.{p.name}" for t, v, p in NUMERIC])
def test_cli_and_http_bounds_are_the_specification(task, verb, p):
    for value, inside in probes(p):
        if "cli" in p.where:
            assert cli_accepts(task, verb, p, value) is inside, (value, "cli")
        if "http" in p.where:
            assert http_accepts(task, verb, p, value) is inside, (value, "http")


@pytest.mark.parametrize("task,verb,p", ROWS, ids=[f"{t}.{v}.{p.name}" for t, v, p in ROWS])
def test_defaults_are_the_specification(task, verb, p):
    if "cli" in p.where:
        cmd = command(task, verb)
        param = next(x for x in cmd.params if x.name == p.name)
        found = param.get_default(click.Context(cmd))
        assert (found or None if p.many else found) == (None if p.many else p.default)
    if "http" in p.where:
        assert option(p, {}, WIDE) == p.default
    if "api" in p.where:
        cls = task_module(task).Loaded
        method = getattr(cls, p.method or verb_method(task, verb))
        assert inspect.signature(method).parameters[p.name].default == p.default


def test_server_limit_is_a_413_past_the_bound_it_lowers():
    p = spec.BEAM_SIZE
    assert option(p, {"beam_size": 16}, Limits(max_beam=16)) == 16
    with pytest.raises(RequestError) as err:
        option(p, {"beam_size": 17}, Limits(max_beam=16))
    assert err.value.status == 413 and "--max-beam" in str(err.value)
    with pytest.raises(RequestError) as err:
        option(p, {"beam_size": 101}, Limits(max_beam=16))
    assert err.value.status == 422 and str(err.value) == "beam_size: must be between 1 and 100, got 101"


def test_old_spellings_still_work():
    p = spec.RECOMMEND_TOP_K
    assert option(p, {"k": 3}, WIDE) == 3
    assert option(spec.RECOMMEND[1], {"include_seen": True}, WIDE) is False
    cmd = command("recommender", "recommend")
    assert {"-k", "--include-seen"} <= {o for x in cmd.params for o in x.opts}


# -- the Python API on real tiny models: the same refusals, with the same words ------------
def _calls(models, wav, image):
    return {("lm", "generate"): lambda **kw: models["lm"].generate("", **{"max_tokens": 1, **kw}),
            ("translation", "translate"): lambda **kw: models["translation"].translate_n_best(["ein haus"], **kw),
            ("captioning", "caption"): lambda **kw: models["captioning"].caption(image, **kw),
            ("recommender", "recommend"): lambda **kw: models["recommender"].recommend("i30 i31", **kw),
            ("speech", "transcribe"): lambda **kw: models["speech"].transcribe([wav], **kw)}


@pytest.mark.parametrize("task,verb,p", [r for r in NUMERIC if r[0] != "music" and "api" in r[2].where],
                         ids=lambda x: getattr(x, "name", str(x)))
def test_api_refuses_what_the_specification_refuses(models, wav_paths, image_paths, task, verb, p):
    call = _calls(models, str(wav_paths[0]), str(image_paths[0]))[(task, verb)]
    for value, inside in probes(p):
        if inside:
            continue
        with pytest.raises(ConfigError) as err:
            call(**{p.name: value})
        try:
            p.check(value)
        except spec.OptionError as exc:
            assert str(err.value) == str(exc)


def test_music_api_refuses_what_the_specification_refuses(trained_runs):
    model = rnnlp.load(trained_runs["music"])
    for p in verb_options("music", "generate", "api"):
        for value, inside in probes(p) if p.kind in (int, float) else []:
            if inside:
                continue
            with pytest.raises(ConfigError, match=f"^{p.name} must be"):
                if p.name == "bpm":
                    model.save(model.generate(steps=1, seed=0), Path("x.npz"), bpm=value)
                else:
                    model.generate(**{"steps": 1, p.name: value})


def test_every_served_verb_reads_exactly_its_http_rows():
    for task, e in TASKS.items():
        for verb in e.verbs:
            assert VERBS[task][verb].params == verb_options(task, verb, "http")


def test_help_prints_each_range():
    top_p = next(p for p in verb_options("lm", "generate") if p.name == "top_p")
    assert top_p.described().endswith("in (0, 1].")
