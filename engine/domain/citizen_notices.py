"""Notices to the citizen by e-mail and SMS (issue 23): which of a dossier's events the citizen hears about.

Only a dossier whose contact carries the citizen's consent (engine/domain/contact.py) gets notices: by e-mail
to its address and by SMS to its phone, each where that destination is configured. The notices follow the
history events a command recorded (engine/domain/outbound.py `Change`):

- reception (`received`): the receipt's code, look-up secret and appointment;
- a supplementation request (`notice_issued` of kind supplement_request): what to bring, by when;
- an apology with a new appointment (`deadline_extended` for an apology): the new date;
- the wait for the financial obligation (status `awaiting_payment`): the amounts and deadline when the
  procedure's step recorded the notice (engine/domain/step_outputs.py), else the words alone;
- the result ready (status `result_ready`): where it is collected, or that it is posted or online;
- the return (status `returned`): the invitation to rate the service with the code and secret.

The words are engine/domain/citizen_notice_texts.py's (an SMS without diacritics, within two segments). A
notice names the dossier's code and secret and what the citizen must do, never the applicant's ID number,
address or application. Each message's key is the dossier code, the event's place in the history, the
destination and the notice: the same change always gives the same keys, and the e-mail's Message-ID and the
SMS's id carry it, so a repeat is recognisable.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from enum import StrEnum

from engine.domain import citizen_notice_texts as texts
from engine.domain.citizen_notice_texts import Payment, Receipt, Words
from engine.domain.dossier import Dossier, EventKind, HistoryEvent
from engine.domain.dossier_code import grouped_secret
from engine.domain.notice import NoticeKind
from engine.domain.outbound import Change, OutboundFacts, stream_of
from engine.domain.outbox import Destination, OutboundMessage
from engine.domain.slip import CENTRE_NAME, in_sentence
from engine.domain.status import DossierStatus


class CitizenNotice(StrEnum):
    """The notices a citizen gets; the message's `kind`."""

    RECEIVED = "received"
    SUPPLEMENT_REQUEST = "supplement_request"
    APOLOGY = "apology"
    FINANCIAL_OBLIGATION = "financial_obligation"
    RESULT_READY = "result_ready"
    RATING_INVITATION = "rating_invitation"


def messages(change: Change, facts: OutboundFacts, destinations: Collection[Destination],
             now: datetime) -> list[OutboundMessage]:
    """The notices `change` calls for, at each enabled destination the citizen gave an address for, in the
    order of the events that call for them."""
    dossier, contact = change.dossier, change.dossier.contact
    if contact is None or not contact.usable:
        return []
    addresses = [(d, a) for d, a in ((Destination.EMAIL, contact.email), (Destination.SMS, contact.phone))
                 if a and d in destinations]
    if not addresses:
        return []
    out: list[OutboundMessage] = []
    for recorded in change.recorded:
        found = notice_for(recorded.event, dossier)
        if found is None:
            continue
        kind, words = found[0], found[1](_receipt(dossier, facts), facts)
        for destination, address in addresses:
            out.append(OutboundMessage(
                destination, kind.value, stream_of(destination, dossier),
                f"{dossier.code}/{recorded.seq}/{destination.value}/{kind.value}",
                _payload(destination, address, words), now, dossier_id=dossier.id))
    return out


Wording = Callable[[Receipt, OutboundFacts], Words]


def notice_for(event: HistoryEvent, dossier: Dossier) -> tuple[CitizenNotice, Wording] | None:
    """The notice `event` calls for, and how to word it from the dossier as the command left it; None for an
    event the citizen is not told about."""
    if event.kind == EventKind.RECEIVED:
        due_at = datetime.fromisoformat(event.data["due_at"]) if "due_at" in event.data else dossier.due_at
        return CitizenNotice.RECEIVED, lambda r, facts: texts.received(
            r, event.at, due_at, _centre(facts, dossier.return_unit_id))
    if event.kind == EventKind.NOTICE_ISSUED and event.data.get("notice") == NoticeKind.SUPPLEMENT_REQUEST.value:
        request = next((n for n in dossier.notices_of(NoticeKind.SUPPLEMENT_REQUEST)
                        if n.number == event.data.get("number")), None)
        if request is None:
            return None
        return CitizenNotice.SUPPLEMENT_REQUEST, lambda r, _: texts.supplement_request(
            r, request.items, request.reasons, request.reply_by)
    if event.kind == EventKind.DEADLINE_EXTENDED and event.data.get("reason") == "apology":
        apologies = dossier.notices_of(NoticeKind.APOLOGY)
        reasons, before = (apologies[-1].reasons, apologies[-1].due_before) if apologies else ("", None)
        new_due = datetime.fromisoformat(event.data["due_at"])
        return CitizenNotice.APOLOGY, lambda r, _: texts.apology(r, reasons, before, new_due)
    if event.kind == EventKind.STATUS_CHANGED:
        return _on_status(event, dossier)
    return None


def _on_status(event: HistoryEvent, dossier: Dossier) -> tuple[CitizenNotice, Wording] | None:
    status = event.data.get("status")
    if status == DossierStatus.AWAITING_PAYMENT.value:
        return CitizenNotice.FINANCIAL_OBLIGATION, lambda r, facts: texts.financial_obligation(
            r, _payment(facts, dossier))
    if status == DossierStatus.RESULT_READY.value:
        return CitizenNotice.RESULT_READY, lambda r, facts: texts.result_ready(
            r, dossier.return_method, _centre(facts, dossier.return_unit_id))
    if status == DossierStatus.RETURNED.value:
        electronic = bool(event.data.get("electronic_result", dossier.result_file_id is not None))
        return CitizenNotice.RATING_INVITATION, lambda r, _: texts.rating_invitation(r, event.at, electronic)
    return None


def _receipt(dossier: Dossier, facts: OutboundFacts) -> Receipt:
    name = facts.manifest(dossier.procedure_version_id).get("name", {})
    procedure = name.get("vi", dossier.procedure_code) if isinstance(name, dict) else str(name)
    return Receipt(dossier.code, grouped_secret(dossier.secret), procedure, _centre(facts, dossier.receiving_unit_id))


def _centre(facts: OutboundFacts, unit_id: str) -> str:
    """"Trung tâm Phục vụ hành chính công phường Phú Xuân"."""
    return f"{CENTRE_NAME} {in_sentence(facts.unit(unit_id).name)}"


def _payment(facts: OutboundFacts, dossier: Dossier) -> Payment | None:
    notice = facts.financial_notice(dossier)
    if notice is None:
        return None
    return Payment(notice.number, [(a.title_vi, int(a.value)) for a in notice.amounts], notice.deadline)


def _payload(destination: Destination, address: str, words: Words) -> dict[str, str]:
    if destination == Destination.SMS:
        return {"to": address, "text": texts.sms_text(words.sms)}
    return {"to": address, "subject": words.subject, "body": words.body}
