"""The national portal's synchronisation API (DVCQG), behind the outbox's Transport port (issue 23).

The contract (docs/dvcqg.md, after OpenCPS's DVCQGIntegrationActionImpl): log in with the account the
province was given (`POST {url}/login`, answer `{"error_code": 0, "session": …}`), then post each record in
the envelope `{"session", "service", "transaction_id", "isUpdating", "data": [record]}` to `{url}/sync`. The
message's key is the `transaction_id`; the portal echoes it and flags a repeat it did not apply again.
Payloads hold personal data: nothing here logs them, and a refusal's reason keeps the field and the problem
the portal names, never a value.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from engine.domain.outbox import DeliveryFailed, OutboundMessage

log = logging.getLogger(__name__)

OK, DATA_INVALID, SESSION_INVALID = 0, 1, 2
TIMEOUT = httpx.Timeout(15.0, connect=5.0)
MAX_REASON_CHARS = 200
REFUSED_AS_IS = frozenset({400, 422})


class DvcqgClient:
    """Delivers DongBoHoSoMC and CapNhatTienDoHoSoMC messages; keeps its session until the portal drops it."""

    def __init__(self, url: str, username: str, password: str, *, transport: httpx.BaseTransport | None = None):
        self.url = url.rstrip("/")
        self._username, self._password = username, password
        self._session: str | None = None
        self._http = httpx.Client(timeout=TIMEOUT, transport=transport)

    def deliver(self, message: OutboundMessage) -> None:
        """Send `message`; raise DeliveryFailed (permanent when the portal refused its data)."""
        for attempt in range(2):  # once more with a fresh session if the portal dropped ours
            if self._session is None:
                self._session = self._login()
            answer, status = self._post("/sync", {"session": self._session, "service": message.kind,
                                                  "transaction_id": message.key, **message.payload})
            code = answer.get("error_code")
            if code == OK:
                if answer.get("duplicate"):
                    log.info("DVCQG had %s already (message %s)", message.kind, message.id)
                return
            if code == SESSION_INVALID or status == 401:
                self._session = None
                if attempt == 0:
                    continue
                raise DeliveryFailed("DVCQG refused a fresh session")
            # Refused as it is (bad data): parked. Anything else (403, 404, 429, an unknown code) is a setting
            # or a load problem that may pass: retried with back-off.
            raise DeliveryFailed(_reason(message.kind, answer, status),
                                 permanent=code == DATA_INVALID or status in REFUSED_AS_IS)
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        self._http.close()

    def _login(self) -> str:
        answer, status = self._post("/login", {"username": self._username, "password": self._password})
        session = answer.get("session")
        if answer.get("error_code") != OK or not isinstance(session, str):
            # Wrong credentials are a setting to fix, not a fault of the message: a passing failure, so the
            # backlog waits (and is retried with back-off) instead of every message being parked.
            raise DeliveryFailed(f"DVCQG login failed (HTTP {status}, error_code {answer.get('error_code')})")
        return session

    def _post(self, path: str, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
        try:
            response = self._http.post(self.url + path, json=body)
        except httpx.HTTPError as error:
            raise DeliveryFailed(f"DVCQG unreachable: {type(error).__name__}") from None
        if response.status_code >= 500:
            raise DeliveryFailed(f"DVCQG answered HTTP {response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            raise DeliveryFailed(f"DVCQG answered HTTP {response.status_code} without JSON") from None
        if not isinstance(answer, dict):
            raise DeliveryFailed(f"DVCQG answered HTTP {response.status_code} with an unexpected body")
        return answer, response.status_code


def _reason(kind: str, answer: dict[str, Any], status: int) -> str:
    """What the admin reads: the portal's error code, and the field and problem it names. Not its free-text
    message, which may quote the value refused (a name, an ID number)."""
    where = f"{answer.get('field')}: {answer.get('problem')}" if answer.get("field") else "no field named"
    return f"DVCQG refused {kind} (HTTP {status}, error_code {answer.get('error_code')}): {where}"[:MAX_REASON_CHARS]
