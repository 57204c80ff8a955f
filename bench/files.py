"""Files benchmark (issue 20): what a scanned document costs at the counter, through the HTTP layer (Flask's
test client, in process), on SQLite and on PostgreSQL, with the local filesystem store and with S3.

    .venv/bin/python -m bench.files              # 30 repetitions, 50 dossiers, 10 results (~30 s on 2 cores)
    .venv/bin/python -m bench.files --quick      # 8 repetitions, 15 dossiers, 4 results (~15 s)
    .venv/bin/python -m bench.files --json build/bench/files.json

1. Attaching a 2 MB scan (a PDF wrapping a 2 MB JPEG of noise, so nothing compresses it; every upload's bytes
   are distinct, so every one is a new blob): `POST /files` (staged for a reception) and
   `POST /dossiers/<code>/files` (attached to a dossier at the counter), each request timed whole (multipart
   parse, spool + SHA-256, content check, store write, the transaction).
2. Opening it back: `GET /dossiers/<code>/files/<id>`, the whole body read.
3. Storage per dossier: N birth registrations received at the counter with three scans each (a 300 KB JPEG, a
   500 KB PDF, an 800 KB JPEG, distinct bytes): bytes in the store, and the database bytes of the `files` rows
   (PostgreSQL: growth of pg_total_relation_size('files'), table + indexes + TOAST; SQLite: growth of the pages
   dbstat counts for `files` and its indexes). Then the 800 KB scan of one dossier is attached again to
   another one, at the counter: a row more, no blob more (content addressing).
4. Issuing the signed electronic result (`POST /dossiers/<code>/result`: render with WeasyPrint, sign PAdES
   with the competent unit's demo key, store) at the leader's signing step, each dossier driven there by the
   review; the signing step is left ready.

Each measurement follows a warm-up (untimed requests of the same kind). Databases are fresh: SQLite files
copied from one seeded once (migrations, the 2025 map, procedures, Huế's demo accounts), and PostgreSQL when
ONESTOP_BENCH_POSTGRES_URL (or the tests' ONESTOP_TEST_POSTGRES_URL, or --postgres) names a server whose
user may create databases: `onestop_bench_files_seed` and copies of it are dropped and created. S3 is moto's
ThreadedMotoServer on 127.0.0.1 (in this process, so its work shares the GIL and the two cores with the
app's: an upper bound on what a real S3 or MinIO on the LAN would add, less its network). The local store
and the demo signing keys live in a temporary folder removed at the end. Timings include the test client's
encoding of the multipart body (about 1 ms for 2 MB).
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import math
import os
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import boto3
import psycopg
from PIL import Image
from sqlalchemy import text

from api import create_app
from api.wiring import build
from bench.service_layer import BIRTH, CENTRE, COMPETENT, PASSWORD, STEP_DATA, birth_application, percentiles
from bench.stats_scale import _settings
from engine.adapters.file_store import LocalFileStore, S3FileStore
from engine.domain.unit import HUE_PROVINCE_CODE

API = "/api/v1"
MB = 1024 * 1024
SCAN_BYTES = 2 * MB
COMPONENTS = ((0, "JPEG", 300 * 1024), (1, "PDF", 500 * 1024), (2, "JPEG", 800 * 1024))
"""The three documents of a birth registration, as a counter scans them: position, kind, size."""
UNLIMITED = "1000000 per minute"
S3_CREDENTIALS: dict[str, Any] = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing",
                                  "region_name": "us-east-1"}
SEED_DB = "onestop_bench_files_seed"
TAG = "scan-000000"
"""A fixed-width mark in every sample file, replaced by a counter to make each one's bytes its own."""


# --- sample files ---------------------------------------------------------------------------------------

def _noise(side: int, kind: str) -> bytes:
    out = io.BytesIO()
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    image.save(out, kind, quality=85, **({"title": TAG, "resolution": 150} if kind == "PDF" else {}))
    return out.getvalue()


def noise_file(kind: str, target: int) -> bytes:
    """A JPEG of noise, or a one-page PDF wrapping one (as scanners write them), of `target` bytes or up to
    3 % more (so a 2 MB scan is above the 2 MB limit of JSON bodies, as a real one is)."""
    side = 600
    for _ in range(8):
        content = _noise(side, kind)
        if target <= len(content) <= target * 1.03:
            break
        side = max(16, round(side * math.sqrt(target * 1.015 / len(content))))
    return content


class Variants:
    """Distinct files of one kind and size made from one base: a PDF's title (a fixed-width UTF-16 string,
    so no offset moves) or a JPEG comment segment carries a counter."""

    def __init__(self, kind: str, target: int):
        self.kind, self.base, self.count = kind, noise_file(kind, target), 0

    def next(self) -> bytes:
        self.count += 1
        mark = f"scan-{self.count:06d}"
        if self.kind == "PDF":
            return self.base.replace(TAG.encode("utf-16-be"), mark.encode("utf-16-be"), 1)
        comment = f"{mark}-{uuid.uuid4().hex}".encode()
        return self.base[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + self.base[2:]


# --- databases and stores --------------------------------------------------------------------------------

@dataclass
class Database:
    kind: str
    url: str
    size_of_files: Callable[[], int]
    """Bytes the `files` table and its indexes take."""
    drop: Callable[[], None]
    row_bytes: Callable[[], float]
    """The mean size of one `files` row as stored in the table (its indexes not counted)."""


class Databases:
    """Fresh seeded databases of one kind, copied from one seeded once."""

    def __init__(self, kind: str, folder: Path, admin_url: str | None = None):
        self.kind, self.folder, self.admin = kind, folder, admin_url
        started = time.perf_counter()
        if kind == "sqlite":
            self.seed = folder / "seed.db"
            self._seeded(f"sqlite:///{self.seed}")
        else:
            assert admin_url
            _pg(admin_url, f'DROP DATABASE IF EXISTS "{SEED_DB}" WITH (FORCE)', f'CREATE DATABASE "{SEED_DB}"')
            self._seeded(_with_database(admin_url, SEED_DB))
        _log(f"{kind}: seeded in {time.perf_counter() - started:.1f} s")

    def _seeded(self, url: str) -> None:
        wiring = build(replace(_settings(url), file_store_url=f"file://{self.folder / 'unused-store'}"))
        wiring.setup_demo(HUE_PROVINCE_CODE)
        wiring.engine.dispose()

    def fresh(self, name: str) -> Database:
        if self.kind == "sqlite":
            path = self.folder / f"{name}.db"
            shutil.copy(self.seed, path)
            return Database("sqlite", f"sqlite:///{path}", lambda: _sqlite_files_bytes(path), path.unlink,
                            lambda: _sqlite_row_bytes(path))
        assert self.admin
        database = f"onestop_bench_files_{name}"
        _pg(self.admin, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)',
            f'CREATE DATABASE "{database}" TEMPLATE "{SEED_DB}"')
        url = _with_database(self.admin, database)
        return Database("postgresql", url, lambda: _pg_files_bytes(url),
                        lambda: _pg(self.admin or "", f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'),
                        lambda: _pg_row_bytes(url))

    def close(self) -> None:
        if self.kind == "postgresql" and self.admin:
            _pg(self.admin, f'DROP DATABASE IF EXISTS "{SEED_DB}" WITH (FORCE)')


def _conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _with_database(url: str, name: str) -> str:
    return f"{url.rsplit('/', 1)[0]}/{name}"


def _pg(admin_url: str, *statements: str) -> None:
    with psycopg.connect(_conninfo(admin_url), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def _pg_files_bytes(url: str) -> int:
    with psycopg.connect(_conninfo(url), autocommit=True) as conn:
        row = conn.execute("SELECT pg_total_relation_size('files')").fetchone()
    return int(row[0]) if row else 0


def _pg_row_bytes(url: str) -> float:
    with psycopg.connect(_conninfo(url), autocommit=True) as conn:
        row = conn.execute("SELECT avg(pg_column_size(f.*)) FROM files f").fetchone()
    return float(row[0]) if row and row[0] is not None else 0.0


def _sqlite_row_bytes(path: Path) -> float:
    with sqlite3.connect(path) as conn:
        payload = conn.execute("SELECT coalesce(sum(payload), 0) FROM dbstat WHERE name = 'files'").fetchone()[0]
        rows = conn.execute("SELECT count(*) FROM files").fetchone()[0]
    conn.close()
    return payload / rows if rows else 0.0


def _sqlite_files_bytes(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'files'")]
        marks = ",".join("?" * len(names))
        row = conn.execute(f"SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name IN ({marks})", names).fetchone()
    conn.close()
    return int(row[0])


@dataclass
class Store:
    kind: str
    make: Callable[[], Any]
    """A new, empty store of this kind."""


def blob_bytes(store: Any) -> tuple[int, int]:
    """How many blobs the store holds and their bytes (on a local disk, the bytes allocated)."""
    digests = [digest for digest, _ in store.listing()]
    if isinstance(store, LocalFileStore):
        return len(digests), sum(store.path(d).stat().st_blocks * 512 for d in digests)
    total = 0
    for page in store.client.get_paginator("list_objects_v2").paginate(Bucket=store.bucket, Prefix=store.prefix):
        total += sum(item["Size"] for item in page.get("Contents", []))
    return len(digests), total


@contextmanager
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's server logs every request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def stores(folder: Path, endpoint: str) -> list[Store]:
    admin = boto3.session.Session().client("s3", endpoint_url=endpoint, **S3_CREDENTIALS)

    def local() -> LocalFileStore:
        return LocalFileStore(Path(tempfile.mkdtemp(prefix="store-", dir=folder)))

    def s3() -> S3FileStore:
        bucket = f"bench-{uuid.uuid4().hex[:16]}"
        admin.create_bucket(Bucket=bucket)
        return S3FileStore(bucket, prefix="blobs/", endpoint_url=endpoint, **S3_CREDENTIALS)

    return [Store("local", local), Store("s3", s3)]


# --- the app and the officers' requests -----------------------------------------------------------------

class Counter:
    """The Flask app over one database and one store, and the officers of Phú Xuân (which receives) and
    Vỹ Dạ (where the family lives: the competent unit)."""

    def __init__(self, database: Database, store: Any, folder: Path):
        settings = replace(_settings(database.url), sign_in_rate_limit=UNLIMITED, public_rate_limit=UNLIMITED,
                           file_store_url=f"file://{folder / 'unused-store'}",
                           signing=f"demo:{folder / 'signing'}")
        self.app = create_app({"TESTING": True, "SETTINGS": settings})
        self.app.extensions["onestop"].files = store
        self.store = store
        self.client = self.app.test_client()
        self.reception = self.sign_in(f"reception.{CENTRE}")
        self.specialist = self.sign_in(f"specialist.{COMPETENT}")
        self.leader = self.sign_in(f"leader.{COMPETENT}")
        self.application = birth_application()

    def close(self) -> None:
        self.app.extensions["onestop"].engine.dispose()

    def file_rows(self) -> int:
        with self.app.extensions["onestop"].engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM files")).scalar_one())

    def sign_in(self, username: str) -> dict[str, str]:
        body = self.ok(self.client.post(f"{API}/auth/token", json={"username": username, "password": PASSWORD}))
        return {"Authorization": f"Bearer {body['access_token']}"}

    @staticmethod
    def ok(response: Any, status: int = 200) -> Any:
        if response.status_code != status:
            raise RuntimeError(f"{response.request.method} {response.request.path}: {response.status_code} "
                               f"{response.get_data(as_text=True)[:500]}")
        return response.get_json()

    def stage(self, content: bytes, name: str = "scan.pdf") -> dict[str, Any]:
        return self.ok(self.client.post(f"{API}/files", headers=self.reception, content_type="multipart/form-data",
                                        data={"file": (io.BytesIO(content), name)}), 201)

    def receive(self, files: list[dict[str, int]] | None = None) -> str:
        body: dict[str, Any] = {"procedure_code": BIRTH, "application": self.application}
        if files:
            body["files"] = files
        return str(self.ok(self.client.post(f"{API}/dossiers", json=body, headers=self.reception), 201)["code"])

    def attach(self, code: str, document: int, content: bytes, name: str = "scan.pdf") -> dict[str, Any]:
        return self.ok(self.client.post(f"{API}/dossiers/{code}/files", headers=self.reception,
                                        content_type="multipart/form-data",
                                        data={"file": (io.BytesIO(content), name), "document": str(document)}), 201)

    def open(self, code: str, file_id: int) -> bytes:
        response = self.client.get(f"{API}/dossiers/{code}/files/{file_id}", headers=self.reception, buffered=True)
        if response.status_code != 200:
            raise RuntimeError(f"GET file {file_id}: {response.status_code}")
        return bytes(response.data)

    def at_signing(self) -> str:
        """A dossier received and reviewed: it waits at the leader's signing step."""
        code = self.receive()
        self.complete(code, "review", self.specialist)
        return code

    def complete(self, code: str, step: str, headers: dict[str, str]) -> None:
        detail = self.ok(self.client.get(f"{API}/dossiers/{code}", headers=headers))
        [task] = [t for t in detail["tasks"] if t["step"] == step and t["status"] == "ready"]
        self.ok(self.client.post(f"{API}/tasks/{task['id']}/complete", json={"data": STEP_DATA[step]},
                                 headers=headers))

    def issue(self, code: str) -> dict[str, Any]:
        return self.ok(self.client.post(f"{API}/dossiers/{code}/result", headers=self.leader), 201)

    def signing_ready(self, code: str) -> bool:
        detail = self.ok(self.client.get(f"{API}/dossiers/{code}", headers=self.leader))
        return any(t["step"] == "sign" and t["status"] == "ready" for t in detail["tasks"])


def timed(call: Callable[[], Any], into: list[float]) -> Any:
    started = time.perf_counter()
    result = call()
    into.append(time.perf_counter() - started)
    return result


# --- the measurements -----------------------------------------------------------------------------------

def scans(counter: Counter, scan: Variants, *, runs: int, warm: int) -> dict[str, Any]:
    """1 and 2: stage, attach and open a 2 MB scan, each upload a new blob."""
    stage_s: list[float] = []
    attach_s: list[float] = []
    open_s: list[float] = []
    dossiers = [counter.receive() for _ in range(math.ceil((runs + warm) / 6))]  # 3 documents × 2 files each
    attached: list[tuple[str, int, bytes]] = []
    for n in range(warm + runs):
        content = scan.next()
        timed(partial(counter.stage, content), stage_s)
        code, document = dossiers[n // 6], n % 3
        content = scan.next()
        stored = timed(partial(counter.attach, code, document, content), attach_s)
        attached.append((code, stored["id"], content))
    for code, file_id, content in attached:
        body = timed(partial(counter.open, code, file_id), open_s)
        if body != content:
            raise RuntimeError(f"file {file_id} came back different")
    return {"stage": percentiles(stage_s[warm:]), "attach": percentiles(attach_s[warm:]),
            "open": percentiles(open_s[warm:])}


def results(counter: Counter, *, runs: int, warm: int) -> dict[str, Any]:
    """4: the signed result of dossiers waiting at the signing step (the first issue also makes the demo CA
    and the unit's key, and imports WeasyPrint: warm-up)."""
    codes = [counter.at_signing() for _ in range(warm + runs)]
    issue_s: list[float] = []
    sizes = []
    for code in codes:
        sizes.append(timed(partial(counter.issue, code), issue_s)["size"])
    if not counter.signing_ready(codes[-1]):
        raise RuntimeError("issuing the result completed the signing step")
    return {"issue": percentiles(issue_s[warm:]), "result_bytes": sizes[-1]}


def storage(counter: Counter, database: Database, count: int) -> dict[str, Any]:
    """3: N dossiers with three scans each; store and database bytes per dossier; one scan re-attached."""
    components = [(document, Variants(kind, size)) for document, kind, size in COMPONENTS]
    blobs_before, store_before = blob_bytes(counter.store)
    db_before = database.size_of_files()
    sent, last = 0, b""
    for _ in range(count):
        files = []
        for document, variants in components:
            content = variants.next()
            sent += len(content)
            name = "scan.pdf" if variants.kind == "PDF" else "scan.jpg"
            files.append({"file_id": counter.stage(content, name)["id"], "document": document})
            last = content
        counter.receive(files)
    blobs_after, store_after = blob_bytes(counter.store)
    db_after = database.size_of_files()
    rows_after = counter.file_rows()

    other = counter.receive()
    counter.attach(other, 2, last, "scan.jpg")  # the last dossier's 800 KB scan, again
    blobs_again, store_again = blob_bytes(counter.store)
    db_again = database.size_of_files()
    rows_again = counter.file_rows()
    return {"dossiers": count, "files": 3 * count, "sent_bytes_per_dossier": sent / count,
            "blobs": blobs_after - blobs_before, "store_bytes_per_dossier": (store_after - store_before) / count,
            "db_bytes_per_dossier": (db_after - db_before) / count,
            "row_bytes": database.row_bytes(), "db_files_bytes_total": db_after,
            "reattach": {"bytes": len(last), "new_rows": rows_again - rows_after,
                         "new_blobs": blobs_again - blobs_after, "new_store_bytes": store_again - store_after,
                         "new_db_bytes": db_again - db_after}}


def run(*, quick: bool, postgres: str | None) -> dict[str, Any]:
    runs, warm, dossiers, issues = (8, 2, 15, 4) if quick else (30, 3, 50, 10)
    started = time.perf_counter()
    scan = Variants("PDF", SCAN_BYTES)
    figures: dict[str, Any] = {"scan_bytes": len(scan.base), "repetitions": runs, "results_issued": issues,
                               "timings": [], "storage": []}
    with tempfile.TemporaryDirectory(prefix="onestop-bench-files-") as temporary, s3_endpoint() as endpoint:
        folder = Path(temporary)
        kinds = [("sqlite", None)] + ([("postgresql", postgres)] if postgres else [])
        for kind, admin in kinds:
            databases = Databases(kind, folder, admin)
            try:
                timing_db = databases.fresh("timings")
                for store in stores(folder, endpoint):
                    counter = Counter(timing_db, store.make(), folder)
                    try:
                        _log(f"{kind}/{store.kind}: scans")
                        figures["timings"].append({"database": kind, "store": store.kind,
                                                   **scans(counter, scan, runs=runs, warm=warm)})
                        _log(f"{kind}/{store.kind}: results")
                        figures["timings"][-1].update(results(counter, runs=issues, warm=2))
                    finally:
                        counter.close()
                timing_db.drop()
                for store in stores(folder, endpoint):
                    storage_db = databases.fresh("storage")
                    counter = Counter(storage_db, store.make(), folder)
                    try:
                        _log(f"{kind}/{store.kind}: storage")
                        figures["storage"].append({"database": kind, "store": store.kind,
                                                   **storage(counter, storage_db, dossiers)})
                    finally:
                        counter.close()
                        storage_db.drop()
            finally:
                databases.close()
    figures["seconds"] = time.perf_counter() - started
    return figures


# --- output ---------------------------------------------------------------------------------------------

STARTED = time.perf_counter()


def _log(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:5.1f} s] {message}", file=sys.stderr, flush=True)


def _ms(p: dict[str, float]) -> str:
    return f"{p['p50']:.1f} / {p['p95']:.1f}"


def _kb(n: float) -> str:
    return f"{n / 1024:,.1f} KB"


def table(figures: dict[str, Any]) -> str:
    lines = [f"2 MB scan = a one-page PDF of {figures['scan_bytes']:,} bytes; ms median / p95 over "
             f"{figures['repetitions']} requests (Flask test client, in process)",
             f"{'database':<11}{'store':<7}{'POST /files':>16}{'POST …/files':>16}{'GET …/files/id':>16}"
             f"{'issue result':>18}"]
    for t in figures["timings"]:
        lines.append(f"{t['database']:<11}{t['store']:<7}{_ms(t['stage']):>16}{_ms(t['attach']):>16}"
                     f"{_ms(t['open']):>16}{_ms(t['issue']):>18}")
    lines.append(f"issue result: render (WeasyPrint) + sign (PAdES, demo key) + store, median / p95 of "
                 f"{figures['results_issued']} dossiers at the signing step; a result is "
                 f"{figures['timings'][0]['result_bytes']:,} bytes")
    lines.append("")
    first = figures["storage"][0]
    lines.append(f"storage per dossier: {first['dossiers']} birth registrations × 3 scans (300 KB JPEG, 500 KB PDF, "
                 f"800 KB JPEG) = {_kb(first['sent_bytes_per_dossier'])} sent per dossier")
    lines.append(f"{'database':<11}{'store':<7}{'blobs':>7}{'store/dossier':>16}{'db bytes/dossier':>20}"
                 f"{'files table':>14}{'row':>8}   re-attach one 800 KB scan: rows, blobs, store, db bytes")
    for s in figures["storage"]:
        again = s["reattach"]
        lines.append(f"{s['database']:<11}{s['store']:<7}{s['blobs']:>7}{_kb(s['store_bytes_per_dossier']):>16}"
                     f"{s['db_bytes_per_dossier']:>18,.0f} B{_kb(s['db_files_bytes_total']):>14}"
                     f"{s['row_bytes']:>6.0f} B"
                     f"   +{again['new_rows']}, +{again['new_blobs']}, +{again['new_store_bytes']:,} B, "
                     f"+{again['new_db_bytes']:,} B")
    lines.append("store bytes: local = blocks allocated on disk, S3 = object sizes; database bytes: growth of "
                 "PostgreSQL's pg_total_relation_size('files') or SQLite's dbstat pages of files + its indexes; "
                 "row: mean size of one row in the table alone (pg_column_size; SQLite's record payload)")
    lines.append(f"whole run {figures['seconds']:.0f} s")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and dossiers")
    parser.add_argument("--postgres", default=os.environ.get("ONESTOP_BENCH_POSTGRES_URL")
                        or os.environ.get("ONESTOP_TEST_POSTGRES_URL"),
                        help="admin URL of a PostgreSQL server (default: ONESTOP_BENCH_POSTGRES_URL, else "
                             "ONESTOP_TEST_POSTGRES_URL; neither: SQLite only)")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    args = parser.parse_args()
    figures = run(quick=args.quick, postgres=args.postgres)
    print(table(figures))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
