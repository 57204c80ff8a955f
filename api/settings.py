"""The one module that reads the environment. Every setting is documented in the README."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    token_max_age: int
    processes_dir: Path
    forms_dir: Path
    calendar_file: Path
    demo_password: str
    rate_limit_storage: str = "memory://"
    rate_limit_key_prefix: str = "onestop"
    public_rate_limit: str = "30 per minute"
    sign_in_rate_limit: str = "10 per minute"
    proxy_count: int = 0
    secure_cookies: bool = False
    file_store_url: str = ""
    """Where files are kept: `file:///path` or `s3://bucket/prefix?endpoint=…&region=…`; empty: a temporary
    folder of the process (tests)."""
    signing: str = ""
    """The units' signing keys: `demo:<dir>` (a local CA made on first use), `keyfile:<dir>` or
    `pkcs11:<module>?token=<label>&pin_env=<variable>`; empty: a demo CA in a temporary folder (tests)."""
    signing_trust_roots: tuple[Path, ...] = ()
    """CA certificates a signed result must chain to, besides the demo CA's."""
    max_upload_bytes: int = 20 * 1024 * 1024
    dvcqg_url: str = ""
    """The national portal's synchronisation API (DongBoHoSoMC, CapNhatTienDoHoSoMC); empty: not synchronised."""
    dvcqg_username: str = ""
    dvcqg_password: str = field(default="", repr=False)
    smtp_url: str = ""
    """Where e-mail notices go: `smtp://user@host:port?from=…&starttls=1` (password in ONESTOP_SMTP_PASSWORD);
    empty: no e-mail notices."""
    smtp_password: str = field(default="", repr=False)
    sms_url: str = ""
    """The SMS provider's HTTP endpoint; empty: no SMS notices."""
    sms_token: str = field(default="", repr=False)


def from_environment(instance_path: Path) -> Settings:
    return Settings(
        database_url=os.environ.get("ONESTOP_DATABASE_URL", f"sqlite:///{instance_path / 'onestop.db'}"),
        secret_key=os.environ.get("ONESTOP_SECRET_KEY") or _instance_secret(instance_path),
        token_max_age=int(os.environ.get("ONESTOP_TOKEN_MAX_AGE", str(12 * 3600))),
        processes_dir=Path(os.environ.get("ONESTOP_PROCESSES_DIR", ROOT / "processes")),
        forms_dir=Path(os.environ.get("ONESTOP_FORMS_DIR", ROOT / "forms")),
        calendar_file=Path(os.environ.get("ONESTOP_CALENDAR_FILE", ROOT / "processes" / "calendar.json")),
        demo_password=os.environ.get("ONESTOP_DEMO_PASSWORD", "demo-2025"),
        rate_limit_storage=os.environ.get("ONESTOP_RATE_LIMIT_STORAGE", "memory://"),
        rate_limit_key_prefix=os.environ.get("ONESTOP_RATE_LIMIT_KEY_PREFIX", "onestop"),
        public_rate_limit=os.environ.get("ONESTOP_PUBLIC_RATE_LIMIT", "30 per minute"),
        sign_in_rate_limit=os.environ.get("ONESTOP_SIGN_IN_RATE_LIMIT", "10 per minute"),
        proxy_count=int(os.environ.get("ONESTOP_PROXY_COUNT", "0")),
        secure_cookies=os.environ.get("ONESTOP_SECURE_COOKIES", "") == "1",
        file_store_url=os.environ.get("ONESTOP_FILE_STORE", f"file://{instance_path / 'files'}"),
        signing=os.environ.get("ONESTOP_SIGNING", f"demo:{instance_path / 'signing'}"),
        signing_trust_roots=tuple(Path(p) for p in os.environ.get("ONESTOP_SIGNING_TRUST_ROOTS", "").split(":") if p),
        max_upload_bytes=int(float(os.environ.get("ONESTOP_MAX_UPLOAD_MB", "20")) * 1024 * 1024),
        dvcqg_url=os.environ.get("ONESTOP_DVCQG_URL", ""),
        dvcqg_username=os.environ.get("ONESTOP_DVCQG_USERNAME", ""),
        dvcqg_password=os.environ.get("ONESTOP_DVCQG_PASSWORD", ""),
        smtp_url=os.environ.get("ONESTOP_SMTP_URL", ""),
        smtp_password=os.environ.get("ONESTOP_SMTP_PASSWORD", ""),
        sms_url=os.environ.get("ONESTOP_SMS_URL", ""),
        sms_token=os.environ.get("ONESTOP_SMS_TOKEN", ""),
    )


def _instance_secret(instance_path: Path) -> str:
    """A signing key kept in the instance folder, so tokens survive a restart of the embedded set-up."""
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
