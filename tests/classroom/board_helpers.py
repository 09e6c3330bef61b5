"""What the class board's tests share besides fixtures (those are in this folder's
conftest.py): the test server's variable, passwords, a hand-moved clock, digits and entries
to store, and ways to make a database go away (a closed port, a proxy to cut)."""

from __future__ import annotations

import contextlib
import socket
import threading
import traceback
from pathlib import Path

import numpy as np

import classroom

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse"
DB_SECRET = "hunter2-Db-Secret"
WEIGHTS_A = "a" * 64
WEIGHTS_B = "b" * 64


class FakeClock:
    """A clock the test moves by hand (seconds since the epoch)."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def digit_image(seed: int) -> np.ndarray:
    """A (28, 28) image in [0, 1] whose values are multiples of 1/255 (stored exactly)."""
    return np.random.default_rng(seed).integers(0, 256, (28, 28)) / 255.0


def entry_fields(**overrides) -> dict:
    fields = {
        "test_accuracy": 0.97,
        "class_accuracy": 0.8,
        "params": 242_062,
        "epochs": 3,
        "seconds": 12.5,
        "recipe": {"filters": [32, 64], "dense_units": 128, "optimizer": "adam"},
        "kind": "cnn",
    }
    fields.update(overrides)
    return fields


def total_digits(board: classroom.Board) -> int:
    return sum(board.digit_counts().values())


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TcpProxy:
    """A loopback TCP forwarder to a PostgreSQL server; `close()` is the network going down."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
                upstream = socket.create_connection(self._target)
            except OSError:
                return
            self._sockets += [client, upstream]
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, target), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass

    def close(self) -> None:
        for sock in [self._server, *self._sockets]:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


def everything_said(error: BaseException, caplog) -> str:
    """All a person could be shown or read of an error: its message, its whole traceback
    (every cause and context), and every log line so far."""
    return "\n".join([str(error), *traceback.format_exception(error), caplog.text])
