"""What a step recorded, readable by the steps after it: its form's data with the form's own field titles.

A completed task keeps the data its officer entered (engine/domain/task.py `data`); the dossier page, the
electronic result and the citizen's page read it through here. The financial-obligation notice is the one
step output the citizen sees: the procedure's manifest names the step and the fields that hold the notice's
number, amounts and deadline (`financial_notice`), and only those fields leave the officers' pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from engine.domain.task import Task, TaskStatus


@dataclass(frozen=True)
class RecordedField:
    title_vi: str
    title_en: str
    value: Any


@dataclass(frozen=True)
class StepOutput:
    task: Task
    fields: list[RecordedField]


@dataclass(frozen=True)
class FinancialNotice:
    """The financial-obligation notice (Thông báo nộp tiền) as the citizen sees it: no personal data."""

    number: str | None
    amounts: list[RecordedField]
    deadline: date | None

    @property
    def total_vnd(self) -> int:
        return sum(int(a.value) for a in self.amounts if isinstance(a.value, int))


def recorded_fields(form: dict[str, Any] | None, data: dict[str, Any] | None) -> list[RecordedField]:
    """The data's fields in the form's order, titled as the form titles them; nested objects flattened one
    level ("Mẹ – Họ tên"); empty values left out. Fields the form does not know are shown by their key."""
    properties: dict[str, Any] = (form or {}).get("properties", {})
    out: list[RecordedField] = []
    for key in [*properties, *(k for k in (data or {}) if k not in properties)]:
        if key not in (data or {}):
            continue
        value, schema = (data or {})[key], properties.get(key, {})
        vi, en = str(schema.get("title", key)), str(schema.get("x-title-en", schema.get("title", key)))
        if isinstance(value, dict):
            out += [RecordedField(f"{vi} – {f.title_vi}", f"{en} – {f.title_en}", f.value)
                    for f in recorded_fields(schema, value)]
        elif value not in (None, "", []):
            out.append(RecordedField(vi, en, _titled(schema, value)))
    return out


def _titled(schema: dict[str, Any], value: Any) -> Any:
    """A choice by the title the form gives it (`x-enum-titles`); a boolean stays one, for the reader's language
    to word it (the pages: Yes / Có; the signed result, in Vietnamese: `in_vietnamese`)."""
    choices, titles = schema.get("enum", []), schema.get("x-enum-titles", [])
    if value in choices and len(titles) == len(choices):
        return titles[choices.index(value)]
    return value


def in_vietnamese(value: Any) -> Any:
    """A recorded value as a Vietnamese document writes it: booleans in words."""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    return value


def outputs(tasks: list[Task], forms: dict[str, dict[str, Any]]) -> list[StepOutput]:
    """The completed steps with what they recorded, in the order they were completed."""
    done = sorted((t for t in tasks if t.status == TaskStatus.COMPLETED and t.data),
                  key=lambda t: (t.completed_at or t.created_at, t.id))
    return [StepOutput(t, recorded_fields(forms.get(t.form_id or ""), t.data)) for t in done]


def financial_notice(manifest: dict[str, Any], tasks: list[Task],
                     forms: dict[str, dict[str, Any]]) -> FinancialNotice | None:
    """The notice recorded by the step the manifest names, if that step is completed."""
    spec = manifest.get("financial_notice")
    if not spec:
        return None
    step = next((t for t in tasks if t.step == spec["step"] and t.status == TaskStatus.COMPLETED and t.data), None)
    if step is None or step.data is None:
        return None
    data, properties = step.data, forms.get(step.form_id or "", {}).get("properties", {})
    amounts = [RecordedField(str(properties.get(k, {}).get("title", k)),
                             str(properties.get(k, {}).get("x-title-en", k)), data[k])
               for k in spec.get("amounts", []) if isinstance(data.get(k), int)]
    deadline = data.get(spec.get("deadline", ""))
    number = data.get(spec.get("number", ""))
    return FinancialNotice(str(number) if number else None, amounts,
                           date.fromisoformat(deadline) if isinstance(deadline, str) and _is_date(deadline) else None)


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
