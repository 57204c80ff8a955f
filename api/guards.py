"""Checks every request passes before a handler runs: input the databases cannot store is refused
with 400 here, rather than failing deep in a query (PostgreSQL rejects NUL characters in text)."""

from __future__ import annotations

from flask import Flask, Response, request

from api.errors import problem


def _refuse_nul_characters() -> Response | None:
    raw = request.get_data(cache=True)
    if "\x00" in request.full_path or b"\x00" in raw or b"\\u0000" in raw:
        return problem(400, "Bad Request", "NUL characters are not accepted in any part of a request")
    return None


def init_app(app: Flask) -> None:
    app.before_request(_refuse_nul_characters)
