"""uvicorn's h11 HTTP protocol with a deadline on the request head (slowloris).

uvicorn bounds the idle time between requests (keep-alive) but not the time a client takes to
send a request line and its headers: a client that sends one byte a minute holds its connection
(and one of ``--max-connections``) for ever. Here a connection whose request head has not fully
arrived within ``--header-timeout`` seconds of the connection, or of the previous response, is
closed. Once the head is in, ``--body-timeout`` and ``--timeout`` take over.
"""

from __future__ import annotations


def head_deadline_protocol(seconds: float):
    """An ``asyncio.Protocol`` class for ``uvicorn.run(http=...)`` (see the module docstring)."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class HeadDeadline(H11Protocol):
        head_timer = None

        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._arm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._arm()  # the next request's head has the same deadline

        def connection_lost(self, exc) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._disarm()
            self.head_timer = self.loop.call_later(seconds, self._too_slow)

        def _disarm(self) -> None:
            if self.head_timer is not None:
                self.head_timer.cancel()
                self.head_timer = None

        def _too_slow(self) -> None:
            self.head_timer = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():  # no full head yet
                self.transport.close()

    return HeadDeadline
