"""The FastAPI application: routes, limits, the bearer token, errors as one-line JSON.

``create_app(models, settings)`` serves already-loaded models (``rnnlp.load``), so tests
run it in-process and ``rnnlp serve`` runs it under uvicorn.
"""

from __future__ import annotations

import asyncio
import json
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, StreamingResponse
from starlette.exceptions import HTTPException

from rnnlp.version import __version__
from rnnlp.errors import RnnlpError
from rnnlp.serve.batcher import Batcher
from rnnlp.serve.bodies import read_body
from rnnlp.serve.fields import Limits, RequestError
from rnnlp.serve.generation import StreamEngine, StreamError
from rnnlp.serve.guard import Guard
from rnnlp.serve.metrics import Metrics
from rnnlp.serve.openapi import document, page
from rnnlp.serve.verbs import verbs_of
from rnnlp.tasks.table import TASKS

DEMO = Path(__file__).with_name("demo.html")
OFF_LOOP_BYTES = 16_384  # a body this large is parsed (images, wav files decoded) on a worker thread


@dataclass
class Settings:
    limits: Limits = field(default_factory=Limits)
    max_batch: int = 32
    max_wait_ms: float = 5.0
    timeout_s: float = 30.0            # per request (a stream: until it starts)
    api_key: str | None = None
    cors_origins: tuple = ()           # CORS is off unless origins are given
    max_queue: int = 1024              # requests waiting per model; past it a 429 with Retry-After
    allowed_hosts: tuple = ("*",)      # Host headers answered (rnnlp serve: loopback names for a loopback bind)


def warm_item(model):
    """One small valid input of the kind ``model``'s verbs read (as a request sends it), or None."""
    import base64
    import io

    import numpy as np

    found = TASKS.get(model.task)  # a model of a task outside the table has no known item kind
    item = found.item if found else "any"
    if item in ("text", "tokens", "prompt"):
        return "warm up"
    if item == "image":
        from PIL import Image

        out = io.BytesIO()
        Image.new("RGB", (16, 16)).save(out, format="PNG")
        return base64.b64encode(out.getvalue()).decode()
    if item == "audio":
        from rnnlp.data.audio import encode_wav

        rate = model.config.features.sample_rate
        return base64.b64encode(encode_wav(np.zeros(rate // 5, np.float32), rate)).decode()
    if item == "history":
        return model.item_pipeline.names[1]
    if item == "series":
        channels = model.model.channels
        return [0.0] * 16 if channels == 1 else [[0.0] * channels] * 16
    return None


def _no_paths(value):
    """``value`` with every absolute path (a config's files) cut to its file name."""
    if isinstance(value, dict):
        return {k: _no_paths(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_no_paths(v) for v in value]
    if isinstance(value, str) and Path(value).is_absolute():
        return Path(value).name
    return value


def _weights_sha(model) -> str | None:
    """The sha256 of the checkpoint's ``model.safetensors`` (as meta.json records it, else computed)."""
    import hashlib

    folder = Path(getattr(model, "path", None) or "")
    try:
        return json.loads((folder / "meta.json").read_text())["files"]["model.safetensors"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    weights = folder / "model.safetensors"
    return hashlib.sha256(weights.read_bytes()).hexdigest() if weights.is_file() else None


def error(status: int, field: str, message: str) -> JSONResponse:
    return JSONResponse({"error": f"{field}: {message}", "field": field}, status_code=status)


class Server:
    """The loaded models with their batchers and stream engines, and the shared metrics."""

    def __init__(self, models: dict, settings: Settings):
        self.models, self.settings, self.metrics = models, settings, Metrics()
        self.verbs = {name: verbs_of(m) for name, m in models.items()}
        self.batchers: dict[str, Batcher] = {}
        self.engines: dict[str, StreamEngine] = {}

    async def start(self) -> None:
        self.ready = False
        for name, model in self.models.items():
            b = Batcher(name, model, self.metrics, self.settings.max_batch, self.settings.max_wait_ms / 1000)
            b.start()
            self.batchers[name] = b
            if "generate" in self.verbs[name]:
                self.engines[name] = StreamEngine(name, model, b, self.metrics)
                self.engines[name].start()
        self.warming = asyncio.get_running_loop().create_task(self.warm_up())

    async def warm_up(self) -> None:
        """Ready once every model has answered one item through its first verb (``warm_item``), on its
        own worker thread, as a request would; a model that fails leaves the server not ready."""
        self.ready, self.not_ready = False, None
        for name, model in self.models.items():
            found = warm_item(model)
            if found is None or not self.verbs[name]:
                continue  # nothing to try: loaded is all a probe can know
            verb = self.verbs[name][min(self.verbs[name])]
            try:
                items, _, options = verb.parse({"input": found}, self.settings.limits)
                await self.batchers[name].call(verb.run, model, items, options)
            except Exception as exc:  # noqa: BLE001 - say why in /health/ready
                self.not_ready = f"{name}: warm-up failed ({type(exc).__name__}: {exc})".splitlines()[0]
                return
        self.ready = True

    async def stop(self) -> None:
        if getattr(self, "warming", None):
            self.warming.cancel()
        for engine in self.engines.values():
            await engine.stop()
        for b in self.batchers.values():
            await b.stop()

    def catalog(self) -> dict:
        return {"rnnlp_version": __version__, "models": {name: self._summary(name) for name in self.models}}

    def _summary(self, name: str) -> dict:
        """The model's ``info()`` and verbs, never a path on the server (files by their name only)."""
        return {**_no_paths({k: v for k, v in self.models[name].info().items() if k != "path"}),
                "verbs": sorted(self.verbs[name])}

    def describe(self, name: str) -> dict:
        """``GET /v1/models/NAME``: the summary, the request limits and the sha256 of the weights."""
        if name not in self.models:
            raise RequestError("model", f"unknown model {name!r}; serving: {', '.join(self.models)}", 404)
        return {"name": name, **self._summary(name), "limits": vars(self.settings.limits),
                "weights_sha256": _weights_sha(self.models[name]), "rnnlp_version": __version__}

    async def run(self, name: str, verb_name: str, request: Request):
        if name not in self.models:
            raise RequestError("model", f"unknown model {name!r}; serving: {', '.join(self.models)}", 404)
        verb = self.verbs[name].get(verb_name)
        if verb is None:
            raise RequestError("verb", f"{name} ({self.models[name].task}) has no verb {verb_name!r}; "
                                       f"it has: {', '.join(sorted(self.verbs[name]))}", 404)
        body = await read_body(request, self.settings.limits)
        if len(request._body or b"") > OFF_LOOP_BYTES:  # noqa: SLF001 - decoding could hold the loop
            items, many, options = await asyncio.to_thread(verb.parse, body, self.settings.limits)
        else:
            items, many, options = verb.parse(body, self.settings.limits)
        if options.get("stream"):
            return await self.stream(name, items, many, options)
        if self.batchers[name].queue.qsize() >= self.settings.max_queue:
            raise RequestError("queue", f"{name} has {self.settings.max_queue} requests waiting; retry shortly", 429)
        outputs = await self.within_timeout(self.batchers[name].submit(verb, options, items))
        # a JSONResponse skips FastAPI's jsonable_encoder walk over every output (profiled: serve_load.py)
        return JSONResponse({"model": name, "outputs": outputs} if many else {"model": name, "output": outputs[0]})

    async def within_timeout(self, work):
        timeout = self.settings.timeout_s
        try:
            return await asyncio.wait_for(work, timeout)
        except asyncio.TimeoutError:
            raise RequestError("timeout", f"no result within {timeout:g} s", 504) from None

    async def stream(self, name: str, items: list, many: bool, options: dict):
        if many:
            raise RequestError("inputs", "stream one prompt per request ('input')")
        row = await self.within_timeout(self.engines[name].open(items[0], options))
        return StreamingResponse(sse(row), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


async def sse(row):
    """Server-sent events: ``data: {"token": piece}`` per step, then ``data: {"done": true, "text"}``
    (or ``data: {"error", "field"}`` when a step failed)."""
    text = []
    try:
        while (piece := await row.out.get()) is not None:
            if isinstance(piece, StreamError):
                yield f"data: {json.dumps({'error': f'server: {piece}', 'field': 'server'})}\n\n"
                return
            text.append(piece)
            yield f"data: {json.dumps({'token': piece}, ensure_ascii=False)}\n\n"
        yield f"data: {json.dumps({'done': True, 'text': ''.join(text)}, ensure_ascii=False)}\n\n"
    finally:
        row.closed = True  # the client went away (or the stream ended): leave the batch


def create_app(models: dict, settings: Settings | None = None) -> FastAPI:
    """The app serving ``models`` (name -> loaded model)."""
    server = Server(models, settings or Settings())

    @asynccontextmanager
    async def lifespan(app):
        await server.start()
        yield
        await server.stop()

    app = FastAPI(title="rnnlp", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.server = server
    _middleware(app, server)
    _routes(app, server)
    _errors(app)
    return app


def _middleware(app: FastAPI, server: Server) -> None:
    if server.settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(server.settings.cors_origins),
                           allow_methods=["GET", "POST"], allow_headers=["authorization", "content-type"])

    app.add_middleware(Guard, server=server)  # added last: outermost, before CORS


def _routes(app: FastAPI, server: Server) -> None:
    @app.get("/health")
    async def health():
        return {"status": "ok", "models": list(server.models)}

    @app.get("/health/live")
    async def live():  # the process answers (Kubernetes' liveness probe)
        return {"status": "ok"}

    @app.get("/health/ready")
    async def ready():  # every model loaded and answered a warm-up item (readiness probe)
        if not getattr(server, "ready", False):
            reason = getattr(server, "not_ready", None)
            return JSONResponse({"status": "failed" if reason else "starting", "reason": reason}, status_code=503)
        return {"status": "ready", "models": list(server.models)}

    @app.get("/metrics")
    async def metrics():
        return PlainTextResponse(server.metrics.text(), media_type="text/plain; version=0.0.4")

    @app.get("/v1/models")
    async def catalog():
        return server.catalog()

    @app.get("/v1/models/{name}")
    async def describe(name: str):
        return server.describe(name)

    async def run(request: Request):
        return await server.run(request.path_params["name"], request.path_params["verb"], request)

    # a plain Starlette route: FastAPI's per-request dependency solving and exit stacks cost
    # about as much event-loop time as the model's own share of a batch (serve_load.py)
    app.router.add_route("/v1/models/{name}/{verb}", run, methods=["POST"])

    @app.get("/openapi.json")
    async def openapi():
        return document(server)

    @app.get("/docs", response_class=HTMLResponse)
    async def docs():
        return HTMLResponse(page(document(server)))

    @app.get("/", response_class=HTMLResponse)
    async def demo():
        return HTMLResponse(DEMO.read_text(encoding="utf-8"))


def _errors(app: FastAPI) -> None:
    @app.exception_handler(RequestError)
    async def bad_request(request, exc: RequestError):
        return JSONResponse(exc.body(), status_code=exc.status, headers={"Retry-After": "1"} if exc.status == 429 else None)

    @app.exception_handler(RnnlpError)
    async def rnnlp_error(request, exc: RnnlpError):  # a model's own check (e.g. generation options)
        return error(422, "input", str(exc))

    @app.exception_handler(HTTPException)
    async def http_error(request, exc: HTTPException):
        return error(exc.status_code, "path", f"{exc.detail} ({request.method} {request.url.path})")

    @app.exception_handler(Exception)
    async def internal(request, exc: Exception):  # logged by uvicorn; the server keeps serving
        return error(500, "server", f"internal error: {type(exc).__name__}: {exc}".splitlines()[0])
