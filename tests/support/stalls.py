"""A server that accepts connections and never answers: a hung Stripe or mail relay."""

from __future__ import annotations

import socket
import threading


class StalledServer:
    """Listens on a loopback port, accepts every connection, reads nothing, answers nothing."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._held: list[socket.socket] = []
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self._held.append(connection)

    @property
    def connections(self) -> int:
        return len(self._held)

    def close(self) -> None:
        """Stop listening and drop the held connections (a waiting client sees them closed)."""
        self._closed.set()
        self._listener.close()
        for connection in self._held:
            connection.close()
        self._thread.join(timeout=5)
