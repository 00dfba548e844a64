"""An SMTP server on loopback for the worker tests and the benchmark (aiosmtpd, in a thread of
the calling process). It counts what arrives per X-Notification-Key header, so that a test can
tell a lost message (count 0) from a duplicate (count 2), and can answer 451 (try again
later) to the first attempt of every message."""

from __future__ import annotations

import logging
import multiprocessing
import re
import socket
import threading
from collections import Counter

from aiosmtpd.controller import Controller

# aiosmtpd logs every connection at INFO; a benchmark makes thousands.
logging.getLogger("mail.log").setLevel(logging.WARNING)

# The header, with any folded continuation lines (a long key is folded by the generator).
_KEY = re.compile(rb"^X-Notification-Key:[ \t]*([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)", re.IGNORECASE | re.MULTILINE)
_FOLD = re.compile(rb"\r\n[ \t]+")


def notification_key(content: bytes) -> str:
    """The X-Notification-Key of a message as received ("" if it has none)."""
    match = _KEY.search(content.split(b"\r\n\r\n", 1)[0])
    # Keys hold no white space: what a fold inserted goes with the line break.
    return _FOLD.sub(b"", match.group(1)).strip().decode() if match else ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Handler:
    def __init__(self, sink: SmtpSink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        return self.sink.arrived(notification_key(envelope.content), envelope)


class SmtpSink:
    """`with SmtpSink() as sink:` serves on 127.0.0.1:`sink.port` until the block ends."""

    def __init__(self, *, defer_first_attempt: bool = False, keep_messages: bool = False, port: int = 0,
                 on_delivery=None):
        self.defer_first_attempt = defer_first_attempt
        self.keep_messages = keep_messages
        self.on_delivery = on_delivery
        self.delivered: Counter[str] = Counter()  # accepted messages per key
        self.deferred: Counter[str] = Counter()  # answered 451 per key
        self.messages: list = []
        self.port = port or free_port()
        self._lock = threading.Lock()
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def arrived(self, key: str, envelope) -> str:
        with self._lock:
            if self.defer_first_attempt and not self.deferred[key]:
                self.deferred[key] += 1
                return "451 4.3.0 Please try again later"
            self.delivered[key] += 1
            if self.keep_messages:
                self.messages.append(envelope)
        if self.on_delivery:
            self.on_delivery()
        return "250 OK"

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def total(self) -> int:
        with self._lock:
            return sum(self.delivered.values())

    def duplicates(self) -> int:
        """Deliveries beyond the first, summed over all keys."""
        with self._lock:
            return sum(count - 1 for count in self.delivered.values() if count > 1)

    def __enter__(self) -> SmtpSink:
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()


def _serve(port: int, total, conn, ready) -> None:
    def count():
        with total.get_lock():
            total.value += 1

    with SmtpSink(port=port, on_delivery=count) as sink:
        ready.set()
        while (request := conn.recv()) != "stop":
            if request == "delivered":
                with sink._lock:
                    conn.send(dict(sink.delivered))


class SmtpSinkProcess:
    """The same server in a process of its own, for the benchmark: its main thread writes
    notifications flat out, and an SMTP server in one of its threads would wait for the GIL
    before every answer (up to 5 ms each, several answers per message)."""

    def __init__(self):
        self.port = free_port()
        context = multiprocessing.get_context("fork")
        self._total = context.Value("q", 0)
        self._conn, child = context.Pipe()
        self._ready = context.Event()
        self._process = context.Process(target=_serve, args=(self.port, self._total, child, self._ready),
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self._process.pid

    def total(self) -> int:
        return self._total.value

    def delivered(self) -> Counter[str]:
        self._conn.send("delivered")
        return Counter(self._conn.recv())

    def __enter__(self) -> SmtpSinkProcess:
        self._process.start()
        if not self._ready.wait(10):
            self._process.kill()
            raise RuntimeError("the SMTP server did not start")
        return self

    def __exit__(self, *exc) -> None:
        try:
            self._conn.send("stop")
            self._process.join(10)
        finally:
            if self._process.is_alive():
                self._process.kill()
                self._process.join(5)
