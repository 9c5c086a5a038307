"""Request bodies: JSON, or a multipart form (file uploads such as caption's images, transcribe's wav files).

Both come back as the same dict, so a verb parses one shape. In a form, a file part named
``input`` (one) or ``inputs`` (repeated) is an item as bytes; every other part is a field whose
text is read as JSON when it parses (``beam_size=2`` -> 2, ``attention=true`` -> True) and as a
string otherwise. The whole body is bounded by ``max_body_bytes`` before any parsing.
"""

from __future__ import annotations

import asyncio
import json

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request

from rnnlp.serve.fields import Limits, RequestError

FILE_FIELDS = ("input", "inputs")


async def read_body(request: Request, limits: Limits) -> dict:
    """The body of a JSON or multipart/form-data request as a dict; RequestError otherwise."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "multipart/form-data" and kind != "application/json" and not kind.endswith("+json"):
        # text/plain and urlencoded bodies are what a page of another origin can send without asking
        raise RequestError("content-type", f"{kind or 'none'} is not accepted; send application/json (or "
                                           "multipart/form-data with files)", 415)
    try:
        data = await asyncio.wait_for(_bounded(request, limits.max_body_bytes), limits.body_seconds)
    except asyncio.TimeoutError:
        raise RequestError("body", f"did not arrive within {limits.body_seconds:g} s", 408) from None
    if kind == "multipart/form-data":
        return await _form(request, limits)
    return parse_json(data)


MAX_DIGITS = 100  # an integer longer than this is refused before Python converts it


def parse_json(data: bytes):
    """Strict JSON: no NaN or Infinity, integers of at most MAX_DIGITS digits, bounded nesting."""
    def constant(name):
        raise RequestError("body", f"{name} is not JSON; send a finite number", 400)

    def integer(text):
        if len(text.lstrip("-")) > MAX_DIGITS:
            raise RequestError("body", f"an integer of {len(text)} digits; at most {MAX_DIGITS}", 400)
        return int(text)

    try:
        return json.loads(data, parse_constant=constant, parse_int=integer)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RequestError("body", f"malformed JSON ({exc})", 400) from None
    except RecursionError:
        raise RequestError("body", "JSON nested too deeply", 400) from None


async def _bounded(request: Request, most: int) -> bytes:
    """The raw body, refused (413) past ``most`` bytes whether declared or streamed; Starlette
    keeps it, so the form parser reads these bytes rather than the socket."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > most:
        raise RequestError("body", f"{declared} bytes; at most {most}", 413)
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > most:
                raise RequestError("body", f"more than {most} bytes", 413)
            chunks.append(chunk)
    except ClientDisconnect:  # an abandoned upload: counted as 499 (nginx's word), not a 500 with a traceback
        raise RequestError("body", f"the client went away after {size} bytes", 499) from None
    request._body = b"".join(chunks)  # noqa: SLF001 - Starlette's own cache of the read body
    return request._body


async def _form(request: Request, limits: Limits) -> dict:
    try:
        form = await request.form(max_files=limits.max_items + 1,  # one more: items() names the field
                                  max_fields=limits.max_items + 16,
                                  max_part_size=limits.max_chars * 4)
    except HTTPException as exc:  # python-multipart's complaint: malformed, too many parts
        raise RequestError("body", f"bad multipart form ({exc.detail})", 400) from None
    except AssertionError:  # Starlette asserts when python-multipart is missing
        raise RequestError("body", "multipart forms need python-multipart: pip install 'rnnlp[serve]'", 415) from None
    body: dict = {}
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            body.setdefault(name, []).append(await _file(name, value, limits))
        elif name in body:
            raise RequestError(name, "is given twice")
        else:
            body[name] = _field(value)
    return _one_or_many(body)


async def _file(name: str, upload: UploadFile, limits: Limits) -> bytes:
    if name not in FILE_FIELDS:
        raise RequestError(name, f"a file part must be named 'input' (one) or 'inputs' (repeated), not {name!r}")
    data = await upload.read()
    most = max(limits.max_image_bytes, limits.max_audio_bytes)  # the verb then applies its own limit
    if len(data) > most:
        raise RequestError(name, f"{upload.filename or 'file'}: {len(data)} bytes; at most {most}", 413)
    if not data:
        raise RequestError(name, f"{upload.filename or 'file'} is empty")
    return data


def _field(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return text


def _one_or_many(body: dict) -> dict:
    """``input`` holds one file (not a list); ``inputs`` keeps its list of files."""
    files = body.get("input")
    if isinstance(files, list) and files and isinstance(files[0], bytes):
        if len(files) > 1:
            raise RequestError("input", f"{len(files)} files; send several as 'inputs'")
        body["input"] = files[0]
    return body
