"""Each task's verbs over HTTP: what a request holds and how one batch of items runs.

A ``Verb`` turns a request body into checked items and options (``parse``) and runs a list
of items, gathered from one or more requests with equal options, through the loaded model's
own batched method (``run``): the code ``evaluate`` uses, so a batched result equals the
unbatched one. Nothing here names a task: a task's entry in the task table says which verbs it
has and what kind of item they read; ``READERS`` reads each kind, ``RUNNERS`` runs each
(verb, kind), and a verb of a new kind runs the loaded model's own method on the items as sent.
"""

from __future__ import annotations

import base64
import binascii
import io
import math
import threading
import wave
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from rnnlp.serve import fields
from rnnlp.serve.fields import Limits, RequestError
from rnnlp.tasks import spec
from rnnlp.tasks.table import TASKS, verb_method, verb_options


_BATCH = threading.local()  # the running batch's "abandoned" event, on the model's worker thread


def abandoned() -> bool:
    """True once every request of the batch now running has gone (timed out or disconnected):
    a long verb checks it between steps and stops doing work nobody will read."""
    event = getattr(_BATCH, "abandoned", None)
    return event is not None and event.is_set()


def running(event, function, *args):
    """``function(*args)`` with ``event`` as the batch's ``abandoned`` flag (on the worker thread)."""
    _BATCH.abandoned = event
    try:
        return function(*args)
    finally:
        _BATCH.abandoned = None


@dataclass(frozen=True)
class Verb:
    name: str
    item: Callable[[Any, str, Limits], Any]           # one checked item (field name given)
    run: Callable[[Any, list, dict], list]            # (model, items, options) -> one output per item
    params: tuple = ()                                # the verb's options: rnnlp.tasks.spec rows (HTTP ones)
    relate: Callable[[dict], None] | None = None      # a check between options (n_best <= beam_size)

    @property
    def known(self) -> frozenset:
        """The request fields the verb reads, old spellings included."""
        return frozenset(p.name for p in self.params) | frozenset(spec.field_of(a) for p in self.params
                                                                 for a in p.aliases)

    def parse(self, body: dict, limits: Limits) -> tuple[list, bool, dict]:
        """(items, sent_a_list, options) of a request body; RequestError names a bad field."""
        found, many = fields.items(body, limits)
        fields.no_unknown(body, set(self.known), self.name)
        name = "inputs" if many else "input"
        checked = [self.item(x, f"{name}[{i}]" if many else name, limits) for i, x in enumerate(found)]
        options = {p.name: option(p, body, limits) for p in self.params}
        if self.relate:
            self.relate(options)
        return checked, many, options


def option(p: spec.Param, body: dict, limits: Limits):
    """One option of a request: checked against the specification (422), then against this
    server's limit for it (413); absent or null = the default (at most the limit)."""
    value = body.get(p.name)
    for alias in p.aliases:  # an old spelling, e.g. "k" for "top_k"
        if body.get(spec.field_of(alias)) is not None and value is None:
            value = p.alias_value(body[spec.field_of(alias)])
    cap = getattr(limits, p.limit) if p.limit else None
    if value is None:
        return p.default if cap is None or p.default is None else min(p.default, cap)
    try:
        value = p.check(value)
    except spec.OptionError as exc:
        raise RequestError(p.name, exc.what) from None
    if cap is not None and value > cap:
        raise RequestError(p.name, f"{value} is past this server's limit of {cap} (rnnlp serve "
                                   f"--{p.limit.replace('_', '-')})", 413)
    return value


def _jsonable(value):
    """numpy arrays and scalars, also inside dicts and lists, as Python lists and numbers
    (json cannot write np.int64; attention weights are arrays)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value.tolist() if isinstance(value, (np.ndarray, np.generic)) else value


# -- sentiment ---------------------------------------------------------------------------------
def _predict(model, texts, options) -> list:
    return model.predict(texts)


# -- tagging -----------------------------------------------------------------------------------
def _sentence(value, field, limits):
    """A text (split on whitespace by the tagger) or a list of tokens."""
    if isinstance(value, list):
        if not value:
            raise RequestError(field, "is an empty token list")
        for i, token in enumerate(value):
            fields.text(token, f"{field}[{i}]", limits)
        if sum(len(t) for t in value) > limits.max_chars:
            raise RequestError(field, f"more than {limits.max_chars} characters", 413)
        return list(value)
    return fields.text(value, field, limits)


# -- translation -------------------------------------------------------------------------------
def _n_best_in_beam(options: dict) -> None:
    beam, n_best = options["beam_size"], options["n_best"]
    if beam is not None and n_best > beam:
        raise RequestError("n_best", f"must be <= beam_size ({beam}), got {n_best}")


def _translate(model, texts, options) -> list:
    if options["attention"]:  # greedy, one text at a time: the weights of that decode
        return [_jsonable(model.attention(t)) for t in texts]
    beam = options["beam_size"] or max(options["n_best"], model.config.decode.beam_size)
    found = model.translate_n_best(texts, beam_size=beam, n_best=options["n_best"],
                                   length_penalty=options["length_penalty"])
    return [{"translation": hyps[0][0], "n_best": [{"text": t, "score": s} for t, s in hyps]}
            if options["n_best"] > 1 else {"translation": hyps[0][0]} for hyps in found]


# -- generation --------------------------------------------------------------------------------
def _prompt(value, field, limits):
    return fields.text(value, field, limits, empty=True)


def _generate(model, prompts, options) -> list:
    """One generator per item (seeded by ``seed``): a seed gives the same text whatever the batch.
    Token by token through the model's own ``stream``, so that a batch whose requests have all
    timed out stops at the next token (``abandoned``) instead of running to ``max_tokens``."""
    kw = {k: v for k, v in options.items() if k != "stream"}
    out = []
    for prompt in prompts:
        text = []
        for pieces in model.stream(prompt, **kw):
            if abandoned():
                return out + [{"text": ""}] * (len(prompts) - len(out))  # nobody waits for these
            text.append(pieces[0])
        out.append({"text": "".join(text)})
    return out


# -- captioning --------------------------------------------------------------------------------
def _image(value, field, limits):
    """An image as multipart file bytes or base64 text (a data: URL prefix is allowed), decoded
    to a PIL image; never a server-side path."""
    from rnnlp.data.images import decode_image
    from rnnlp.errors import DataError

    kind = "image (PNG, JPEG, ...)"
    data = value if isinstance(value, bytes) else _base64(value, field, limits.max_image_bytes, kind)
    if len(data) > limits.max_image_bytes:
        raise RequestError(field, f"image of {len(data)} bytes; at most {limits.max_image_bytes}", 413)
    _check_pixels(data, field, limits.max_pixels)
    try:
        return decode_image(data, field)
    except DataError as exc:
        raise RequestError(field, "is not an image PIL can read") from exc


def _check_pixels(data: bytes, field: str, most: int) -> None:
    """Refuse (413) an image whose header declares more than ``most`` pixels, before decoding it:
    a small PNG can declare 13000 x 13000 pixels, hundreds of MB once decoded."""
    from PIL import Image, UnidentifiedImageError

    try:
        width, height = Image.open(io.BytesIO(data)).size  # reads the header only
    except Image.DecompressionBombError as exc:  # PIL's own guard: over twice its pixel limit
        raise RequestError(field, f"{exc}".split(".")[0] + f"; at most {most} pixels", 413) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return  # decode_image says what is wrong with it
    if width * height > most:
        raise RequestError(field, f"image of {width} x {height} pixels; at most {most} pixels", 413)


def _base64(value, field, most: int, kind: str) -> bytes:
    """The bytes of a base64 ``kind`` (a data: URL prefix is allowed), refused past ``most`` bytes."""
    if not isinstance(value, str) or not value:
        raise RequestError(field, f"must be a base64-encoded {kind} or a multipart file")
    payload = value.split(",", 1)[1] if value.startswith("data:") else value
    if len(payload) * 3 // 4 > most:
        raise RequestError(field, f"{kind.split()[0]} larger than {most} bytes", 413)
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise RequestError(field, "is not valid base64") from None


def _caption(model, images, options) -> list:
    found = model.caption(images, beam_size=options["beam_size"], max_tokens=options["max_tokens"])
    return [{"caption": c} for c in found]


# -- speech ------------------------------------------------------------------------------------
def _audio(value, field, limits) -> tuple:
    """A wav file (multipart file bytes or base64 text) as (mono samples, its rate, notes),
    decoded here by rnnlp's wav reader so that a bad file fails its own request, not a batch;
    its header's length is checked against ``max_audio_seconds`` before any decoding."""
    from rnnlp.data.audio import decode_wav
    from rnnlp.errors import DataError

    data = value if isinstance(value, bytes) else _base64(value, field, limits.max_audio_bytes, "wav file")
    if len(data) > limits.max_audio_bytes:
        raise RequestError(field, f"wav file of {len(data)} bytes; at most {limits.max_audio_bytes}", 413)
    frames, rate, channels = _wav_header(data, field)
    if rate > limits.max_sample_rate:
        raise RequestError(field, f"a sample rate of {rate} Hz; at most {limits.max_sample_rate} Hz", 413)
    if channels > limits.max_channels:
        raise RequestError(field, f"{channels} channels; at most {limits.max_channels}", 413)
    if frames / rate > limits.max_audio_seconds:
        raise RequestError(field, f"{frames / rate:.1f} s of audio; at most {limits.max_audio_seconds:g} s", 413)
    try:
        samples, notes = decode_wav(data, field, rate)  # its own rate: mixed to mono, not resampled
    except DataError as exc:
        raise RequestError(field, str(exc).split(": ", 1)[1]) from None
    return samples, rate, notes


def _wav_header(data: bytes, field: str) -> tuple[int, int, int]:
    """(frames, rate, channels) a wav file's header declares."""
    try:
        with wave.open(io.BytesIO(data)) as f:
            frames, rate, channels = f.getnframes(), f.getframerate(), f.getnchannels()
    except (wave.Error, EOFError, ValueError) as exc:
        raise RequestError(field, f"is not a PCM wav file ({str(exc) or 'too short'}); convert it, e.g. "
                                  "`ffmpeg -i IN -ac 1 OUT.wav`") from None
    if frames == 0 or rate <= 0:
        raise RequestError(field, "is an empty wav file (no samples)")
    return frames, rate, channels


def _transcribe(model, clips, options) -> list:
    """Each clip resampled to the checkpoint's rate where it differs (said in ``notes``, as
    ``rnnlp transcribe`` says it), then one batched ``transcribe``."""
    from rnnlp.data.audio import to_rate

    target, waves, notes = model.config.features.sample_rate, [], []
    for samples, rate, said in clips:
        converted, resampled = to_rate(samples, rate, target)
        waves.append(converted)
        notes.append(said + resampled)
    found = model.transcribe(waves, beam_size=options["beam_size"])
    return [{**out, "notes": said + out["notes"]} for out, said in zip(found, notes)]


# -- recommender -------------------------------------------------------------------------------
def _history(value, field, limits):
    """A session's items, oldest first: a list of item ids (strings or integers) or one
    space-separated string."""
    found = value.split() if isinstance(value, str) else value
    if not isinstance(found, list) or not found:
        raise RequestError(field, "must be a non-empty list of item ids or a space-separated string of them")
    if len(found) > limits.max_values:
        raise RequestError(field, f"{len(found)} items; at most {limits.max_values}", 413)
    for i, item in enumerate(found):
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            raise RequestError(f"{field}[{i}]", f"must be an item id (string or integer), got {type(item).__name__}")
    return [str(item) for item in found]


def _recommend(model, histories, options) -> list:
    found = model.recommend(histories, top_k=options["top_k"], exclude_seen=options["exclude_seen"])
    return [_finite(r) for r in found]


def _finite(ranked: dict) -> dict:
    """Without the excluded (seen) items that a ``k`` larger than the unseen ones brings in at
    -inf: JSON has no infinity."""
    keep = [i for i, score in enumerate(ranked["scores"]) if math.isfinite(score)]
    return {**ranked, "items": [ranked["items"][i] for i in keep], "scores": [ranked["scores"][i] for i in keep]}


# -- series ------------------------------------------------------------------------------------
def _series(value, field, limits):
    """One series: a list of numbers (one channel) or of equal-length lists (T x C); trailing
    nulls end the series early, as trailing NaNs do in ``predict`` (one inside is refused there)."""
    if not isinstance(value, list) or not value:
        raise RequestError(field, "must be a non-empty list of numbers (or of lists of numbers, one per step)")
    if len(value) > limits.max_values:
        raise RequestError(field, f"{len(value)} steps; at most {limits.max_values}", 413)
    width = len(value[0]) if isinstance(value[0], list) else None
    for i, step in enumerate(value):
        _step(step, width, f"{field}[{i}]")
    return np.array(value, dtype=np.float64)  # None -> nan


def _step(step, width, field) -> None:
    values = step if width is not None else [step]
    if width is not None and (not isinstance(step, list) or len(step) != width):
        raise RequestError(field, f"must be a list of {width} numbers, like the first step")
    for v in values:
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
            raise RequestError(field, f"must be a number or null, got {type(v).__name__}")


def _series_predict(model, series, options) -> list:
    return _jsonable(model.predict(list(series)))


# -- music -------------------------------------------------------------------------------------
def _piece_prompt(value, field, limits):
    """A prompt piece: a list of frames, each a list of the MIDI pitches (21-108) sounding in it;
    an empty list (or null) starts from the model's start frame."""
    if value is None or value == []:
        return None
    if not isinstance(value, list):
        raise RequestError(field, "must be a list of frames, each a list of MIDI pitches (21-108), or []")
    if len(value) > limits.max_values:
        raise RequestError(field, f"{len(value)} frames; at most {limits.max_values}", 413)
    roll = np.zeros((len(value), 88), dtype=np.uint8)
    for t, frame in enumerate(value):
        if not isinstance(frame, list) or any(isinstance(p, bool) or not isinstance(p, int) or not 21 <= p <= 108
                                              for p in frame):
            raise RequestError(f"{field}[{t}]", "must be a list of MIDI pitches, whole numbers in 21..108")
        roll[t, [p - 21 for p in frame]] = 1
    return roll


def _music_generate(model, prompts, options) -> list:
    """Each item's piece: the pitches of each frame, the MIDI file and (unless wav=false) the
    WAV of the additive synthesizer, both base64."""
    kw = {k: options[k] for k in ("steps", "seed", "temperature", "max_notes")}
    out = []
    for prompt in prompts:
        if abandoned():  # every request of the batch has timed out: write no more pieces
            return out + [{}] * (len(prompts) - len(out))
        roll = model.generate(prompt=prompt, **kw)
        row = {"roll": [[21 + int(k) for k in frame.nonzero()[0]] for frame in roll],
               "midi_base64": base64.b64encode(model.midi_bytes(roll, options["bpm"])).decode("ascii")}
        if options["wav"]:
            row["wav_base64"] = base64.b64encode(model.wav_bytes(roll, options["bpm"])).decode("ascii")
        out.append(row)
    return out


# -- the readers and runners -------------------------------------------------------------------
_TEXT = lambda value, field, limits: fields.text(value, field, limits)  # noqa: E731
# how one item of each kind (the task table's TaskEntry.item) is read from a request
READERS = {"text": _TEXT, "tokens": _sentence, "prompt": _prompt, "image": _image, "audio": _audio,
           "history": _history, "series": _series, "piece": _piece_prompt}
# (verb, item kind) -> how a batch runs[, a check between options]; the verbs' options are their
# rows in the task table (rnnlp.tasks.table / rnnlp.tasks.spec), HTTP ones
RUNNERS = {
    ("predict", "text"): (_predict,), ("predict", "tokens"): (_predict,), ("tag", "tokens"): (_predict,),
    ("translate", "text"): (_translate, _n_best_in_beam), ("generate", "prompt"): (_generate,),
    ("caption", "image"): (_caption,), ("recommend", "history"): (_recommend,),
    ("predict", "series"): (_series_predict,), ("transcribe", "audio"): (_transcribe,),
    ("generate", "piece"): (_music_generate,),
}


def _any(value, field, limits):
    if isinstance(value, str):
        return fields.text(value, field, limits)
    return value


def task_verbs(task: str) -> dict[str, Verb]:
    """The HTTP verbs of ``task``'s table entry: each read by its item kind's reader and run by its
    runner; a verb with neither (a task of a new kind) gets a generic one: items as sent, options
    from the specification, the model's own method on the batch."""
    found, item = {}, TASKS[task].item
    for verb in TASKS[task].verbs:
        params = verb_options(task, verb, "http")
        how = RUNNERS.get((verb, item))
        found[verb] = (Verb(verb, READERS[item], how[0], params, *how[1:]) if how else
                       Verb(verb, READERS.get(item, _any), _method(verb_method(task, verb)), params))
    return found


VERBS: dict[str, dict[str, Verb]] = {task: task_verbs(task) for task in TASKS}


def verbs_of(model) -> dict[str, Verb]:
    """The verbs a loaded model serves: its task's (``task_verbs``); a model of a task outside
    the table that has ``predict``, that one."""
    if model.task in TASKS:
        return VERBS.get(model.task) or task_verbs(model.task)
    if callable(getattr(model, "predict", None)):
        return {"predict": Verb("predict", _any, _method("predict"))}
    return {}


def _method(name: str):
    """Run a batch through the loaded model's method ``name`` with the request's options."""
    return lambda model, items, options: [_jsonable(y) for y in getattr(model, name)(items, **options)]
