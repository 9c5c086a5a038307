"""The front door, as a plain ASGI middleware: origin, bearer token, request id, metrics, access log.

Plain ASGI rather than ``@app.middleware("http")``: Starlette's BaseHTTPMiddleware runs every
request through an extra anyio task group and memory stream, which py-spy showed as a large
share of the event loop's time under 64 concurrent clients (benchmarks/serve_load.py).

In order, for each HTTP request:
- a Host header that is not allowed (``--allowed-host``; by default only the loopback names when
  the server binds a loopback address) is refused with 400, so a web page cannot reach a local
  server through a DNS name it rebinds to 127.0.0.1;
- a browser request from an origin that is not allowed (``--cors-origin``, or the server's own
  host) is refused with 403, so a page the user visits cannot drive a local server;
- a CORS preflight (``OPTIONS`` with an ``Origin``) goes on to the CORS middleware before any
  token is asked for (browsers never send credentials on a preflight);
- the bearer token is checked (401 without it);
- the request gets an ``X-Request-ID`` (the client's, when it is a short plain token, else a new
  one), echoed on the response; model requests are counted under the configured model and verb
  names only (anything else is ``unknown``, so random paths cannot grow ``/metrics``), and every
  request is one JSON line on the ``rnnlp.access`` logger.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import time
import uuid
from urllib.parse import urlsplit

OPEN_PATHS = ("/health", "/health/live", "/health/ready", "/", "/docs", "/openapi.json")  # probes, pages
UNAUTHORIZED = json.dumps({"error": "authorization: send the header 'Authorization: Bearer <api key>'",
                           "field": "authorization"}).encode()
FORBIDDEN = json.dumps({"error": "origin: requests from this web page's origin are not allowed (rnnlp serve "
                                 "--cors-origin ORIGIN allows one)", "field": "origin"}).encode()
BAD_HOST = json.dumps({"error": "host: this server does not answer to that Host header (rnnlp serve "
                                "--allowed-host NAME adds one)", "field": "host"}).encode()
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
ACCESS = logging.getLogger("rnnlp.access")


def authorized(scope: dict, headers: dict, key: str | None) -> bool:
    """The bearer token, compared in constant time (hmac.compare_digest)."""
    if key is None or scope["path"] in OPEN_PATHS:
        return True
    sent = headers.get(b"authorization", b"").decode("latin-1")
    scheme, _, token = sent.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), key.encode())


def origin_allowed(headers: dict, allowed: tuple) -> bool:
    """No ``Origin`` (not a browser page), an allowed one, or the server's own host (the demo page)."""
    origin = headers.get(b"origin", b"").decode("latin-1")
    if not origin or origin in allowed or "*" in allowed:
        return True
    return urlsplit(origin).netloc == headers.get(b"host", b"").decode("latin-1")


def host_allowed(headers: dict, allowed: tuple) -> bool:
    """The Host header's name (its port left out) is one of ``allowed`` (or ``*`` is)."""
    if "*" in allowed:
        return True
    host = headers.get(b"host", b"").decode("latin-1").strip().lower()
    if host.startswith("["):  # an IPv6 literal: [::1]:8000 -> [::1]
        name = host.split("]")[0] + "]"
    else:
        name = host.rsplit(":", 1)[0]
    return name in allowed


def model_verb(scope: dict, verbs: dict) -> tuple[str, str] | None:
    """(model, verb) of ``POST /v1/models/{model}/{verb}`` as metric labels: a name the server
    does not serve is ``unknown``; None for other paths (not counted)."""
    parts = scope["path"].strip("/").split("/")
    if len(parts) == 4 and parts[:2] == ["v1", "models"] and scope["method"] == "POST":
        model = parts[2] if parts[2] in verbs else "unknown"
        return model, parts[3] if model != "unknown" and parts[3] in verbs[model] else "unknown"
    return None


class Guard:
    """See the module docstring."""

    def __init__(self, app, server):
        self.app, self.server = app, server

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        settings, headers = self.server.settings, dict(scope["headers"])  # read once per request
        sent = headers.get(b"x-request-id", b"").decode("latin-1")
        rid = sent if REQUEST_ID.match(sent) else uuid.uuid4().hex
        if not host_allowed(headers, settings.allowed_hosts):
            return await _send_json(send, 400, BAD_HOST, rid)
        if not origin_allowed(headers, settings.cors_origins):
            return await _send_json(send, 403, FORBIDDEN, rid)
        preflight = scope["method"] == "OPTIONS" and b"origin" in headers
        if not preflight and not authorized(scope, headers, settings.api_key):
            return await _send_json(send, 401, UNAUTHORIZED, rid)
        counted = model_verb(scope, self.server.verbs)
        start, status = time.perf_counter(), [None]

        async def tagged_send(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message = {**message, "headers": [*message.get("headers", []), (b"x-request-id", rid.encode())]}
                if counted:
                    self.server.metrics.request(*counted, status[0], time.perf_counter() - start)
            await send(message)

        try:
            await self.app(scope, receive, tagged_send)
        except Exception:  # the outer error handler answers 500: count it here, where the model is known
            if status[0] is None:
                status[0] = 500
                if counted:
                    self.server.metrics.request(*counted, 500, time.perf_counter() - start)
            raise
        finally:
            _access(rid, scope, counted, status[0], time.perf_counter() - start)


def _access(rid: str, scope: dict, counted, status, seconds: float) -> None:
    if ACCESS.isEnabledFor(logging.INFO):
        model, verb = counted or (None, None)
        ACCESS.info(json.dumps({"id": rid, "method": scope["method"], "path": scope["path"], "model": model,
                                "verb": verb, "status": status, "ms": round(seconds * 1000, 2)}))


async def _send_json(send, status: int, body: bytes, rid: str) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"x-request-id", rid.encode())]})
    await send({"type": "http.response.body", "body": body})
