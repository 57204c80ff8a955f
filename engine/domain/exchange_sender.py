"""The packages a sender's dossier change calls for (engine/domain/exchange.py, docs/exchange.md).

The sender (A) received the dossier; the handler (B) runs its steps. A tells B what happens at its centre: the
dossier itself once received (`dossier`), what the applicant brought when B asked for it (`supplemented`), the
result handed over (`returned`) and a withdrawal (`withdrawn`). Each package reports one history event of the
change and is named by it (`{code}:{kind}:{seq}`), so a command retried or a message delivered twice is one
package. What A applies from B (engine/services/exchange.py) calls for nothing here: no echo.
Pure: what lies beyond the dossier comes from `OutboundFacts`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.domain.dossier import Dossier, EventKind
from engine.domain.exchange import ExchangeRole, PackageKind, package_message
from engine.domain.files import StoredFile
from engine.domain.notice import NoticeKind
from engine.domain.outbound import Change, OutboundFacts, Recorded
from engine.domain.outbox import OutboundMessage
from engine.domain.status import DossierStatus


def messages(change: Change, facts: OutboundFacts, now: datetime) -> list[OutboundMessage]:
    """The packages `change` calls for, in the order its events were recorded."""
    dossier = change.dossier
    if dossier.exchange is None or dossier.exchange.role != ExchangeRole.SENDER or dossier.id is None:
        return []
    out = []
    for recorded in change.recorded:
        event = recorded.event
        if event.kind == EventKind.SENT_TO_PROVINCE and event.data.get("package") == PackageKind.DOSSIER.value:
            out.append(_dossier(dossier, recorded, facts, now))
        elif event.kind == EventKind.SUPPLEMENTED:
            out.append(_supplemented(dossier, recorded, facts, now))
        elif event.kind == EventKind.STATUS_CHANGED and event.data.get("status") == DossierStatus.RETURNED.value:
            body = {"method": dossier.return_method.value if dossier.return_method else None,
                    "data": dossier.exchange.return_data or {}}
            out.append(package_message(dossier, PackageKind.RETURNED, recorded.seq, at=event.at, now=now, body=body))
        elif event.kind == EventKind.STATUS_CHANGED and event.data.get("status") == DossierStatus.WITHDRAWN.value:
            withdrawal = dossier.notices_of(NoticeKind.WITHDRAWAL)[-1]
            out.append(package_message(dossier, PackageKind.WITHDRAWN, recorded.seq, at=event.at, now=now,
                                       body={"reasons": withdrawal.reasons}))
    return out


def _dossier(dossier: Dossier, recorded: Recorded, facts: OutboundFacts, now: datetime) -> OutboundMessage:
    """The dossier as received: what the handler needs to create it and run its steps (docs/exchange.md)."""
    assert dossier.id is not None
    manifest = facts.manifest(dossier.procedure_version_id)
    files = [f for f in facts.files(dossier.id) if not f.is_result]
    reception = next((t.data for t in facts.steps(dossier.id) if t.completed_at is not None
                      and t.unit_id == dossier.receiving_unit_id), {})
    body: dict[str, Any] = {
        "procedure": {"code": dossier.procedure_code, "version": facts.version_number(dossier.procedure_version_id),
                      "name": manifest["name"]["vi"]},
        "received_at": dossier.received_at.isoformat(),
        "submitted_at": (dossier.submitted_at or dossier.received_at).isoformat(),
        "channel": dossier.channel.value,
        "return_method": dossier.return_method.value if dossier.return_method else None,
        "receiving_unit": _unit(facts, dossier.receiving_unit_id),
        "competent_unit": _unit(facts, dossier.competent_unit_id),
        "return_unit": _unit(facts, dossier.return_unit_id),
        "routes": dict(dossier.routes),
        "application": dossier.application,
        "reception": reception or {},
        "components": [{"document": c.document, "name": c.name, "form": c.form, "copies": c.copies,
                        "files": _paths(files, c.document)} for c in dossier.components],
        "history": facts.chain(dossier.id),
    }
    # A file attached to a document nobody ticked as brought still travels, as a component of its own.
    listed = {c.document for c in dossier.components}
    for document in sorted({f.document for f in files if f.document not in listed}, key=lambda d: (d is None, d)):
        body["components"].append({"document": document, "name": "", "form": "electronic",
                                   "files": _paths(files, document)})
    return package_message(dossier, PackageKind.DOSSIER, recorded.seq, at=recorded.event.at, now=now, body=body,
                           blobs=[f.blob for f in files])


def _supplemented(dossier: Dossier, recorded: Recorded, facts: OutboundFacts, now: datetime) -> OutboundMessage:
    """What the applicant brought for the handler's request: its number, the note, the files attached since."""
    assert dossier.id is not None
    number = recorded.event.data.get("number")
    notice = next(n for n in dossier.notices_of(NoticeKind.SUPPLEMENT_REQUEST) if n.number == number)
    brought = [f for f in facts.files(dossier.id) if not f.is_result and f.attached_at is not None
               and f.attached_at >= notice.issued_at]
    documents = sorted({f.document for f in brought}, key=lambda d: (d is None, d))
    body = {"number": number, "note": notice.answer_note,
            "components": [{"document": d, "files": _paths(brought, d)} for d in documents]}
    return package_message(dossier, PackageKind.SUPPLEMENTED, recorded.seq, at=recorded.event.at, now=now,
                           body=body, blobs=[f.blob for f in brought])


def _paths(files: list[StoredFile], document: int | None) -> list[str]:
    return sorted({f"files/{f.blob.digest}" for f in files if f.document == document})


def _unit(facts: OutboundFacts, unit_id: str) -> dict[str, str]:
    return {"id": unit_id, "name": facts.unit(unit_id).name}
