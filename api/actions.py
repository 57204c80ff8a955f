"""The six one-stop lifecycle actions of a received dossier in one table, used by the JSON API
(api/views/dossiers.py registers an endpoint per row) and by the dossier page's forms
(api/pages/dossier_pages.py): per action, its URL segment, the marshmallow schema of its body, how a page
form becomes that body, and the service call with exactly the dependencies its command takes. Who may
act stays in engine/services/lifecycle.py. The decisions before reception are api/views/intake.py's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marshmallow import Schema
from werkzeug.datastructures import MultiDict

from api.schemas.dossiers import ExtendSchema, ReasonsSchema, ReturnSchema, SupplementRequestSchema, SupplementSchema
from api.wiring import Wiring
from engine.domain.actor import Actor
from engine.domain.calendar import VN_TZ
from engine.domain.dossier import Dossier, ReturnMethod
from engine.domain.errors import ValidationFailedError
from engine.domain.lifecycle import Action
from engine.domain.notice import MissingItem
from engine.services import lifecycle

Body = dict[str, Any]


@dataclass(frozen=True)
class PageForm:
    """What a page's action form sent, and the return step's own fields read by its JSON Schema (asked
    for only by the return, which needs the dossier to know that form)."""

    fields: MultiDict[str, str]
    step_data: Callable[[], Body]


@dataclass(frozen=True)
class LifecycleAction:
    action: Action
    """Also the page's name for it: POST /dossiers/<code>/actions/<action>."""
    segment: str
    """POST /api/v1/dossiers/<code>/<segment>"""
    schema: type[Schema]
    summary: str
    """The endpoint's docstring, which the OpenAPI document shows."""
    from_form: Callable[[PageForm], Body]
    run: Callable[[Wiring, Actor, str, Body], Dossier]
    """The service call, given the body the schema loaded."""


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _aware(local: str) -> str:
    """A `datetime-local` input is Vietnam time; the schema wants an offset."""
    try:
        return datetime.fromisoformat(local).replace(tzinfo=VN_TZ).isoformat()
    except ValueError:
        return local


def _reasons(form: PageForm) -> Body:
    return {"reasons": form.fields.get("reasons", "")}


ACTIONS: tuple[LifecycleAction, ...] = (
    LifecycleAction(
        Action.REQUEST_SUPPLEMENT, "supplement-request", SupplementRequestSchema,
        "Ask once, in writing, for every missing component; the handling clock stops (status 5).",
        from_form=lambda form: _reasons(form) | {"items": [{"name": line} for line in
                                                           _lines(form.fields.get("items", ""))]},
        run=lambda w, actor, code, body: lifecycle.request_supplement(
            w.uow(), actor=actor, catalogue=w.catalogue, calendar=w.calendar, clock=w.clock, code=code,
            reasons=body["reasons"], items=[MissingItem(**item) for item in body["items"]])),
    LifecycleAction(
        Action.SUPPLEMENT, "supplement", SupplementSchema,
        "The missing components arrived: the clock restarts and the appointment moves by the wait.",
        from_form=lambda form: {"note": form.fields.get("note", "")},
        run=lambda w, actor, code, body: lifecycle.supplement(
            w.uow(), actor=actor, calendar=w.calendar, clock=w.clock, code=code, note=body["note"])),
    LifecycleAction(
        Action.WITHDRAW, "withdraw", ReasonsSchema, "The applicant withdraws the dossier (status 7).",
        from_form=_reasons,
        run=lambda w, actor, code, body: lifecycle.withdraw(
            w.uow(), actor=actor, clock=w.clock, code=code, reasons=body["reasons"])),
    LifecycleAction(
        Action.STOP, "stop", ReasonsSchema,
        "After reception the handling unit finds the dossier not eligible (không đủ điều kiện giải quyết): "
        "handling stops with written reasons (status 8, Mẫu 05).",
        from_form=_reasons,
        run=lambda w, actor, code, body: lifecycle.stop(
            w.uow(), actor=actor, clock=w.clock, code=code, reasons=body["reasons"])),
    LifecycleAction(
        Action.EXTEND, "extend", ExtendSchema,
        "Apologise and set a new appointment: once, before the appointment passes.",
        from_form=lambda form: _reasons(form) | {"new_due_at": _aware(form.fields.get("new_due_at", ""))},
        run=lambda w, actor, code, body: lifecycle.extend(
            w.uow(), actor=actor, calendar=w.calendar, clock=w.clock, code=code, reasons=body["reasons"],
            new_due_at=body["new_due_at"])),
    LifecycleAction(
        Action.RETURN, "return", ReturnSchema,
        "Hand the result over (status 10): how, and the return step's form (who collected it).",
        from_form=lambda form: {"method": form.fields.get("method", ReturnMethod.COUNTER.value),
                                "data": form.step_data()},
        run=lambda w, actor, code, body: lifecycle.return_result(
            w.uow(), actor=actor, catalogue=w.catalogue, calendar=w.calendar, clock=w.clock, code=code,
            method=body["method"], data=body["data"])),
)

BY_ACTION = {row.action.value: row for row in ACTIONS}


def named(name: str) -> LifecycleAction:
    """The row of a page's action name; a 422 for a name that is not one of the six."""
    if name not in BY_ACTION:
        raise ValidationFailedError(f"unknown action {name!r}", [], code="unknown_action", action=name)
    return BY_ACTION[name]
