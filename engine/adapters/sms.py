"""SMS notices through the provider's HTTP API, behind the outbox's Transport port (issue 23)."""

from __future__ import annotations

from engine.domain.outbox import OutboundMessage


class SmsTransport:
    def __init__(self, url: str, token: str):
        self.url, self._token = url, token

    def deliver(self, message: OutboundMessage) -> None:
        raise NotImplementedError("written by the notices part of issue 23")
