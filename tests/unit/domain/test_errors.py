"""Domain errors carry a stable code and safe params, so pages and API clients can word them: the class gives
the default code, a raise site a more precise one, and the lifecycle table says why it refuses."""

from __future__ import annotations

import pytest

from engine.domain.errors import (
    ConflictError,
    DomainError,
    FieldError,
    ForbiddenError,
    IdempotencyKeyReusedError,
    NotFoundError,
    ValidationFailedError,
)
from engine.domain.lifecycle import Action, next_status
from engine.domain.lookup_lock import LookupLockedError
from engine.domain.status import DossierStatus as S


@pytest.mark.parametrize(("error", "code"), [
    (DomainError("x"), "domain_error"), (NotFoundError("x"), "not_found"), (ForbiddenError("x"), "forbidden"),
    (ConflictError("x"), "conflict"), (ValidationFailedError("x", []), "invalid_input"),
    (LookupLockedError(90), "lookup_locked"),
])
def test_each_class_has_a_default_code_and_keeps_its_english_message(error: DomainError, code: str) -> None:
    assert error.code == code
    assert str(error)


def test_a_raise_site_names_a_precise_code_and_its_params() -> None:
    error = ConflictError("step X is already completed", status="processing", code="step_not_ready", step="X")
    assert (error.code, error.params) == ("step_not_ready", {"status": "processing", "step": "X"})
    assert error.status == "processing" and str(error) == "step X is already completed"
    assert ConflictError("x").code == "conflict"  # the instance's code does not leak into its class


def test_subclasses_keep_their_fields_and_give_their_params() -> None:
    reused = IdempotencyKeyReusedError("19768-250714-0001")
    assert (reused.code, reused.params) == ("idempotency_key_reused", {"dossier_code": "19768-250714-0001"})
    invalid = ValidationFailedError("x", [FieldError("/a", "bad")], code="reasons_missing")
    assert invalid.errors == [FieldError("/a", "bad")] and invalid.code == "reasons_missing"
    assert LookupLockedError(61).params == {"minutes": 2}


@pytest.mark.parametrize(("status", "code"), [
    (S.SUPPLEMENT_REQUESTED, "dossier_waits_for_applicant"),
    (S.AWAITING_PAYMENT, "dossier_waits_for_applicant"),
    (S.RETURNED, "dossier_closed"),
    (S.STOPPED, "dossier_closed"),
])
def test_the_lifecycle_says_why_a_step_cannot_move(status: S, code: str) -> None:
    action = Action.REQUEST_SUPPLEMENT
    with pytest.raises(ConflictError) as caught:
        next_status(action, status)
    assert caught.value.code == code
    assert caught.value.params == {"status": status.value, "action": "request_supplement"}
    assert str(caught.value).isascii()  # English for logs and the API's detail; the words are the pages'


def test_an_action_that_does_not_fit_the_status_is_not_allowed() -> None:
    with pytest.raises(ConflictError) as caught:
        next_status(Action.RETURN, S.PROCESSING)
    assert caught.value.code == "action_not_allowed"

