"""Who may take which one-stop action on a dossier: the counter of the centres that receive and return
it, and the officers with one of its steps waiting in their unit's inbox.

The commands check these before acting (403), and pages offer exactly the actions that would succeed.
"""

from __future__ import annotations

from datetime import datetime

from engine.domain.actor import Actor, Role
from engine.domain.dossier import Dossier
from engine.domain.errors import ForbiddenError
from engine.domain.exchange import ExchangeRole
from engine.domain.lifecycle import Action, allows
from engine.domain.notice import NoticeKind
from engine.domain.task import Task, TaskStatus


def is_centre(actor: Actor, dossier: Dossier) -> bool:
    """A counter officer of the centre that received the dossier or will return it; never at the handler of a
    dossier another province received (its centre acts there through the packages, engine/domain/exchange.py)."""
    return not is_handled_for_another_province(dossier) and any(
        actor.has(Role.RECEPTION.value, unit) for unit in (dossier.receiving_unit_id, dossier.return_unit_id))


def is_sender(dossier: Dossier) -> bool:
    """Received here and handled by another province's deployment: no step of it runs here."""
    return dossier.exchange is not None and dossier.exchange.role == ExchangeRole.SENDER


def is_handled_for_another_province(dossier: Dossier) -> bool:
    return dossier.exchange is not None and dossier.exchange.role == ExchangeRole.HANDLER


def is_handler(actor: Actor, steps: list[Task]) -> bool:
    """An officer with a step of this dossier waiting in their unit's inbox for one of their roles."""
    return any(t.status == TaskStatus.READY and actor.has(t.role, t.unit_id) and t.role != Role.RECEPTION.value
               for t in steps)


def require_centre(actor: Actor, dossier: Dossier) -> None:
    if not is_centre(actor, dossier):
        raise ForbiddenError("this action belongs to the reception counter of the receiving or returning centre",
                             code="counter_action")


def require_handler(actor: Actor, steps: list[Task]) -> None:
    if not is_handler(actor, steps):
        raise ForbiddenError("this action belongs to the unit handling the dossier's current step",
                             code="handling_unit_action")


def require_centre_or_handler(actor: Actor, dossier: Dossier, steps: list[Task]) -> None:
    if is_handled_for_another_province(dossier) or not actor.has(Role.RECEPTION.value, dossier.receiving_unit_id):
        require_handler(actor, steps)


def available_actions(dossier: Dossier, steps: list[Task], actor: Actor, now: datetime) -> list[Action]:
    """The lifecycle actions `actor` may take on the dossier at `now`, by the same rules the commands check."""
    # A dossier handled in another province: what needs a step is that province's to do.
    handling = is_handler(actor, steps) and not is_sender(dossier)
    who = {
        # Once received, what is missing is the handling unit's to ask (the counter guided before accepting).
        Action.REQUEST_SUPPLEMENT: handling,
        Action.SUPPLEMENT: is_centre(actor, dossier),
        Action.WITHDRAW: is_centre(actor, dossier),
        Action.STOP: handling,
        Action.EXTEND: (handling and not dossier.notices_of(NoticeKind.APOLOGY)
                        and now < dossier.due_at),  # an apology comes before the appointment passes
        Action.RETURN: is_centre(actor, dossier) and actor.has(Role.RECEPTION.value, dossier.return_unit_id),
    }
    return [action for action, allowed in who.items() if allowed and allows(action, dossier.status)]
