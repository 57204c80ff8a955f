"""A local stand-in for the national portal's synchronisation API (DVCQG), strict about its contract.

The contract is the one docs/dvcqg.md describes (read from OpenCPS's DVCQGIntegrationActionImpl): POST
`/login` with `{"username", "password"}` answers `{"error_code": 0, "session": …}`; POST `/sync` with the
envelope `{"session", "service", "transaction_id", "isUpdating", "data": [record]}`. It refuses, with the
portal's error shape `{"error_code", "message", "field", "problem"}`, a request without a valid session
(401, error_code 2), a missing mandatory field, a date not in `yyyyMMddHHmmss`, a status outside 1–10 and a
progress record for a dossier it has no record of (400, error_code 1). It records every accepted message in
arrival order and accepts a repeated `transaction_id` with success, flagged `duplicate`, without applying it
again.

In a test: `with PortalServer() as portal: … portal.received …`. From another process:
`python -m tests.fakes.dvcqg_portal --port N --journal FILE` appends each accepted message to FILE as one
JSON line.
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from tests.fakes.local_server import LocalServer

OK, DATA_INVALID, SESSION_INVALID, LOGIN_FAILED, UNAVAILABLE = 0, 1, 2, 3, 99
RECORD, PROGRESS = "DongBoHoSoMC", "CapNhatTienDoHoSoMC"

RECORD_MANDATORY = ("MaHoSo", "MaTTHC", "TenTTHC", "KenhThucHien", "LoaiDoiTuong", "NgayNopHoSo", "NgayTiepNhan",
                    "NgayHenTra", "TrangThaiHoSo", "HinhThuc", "DonViXuLy")
NOT_RECEIVED = ("1", "3")  # handed in, or refused reception: no reception date or appointment
PROGRESS_MANDATORY = ("MaHoSo", "NguoiXuLy", "ThoiDiemXuLy", "NoiDungXuLy", "TrangThai")
STATUS_FIELDS = {RECORD: "TrangThaiHoSo", PROGRESS: "TrangThai"}
_DATE = re.compile(r"^\d{14}$")


class Rejected(Exception):
    def __init__(self, status: int, error_code: int, message: str, field: str | None = None,
                 problem: str | None = None):
        super().__init__(message)
        self.status, self.error_code, self.field, self.problem = status, error_code, field, problem

    def answer(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error_code": self.error_code, "message": str(self)}
        if self.field:
            body |= {"field": self.field, "problem": self.problem}
        return body


class Portal:
    """The portal's state, behind one lock: sessions, what it accepted, and the outages to simulate."""

    def __init__(self, username: str, password: str, journal: Path | None = None):
        self.username, self.password, self.journal = username, password, journal
        self.lock = threading.Lock()
        self.sessions: set[str] = set()
        self.logins = 0
        self.received: list[dict[str, Any]] = []
        self.rejected: list[dict[str, Any]] = []
        self._latest: dict[str, dict[str, Any]] = {}
        self._progress: dict[str, list[dict[str, Any]]] = {}
        self._keys: set[str] = set()
        self._failures: list[int] = []

    def login(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("username") != self.username or body.get("password") != self.password:
            raise Rejected(401, LOGIN_FAILED, "Sai tên đăng nhập hoặc mật khẩu")
        session = secrets.token_hex(16)
        self.sessions.add(session)
        self.logins += 1
        return {"error_code": OK, "message": "OK", "session": session}

    def sync(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("session") not in self.sessions:
            raise Rejected(401, SESSION_INVALID, "Phiên làm việc không hợp lệ hoặc đã hết hạn")
        service, key = body.get("service"), body.get("transaction_id")
        if service not in STATUS_FIELDS:
            raise Rejected(400, DATA_INVALID, "Dịch vụ không tồn tại", "service", "unknown service")
        if not isinstance(key, str) or not key:
            raise Rejected(400, DATA_INVALID, "Thiếu mã giao dịch", "transaction_id", "missing")
        data = body.get("data")
        if not isinstance(data, list) or len(data) != 1 or not isinstance(data[0], dict):
            raise Rejected(400, DATA_INVALID, "Dữ liệu không hợp lệ", "data", "must be a list of one record")
        duplicate = key in self._keys
        if not duplicate:
            record = data[0]
            self._check(service, record)
            self._apply(service, record)
            self._keys.add(key)
        entry = {"service": service, "key": key, "body": data[0], "duplicate": duplicate}
        self.received.append(entry)
        if self.journal is not None:
            with self.journal.open("a", encoding="utf-8") as out:
                out.write(json.dumps(entry, ensure_ascii=False) + "\n")
                out.flush()
        return {"error_code": OK, "message": "OK", "transaction_id": key, "duplicate": duplicate}

    def _check(self, service: str, record: dict[str, Any]) -> None:
        mandatory = RECORD_MANDATORY if service == RECORD else PROGRESS_MANDATORY
        if service == RECORD and record.get("TrangThaiHoSo") in NOT_RECEIVED:
            mandatory = tuple(name for name in mandatory if name not in ("NgayTiepNhan", "NgayHenTra"))
        for name in mandatory:
            if record.get(name) in (None, "", []):
                raise Rejected(400, DATA_INVALID, "Thiếu trường bắt buộc", name, "missing")
        for name, value in record.items():
            dated = name.startswith("Ngay") or name == "ThoiDiemXuLy"
            if dated and value not in (None, "") and not _is_date(value):
                raise Rejected(400, DATA_INVALID, "Sai định dạng ngày", name, "not yyyyMMddHHmmss")
        status_field = STATUS_FIELDS[service]
        if record[status_field] not in {str(code) for code in range(1, 11)}:
            raise Rejected(400, DATA_INVALID, "Trạng thái không hợp lệ", status_field, "not a status 1-10")
        if service == PROGRESS and record["MaHoSo"] not in self._latest:
            raise Rejected(400, DATA_INVALID, "Hồ sơ chưa được đồng bộ", "MaHoSo", "no record of this dossier")

    def _apply(self, service: str, record: dict[str, Any]) -> None:
        if service == RECORD:
            self._latest[record["MaHoSo"]] = record
        else:
            self._progress.setdefault(record["MaHoSo"], []).append(record)

    def take_failure(self) -> int | None:
        return self._failures.pop(0) if self._failures else None


def _is_date(value: Any) -> bool:
    if not isinstance(value, str) or not _DATE.match(value):
        return False
    try:
        datetime.strptime(value, "%Y%m%d%H%M%S")
    except ValueError:
        return False
    return True


def _handler(portal: Portal) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            with portal.lock:
                failure = portal.take_failure()
                if failure is not None:
                    return self._answer(failure, {"error_code": UNAVAILABLE, "message": "Hệ thống đang bận"})
                try:
                    body = json.loads(raw or b"{}")
                    if not isinstance(body, dict):
                        raise ValueError
                except ValueError:
                    return self._answer(400, {"error_code": DATA_INVALID, "message": "JSON không hợp lệ"})
                try:
                    if self.path == "/login":
                        return self._answer(200, portal.login(body))
                    if self.path == "/sync":
                        return self._answer(200, portal.sync(body))
                    return self._answer(404, {"error_code": DATA_INVALID, "message": "Không tìm thấy"})
                except Rejected as refusal:
                    portal.rejected.append({"path": self.path, **refusal.answer()})
                    return self._answer(refusal.status, refusal.answer())

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: the bodies hold (fake) personal data

    return Handler


class PortalServer(LocalServer):
    """The portal on a free port of 127.0.0.1, in a thread, for the length of a `with` block."""

    def __init__(self, username: str = "sync", password: str = "secret", port: int = 0,
                 journal: Path | None = None):
        self.portal = Portal(username, password, journal)
        super().__init__(_handler(self.portal), port)

    @property
    def url(self) -> str:
        return self.origin

    def __enter__(self) -> PortalServer:
        super().__enter__()
        return self

    @property
    def received(self) -> list[dict[str, Any]]:
        """Every accepted message, in arrival order: {service, key, body, duplicate}."""
        with self.portal.lock:
            return list(self.portal.received)

    @property
    def rejected(self) -> list[dict[str, Any]]:
        with self.portal.lock:
            return list(self.portal.rejected)

    @property
    def logins(self) -> int:
        with self.portal.lock:
            return self.portal.logins

    def records(self) -> dict[str, dict[str, Any]]:
        """The latest record per MaHoSo."""
        with self.portal.lock:
            return dict(self.portal._latest)

    def progress(self, code: str) -> list[dict[str, Any]]:
        with self.portal.lock:
            return list(self.portal._progress.get(code, []))

    def fail_next(self, n: int, status: int = 503) -> None:
        """The next `n` requests (login included) answer `status` without being looked at."""
        with self.portal.lock:
            self.portal._failures.extend([status] * n)

    def expire_sessions(self) -> None:
        with self.portal.lock:
            self.portal.sessions.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--journal", type=Path, required=True)
    parser.add_argument("--username", default="sync")
    parser.add_argument("--password", default="secret")
    args = parser.parse_args()
    server = PortalServer(args.username, args.password, args.port, args.journal)
    print(f"DVCQG fake portal on {server.url}", flush=True)
    server.serve_until_interrupted()


if __name__ == "__main__":
    main()
