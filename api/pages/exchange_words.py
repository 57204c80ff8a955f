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


def exchange_state_label(state: Any, role: Any) -> str:
    """Where the dossier stands between the two provinces: the last package that came from the other one (what
    this side did since shows in its status and history)."""
    if _code(role) == "sender" and _code(state) == "dossier":  # sent, and nothing back yet
        return _("Dossier sent; not accepted yet")
    return _("Last from the other province: %(package)s", package=package_label(state))


def handled_text(unit: str, province: str) -> str:
    """The citizen's page: where a dossier received here is handled, in another province."""
    return _("Being handled at %(unit)s, %(province)s.", unit=unit, province=province)


def _code(value: Any) -> str:
    return str(getattr(value, "value", value))
