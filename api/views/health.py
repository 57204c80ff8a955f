"""GET /healthz for load balancers, and the minimal home page."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_smorest import Blueprint

from api.wiring import wiring

blp = Blueprint("health", __name__, description="Liveness")


@blp.get("/api/v1/healthz")
def healthz() -> Any:
    with wiring().uow() as uow:  # reading the province list proves the database answers and is seeded
        provinces = len(uow.units.list(kind="province"))
    return {"status": "ok", "provinces": provinces}


@blp.get("/")
@blp.doc(hide=True)
def home() -> Any:
    w = wiring()
    with w.uow() as uow:
        procedures = [w.catalogue.version(uow.procedures, i) for i in uow.procedures.latest_ids()]
        communes = uow.units.list(kind="commune")
    return render_template("home.html", procedures=procedures, communes=communes)
