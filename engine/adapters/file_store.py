"""Content-addressed blob stores (engine/domain/ports.py FileStore): the local filesystem and S3-compatible
object storage, and `file_store_from_url` to pick one from configuration.

A blob's name is the SHA-256 (hex) of its bytes, so a name always stands for the same bytes: two files with
equal content share one blob, and two writers of the same digest can only put the same bytes in place. A blob
appears whole or not at all (a temporary file renamed into place; an S3 PUT), so a reader never sees part of it.

`put` is idempotent, and storing a blob that already exists refreshes its write time instead of writing it
again. The orphan collection deletes a blob that no row references only once it was last written longer ago
than ORPHAN_GRACE (engine/domain/files.py). A command that stores a blob nobody references yet (an old
orphan with the same content) commits its row within that grace, so refreshing the time is what keeps the
collector from deleting the blob between the command's `put` and its commit.

Every method refuses a name that is not a digest (ValueError), so no name can reach outside the store.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

from engine.domain.files import DIGEST
from engine.domain.ports import FileStore

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer
    from botocore.exceptions import ClientError

# boto3 and botocore are imported where an S3 store is made or fails, never at module level: a deployment on a
# local store (and every web worker's import of this module) does without their ~200 modules.

_CHUNK = 1024 * 1024
_BLOB_MODE = 0o640
_DIR_MODE = 0o750
_TEMP_PREFIX = ".incoming-"
"""Temporary files start with a dot, so no listing ever mistakes one for a blob."""


class FileStoreError(OSError):
    """The store failed for a reason other than a missing blob (unreachable, misconfigured, refused)."""


def _checked(digest: str) -> str:
    """The digest itself, once it is 64 lowercase hex digits: the only names that ever become paths or keys."""
    if not isinstance(digest, str) or not DIGEST.fullmatch(digest):
        raise ValueError("a blob's name must be its SHA-256 as 64 lowercase hex digits")
    return digest


class LocalFileStore:
    """Blobs as files under `root`, at <root>/<d[0:2]>/<d[2:4]>/<digest>: two directory levels keep any one
    directory small (65 536 leaves) without a database of where things are."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalFileStore({str(self.root)!r})"

    def path(self, digest: str) -> Path:
        """Where the blob lives (whether or not it exists)."""
        digest = _checked(digest)
        return self.root / digest[0:2] / digest[2:4] / digest

    def put(self, digest: str, source: Path) -> None:
        target = self.path(digest)
        if _touch(target):
            return
        target.parent.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
        _write_whole(Path(source), target)

    def open(self, digest: str) -> BinaryIO:
        return self.path(digest).open("rb")

    def exists(self, digest: str) -> bool:
        return self.path(digest).is_file()

    def delete(self, digest: str, *, written_before: datetime | None = None) -> bool:
        # Directories stay: removing an emptied one could race a put that has just created it.
        path = self.path(digest)
        try:
            if written_before is not None and datetime.fromtimestamp(path.stat().st_mtime, UTC) >= written_before:
                return False  # put again since it was listed: a command is about to reference it
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    def listing(self) -> Iterator[tuple[str, datetime]]:
        for first in _subdirectories(self.root):
            for second in _subdirectories(first):
                yield from _blobs_in(second, f"{first.name}{second.name}")


def _touch(path: Path) -> bool:
    """Refresh an existing blob's write time; False if there is none (maybe collected a moment ago)."""
    try:
        os.utime(path)
    except FileNotFoundError:
        return False
    return True


def _write_whole(source: Path, target: Path) -> None:
    """Copy `source` to a temporary file beside `target`, make it durable, and rename it into place.

    The rename is atomic, so concurrent writers (threads or processes) of the same digest each rename their
    own complete copy of the same bytes and the last one wins harmlessly. The file and the directory are
    synced before returning because the caller commits a row referencing the blob right after."""
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=_TEMP_PREFIX)
    try:
        with os.fdopen(descriptor, "wb") as out, source.open("rb") as data:
            shutil.copyfileobj(data, out, _CHUNK)
            out.flush()
            os.fchmod(out.fileno(), _BLOB_MODE)
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _sync_directory(target.parent)


def _sync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _subdirectories(directory: Path) -> Iterator[Path]:
    """The two-hex-digit fan-out directories in `directory` (none if it does not exist)."""
    try:
        with os.scandir(directory) as entries:
            names = [e.name for e in entries if len(e.name) == 2 and e.is_dir(follow_symlinks=False)]
    except FileNotFoundError:
        return
    yield from (directory / name for name in sorted(names))


def _blobs_in(directory: Path, start: str) -> Iterator[tuple[str, datetime]]:
    """The blobs in one leaf directory: names that are digests beginning with `start`; temporary files and
    anything misplaced are skipped, and a blob deleted while listing is simply not listed."""
    with os.scandir(directory) as entries:
        found = [e for e in entries if e.name.startswith(start) and DIGEST.fullmatch(e.name)]
    for entry in found:
        try:
            status = entry.stat(follow_symlinks=False)
        except FileNotFoundError:
            continue
        if entry.is_file(follow_symlinks=False):
            yield entry.name, datetime.fromtimestamp(status.st_mtime, UTC)


class S3FileStore:
    """Blobs as objects in an S3-compatible bucket (AWS, MinIO, Ceph…), at key <prefix><d[0:2]>/<digest>.

    `prefix` is used as given: end it with "/" to keep the blobs in a folder. Without `client`, one is made
    with boto3 from `client_options` (endpoint_url, region_name, config…; credentials from boto3's usual
    environment). In a versioned bucket every refresh of an existing blob leaves a noncurrent version, so
    give such a bucket a lifecycle rule expiring noncurrent versions."""

    def __init__(self, bucket: str, *, prefix: str = "", client: Any = None, page_size: int = 1000,
                 **client_options: Any) -> None:
        if client is not None and client_options:
            raise ValueError("give either a client or options to make one, not both")
        self.bucket, self.prefix, self.page_size = bucket, prefix, page_size
        if client is None:
            import boto3.session

            # A session of its own: boto3's default session is not safe to share between threads.
            client = boto3.session.Session().client("s3", **client_options)
        self.client: Any = client

    def __repr__(self) -> str:
        return f"S3FileStore(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def key(self, digest: str) -> str:
        digest = _checked(digest)
        return f"{self.prefix}{digest[0:2]}/{digest}"

    def put(self, digest: str, source: Path) -> None:
        key = self.key(digest)
        if self._head(key) and self._refresh(key):
            return
        with self._errors("upload", key):
            self.client.upload_file(str(source), self.bucket, key)

    def open(self, digest: str) -> BinaryIO:
        key = self.key(digest)
        with self._errors("read", key):
            response = self.client.get_object(Bucket=self.bucket, Key=key)
        return io.BufferedReader(_ObjectBody(response["Body"], self._where(key)), buffer_size=_CHUNK)

    def exists(self, digest: str) -> bool:
        return self._head(self.key(digest))

    def delete(self, digest: str, *, written_before: datetime | None = None) -> bool:
        key = self.key(digest)
        if written_before is not None:
            try:
                with self._errors("look up", key):
                    written = self.client.head_object(Bucket=self.bucket, Key=key)["LastModified"]
            except FileNotFoundError:
                return False
            if written >= written_before:
                return False  # put again since it was listed: a command is about to reference it
        with self._errors("delete", key):
            self.client.delete_object(Bucket=self.bucket, Key=key)
        return True

    def listing(self) -> Iterator[tuple[str, datetime]]:
        paginator = self.client.get_paginator("list_objects_v2")
        pages = paginator.paginate(Bucket=self.bucket, Prefix=self.prefix,
                                   PaginationConfig={"PageSize": self.page_size})
        with self._errors("list", self.prefix):
            for page in pages:
                for item in page.get("Contents", []):
                    digest = self._digest_of(item["Key"])
                    if digest is not None:
                        yield digest, item["LastModified"].astimezone(UTC)

    def _digest_of(self, key: str) -> str | None:
        """The digest a key stands for, or None for any other object under the prefix."""
        rest = key.removeprefix(self.prefix) if key.startswith(self.prefix) else ""
        digest = rest[3:]
        if rest[2:3] == "/" and DIGEST.fullmatch(digest) and rest[0:2] == digest[0:2]:
            return digest
        return None

    def _head(self, key: str) -> bool:
        try:
            with self._errors("look up", key):
                self.client.head_object(Bucket=self.bucket, Key=key)
        except FileNotFoundError:
            return False
        return True

    def _refresh(self, key: str) -> bool:
        """Renew the object's LastModified by copying it onto itself on the server (no bytes re-sent); S3
        refuses a copy that changes nothing, so the metadata is "replaced" (with the same, empty, metadata).
        False if the object vanished since it was looked up (collected), so the caller uploads it again."""
        try:
            with self._errors("refresh", key):
                self.client.copy_object(Bucket=self.bucket, Key=key, CopySource={"Bucket": self.bucket, "Key": key},
                                        MetadataDirective="REPLACE")
        except FileNotFoundError:
            return False
        return True

    def _where(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    @contextlib.contextmanager
    def _errors(self, action: str, key: str) -> Iterator[None]:
        """botocore's errors as OSErrors: a missing object is FileNotFoundError, a refusal PermissionError,
        anything else FileStoreError. Messages name the object, never the credentials."""
        from boto3.exceptions import S3UploadFailedError
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except ClientError as exc:
            raise _translated(exc, action, self._where(key)) from exc
        except S3UploadFailedError as exc:
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, ClientError):
                raise _translated(cause, action, self._where(key)) from exc
            raise FileStoreError(f"could not {action} {self._where(key)}: {exc}") from exc
        except BotoCoreError as exc:
            raise FileStoreError(f"could not {action} {self._where(key)}: {exc}") from exc


_MISSING = frozenset({"NoSuchKey", "NotFound", "404"})
_REFUSED = frozenset({"AccessDenied", "Forbidden", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch"})


def _translated(error: ClientError, action: str, where: str) -> OSError:
    """A missing bucket is not a missing blob: only a missing key becomes FileNotFoundError."""
    code = str(error.response.get("Error", {}).get("Code", ""))
    if code in _MISSING:
        return FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), where)
    if code in _REFUSED:
        return PermissionError(errno.EACCES, f"could not {action} ({code})", where)
    return FileStoreError(f"could not {action} {where}: {error}")


class _ObjectBody(io.RawIOBase):
    """An S3 object's streamed body as a raw binary stream, so the store can hand out a plain BufferedReader
    (read, close, context manager, iteration) that Flask's send_file streams like any open file; errors
    while streaming become FileStoreError (an OSError), as a failing disk read would be."""

    def __init__(self, body: Any, where: str) -> None:
        super().__init__()
        self._body, self._where = body, where

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        # Through read(), which every botocore the project allows has (readinto came later); the body checks
        # at the end that it got as many bytes as the object has.
        from botocore.exceptions import BotoCoreError

        view = memoryview(buffer).cast("B")
        try:
            chunk: bytes = self._body.read(len(view))
        except BotoCoreError as exc:
            raise FileStoreError(f"could not read {self._where}: {exc}") from exc
        view[: len(chunk)] = chunk
        return len(chunk)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


def file_store_from_url(url: str) -> FileStore:
    """The store a setting names: `file:///absolute/path` or a plain path for LocalFileStore;
    `s3://bucket/optional/prefix?endpoint=http://host:9000&region=us-east-1&addressing=path` for S3FileStore
    (credentials from boto3's usual environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, a profile…)."""
    if not url.strip():
        raise ValueError("the file store URL is empty")
    parts = urlsplit(url)
    if parts.scheme == "":
        return LocalFileStore(Path(url).absolute())
    if parts.scheme == "file":
        return LocalFileStore(_file_url_path(parts))
    if parts.scheme == "s3":
        return _s3_from_url(parts)
    raise ValueError(f"unsupported file store URL scheme {parts.scheme!r}: use file:///absolute/path, "
                     "a path, or s3://bucket/prefix")


def _file_url_path(parts: SplitResult) -> Path:
    if parts.netloc not in ("", "localhost"):
        raise ValueError("a file: store URL names a local directory: file:///absolute/path (no host)")
    if parts.query or parts.fragment:
        raise ValueError("a file: store URL takes no query or fragment")
    path = unquote(parts.path)
    if not path.startswith("/"):
        raise ValueError("a file: store URL needs an absolute path: file:///absolute/path")
    return Path(path)


_S3_OPTIONS = frozenset({"endpoint", "region", "addressing"})
_ADDRESSING = frozenset({"path", "virtual", "auto"})


def _s3_from_url(parts: SplitResult) -> S3FileStore:
    """The URL is never echoed in an error: it could carry a secret someone pasted into it."""
    if "@" in parts.netloc:
        raise ValueError("an s3: store URL carries no credentials: give them through the environment "
                         "(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or a profile")
    bucket = parts.netloc
    if not _valid_bucket(bucket):
        raise ValueError("an s3: store URL needs a bucket name (3 to 63 lowercase letters, digits, dots, hyphens): "
                         "s3://bucket/prefix")
    if parts.fragment:
        raise ValueError("an s3: store URL takes no fragment")
    options = _s3_options(parts.query)
    prefix = unquote(parts.path).strip("/")
    endpoint = options.get("endpoint")
    addressing = options.get("addressing") or ("path" if endpoint else "auto")
    from botocore.config import Config

    config = Config(s3={"addressing_style": addressing}, retries={"mode": "standard"})
    return S3FileStore(bucket, prefix=f"{prefix}/" if prefix else "", endpoint_url=endpoint,
                       region_name=options.get("region"), config=config)


def _valid_bucket(name: str) -> bool:
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789.-")
    return 3 <= len(name) <= 63 and set(name) <= allowed and name[0].isalnum() and name[-1].isalnum()


def _s3_options(query: str) -> dict[str, str]:
    try:
        given = parse_qs(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise ValueError("an s3: store URL's query must be name=value pairs joined by &") from None
    unknown = sorted(set(given) - _S3_OPTIONS)
    if unknown:
        raise ValueError(f"unknown s3: store URL option(s) {', '.join(unknown)}; known: endpoint, region, addressing")
    if any(len(values) != 1 or not values[0] for values in given.values()):
        raise ValueError("each s3: store URL option is given once, with a value")
    options = {name: values[0] for name, values in given.items()}
    if "endpoint" in options:
        _check_endpoint(options["endpoint"])
    if options.get("addressing", "auto") not in _ADDRESSING:
        raise ValueError("an s3: store URL's addressing is path, virtual or auto")
    return options


def _check_endpoint(endpoint: str) -> None:
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        raise ValueError("an s3: store URL's endpoint is an http(s)://host[:port] address, without credentials")
