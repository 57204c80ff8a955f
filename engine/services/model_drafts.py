"""Admins' saved drafts of procedures: open (the saved draft, or the latest version as a fresh one), save
parts of it under its revision, check it, publish it as the next version, discard it, and start the draft
of a procedure never published. No web or database imports.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from engine.domain.actor import Actor
from engine.domain.errors import ConflictError, NotFoundError, Problem, ProcedureDefinitionError
from engine.domain.ports import UnitOfWork
from engine.domain.procedure_draft import ProcedureDraft
from engine.services.procedure_drafts import VersionInfo, draft_problems, require_admin


def open_draft(uow: UnitOfWork, *, actor: Actor, code: str) -> ProcedureDraft:
    """The saved draft of `code`, or its latest version as a draft not saved yet (revision 0).

    Raises:
        NotFoundError: `code` has neither a draft nor a published version.
    """
    with uow:
        require_admin(uow, actor)
        return _current(uow, code)


def save_draft(uow: UnitOfWork, *, actor: Actor, code: str, revision: int, parts: dict[str, Any],
               clock: Callable[[], datetime]) -> ProcedureDraft:
    """Replace the given parts (manifest, bpmn, forms, decisions) of the draft at `revision`; nothing is
    checked but the revision, so an admin can keep unfinished work. Returns the draft at its next revision.

    Raises:
        ConflictError: The draft is not at `revision` any more (saved, published or discarded by someone).
    """
    with uow:
        require_admin(uow, actor)
        current = _current(uow, code)
        _require_revision(current, revision)
        saved = current.changed(parts, at=clock(), by=actor.username)
        uow.drafts.save(saved)
        uow.commit()
    return saved


def start_draft(uow: UnitOfWork, *, actor: Actor, draft: ProcedureDraft,
                clock: Callable[[], datetime]) -> ProcedureDraft:
    """Save the first draft of a procedure never published (e.g. made from the standard template).

    Raises:
        ConflictError: The code is published already, or someone has a draft of it.
    """
    with uow:
        require_admin(uow, actor)
        if uow.procedures.latest_id(draft.code) is not None:
            raise ConflictError(f"procedure {draft.code} exists already; open it to change it")
        if uow.drafts.get(draft.code) is not None:
            raise ConflictError(f"someone has started a draft of procedure {draft.code} already; open it")
        saved = ProcedureDraft(draft.code, None, 0, draft.manifest, draft.bpmn, draft.forms,
                               draft.decisions).changed({}, at=clock(), by=actor.username)
        uow.drafts.save(saved)
        uow.commit()
    return saved


def check_draft(uow: UnitOfWork, *, actor: Actor, code: str) -> list[Problem]:
    """Every problem that would stop the draft of `code` from being published."""
    return draft_problems(open_draft(uow, actor=actor, code=code).as_version())


def publish_saved_draft(uow: UnitOfWork, *, actor: Actor, code: str, revision: int,
                        clock: Callable[[], datetime]) -> VersionInfo:
    """Store the saved draft at `revision` as the next version of `code` and remove the draft.

    Raises:
        ProcedureDefinitionError: The draft has problems, all listed; nothing is stored.
        ConflictError: The draft moved on, a version was published since it was started, or nothing changed.
    """
    draft = open_draft(uow, actor=actor, code=code)
    _require_revision(draft, revision)
    version = draft.as_version()
    # Checked outside the transaction: parsing a large diagram must not hold SQLite's write lock.
    problems = draft_problems(version)
    if problems:
        raise ProcedureDefinitionError(f"the draft has {len(problems)} problem(s); nothing was published", problems)
    with uow:
        latest_id = uow.procedures.latest_id(code)
        latest = uow.procedures.get(latest_id) if latest_id is not None else None
        if (latest.version if latest else None) != draft.base_version:
            raise ConflictError(f"version {latest.version if latest else '?'} of {code} was published after the "
                                f"draft was started from version {draft.base_version}; discard the draft or "
                                "make its changes again on the new version")
        if latest is not None and latest.checksum == version.checksum:
            raise ConflictError(f"nothing changed: the draft is the same as version {latest.version}")
        published_at = clock()
        uow.procedures.add(version, published_at=published_at)
        if draft.revision and not uow.drafts.delete(code, revision=draft.revision):
            raise ConflictError(f"the draft of {code} was changed meanwhile; reload it")
        uow.commit()
    return VersionInfo(code, version.version, published_at, version.checksum)


def discard_draft(uow: UnitOfWork, *, actor: Actor, code: str, revision: int) -> None:
    """Throw the saved draft of `code` away; published versions stay as they are.

    Raises:
        ConflictError: The draft is not at `revision` (someone saved it since) or there is none.
    """
    with uow:
        require_admin(uow, actor)
        if not uow.drafts.delete(code, revision=revision):
            raise ConflictError(f"procedure {code} has no draft at revision {revision} to discard; reload it")
        uow.commit()


def _current(uow: UnitOfWork, code: str) -> ProcedureDraft:
    saved = uow.drafts.get(code)
    if saved is not None:
        return saved
    latest_id = uow.procedures.latest_id(code)
    latest = uow.procedures.get(latest_id) if latest_id is not None else None
    if latest is None:
        raise NotFoundError(f"procedure {code} has neither a draft nor a published version")
    return ProcedureDraft.of_version(latest)


def _require_revision(draft: ProcedureDraft, revision: int) -> None:
    if draft.revision != revision:
        raise ConflictError(f"the draft of {draft.code} is at revision {draft.revision}, not {revision}: someone "
                            "saved it since you opened it; reload it and make your changes again")
