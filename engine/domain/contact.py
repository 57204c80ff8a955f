"""Where a citizen wants to hear about their dossier, and whether they agreed to (issue 23).

Given at reception (the counter's form, or the portal's submission); notices go only to a contact with
consent. Personal data: never in a history event, a log or a public answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Contact:
    email: str | None = None
    phone: str | None = None
    """A Vietnamese mobile number as +84…"""
    consent: bool = False
    """The citizen agreed to receive notices at these addresses."""

    def to_json(self) -> dict[str, Any]:
        return {"email": self.email, "phone": self.phone, "consent": self.consent}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Contact | None:
        if data is None:
            return None
        return cls(data.get("email"), data.get("phone"), bool(data.get("consent")))
