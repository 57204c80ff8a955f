"""A domain error in the page's language: one sentence from the error's `code` and `params` through the gettext
catalogues, or its class's sentence for a code that has none, so a page never shows the engine's English message.

A new code needs one line in `_sentences`; its params are shown as pages show them (a status by its label, a
role by its name, a time the Vietnamese way). Nothing here decides anything: services raise, pages say.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _

from api.pages.i18n import day, lang, moment, role_label, rule_message, status_label
from engine.domain.errors import (
    AuthenticationError,
    ConflictError,
    DomainError,
    FieldError,
    FileTooLargeError,
    ForbiddenError,
    NotFoundError,
    ProcedureDefinitionError,
    UnavailableError,
    UnsupportedFileError,
    ValidationFailedError,
)
from engine.domain.lookup_lock import LookupLockedError
from engine.workflow import WorkflowError


def describe(error: DomainError) -> str:
    """The sentence a page shows for `error`, in the page's language."""
    return (_specific(error) or _fallback(error)) % _words(error)


def describe_status(status: int) -> str:
    """A page's sentence for an HTTP error that no domain error explains (a malformed request, an unknown page)."""
    sentences = {
        400: _("The request could not be read; please go back and send the form again."),
        403: _("You may not do this."),
        404: _("There is no such page."),
        405: _("This page cannot be used that way."),
        413: _("What was sent is too large."),
        429: _("Too many requests; please wait a moment and try again."),
        503: _("The service was briefly unavailable and nothing was saved; please send it again."),
    }
    return sentences.get(status, _("Something went wrong; nothing was saved. Please try again."))


def field_message(field: FieldError, error: DomainError) -> str:
    """What is wrong with one field of a form, beside it: by the JSON Schema rule that failed; else, on an English
    page, the engine's own words for the field; else the error's sentence when its code has one."""
    by_rule = rule_message(field.rule, "") if field.rule else ""
    if by_rule:
        return by_rule
    if lang() == "en":
        return field.message
    return (_specific(error) or _("Please check this field.")) % _words(error)


def _specific(error: DomainError) -> str | None:
    sentences = _sentences()
    return sentences.get(f"{error.code}:{error.params.get('status')}") or sentences.get(error.code)


def _words(error: DomainError) -> _Words:
    return _Words({name: _shown(name, value) for name, value in error.params.items()})


class _Words(dict[str, str]):
    """A sentence's params; one the raise site did not give shows as nothing rather than failing the page."""

    def __missing__(self, key: str) -> str:
        return ""


def _shown(name: str, value: Any) -> str:
    if name == "status" and value:
        return status_label(value)
    if name == "role" and value:
        return role_label(value)
    if isinstance(value, datetime):
        return moment(value)
    if isinstance(value, date):
        return day(value)
    return "" if value is None else str(value)


def _fallback(error: DomainError) -> str:
    """The sentence of the nearest class that has one."""
    sentences = {
        LookupLockedError: _("Too many wrong secrets for this code; please try again in %(minutes)s minutes."),
        AuthenticationError: _("Wrong username or password, or the session has ended; please sign in again."),
        ForbiddenError: _("You may not do this."),
        NotFoundError: _("What you asked for does not exist."),
        FileTooLargeError: _("The file is too large."),
        UnsupportedFileError: _("The file is not an accepted kind (PDF, JPEG or PNG), or it is unsafe."),
        ValidationFailedError: _("The form has errors; see the marked fields."),
        ProcedureDefinitionError: _("The procedure's definition has problems."),
        WorkflowError: _("The procedure's process cannot go on; please tell its administrator."),
        UnavailableError: _("The service was briefly unavailable and nothing was saved; please send it again."),
    }
    for cls in type(error).__mro__:
        if cls in sentences:
            return sentences[cls]
    if isinstance(error, ConflictError) and error.status:
        return _("Could not do that: the dossier is now “%(status)s”. Please reload the page.")
    return _("Could not do that.")


def _sentences() -> dict[str, str]:
    """Sentences by code, and by `code:status` where the status changes what to say."""
    return {
        "dossier_waits_for_applicant:supplement_requested": _(
            "The dossier is waiting for the applicant to bring the missing documents; nothing can be done on "
            "it until they are received."),
        "dossier_waits_for_applicant:awaiting_payment": _(
            "The dossier is waiting for the applicant to pay the financial obligation; nothing can be done on it "
            "until the payment is recorded."),
        "dossier_waits_for_applicant": _("The dossier is waiting for the applicant (%(status)s)."),
        "dossier_closed": _("The dossier is closed (%(status)s); nothing more can be done on it."),
        "not_cross_province": _("This is in province %(province)s, and the procedure is not handled across "
                                "provinces."),
        "no_exchange_peer": _("This is in province %(province)s, which has no deployment registered for the "
                              "exchange of dossiers between provinces."),
        "action_not_allowed": _("This cannot be done while the dossier is “%(status)s”."),
        "step_not_ready": _("The step “%(step)s” has already been completed or cancelled; please reload the page."),
        "step_held_by_other": _("The step “%(step)s” is held by %(officer)s: ask them, or the unit's leader, to "
                                "release or reassign it."),
        "step_not_held": _("The step “%(step)s” is not held by anyone."),
        "step_cannot_be_sent_back": _("The step “%(step)s” cannot be sent back: its procedure names no earlier "
                                      "step for it."),
        "changed_meanwhile": _("Someone else changed the same dossier at the same time; please reload the page "
                               "and try again."),
        "submission_changed_meanwhile": _("Someone else decided or changed this submission meanwhile; please "
                                          "reload it."),
        "result_already_issued": _("The electronic result of dossier %(dossier)s has already been issued."),
        "supplement_items_missing": _("List every missing document."),
        "guidance_items_missing": _("List every missing document."),
        "supplement_already_requested": _(
            "Supplementation was already requested for dossier %(dossier)s: the law allows one written request "
            "listing everything to supplement."),
        "appointment_already_moved": _("The appointment of dossier %(dossier)s has already been moved once."),
        "apology_too_late": _("Too late to apologise and set a new appointment: it had to be done by "
                              "%(latest)s (the appointment is %(due_at)s)."),
        "reasons_missing": _("Write the reasons."),
        "new_appointment_invalid": _("The new appointment must be a working day after the current one."),
        "submission_already_guided": _("This submission has already been guided once; accept or refuse it now."),
        "submission_not_guided_online": _("Only a submission guided to complete online is sent again."),
        "submission_guided_at_counter": _("This submission was guided at the counter: the applicant hands in "
                                          "a new one."),
        "submission_waits_for_applicant": _("This submission is waiting for the applicant to complete it."),
        "required_document_missing": _("A required document is missing: guide the applicant to complete the "
                                       "dossier instead."),
        "comment_too_long": _("The comment is too long (at most %(max)s characters)."),
        "rating_before_return": _("The service can be rated once the result has been returned."),
        "already_rated": _("This dossier has already been rated; a rating cannot be changed."),
        "role_required": _("This needs the role “%(role)s”."),
        "outbox_message_not_parked": _("This message is no longer stopped: it was sent again or delivered meanwhile."),
        "other_unit": _("This belongs to another unit."),
        "counter_action": _("This belongs to the reception counter of the receiving or returning centre."),
        "handling_unit_action": _("This belongs to the unit handling the dossier's current step."),
        "dossier_not_found": _("Dossier %(dossier)s does not exist."),
        "dossier_not_yours": _("Dossier %(dossier)s is not received, handled or returned by your unit."),
        "lookup_no_match": _("No dossier matches this code and secret."),
        "submission_not_found": _("No submission has this reference."),
        "submission_not_yours": _("This submission is not for your centre or province."),
        "result_not_pdf": _("A result is issued as a PDF."),
        "no_electronic_result": _("Dossier %(dossier)s has no electronic result."),
        "result_before_return": _("The electronic result is handed over when the dossier is returned."),
        "result_signed_by_leader": _("The result is issued by the competent unit's leader at the signing step."),
        "no_signing_step": _("Dossier %(dossier)s has no signing step ready at its competent unit."),
        "no_result_to_return": _("Dossier %(dossier)s has no result waiting to be returned."),
        "files_not_attachable": _("Some files cannot be attached; see the marked fields."),
        "file_not_found": _("The file was not found."),
        "dossier_files_closed": _("Dossier %(dossier)s is closed (%(status)s): its files can no longer change."),
        "files_not_yours": _("Files are added at the receiving centre's counter or by the officer holding one "
                             "of the dossier's steps."),
        "no_such_component": _("There is no such component in the procedure's list."),
        "too_many_files": _("Too many files; see the marked fields."),
        "wrong_credentials": _("Wrong username or password."),
        "unknown_action": _("There is no action “%(action)s”."),
        "figures_own_unit": _("You may read the figures of your own unit only."),
        "figures_own_province": _("You may read the figures of your own unit and province only."),
        "dossiers_behind_figures": _("The dossiers behind the figures are for the officers who handle or "
                                     "supervise them."),
        "idempotency_key_reused": _("This form was sent before with other content and received as dossier "
                                    "%(dossier_code)s; send it again to receive a new dossier."),
        "submission_reference_reused": _("This submission was sent before with other content."),
    }
