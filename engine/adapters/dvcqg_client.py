"""The national portal's synchronisation API (DVCQG), behind the outbox's Transport port (issue 23)."""

from __future__ import annotations

from engine.domain.outbox import OutboundMessage


class DvcqgClient:
    def __init__(self, url: str, username: str, password: str):
        self.url, self._username, self._password = url, username, password

    def deliver(self, message: OutboundMessage) -> None:
        raise NotImplementedError("written by the DVCQG part of issue 23")
