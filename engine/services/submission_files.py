"""The files handed in with a submission (online, by the national portal's client), for the counter officers
of the centre that decides on it: listed on the submission's page and opened from it. Supervisors read the
queue and the application, never the scans, as with a dossier's files (engine/services/files.py). Once the
submission is accepted its files belong to the dossier and open from the dossier's page.
"""

from __future__ import annotations

from typing import BinaryIO

from engine.domain.actor import Actor, Role
from engine.domain.errors import ForbiddenError, NotFoundError
from engine.domain.files import StoredFile
from engine.domain.ports import FileStore, UnitOfWork
from engine.domain.submission import Submission
from engine.services.files import bytes_of


def of_submission(uow: UnitOfWork, *, actor: Actor, submission_id: int) -> list[StoredFile]:
    with uow:
        submission = _readable(uow, actor, submission_id)
        assert submission.id is not None
        return uow.files.of_submission(submission.id)


def open_file(uow: UnitOfWork, store: FileStore, *, actor: Actor, submission_id: int,
              file_id: int) -> tuple[StoredFile, BinaryIO]:
    """A submission's file and its bytes; 404 for a file of another submission (or of none)."""
    with uow:
        submission = _readable(uow, actor, submission_id)
        stored = uow.files.get(file_id)
        if stored is None or stored.submission_id != submission.id:
            raise NotFoundError(f"submission {submission_id} has no file {file_id}")
    return stored, bytes_of(store, stored)


def _readable(uow: UnitOfWork, actor: Actor, submission_id: int) -> Submission:
    submission = uow.submissions.get(submission_id)
    if submission is None:
        raise NotFoundError(f"submission {submission_id} does not exist")
    if not actor.has(Role.RECEPTION.value, submission.centre_id):
        raise ForbiddenError(f"the files of submission {submission_id} are open to the counter officers of its "
                             "centre")
    return submission
