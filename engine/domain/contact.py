"""Where a citizen wants to hear about their dossier, and whether they agreed to (issue 23).

Given at reception (the counter's form, or the portal's submission); notices go only to a contact with
consent (engine/domain/citizen_notices.py). Personal data: never in a history event, a log or a public answer.
`checked_contact` is the one gate for what a sender typed: e-mail syntax, a Vietnamese mobile number
normalised to +84…, consent a boolean.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from engine.domain.errors import FieldError, ValidationFailedError


@dataclass(frozen=True)
class Contact:
    email: str | None = None
    phone: str | None = None
    """A Vietnamese mobile number as +84…"""
    consent: bool = False
    """The citizen agreed to receive notices at these addresses."""

    @property
    def usable(self) -> bool:
        """Notices may go here: the citizen agreed, and gave somewhere to send them."""
        return self.consent and bool(self.email or self.phone)

    def to_json(self) -> dict[str, Any]:
        return {"email": self.email, "phone": self.phone, "consent": self.consent}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Contact | None:
        if data is None:
            return None
        return cls(data.get("email"), data.get("phone"), bool(data.get("consent")))


MAX_EMAIL = 254  # RFC 5321's path limit
# ASCII addresses only (no SMTPUTF8): a local part of the characters RFC 5322 allows unquoted, and a domain of
# two or more labels. Enough to catch a typo; whether the mailbox exists only the receiving server knows.
_EMAIL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")
# A Vietnamese mobile number: 0 (or the country code 84) and nine digits, the first of them 3, 5, 7, 8 or 9
# (the mobile ranges since the 2018 renumbering). Spaces, dots, dashes and brackets as people write them.
_MOBILE = re.compile(r"(?:\+?84|0)([35789]\d{8})")
_PHONE_SEPARATORS = str.maketrans("", "", " .-()\t")


def normalised_email(text: str) -> str | None:
    """The address as typed without surrounding blanks, its domain in lower case; None if it is not one."""
    text = text.strip()
    if len(text) > MAX_EMAIL or not _EMAIL.fullmatch(text):
        return None
    local, _, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}"


def normalised_phone(text: str) -> str | None:
    """A Vietnamese mobile number as +84 and nine digits (`0912 345 678` → `+84912345678`); None if it is not one."""
    found = _MOBILE.fullmatch(text.translate(_PHONE_SEPARATORS))
    return f"+84{found.group(1)}" if found else None


def checked_contact(contact: Contact | None, pointer: str = "/contact") -> Contact | None:
    """The contact a sender gave, normalised, or ValidationFailedError with a pointer per bad field. Blank
    addresses count as not given; a contact with no address at all is no contact. A contact without consent
    is kept (the officer may see what was given) but never used."""
    if contact is None:
        return None
    problems = []
    if not isinstance(contact.consent, bool):
        problems.append(FieldError(f"{pointer}/consent", "must be true or false", "type"))
    email = _given(contact.email)
    if email is not None and (email := normalised_email(email)) is None:
        problems.append(FieldError(f"{pointer}/email", "is not an e-mail address", "format"))
    phone = _given(contact.phone)
    if phone is not None and (phone := normalised_phone(phone)) is None:
        problems.append(FieldError(f"{pointer}/phone", "is not a Vietnamese mobile number (e.g. 0912345678)",
                                   "format"))
    if problems:
        raise ValidationFailedError("the contact for notices is not usable", problems)
    if email is None and phone is None:
        return None
    return Contact(email, phone, contact.consent)


def _given(text: str | None) -> str | None:
    return text if text is not None and text.strip() else None
