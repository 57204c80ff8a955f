"""The words of the exchange between provinces (engine/domain/exchange.py) on officers' and citizens' pages: what
a package said, and where a dossier stands with the other province, from the gettext catalogues."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import pgettext


def package_label(kind: Any) -> str:
    """What a package between the two deployments said (its kind), as a history line names it."""
    labels = {
        "dossier": pgettext("package", "the dossier, for handling"),
        "supplemented": pgettext("package", "the applicant's supplement"),
        "returned": pgettext("package", "the result handed to the applicant"),
        "withdrawn": pgettext("package", "the applicant's withdrawal"),
        "accepted": pgettext("package", "accepted for handling"),
        "supplement_requested": pgettext("package", "a request to supplement the dossier"),
        "result_ready": pgettext("package", "the result, ready to return"),
        "stopped": pgettext("package", "handling stopped"),
    }
    return labels.get(_code(kind), str(kind))


def exchange_state_label(state: Any) -> str:
    """Where the dossier stands between the two provinces: the last package sent or applied (the same words on
    either side)."""
    labels = {
        "dossier": _("Dossier sent; not accepted yet"),
        "accepted": _("Accepted for handling"),
        "supplement_requested": _("Supplement requested from the applicant"),
        "supplemented": _("Supplement sent"),
        "result_ready": _("Result sent back, to be returned"),
        "stopped": _("Handling stopped"),
        "returned": _("Result returned to the applicant"),
        "withdrawn": _("Withdrawn by the applicant"),
    }
    return labels.get(_code(state), str(state))


def handled_text(unit: str, province: str) -> str:
    """The citizen's page: where a dossier received here is handled, in another province."""
    return _("Being handled at %(unit)s, %(province)s.", unit=unit, province=province)


def _code(value: Any) -> str:
    return str(getattr(value, "value", value))
