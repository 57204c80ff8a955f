"""SMS notices through the provider's HTTP API, behind the outbox's Transport port (engine/domain/outbox.py;
issue 23).

The provider takes `POST {url}` with the JSON `{to, text, id}` and `Authorization: Bearer <token>`; `id` is the
message's key, so it can drop a repeat (the worker died after sending and before recording it). A 2xx took
it. A 4xx refuses this message as it is (a malformed number): the message is parked. A 401/403 (the token),
408, 429 and 5xx, a timeout or a refused connection are passing failures, retried with back-off: they say
nothing about the message, and once the provider or the token is right the same message goes through.

The phone and the text are personal: nothing here logs, and a failure's reason names the HTTP status or the
error's kind, never the number, the text or the provider's answer (which may quote them).
"""

from __future__ import annotations

import httpx

from engine.domain.outbox import DeliveryFailed, OutboundMessage

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
_NOT_ABOUT_THE_MESSAGE = frozenset({401, 403, 408, 429})


class SmsTransport:
    def __init__(self, url: str, token: str, *, timeout: httpx.Timeout = TIMEOUT):
        self.url, self._token, self.timeout = url, token, timeout

    def deliver(self, message: OutboundMessage) -> None:
        body = {"to": message.payload["to"], "text": message.payload["text"], "id": message.key}
        try:
            response = httpx.post(self.url, json=body, headers={"Authorization": f"Bearer {self._token}"},
                                  timeout=self.timeout)
        except httpx.HTTPError as error:
            raise DeliveryFailed(f"the SMS provider could not be reached ({type(error).__name__})") from None
        status = response.status_code
        if 200 <= status < 300:
            return
        permanent = 400 <= status < 500 and status not in _NOT_ABOUT_THE_MESSAGE
        raise DeliveryFailed(f"the SMS provider answered HTTP {status}", permanent=permanent)
