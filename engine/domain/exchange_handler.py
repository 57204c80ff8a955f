"""The packages a handler's dossier change calls for (engine/domain/exchange.py, docs/exchange.md).

The handler (B) runs the steps of a dossier another province (A) received; A keeps the citizen, the national
portal's record and the counter. B tells A what its steps decided: the dossier is in its competent unit's inbox
(`accepted`), something is missing (`supplement_requested`, the clock stops on both sides at the same instant),
the result is ready with the signed result file (`result_ready`), or handling stopped (`stopped`). Each package
reports one history event of the change and is named by it (`{code}:{kind}:{seq}`). What B applies from A
calls for nothing here: no echo. Pure: what lies beyond the dossier comes from `OutboundFacts`.
"""

from __future__ import annotations

from datetime import datetime

from engine.domain.dossier import Dossier, EventKind
from engine.domain.exchange import ExchangeRole, PackageKind, package_message
from engine.domain.notice import NoticeKind
from engine.domain.outbound import Change, OutboundFacts, Recorded
from engine.domain.outbox import OutboundMessage
from engine.domain.status import DossierStatus


def messages(change: Change, facts: OutboundFacts, now: datetime) -> list[OutboundMessage]:
    """The packages `change` calls for, in the order its events were recorded."""
    dossier = change.dossier
    if dossier.exchange is None or dossier.exchange.role != ExchangeRole.HANDLER or dossier.id is None:
        return []
    out = []
    for recorded in change.recorded:
        event = recorded.event
        if event.kind == EventKind.RECEIVED_FROM_PROVINCE and event.data.get("package") == PackageKind.DOSSIER.value:
            out.append(_message(dossier, PackageKind.ACCEPTED, recorded, now,
                                {"unit": _unit(facts, dossier.competent_unit_id)}))
        elif (event.kind == EventKind.NOTICE_ISSUED
              and event.data.get("notice") == NoticeKind.SUPPLEMENT_REQUEST.value):
            notice = next(n for n in dossier.notices_of(NoticeKind.SUPPLEMENT_REQUEST)
                          if n.number == event.data.get("number"))
            out.append(_message(dossier, PackageKind.SUPPLEMENT_REQUESTED, recorded, now, {
                "number": notice.number, "reasons": notice.reasons,
                "items": [{"name": i.name, "form": i.form, "copies": i.copies} for i in notice.items],
                "reply_by": notice.reply_by.isoformat() if notice.reply_by else None,
                "unit": _unit(facts, notice.unit_id)}))
        elif event.kind == EventKind.STATUS_CHANGED and event.data.get("status") == DossierStatus.RESULT_READY.value:
            out.append(_result_ready(dossier, recorded, facts, now))
        elif event.kind == EventKind.STATUS_CHANGED and event.data.get("status") == DossierStatus.STOPPED.value:
            stop = dossier.notices_of(NoticeKind.STOP)[-1]
            out.append(_message(dossier, PackageKind.STOPPED, recorded, now,
                                {"reasons": stop.reasons, "unit": _unit(facts, stop.unit_id)}))
    return out


def _result_ready(dossier: Dossier, recorded: Recorded, facts: OutboundFacts, now: datetime) -> OutboundMessage:
    """The result is ready to return at the sender's centre, with its signed file if one was issued (else the
    result is on paper, and travels as paper does)."""
    assert dossier.id is not None
    result = next((f for f in facts.files(dossier.id) if f.id == dossier.result_file_id), None)
    body = {"unit": _unit(facts, dossier.competent_unit_id),
            "result": {"path": f"files/{result.blob.digest}", "name": result.filename} if result else None}
    return package_message(dossier, PackageKind.RESULT_READY, recorded.seq, at=recorded.event.at, now=now,
                           body=body, blobs=[result.blob] if result else [])


def _message(dossier: Dossier, kind: PackageKind, recorded: Recorded, now: datetime,
             body: dict[str, object]) -> OutboundMessage:
    return package_message(dossier, kind, recorded.seq, at=recorded.event.at, now=now, body=dict(body))


def _unit(facts: OutboundFacts, unit_id: str) -> dict[str, str]:
    return {"id": unit_id, "name": facts.unit(unit_id).name}
