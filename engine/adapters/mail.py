"""E-mail notices over SMTP, behind the outbox's Transport port (issue 23)."""

from __future__ import annotations

from engine.domain.outbox import OutboundMessage


class SmtpTransport:
    @classmethod
    def from_url(cls, url: str, *, password: str = "") -> SmtpTransport:
        return cls()

    def deliver(self, message: OutboundMessage) -> None:
        raise NotImplementedError("written by the notices part of issue 23")
