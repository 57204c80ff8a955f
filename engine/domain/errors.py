"""Domain errors. The API maps each class to one HTTP status in api/errors.py.

Messages are written for the officer reading them and never contain personal data.
"""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    """Base of every error a command raises on purpose."""


class NotFoundError(DomainError):
    """An unknown procedure, unit, dossier or task."""


class ForbiddenError(DomainError):
    """The actor lacks the role or works at another unit."""


class AuthenticationError(DomainError):
    """Wrong username or password, or an invalid token."""


class ConflictError(DomainError):
    """The action is not allowed in the current state, or another officer changed it first."""

    def __init__(self, message: str, *, status: str | None = None):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class FieldError:
    """One failing field: a JSON pointer into the submitted document and what is wrong."""

    pointer: str
    message: str


class ValidationFailedError(DomainError):
    """Submitted data breaks its form's JSON Schema or a domain rule on a field."""

    def __init__(self, message: str, errors: list[FieldError]):
        super().__init__(message)
        self.errors = errors


class ProcedureDefinitionError(DomainError):
    """A procedure's manifest, BPMN or forms are inconsistent (raised while loading or publishing)."""
