"""The bearer token and per-request metrics, as a plain ASGI middleware.

Plain ASGI rather than ``@app.middleware("http")``: Starlette's BaseHTTPMiddleware runs every
request through an extra anyio task group and memory stream, which py-spy showed as a large
share of the event loop's time under 64 concurrent clients (benchmarks/serve_load.py).
"""

from __future__ import annotations

import hmac
import json
import time

OPEN_PATHS = ("/health", "/")      # no token: liveness probes and the demo page itself
UNAUTHORIZED = json.dumps({"error": "authorization: send the header 'Authorization: Bearer <api key>'",
                           "field": "authorization"}).encode()


def authorized(scope: dict, key: str | None) -> bool:
    """The bearer token, compared in constant time (hmac.compare_digest)."""
    if key is None or scope["path"] in OPEN_PATHS:
        return True
    sent = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
    scheme, _, token = sent.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), key.encode())


def model_verb(scope: dict) -> tuple[str, str] | None:
    """(model, verb) of ``POST /v1/models/{model}/{verb}``, else None (not counted)."""
    parts = scope["path"].strip("/").split("/")
    if len(parts) == 4 and parts[:2] == ["v1", "models"] and scope["method"] == "POST":
        return parts[2], parts[3]
    return None


class Guard:
    """Refuses requests without the API key (401) and counts model requests in ``metrics``
    (status and time to the response's first byte, as Prometheus expects of a stream too)."""

    def __init__(self, app, server):
        self.app, self.server = app, server

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if not authorized(scope, self.server.settings.api_key):
            return await _send_json(send, 401, UNAUTHORIZED)
        counted = model_verb(scope)
        if counted is None:
            return await self.app(scope, receive, send)
        start, started = time.perf_counter(), False

        async def timed_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                self.server.metrics.request(*counted, message["status"], time.perf_counter() - start)
            await send(message)

        try:
            await self.app(scope, receive, timed_send)
        except Exception:  # the outer error handler answers 500: count it here, where the model is known
            if not started:
                self.server.metrics.request(*counted, 500, time.perf_counter() - start)
            raise


async def _send_json(send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
