"""api/schemas/compiled.py: a compiled schema answers exactly what `Schema().dump` answers, keys in the same order,
for the domain objects of the hot endpoints in many states, and for every schema of api/schemas."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import replace
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from marshmallow import Schema, fields

import api.schemas
from api.schemas import compiled
from api.schemas.claims import AssigneeReadSchema, ClaimManyReadSchema
from api.schemas.common import LocalDateTime, page, page_schema
from api.schemas.compiled import dumper
from api.schemas.dossiers import (
    DossierDetailSchema,
    DossierReadSchema,
    DossierReceiptSchema,
    DossierSearchPageSchema,
    HistoryEventReadSchema,
    NoticeReadSchema,
)
from api.schemas.tasks import InboxItemSchema, TaskReadSchema
from engine.domain.dossier import Dossier, EventKind, HistoryEvent
from engine.domain.errors import ConflictError, NotFoundError
from engine.domain.exchange import Exchange, ExchangeRole
from engine.domain.inbox import InboxItem
from engine.domain.status import DossierStatus as S
from engine.domain.task import Task, TaskStatus
from engine.domain.timeliness import Timeliness
from engine.services.claims import ClaimOutcome
from engine.services.dossiers import DossierDetail
from tests.unit.builders import BIRTH, CALENDAR, T0, dossier, published, step

LATER = T0 + timedelta(days=1)


def ordered(value: Any) -> Any:
    """The value with every dict as its list of items, so that key order counts in a comparison."""
    if isinstance(value, dict):
        return [(key, ordered(item)) for key, item in value.items()]
    if isinstance(value, list | tuple):
        return [ordered(item) for item in value]
    return value


def assert_same(schema_class: type[Schema], obj: Any) -> dict[str, Any]:
    expected = schema_class().dump(obj)
    assert ordered(dumper(schema_class)(obj)) == ordered(expected)
    return expected  # type: ignore[no-any-return]


def supplemented() -> Dossier:
    """Asked for missing components, then answered: the notice has its answer and the clock ran again."""
    asked = dossier(S.SUPPLEMENT_REQUESTED)
    asked.supplement(LATER, 7, asked.competent_unit_id, "  đã bổ sung ", CALENDAR, [])
    return asked


def dossiers() -> dict[str, Dossier]:
    by_status = {f"status {status.value}": dossier(status) for status in S}
    return by_status | {
        "supplemented": supplemented(),
        "returned by post": replace(dossier(S.RETURNED), return_method=None),
        "exchange sender": replace(dossier(S.PROCESSING), exchange=Exchange(ExchangeRole.SENDER, "48")),
        "exchange handler": replace(dossier(S.RESULT_READY, procedure=BIRTH),
                                    exchange=Exchange(ExchangeRole.HANDLER, "46", state="result", packages=["p1"])),
        "online": replace(dossier(S.RECEIVED), submission_reference="G22.99-250714-0001", fee_vnd=50_000,
                          routes={"review": "19777"}),
    }


def tasks(of: Dossier) -> list[Task]:
    held = replace(step(of, "approve"), claimed_by=12, claimed_at=T0, holder_name="Trần Thị Bình")
    unnamed = replace(step(of, "sign"), claimed_by=13, claimed_at=LATER)
    done = replace(step(of, "receive", status=TaskStatus.COMPLETED), completed_at=LATER, completed_by=5,
                   form_id="reception", data={"documents_checked": True})
    sent_back = replace(step(of, "check"), sent_back_reason="thiếu chữ ký")
    cancelled = step(of, "pay", status=TaskStatus.CANCELLED)
    return [step(of), held, unnamed, done, sent_back, cancelled]


def history(of: Dossier) -> list[HistoryEvent]:
    return [HistoryEvent(EventKind.RECEIVED, T0, 1, of.receiving_unit_id, {"channel": "in_person"}),
            HistoryEvent(EventKind.CLOCK_PAUSED, LATER, None, None),
            HistoryEvent(EventKind.SUPPLEMENTED, LATER, 7, of.competent_unit_id, {"number": 1, "due_at": "x"})]


@pytest.mark.parametrize("name", list(dossiers()))
def test_a_dossier_reads_the_same(name: str) -> None:
    one = dossiers()[name]
    assert_same(DossierReadSchema, one)
    assert_same(DossierReceiptSchema, one)
    for notice in one.notices:
        assert_same(NoticeReadSchema, notice)


@pytest.mark.parametrize("name", ["status received", "status supplement_requested", "supplemented",
                                  "status withdrawn", "exchange sender"])
def test_a_detail_reads_the_same(name: str) -> None:
    one = dossiers()[name]
    steps = tasks(one)
    marks = {steps[0].id: Timeliness.NEAR_DUE, steps[1].id: None, steps[3].id: Timeliness.BEFORE_TIME}
    detail = DossierDetail(one, published()[one.procedure_code], steps, history(one), Timeliness.IN_TIME, marks)
    dumped = assert_same(DossierDetailSchema, detail)
    assert [task["timeliness"] for task in dumped["tasks"]][:3] == [
        {"class": "near_due", "label": "Near due"}, None, None]
    assert_same(DossierDetailSchema, replace(detail, tasks=[], history=[], timeliness=None))  # type: ignore[arg-type]
    for task in steps:
        assert_same(TaskReadSchema, task)
    for event in history(one):
        assert_same(HistoryEventReadSchema, event)


def test_the_inbox_and_the_dossier_list_read_the_same() -> None:
    one = dossier(S.SUPPLEMENT_REQUESTED)
    items = [InboxItem(task, one.applicant_name, one.procedure_code, clock_stopped_since=one.paused_at,
                       timeliness=mark) for task, mark in zip(tasks(one), [Timeliness.OVERDUE, None] * 3, strict=True)]
    query = {"limit": 20, "offset": 0}
    for item in items:
        assert_same(InboxItemSchema, item)
    assert_same(page_schema(InboxItemSchema), page(items, 6, query))
    found = list(dossiers().values())
    assert_same(DossierSearchPageSchema, {**page(found, 40, query), "query_kind": "name", "total_exact": False})
    assert_same(DossierSearchPageSchema, {**page([], 0, query), "query_kind": None, "total_exact": True})


def test_a_bulk_claim_reads_the_same() -> None:
    task = step(dossier())
    outcomes = [ClaimOutcome(task.id, task=task), ClaimOutcome("x", error=NotFoundError("no step x")),
                ClaimOutcome("y", error=ConflictError("held by someone else"))]
    assert_same(ClaimManyReadSchema, {"items": outcomes})


def test_attribute_and_absent_values_read_as_marshmallow_reads_them() -> None:
    assert_same(AssigneeReadSchema, SimpleNamespace(user_id=3, username="an", display_name="An"))
    assert_same(AssigneeReadSchema, {"user_id": 3, "username": "an"})  # a key left out is left out
    assert_same(AssigneeReadSchema, SimpleNamespace())


def test_a_schema_with_a_dump_hook_falls_back_to_marshmallow() -> None:
    from api.schemas.intake import SubmissionReadSchema

    assert dumper(SubmissionReadSchema).__qualname__.startswith("_fallback")


def test_a_compiled_schema_makes_no_schema_per_call(monkeypatch: pytest.MonkeyPatch) -> None:
    one = dossier()
    detail = DossierDetail(one, published()[one.procedure_code], tasks(one), history(one), Timeliness.IN_TIME, {})
    dumper(DossierDetailSchema)(detail)  # compiled (schemas made) before counting
    made: list[type[Schema]] = []
    monkeypatch.setattr(Schema, "__init__", _counting(made, Schema.__init__))
    dumper(DossierDetailSchema)(detail)
    assert made == []


def _counting(made: list[type[Schema]], init: Any) -> Any:
    def counted(self: Schema, *args: Any, **kwargs: Any) -> None:
        made.append(type(self))
        init(self, *args, **kwargs)
    return counted


def schema_classes() -> list[type[Schema]]:
    found = []
    for module_info in pkgutil.iter_modules(api.schemas.__path__):
        module = importlib.import_module(f"api.schemas.{module_info.name}")
        found += [value for value in vars(module).values() if inspect.isclass(value) and issubclass(value, Schema)
                  and value.__module__ == module.__name__]
    return found


SIMPLE = (fields.String, fields.Integer, fields.Float, fields.Boolean, fields.Date, fields.DateTime, fields.Enum,
          fields.Dict, fields.List, LocalDateTime)


def sample(field: fields.Field) -> Any:
    """A value a field of this type dumps."""
    if isinstance(field, fields.Enum):
        return next(iter(field.enum))
    if isinstance(field, fields.Dict):
        return {sample(field.key_field) if field.key_field else "k": sample(field.value_field)
                if field.value_field else [1, "a"]}
    if isinstance(field, fields.List):
        return [sample(field.inner), sample(field.inner)]
    if isinstance(field, fields.DateTime):
        return T0
    by_type: list[tuple[type[fields.Field], Any]] = [
        (fields.String, "Nguyễn"), (fields.Integer, 42), (fields.Float, 1.5), (fields.Boolean, True),
        (fields.Date, date(2025, 7, 14))]
    return next(value for kind, value in by_type if isinstance(field, kind))


def simple(schema_class: type[Schema]) -> bool:
    schema = schema_class()
    inner = [getattr(field, "inner", field) for field in schema.dump_fields.values()]
    return type(schema).get_attribute is Schema.get_attribute and all(
        type(field) in SIMPLE for field in inner)


@pytest.mark.parametrize("schema_class", schema_classes(), ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_every_schema_compiles_and_simple_ones_read_the_same(schema_class: type[Schema]) -> None:
    dump = dumper(schema_class)
    if not simple(schema_class):
        return
    schema = schema_class()
    names = {field.attribute or name: field for name, field in schema.dump_fields.items()}
    assert_same(schema_class, SimpleNamespace(**{name: sample(field) for name, field in names.items()}))
    assert_same(schema_class, SimpleNamespace(**dict.fromkeys(names)))  # None stays None
    assert_same(schema_class, {name: sample(field) for name, field in names.items()})
    assert dump is dumper(schema_class)  # compiled once


def test_the_cache_holds_each_schema_once() -> None:
    assert dumper(TaskReadSchema) is dumper(TaskReadSchema)
    assert TaskReadSchema in compiled._DUMPERS
