"""Domain errors. The API maps each class to one HTTP status in api/errors.py.

Messages are written for the officer reading them and never contain personal data.
"""

from __future__ import annotations

from collections.abc import Sequence
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


class UnavailableError(DomainError):
    """The database connection broke before the command could finish (the server restarted, the network
    dropped): nothing was written, and the same request can be sent again."""


@dataclass(frozen=True)
class FieldError:
    """One failing field: a JSON pointer into the submitted document and what is wrong."""

    pointer: str
    message: str
    rule: str = ""
    """The JSON Schema keyword that failed (`required`, `pattern`...), so pages can word it themselves."""


class ValidationFailedError(DomainError):
    """Submitted data breaks its form's JSON Schema or a domain rule on a field."""

    def __init__(self, message: str, errors: list[FieldError]):
        super().__init__(message)
        self.errors = errors


class IdempotencyKeyReusedError(ValidationFailedError):
    """A reception sent with the Idempotency-Key of an earlier one, but not the same request."""

    def __init__(self, dossier_code: str):
        super().__init__(f"the Idempotency-Key was used for another request, received as dossier {dossier_code}; "
                         "send a new key to receive a new dossier", [FieldError(
                             "/headers/Idempotency-Key", "was used for a different request")])
        self.dossier_code = dossier_code


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a procedure definition, on the BPMN element (task, lane, sequence flow...)
    it concerns so a modeler can mark it; `element_id` is None for the manifest, forms or the whole file."""

    element_id: str | None
    message: str


class ProcedureDefinitionError(DomainError):
    """A procedure's manifest, BPMN or forms are inconsistent (raised while loading or publishing).

    `problems` lists everything found when the definition was checked as a whole; it may be empty.
    """

    def __init__(self, message: str, problems: Sequence[Problem] = ()):
        super().__init__(message)
        self.problems = list(problems)


class FileTooLargeError(ValidationFailedError):
    """An uploaded file above the size limit (413)."""


class UnsupportedFileError(ValidationFailedError):
    """An uploaded file whose content is not an accepted kind, or is unsafe (a PDF with scripts, encrypted,
    malformed) (415)."""
