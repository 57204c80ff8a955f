"""Domain errors. The API maps each class to one HTTP status in api/errors.py.

Every error carries a stable `code` (snake_case; the class's default unless the raise site names a more
precise one) and `params`, the safe values a page needs to say it in the reader's language (statuses,
dossier codes, step names, dates, counts); the English message stays for logs and the API's `detail`.
Neither messages nor params ever contain personal data. A new code is one keyword at the raise site
(`raise ConflictError("...", code="step_not_ready", step=name)`) and its sentence in
api/pages/error_words.py; a code without a sentence falls back to its class's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

Param = str | int | float | bool | date | datetime | None
"""A value a page may show: never a citizen's name, ID number, phone or address."""


class DomainError(Exception):
    """Base of every error a command raises on purpose."""

    code: str = "domain_error"
    """The class's default; a raise site may name a more precise one."""

    def __init__(self, message: str, *, code: str | None = None, **params: Param):
        super().__init__(message)
        if code is not None:
            self.code = code
        self.params: dict[str, Param] = params


class NotFoundError(DomainError):
    """An unknown procedure, unit, dossier or task."""

    code = "not_found"


class ForbiddenError(DomainError):
    """The actor lacks the role or works at another unit."""

    code = "forbidden"


class AuthenticationError(DomainError):
    """Wrong username or password, or an invalid token."""

    code = "authentication_failed"


class ConflictError(DomainError):
    """The action is not allowed in the current state, or another officer changed it first. `status`, the
    dossier's (or submission's) status now, is also a param."""

    code = "conflict"

    def __init__(self, message: str, *, status: str | None = None, code: str | None = None, **params: Param):
        super().__init__(message, code=code, **({"status": status} if status else {}), **params)
        self.status = status


class UnavailableError(DomainError):
    """The database connection broke before the command could finish (the server restarted, the network
    dropped): nothing was written, and the same request can be sent again."""

    code = "unavailable"


@dataclass(frozen=True)
class FieldError:
    """One failing field: a JSON pointer into the submitted document and what is wrong."""

    pointer: str
    message: str
    rule: str = ""
    """The JSON Schema keyword that failed (`required`, `pattern`...), so pages can word it themselves."""


class ValidationFailedError(DomainError):
    """Submitted data breaks its form's JSON Schema or a domain rule on a field."""

    code = "invalid_input"

    def __init__(self, message: str, errors: list[FieldError], *, code: str | None = None, **params: Param):
        super().__init__(message, code=code, **params)
        self.errors = errors


class IdempotencyKeyReusedError(ValidationFailedError):
    """A reception sent with the Idempotency-Key of an earlier one, but not the same request."""

    code = "idempotency_key_reused"

    def __init__(self, dossier_code: str):
        super().__init__(f"the Idempotency-Key was used for another request, received as dossier {dossier_code}; "
                         "send a new key to receive a new dossier", [FieldError(
                             "/headers/Idempotency-Key", "was used for a different request")],
                         dossier_code=dossier_code)
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

    code = "invalid_procedure"

    def __init__(self, message: str, problems: Sequence[Problem] = (), *, code: str | None = None,
                 **params: Param):
        super().__init__(message, code=code, **params)
        self.problems = list(problems)


class FileTooLargeError(ValidationFailedError):
    """An uploaded file above the size limit (413)."""

    code = "file_too_large"


class UnsupportedFileError(ValidationFailedError):
    """An uploaded file whose content is not an accepted kind, or is unsafe (a PDF with scripts, encrypted,
    malformed) (415)."""

    code = "unsupported_file"
