"""A local stand-in for the SMS provider's HTTP API (engine/adapters/sms.py), strict about its contract.

POST `/sms` with `Authorization: Bearer <token>` and the JSON `{"to", "text", "id"}`: a wrong or missing token
is a 401; a body that is not that object, a number that is not `+84` and nine digits of a mobile range, an empty
or over-long text, or an SMS with characters outside plain ASCII (the product sends them without diacritics) is
a 400. It records every accepted message in arrival order; a repeated `id` is answered with success, flagged
`repeat`, and not counted as a new message (a provider drops it rather than sending it twice).

In a test: `with SmsProvider() as sms: … sms.received …`. From another process:
`python -m tests.fakes.sms_provider --port N --journal FILE` appends every accepted request to FILE as one JSON
line `{"id", "to", "text", "repeat"}`, flushed as it arrives.
"""

from __future__ import annotations

import argparse
import json
import re
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from tests.fakes.local_server import LocalServer

MOBILE = re.compile(r"\+84[35789]\d{8}")
MAX_TEXT = 480  # three concatenated segments: more is not an SMS any provider takes in one request


class Provider:
    """What the provider took and the outages to simulate, behind one lock."""

    def __init__(self, token: str, journal: Path | None = None):
        self.token, self.journal = token, journal
        self.lock = threading.Lock()
        self.received: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        """Every accepted request, repeats included, in arrival order."""
        self.refused: list[int] = []
        self._ids: set[str] = set()
        self._failures: list[int] = []

    def take(self, body: Any) -> tuple[int, dict[str, Any]]:
        if not _well_formed(body):
            return 400, {"error": "invalid message"}
        repeat = body["id"] in self._ids
        entry = {"id": body["id"], "to": body["to"], "text": body["text"], "repeat": repeat}
        self.requests.append(entry)
        if not repeat:
            self._ids.add(body["id"])
            self.received.append(entry)
        if self.journal is not None:
            with self.journal.open("a", encoding="utf-8") as out:
                out.write(json.dumps(entry, ensure_ascii=False) + "\n")
                out.flush()
        return 200, {"id": body["id"], "status": "accepted", "repeat": repeat}


def _well_formed(body: Any) -> bool:
    if not isinstance(body, dict) or set(body) != {"to", "text", "id"}:
        return False
    to, text, key = body["to"], body["text"], body["id"]
    return (isinstance(to, str) and MOBILE.fullmatch(to) is not None and isinstance(key, str) and bool(key)
            and isinstance(text, str) and 0 < len(text) <= MAX_TEXT and text.isascii() and text.isprintable())


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with provider.lock:
                status, answer = self._handle(raw)
                if status != 200:
                    provider.refused.append(status)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _handle(self, raw: bytes) -> tuple[int, dict[str, Any]]:
            if self.path != "/sms":
                return 404, {"error": "not found"}
            if self.headers.get("Authorization") != f"Bearer {provider.token}":
                return 401, {"error": "unauthorized"}
            if provider._failures:
                return provider._failures.pop(0), {"error": "unavailable"}
            try:
                body = json.loads(raw)
            except ValueError:
                return 400, {"error": "not JSON"}
            return provider.take(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: the bodies hold (fake) phone numbers

    return Handler


class SmsProvider(LocalServer):
    """The provider on a free port of 127.0.0.1, in a thread, for the length of a `with` block."""

    def __init__(self, token: str = "sms-token", port: int = 0, journal: Path | None = None):
        self.provider = Provider(token, journal)
        super().__init__(_handler(self.provider), port)

    @property
    def url(self) -> str:
        return f"{self.origin}/sms"

    @property
    def token(self) -> str:
        return self.provider.token

    def __enter__(self) -> SmsProvider:
        super().__enter__()
        return self

    @property
    def received(self) -> list[dict[str, Any]]:
        """Each message once, in arrival order: {id, to, text, repeat=False}."""
        with self.provider.lock:
            return list(self.provider.received)

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every accepted request, repeats included (flagged `repeat`)."""
        with self.provider.lock:
            return list(self.provider.requests)

    @property
    def refused(self) -> list[int]:
        """The status of every request not accepted, in order."""
        with self.provider.lock:
            return list(self.provider.refused)

    def fail_next(self, n: int, status: int = 503) -> None:
        """The next `n` authorised requests answer `status` without being looked at."""
        with self.provider.lock:
            self.provider._failures.extend([status] * n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--journal", type=Path, required=True)
    parser.add_argument("--token", default="sms-token")
    args = parser.parse_args()
    server = SmsProvider(args.token, args.port, args.journal)
    print(f"SMS fake provider on {server.url}", flush=True)
    server.serve_until_interrupted()


if __name__ == "__main__":
    main()
