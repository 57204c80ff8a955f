"""E-mail notices over SMTP, behind the outbox's Transport port (engine/domain/outbox.py; issue 23).

One connection per message (notices are few and far between; the worker retries a failure later). The
Message-ID is made from the message's key, so a repeat after a crash is the same mail to the receiving
server and the citizen's client. A recipient the server refuses for good (5xx) parks the message; anything
else (a 4xx, a server down, a timeout, a login refused) is a passing failure, retried with back-off.

The address, subject and body are personal: nothing here logs, and a failure's reason (which admins read)
names the SMTP code and what failed, never the address or the server's own words, which often quote it.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

from engine.domain.outbox import DeliveryFailed, OutboundMessage

TIMEOUT = 10.0
"""Seconds for the connection and for each command's answer."""
_NOT_IN_ID = re.compile(r"[^A-Za-z0-9._-]")
_YES = ("1", "true", "yes", "on")


class SmtpTransport:
    def __init__(self, host: str, port: int, *, sender: str, username: str = "", password: str = "",
                 starttls: bool = False, implicit_tls: bool = False, timeout: float = TIMEOUT):
        """`sender`: the From header (`Trung tâm … <noreply@…>`); `starttls`: upgrade the connection before
        logging in; `implicit_tls`: the server speaks TLS from the start (smtps, port 465)."""
        self.host, self.port, self.sender = host, port, sender
        self._username, self._password = username, password
        self.starttls, self.implicit_tls, self.timeout = starttls, implicit_tls, timeout

    @classmethod
    def from_url(cls, url: str, *, password: str = "") -> SmtpTransport:
        """`smtp://user@host:port?from=…&starttls=1` (or `smtps://` for TLS from the start); the password
        comes apart (ONESTOP_SMTP_PASSWORD) so that the URL can be shown."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("the SMTP URL must look like smtp://user@host:port?from=address")
        query = parse_qs(parts.query)
        sender = query.get("from", [""])[0]
        if not parseaddr(sender)[1]:
            raise ValueError("the SMTP URL must name the sender: ?from=address")
        implicit = parts.scheme == "smtps"
        return cls(parts.hostname, parts.port or (465 if implicit else 25), sender=sender,
                   username=unquote(parts.username or ""), password=password,
                   starttls=query.get("starttls", ["0"])[0].lower() in _YES, implicit_tls=implicit)

    def deliver(self, message: OutboundMessage) -> None:
        mail = self.compose(message)
        try:
            with self._connect() as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self._username:
                    smtp.login(self._username, self._password)
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as error:
            codes = sorted({code for code, _ in error.recipients.values()})
            raise DeliveryFailed(f"the mail server refused the recipient (SMTP {_codes(codes)})",
                                 permanent=all(500 <= code < 600 for code in codes)) from None
        except smtplib.SMTPDataError as error:  # the message itself refused (too large, policy): 5xx for good
            raise DeliveryFailed(f"the mail server refused the message (SMTP {error.smtp_code})",
                                 permanent=500 <= error.smtp_code < 600) from None
        except smtplib.SMTPResponseException as error:
            raise DeliveryFailed(f"the mail server answered {error.smtp_code} ({type(error).__name__})") from None
        except (smtplib.SMTPException, OSError) as error:  # refused connection, timeout, TLS, disconnection
            raise DeliveryFailed(f"the mail server could not be reached ({type(error).__name__})") from None

    def compose(self, message: OutboundMessage) -> EmailMessage:
        """The mail of a notice (payload `to`, `subject`, `body`), in UTF-8."""
        payload = message.payload
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = payload["to"]
        mail["Subject"] = payload["subject"]
        mail["Date"] = format_datetime(message.created_at)
        mail["Message-ID"] = message_id(message.key, self.sender)
        mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: out-of-office replies are not sent back
        mail.set_content(payload["body"], charset="utf-8", cte="base64")  # 7-bit safe whatever the server
        return mail

    def _connect(self) -> smtplib.SMTP:
        if self.implicit_tls:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                    context=ssl.create_default_context())
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)


def message_id(key: str, sender: str) -> str:
    """`<{key}@{sender's domain}>`, the key's characters an id may not hold replaced: the same key, the same id."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "onestop.invalid"
    return f"<{_NOT_IN_ID.sub('.', key)}@{domain}>"


def _codes(codes: list[int]) -> str:
    return ", ".join(str(code) for code in codes)
