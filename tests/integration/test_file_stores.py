"""The content-addressed file stores (engine/adapters/file_store.py) keep one contract: each test runs on the
local filesystem and on S3 spoken over HTTP to a real server, moto's, on 127.0.0.1 (no MinIO server can be
installed here; moto implements the same REST API boto3 uses against AWS and MinIO)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from flask import Flask, send_file
from moto.server import ThreadedMotoServer

from engine.adapters.file_store import (
    FileStoreError,
    LocalFileStore,
    S3FileStore,
    file_store_from_url,
)
from engine.domain.ports import FileStore

CREDENTIALS: dict[str, Any] = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing",
                               "region_name": "us-east-1"}
PREFIX = "blobs/"
ROOT = Path(__file__).resolve().parents[2]
OTHER = hashlib.sha256(b"never stored").hexdigest()


@dataclass
class Backend:
    """A store and how to look behind it: `raw` lists every name the backend holds (temporary files too),
    `location` is where a digest's blob must be, `plant` puts bytes at a raw name, and `tick` is how far
    apart two writes must be for their write times to differ (S3 keeps whole seconds)."""

    store: FileStore
    raw: Callable[[], set[str]]
    location: Callable[[str], str]
    plant: Callable[[str, bytes], None]
    strays: list[str]
    """Raw names that are not blobs of the store: its listing must skip them."""
    tick: float
    refusals: Callable[[list[str]], list[str]]
    """Which calls of the store's methods with these names did not raise ValueError."""


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)  # port 0: a free one
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def s3_client(s3_endpoint: str) -> Any:
    """One client for looking behind the stores (making a client costs a tenth of a second)."""
    return boto3.session.Session().client("s3", endpoint_url=s3_endpoint, **CREDENTIALS)


def _local(tmp_path: Path) -> Backend:
    root = tmp_path / "store"

    def raw() -> set[str]:
        return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} if root.exists() else set()

    def plant(name: str, data: bytes) -> None:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)

    d = OTHER
    strays = [f"{d[:2]}/{d[2:4]}/.incoming-x1y2", f"{d[:2]}/{d[2:4]}/{d.upper()}", f"00/00/{d}", f"{d[:2]}/{d}",
              f"{d[:2]}/{d[2:4]}/{d}.part", "README"]
    return Backend(LocalFileStore(root), raw, lambda d: f"{d[:2]}/{d[2:4]}/{d}", plant, strays, tick=0.05,
                   refusals=lambda names: _jailed_refusals(tmp_path / "jail", names))


def _s3(endpoint: str, client: Any, tmp_path: Path) -> Backend:
    bucket = f"blobs-{uuid.uuid4().hex[:16]}"
    client.create_bucket(Bucket=bucket)

    def raw() -> set[str]:
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return {item["Key"] for page in pages for item in page.get("Contents", [])}

    def plant(name: str, data: bytes) -> None:
        client.put_object(Bucket=bucket, Key=name, Body=data)

    d = OTHER
    strays = [f"other/{d[:2]}/{d}", f"{PREFIX}{d[:2]}/{d.upper()}", f"{PREFIX}00/{d}", f"{PREFIX}{d}",
              f"{PREFIX}{d[:2]}/{d}.part", f"{d[:2]}/{d}"]
    # page_size 2: a listing of a few blobs already spans several pages.
    store = S3FileStore(bucket, prefix=PREFIX, page_size=2, endpoint_url=endpoint, **CREDENTIALS)
    _, source = _file(tmp_path, b"content")
    return Backend(store, raw, lambda d: f"{PREFIX}{d[:2]}/{d}", plant, strays, tick=1.05,
                   refusals=lambda names: _refusals(store, source, names))


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "local":
        return _local(tmp_path)
    return _s3(request.getfixturevalue("s3_endpoint"), request.getfixturevalue("s3_client"), tmp_path)


def _file(tmp_path: Path, data: bytes) -> tuple[str, Path]:
    path = tmp_path / f"upload-{uuid.uuid4().hex}"
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest(), path


def _read(store: FileStore, digest: str) -> bytes:
    with store.open(digest) as stream:
        return stream.read()


def _times(store: FileStore) -> dict[str, datetime]:
    listed = list(store.listing())
    times = dict(listed)
    assert len(times) == len(listed), "a digest listed twice"
    return times


def test_a_large_file_comes_back_byte_for_byte(backend: Backend, tmp_path: Path) -> None:
    data = os.urandom(2 * 1024 * 1024)
    digest, source = _file(tmp_path, data)
    backend.store.put(digest, source)
    assert backend.store.exists(digest)
    with backend.store.open(digest) as stream:
        head = stream.read(10)
        rest = stream.read()
        assert stream.read() == b""
    assert head + rest == data
    assert backend.raw() == {backend.location(digest)}, "the blob where the layout says, and nothing else"


def test_the_stream_serves_through_flask_send_file(backend: Backend, tmp_path: Path) -> None:
    data = os.urandom(300_000)
    digest, source = _file(tmp_path, data)
    backend.store.put(digest, source)
    app = Flask(__name__)
    with app.test_request_context():
        response = send_file(backend.store.open(digest), mimetype="application/pdf", download_name="giay.pdf")
        response.direct_passthrough = False
        assert response.get_data() == data
        response.close()


def test_storing_again_is_idempotent_and_refreshes_the_write_time(backend: Backend, tmp_path: Path) -> None:
    data = os.urandom(100_000)
    digest, source = _file(tmp_path, data)
    backend.store.put(digest, source)
    first = _times(backend.store)[digest]
    assert first.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - first) < timedelta(seconds=5)

    time.sleep(backend.tick)
    backend.store.put(digest, _file(tmp_path, data)[1])  # the same bytes from another upload
    second = _times(backend.store)[digest]
    assert second > first
    assert _read(backend.store, digest) == data
    assert backend.raw() == {backend.location(digest)}


def test_exists_and_delete(backend: Backend, tmp_path: Path) -> None:
    digest, source = _file(tmp_path, b"%PDF-1.7 scan")
    store = backend.store
    assert not store.exists(digest)
    store.delete(digest)  # absent: nothing happens
    store.put(digest, source)
    assert store.exists(digest)
    store.delete(digest)
    assert not store.exists(digest)
    assert list(store.listing()) == []
    with pytest.raises(FileNotFoundError):
        store.open(digest)
    store.delete(digest)


def test_opening_an_absent_blob_is_file_not_found(backend: Backend) -> None:
    with pytest.raises(FileNotFoundError):
        backend.store.open(OTHER)


def test_the_listing_gives_exactly_the_stored_digests(backend: Backend, tmp_path: Path) -> None:
    stored = set()
    for n in range(5):
        digest, source = _file(tmp_path, f"file {n}".encode())
        backend.store.put(digest, source)
        stored.add(digest)
    for name in backend.strays:
        backend.plant(name, b"not a blob of this store")
    assert set(_times(backend.store)) == stored
    assert not backend.store.exists(OTHER)


BAD = ["../etc/passwd", OTHER.upper(), OTHER[:63], OTHER + "0", "", f"{OTHER}\n", "../" + OTHER[3:],
       f"{OTHER[:2]}/{OTHER[2:]}"[:64]]


def _refusals(store: FileStore, source: Path, names: list[str]) -> list[str]:
    """Every call of a store method with one of `names` that did not raise ValueError."""
    calls: dict[str, Callable[[str], object]] = {
        "put": lambda name: store.put(name, source), "open": store.open, "exists": store.exists,
        "delete": store.delete}
    accepted = []
    for name in names:
        for method, call in calls.items():
            try:
                call(name)
            except ValueError:
                continue
            except Exception as exc:
                accepted.append(f"{method}({name!r}) raised {exc!r}")
            else:
                accepted.append(f"{method}({name!r})")
    return accepted


JAILED = """
import json, os, sys
from pathlib import Path
from engine.adapters.file_store import LocalFileStore
from tests.integration.test_file_stores import _refusals

jail = Path(sys.argv[1])
if os.geteuid() == 0:
    os.chroot(jail)
    os.chdir("/")
    jail = Path("/")
print(json.dumps(_refusals(LocalFileStore(jail / "store" / "a" / "b"), jail / "upload", json.loads(sys.argv[2]))))
"""


def _jailed_refusals(jail: Path, names: list[str]) -> list[str]:
    """_refusals on a local store, in a child process that (as root, as CI runs) is chrooted into `jail`:
    a store that let '../etc/passwd' through would otherwise write, then delete, the machine's own file."""
    jail.mkdir()
    (jail / "upload").write_bytes(b"content")
    child = subprocess.run([sys.executable, "-c", JAILED, str(jail), json.dumps(names)], cwd=ROOT,
                           capture_output=True, text=True, timeout=60, check=False)
    assert child.returncode == 0, child.stderr
    accepted: list[str] = json.loads(child.stdout)
    written = sorted(p.relative_to(jail).as_posix() for p in jail.rglob("*") if p.name != "upload")
    return accepted + [f"wrote {name}" for name in written]


def test_a_name_that_is_not_a_digest_is_refused_by_every_method(backend: Backend) -> None:
    assert backend.refusals(BAD) == []
    assert backend.raw() == set()


def test_concurrent_puts_of_one_digest_leave_one_whole_blob(backend: Backend, tmp_path: Path) -> None:
    """Eight writers at once, while two readers check that a blob, once visible, is always whole."""
    data = os.urandom(1024 * 1024)
    digest, _ = _file(tmp_path, data)
    sources = [_file(tmp_path, data)[1] for _ in range(8)]
    start, writing, problems = threading.Barrier(len(sources) + 2), threading.Event(), []

    def write(source: Path) -> None:
        start.wait()
        try:
            backend.store.put(digest, source)
        except Exception as exc:
            problems.append(f"put: {exc!r}")

    def read() -> None:
        start.wait()
        while writing.is_set():
            try:
                if backend.store.exists(digest) and _read(backend.store, digest) != data:
                    problems.append("read part of a blob")
            except Exception as exc:
                problems.append(f"read: {exc!r}")

    writing.set()
    readers = [threading.Thread(target=read) for _ in range(2)]
    writers = [threading.Thread(target=write, args=(s,)) for s in sources]
    for thread in readers + writers:
        thread.start()
    for thread in writers:
        thread.join(timeout=30)
    writing.clear()
    for thread in readers:
        thread.join(timeout=30)
    assert problems == []
    assert _read(backend.store, digest) == data
    assert list(_times(backend.store)) == [digest]
    assert backend.raw() == {backend.location(digest)}, "one blob, no temporary file left"


def test_a_local_blob_is_readable_by_owner_and_group_only(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path / "store")
    digest, source = _file(tmp_path, b"scan")
    source.chmod(0o666)
    store.put(digest, source)
    assert (store.path(digest).stat().st_mode & 0o777) == 0o640


def test_s3_refreshes_an_existing_blob_with_a_server_side_copy(s3_endpoint: str, s3_client: Any,
                                                               tmp_path: Path) -> None:
    backend = _s3(s3_endpoint, s3_client, tmp_path)
    assert isinstance(backend.store, S3FileStore)
    calls: list[str] = []
    backend.store.client.meta.events.register("before-call.s3", lambda model, **_: calls.append(model.name))
    digest, source = _file(tmp_path, b"scan")
    backend.store.put(digest, source)
    assert "PutObject" in calls
    calls.clear()
    backend.store.put(digest, source)
    assert "CopyObject" in calls
    assert not {"PutObject", "CreateMultipartUpload", "UploadPart"} & set(calls), "the bytes were sent again"


def test_s3_a_missing_bucket_is_not_a_missing_blob(s3_endpoint: str) -> None:
    store = S3FileStore(f"absent-{uuid.uuid4().hex[:16]}", endpoint_url=s3_endpoint, **CREDENTIALS)
    with pytest.raises(FileStoreError, match="NoSuchBucket"):
        store.open(OTHER)


def test_a_file_url_or_a_path_makes_a_local_store(tmp_path: Path) -> None:
    for url in (f"file://{tmp_path}/my%20blobs", f"file://localhost{tmp_path}/my%20blobs", f"{tmp_path}/my blobs"):
        store = file_store_from_url(url)
        assert isinstance(store, LocalFileStore)
        assert store.root == tmp_path / "my blobs"


def test_an_s3_url_makes_a_store_that_talks_to_its_endpoint(s3_endpoint: str, s3_client: Any, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")  # only this test: the URL form reads the environment
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    bucket = f"url-{uuid.uuid4().hex[:16]}"
    s3_client.create_bucket(Bucket=bucket)

    store = file_store_from_url(f"s3://{bucket}/dossier/files?endpoint={s3_endpoint}&region=eu-west-1")
    assert isinstance(store, S3FileStore)
    assert (store.bucket, store.prefix) == (bucket, "dossier/files/")
    assert store.client.meta.region_name == "eu-west-1"
    digest, source = _file(tmp_path, b"scan")
    store.put(digest, source)
    assert _read(store, digest) == b"scan"
    keys = s3_client.list_objects_v2(Bucket=bucket)["Contents"]
    assert [k["Key"] for k in keys] == [f"dossier/files/{digest[:2]}/{digest}"]

    bare = file_store_from_url("s3://my-bucket")
    assert isinstance(bare, S3FileStore)
    assert (bare.bucket, bare.prefix) == ("my-bucket", "")


@pytest.mark.parametrize("url", [
    "", "http://example.org/blobs", "ftp://host/blobs", "s3://", "s3://Bad_Bucket/x", "s3://ab/x",
    "s3://bucket:9000/x", "s3://bucket/x?endpoint=ftp://host", "s3://bucket/x?colour=red",
    "s3://bucket/x?region=a&region=b", "s3://bucket/x?region=", "s3://bucket/x?addressing=sideways",
    "s3://bucket/x#frag", "file://otherhost/blobs", "file:relative/blobs", "file:///blobs?x=1",
])
def test_other_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        file_store_from_url(url)


def test_a_refused_url_never_repeats_its_credentials() -> None:
    with pytest.raises(ValueError) as refused:
        file_store_from_url("s3://AKIAEXAMPLE:s3cr3t-value@bucket/blobs")
    assert "s3cr3t" not in str(refused.value)
    assert "AKIAEXAMPLE" not in str(refused.value)
    with pytest.raises(ValueError) as refused:
        file_store_from_url("s3://bucket/blobs?endpoint=http://user:s3cr3t-value@127.0.0.1:9000")
    assert "s3cr3t" not in str(refused.value)


def test_a_conditional_delete_spares_a_blob_written_since(backend: Backend, tmp_path: Path) -> None:
    """The orphan collection deletes only what was last written before its cut-off, looked at just before."""
    digest, source = _file(tmp_path, b"written since the listing")
    store = backend.store
    store.put(digest, source)

    assert store.delete(digest, written_before=datetime.now(UTC) - timedelta(hours=1)) is False
    assert store.exists(digest)
    assert store.delete(digest, written_before=datetime.now(UTC) + timedelta(hours=1)) is True
    assert not store.exists(digest)
    assert store.delete(digest, written_before=datetime.now(UTC) + timedelta(hours=1)) is False
