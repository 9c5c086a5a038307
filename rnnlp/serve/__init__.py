"""``rnnlp serve``: an HTTP server over the loaded-model protocol (FastAPI + uvicorn, extra ``serve``).

- ``fields``: reading and checking request fields (a ``RequestError`` names the bad one);
- ``verbs``: each task's verbs (what a request holds, how a batch of items runs);
- ``batcher``: dynamic batching of concurrent requests to one model;
- ``generation``: streaming generation with continuous batching of concurrent streams;
- ``metrics``: Prometheus counters and histograms;
- ``app``: the FastAPI application (routes, limits, bearer token, SSE).

Only ``app`` imports FastAPI; nothing outside ``rnnlp serve`` imports this package.
"""
