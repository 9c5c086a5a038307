"""``/openapi.json`` and ``/docs``: the API described from the verb table the server validates with.

Each served model's verbs come from ``rnnlp.serve.verbs.VERBS`` (the same ``Verb`` rows whose
``known`` fields ``parse`` accepts, so the document cannot list a field the server refuses or miss
one it reads) and the limits from the running ``Settings``. Each option field's type, bounds,
default and help come from its ``rnnlp.tasks.spec`` row, the one declaration the CLI and the
Python API check with too; ``x-rnnlp-limit`` gives this server's lower cap where it has one.
"""

from __future__ import annotations

import html

from rnnlp.version import __version__
from rnnlp.tasks.spec import field_of

ERRORS = {"400": "malformed body", "401": "no or wrong API key", "403": "origin not allowed",
          "404": "unknown model or verb", "413": "past a limit", "415": "not application/json",
          "422": "a field is wrong (the message names it)", "429": "queue full (Retry-After)",
          "504": "timeout"}


def document(server) -> dict:
    """The OpenAPI 3.1 document of ``server`` (an ``rnnlp.serve.app.Server``)."""
    paths: dict = {
        "/v1/models": {"get": _get("The served models: task, labels, verbs (no server paths).")},
        "/v1/models/{name}": {"get": _get("One model: its summary, the request limits, the sha256 of its weights.")},
        "/health/live": {"get": _get("Liveness.")}, "/health/ready": {"get": _get("Readiness (503 until ready).")},
        "/metrics": {"get": _get("Prometheus text.")},
    }
    for name, verbs in server.verbs.items():
        for verb_name, verb in sorted(verbs.items()):
            paths[f"/v1/models/{name}/{verb_name}"] = {"post": _post(name, server.models[name].task, verb,
                                                                       server.settings.limits)}
    return {"openapi": "3.1.0", "info": {"title": "rnnlp serve", "version": __version__,
                                         "description": f"Limits: {vars(server.settings.limits)}"},
            "paths": paths}


def _get(summary: str) -> dict:
    return {"summary": summary, "responses": {"200": {"description": "OK"}}}


JSON_TYPES = {int: "integer", float: "number", bool: "boolean", str: "string"}


def schema(p, limits) -> dict:
    """The JSON schema of one option field from its specification row (and this server's cap)."""
    out = {"type": JSON_TYPES[p.kind], "description": p.described()}
    if p.many:
        out = {"type": "array", "items": {"type": out["type"]}, "description": out["description"]}
    if p.default is not None:
        out["default"] = p.default
    if p.low is not None:
        out["exclusiveMinimum" if p.low_open else "minimum"] = p.low
    if p.high is not None:
        out["maximum"] = p.high
    if p.limit:
        out["x-rnnlp-limit"] = getattr(limits, p.limit)
    return out


def _post(name: str, task: str, verb, limits) -> dict:
    options = {p.name: schema(p, limits) for p in verb.params}
    for p in verb.params:
        for alias in p.aliases:
            options[field_of(alias)] = {**schema(p, limits), "deprecated": True,
                                        "description": p.deprecated(alias, "http")}
    body = {"type": "object", "additionalProperties": False,
            "properties": {"input": {"description": "one item"},
                           "inputs": {"type": "array", "description": "a list of items"}, **options},
            "oneOf": [{"required": ["input"]}, {"required": ["inputs"]}]}
    return {"summary": f"{verb.name} with {name} ({task})",
            "requestBody": {"required": True, "content": {"application/json": {"schema": body},
                                                          "multipart/form-data": {"schema": body}}},
            "responses": {"200": {"description": "`output` (for `input`) or `outputs` (for `inputs`)"},
                          **{code: {"description": text} for code, text in ERRORS.items()}}}


def page(doc: dict) -> str:
    """A plain HTML page of the document (no script, nothing fetched from elsewhere)."""
    rows = []
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            fields = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            names = ", ".join(fields.get("properties", {}))
            rows.append(f"<tr><td>{method.upper()}</td><td><code>{html.escape(path)}</code></td>"
                        f"<td>{html.escape(op['summary'])}</td><td>{html.escape(names)}</td></tr>")
    return ("<!doctype html><meta charset=utf-8><title>rnnlp serve API</title>"
            f"<h1>rnnlp serve {html.escape(doc['info']['version'])}</h1><p>{html.escape(doc['info']['description'])}"
            "</p><p>The machine-readable form: <a href=/openapi.json>/openapi.json</a>.</p><table border=1 "
            "cellpadding=4><tr><th>method</th><th>path</th><th>what</th><th>body fields</th></tr>"
            + "".join(rows) + "</table>")
