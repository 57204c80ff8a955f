"""The composition root: builds the database, catalogue, calendar and clock once per app, and hands
them to services as explicit arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import current_app

from api.settings import Settings
from engine.adapters.database import make_engine, make_session_factory, migrate
from engine.adapters.definitions import read_procedures
from engine.adapters.uow import SqlUnitOfWork
from engine.domain.calendar import WorkingCalendar
from engine.domain.unit import units_of_province
from engine.services import accounts, procedures
from engine.services.catalogue import Catalogue


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Wiring:
    settings: Settings
    session_factory: Any
    engine: Any
    catalogue: Catalogue
    calendar: WorkingCalendar
    clock: Callable[[], datetime]

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.session_factory)

    def deps(self) -> dict[str, Any]:
        """The keyword arguments most commands take besides the actor."""
        return {"catalogue": self.catalogue, "calendar": self.calendar, "clock": self.clock}

    def migrate(self) -> None:
        migrate(self.engine)

    def setup_demo(self, province: int) -> tuple[int, list[str], list[str]]:
        """Migrate, load the province's units, publish procedures, create demo accounts; idempotent."""
        self.migrate()
        count = accounts.load_units(self.uow(), units_of_province(province))
        published = self.publish_procedures()
        created = accounts.create_demo_accounts(self.uow(), password=self.settings.demo_password)
        return count, published, created

    def publish_procedures(self) -> list[str]:
        definitions = read_procedures(self.settings.processes_dir, self.settings.forms_dir)
        return procedures.publish_changed(self.uow(), definitions=definitions, clock=self.clock)


def build(settings: Settings, *, clock: Callable[[], datetime] = utc_now,
          calendar: WorkingCalendar | None = None) -> Wiring:
    engine = make_engine(settings.database_url)
    return Wiring(settings, make_session_factory(engine), engine, Catalogue(), calendar or WorkingCalendar(), clock)


def wiring() -> Wiring:
    return current_app.extensions["onestop"]
