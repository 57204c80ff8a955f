"""The one module that reads the environment. Every setting is documented in the README's settings table
(tests/unit/test_settings.py holds the two to each other).

`Environment` (pydantic-settings) parses and validates the `ONESTOP_*` variables in one place: a bad value
stops the server or command at start with a message naming the variable and what is wrong with it, never its
value (a secret's value is never printed). `Settings`, the plain record the application is built from, is
what it gives; tests make a `Settings` directly.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from limits import parse_many
from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str = field(repr=False)
    token_max_age: int
    processes_dir: Path
    forms_dir: Path
    calendar_file: Path
    demo_password: str = field(repr=False)
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
    stats_database_url: str = ""
    """A streaming replica the statistics read from (figures, registers, reports); empty: the database."""
    log_format: Literal["text", "json"] = "text"
    log_level: str = "INFO"
    exchange_province: str = ""
    """This deployment's province in the exchange of dossiers between provinces (docs/exchange.md); empty: no
    exchange (a competent unit in another province is refused)."""
    exchange_key: Path | None = None
    """The PEM private key this deployment signs packages and connects to its peers with."""
    exchange_certificate: Path | None = None
    """Its certificate (PEM), as the peers registered it."""
    exchange_peers: Path | None = None
    """The registered peers: a JSON list of {province, url, certificate, server_ca?} (paths relative to it)."""
    exchange_client_cert_header: str = ""
    """The header the TLS-terminating proxy puts the client's certificate in (nginx's $ssl_client_escaped_cert);
    empty: no proxy says, and a package is judged by its signature alone."""


class SettingsError(Exception):
    """The environment holds a bad setting; the message names each variable and what is wrong, not its value."""


_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_DATABASE = (("sqlite:", "postgresql+psycopg:", "postgresql:"), "must be a sqlite:/// or postgresql+psycopg:// URL")
_HTTP = (("http://", "https://"), "must be an http:// or https:// URL")
_SCHEMES = {  # what a URL-like setting must start with, when set
    "DATABASE_URL": _DATABASE, "STATS_DATABASE_URL": _DATABASE, "DVCQG_URL": _HTTP, "SMS_URL": _HTTP,
    "RATE_LIMIT_STORAGE": (("memory://", "redis://", "rediss://", "redis+sentinel://"),
                           "must be memory:// or a redis:// URL"),
    "FILE_STORE": (("file://", "s3://"), "must be a file:// folder or an s3://bucket/prefix URL"),
    "SIGNING": (("demo:", "keyfile:", "pkcs11:"), "must start with demo:, keyfile: or pkcs11:"),
    "SMTP_URL": (("smtp://", "smtps://"), "must be an smtp:// or smtps:// URL"),
}


class Environment(BaseSettings):
    """The `ONESTOP_*` variables, typed. A field's name is its variable's without the prefix."""

    model_config = SettingsConfigDict(env_prefix="ONESTOP_", case_sensitive=True, extra="ignore",
                                      hide_input_in_errors=True)

    DATABASE_URL: str = ""
    SECRET_KEY: SecretStr = SecretStr("")
    TOKEN_MAX_AGE: int = Field(default=12 * 3600, ge=60, le=30 * 24 * 3600)
    SECURE_COOKIES: bool = False
    PROXY_COUNT: int = Field(default=0, ge=0, le=5)
    PUBLIC_RATE_LIMIT: str = "30 per minute"
    SIGN_IN_RATE_LIMIT: str = "10 per minute"
    RATE_LIMIT_STORAGE: str = "memory://"
    RATE_LIMIT_KEY_PREFIX: str = Field(default="onestop", min_length=1, max_length=64)
    PROCESSES_DIR: Path = ROOT / "processes"
    FORMS_DIR: Path = ROOT / "forms"
    CALENDAR_FILE: Path = ROOT / "processes" / "calendar.json"
    DEMO_PASSWORD: SecretStr = SecretStr("demo-2025")
    FILE_STORE: str = ""
    MAX_UPLOAD_MB: float = Field(default=20, gt=0, le=1024)
    SIGNING: str = ""
    SIGNING_PASSPHRASE: SecretStr = SecretStr("")
    """Read where a key is opened (engine/adapters/signing.py); declared here to be validated and documented."""
    SIGNING_TRUST_ROOTS: str = ""
    DVCQG_URL: str = ""
    DVCQG_USERNAME: str = ""
    DVCQG_PASSWORD: SecretStr = SecretStr("")
    SMTP_URL: str = ""
    SMTP_PASSWORD: SecretStr = SecretStr("")
    SMS_URL: str = ""
    SMS_TOKEN: SecretStr = SecretStr("")
    STATS_DATABASE_URL: str = ""
    LOG_FORMAT: Literal["text", "json"] = "text"
    LOG_LEVEL: str = "INFO"
    EXCHANGE_PROVINCE: str = Field(default="", pattern=r"^(\d{2})?$")
    EXCHANGE_KEY: Path | None = None
    EXCHANGE_CERTIFICATE: Path | None = None
    EXCHANGE_PEERS: Path | None = None
    EXCHANGE_CLIENT_CERT_HEADER: str = Field(default="", pattern=r"^[A-Za-z0-9-]*$")

    @field_validator(*_SCHEMES)
    @classmethod
    def _scheme(cls, value: str, info: ValidationInfo) -> str:
        prefixes, problem = _SCHEMES[str(info.field_name)]
        if value and not value.startswith(prefixes):
            raise ValueError(problem)
        return value

    @field_validator("PUBLIC_RATE_LIMIT", "SIGN_IN_RATE_LIMIT")
    @classmethod
    def _rate(cls, value: str) -> str:
        try:
            parse_many(value)
        except ValueError:
            raise ValueError("must be a rate such as '30 per minute'") from None
        return value

    @field_validator("LOG_LEVEL")
    @classmethod
    def _level(cls, value: str) -> str:
        if value.upper() not in _LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(_LOG_LEVELS)}")
        return value.upper()


def variables() -> list[str]:
    """Every variable the product reads, as the README's settings table must list them."""
    return sorted(f"ONESTOP_{name}" for name in Environment.model_fields)


def from_environment(instance_path: Path) -> Settings:
    try:
        env = Environment()
    except ValidationError as error:
        raise SettingsError("; ".join(
            f"ONESTOP_{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
            for problem in error.errors(include_input=False, include_url=False))) from None
    _check_exchange(env)
    return Settings(
        database_url=env.DATABASE_URL or f"sqlite:///{instance_path / 'onestop.db'}",
        secret_key=env.SECRET_KEY.get_secret_value() or _instance_secret(instance_path),
        token_max_age=env.TOKEN_MAX_AGE,
        processes_dir=env.PROCESSES_DIR,
        forms_dir=env.FORMS_DIR,
        calendar_file=env.CALENDAR_FILE,
        demo_password=env.DEMO_PASSWORD.get_secret_value(),
        rate_limit_storage=env.RATE_LIMIT_STORAGE or "memory://",
        rate_limit_key_prefix=env.RATE_LIMIT_KEY_PREFIX,
        public_rate_limit=env.PUBLIC_RATE_LIMIT,
        sign_in_rate_limit=env.SIGN_IN_RATE_LIMIT,
        proxy_count=env.PROXY_COUNT,
        secure_cookies=env.SECURE_COOKIES,
        file_store_url=env.FILE_STORE or f"file://{instance_path / 'files'}",
        signing=env.SIGNING or f"demo:{instance_path / 'signing'}",
        signing_trust_roots=tuple(Path(p) for p in env.SIGNING_TRUST_ROOTS.split(":") if p),
        max_upload_bytes=int(env.MAX_UPLOAD_MB * 1024 * 1024),
        dvcqg_url=env.DVCQG_URL,
        dvcqg_username=env.DVCQG_USERNAME,
        dvcqg_password=env.DVCQG_PASSWORD.get_secret_value(),
        smtp_url=env.SMTP_URL,
        smtp_password=env.SMTP_PASSWORD.get_secret_value(),
        sms_url=env.SMS_URL,
        sms_token=env.SMS_TOKEN.get_secret_value(),
        stats_database_url=env.STATS_DATABASE_URL,
        log_format=env.LOG_FORMAT,
        log_level=env.LOG_LEVEL,
        exchange_province=env.EXCHANGE_PROVINCE,
        exchange_key=env.EXCHANGE_KEY,
        exchange_certificate=env.EXCHANGE_CERTIFICATE,
        exchange_peers=env.EXCHANGE_PEERS,
        exchange_client_cert_header=env.EXCHANGE_CLIENT_CERT_HEADER,
    )


_EXCHANGE_GROUP = ("EXCHANGE_PROVINCE", "EXCHANGE_KEY", "EXCHANGE_CERTIFICATE", "EXCHANGE_PEERS")


def _check_exchange(env: Environment) -> None:
    """The exchange between provinces (docs/exchange.md) is set up whole or not at all: its key and certificate
    readable and each other's, its peers file well-formed (a bad one stops the start, naming the entry)."""
    given = [name for name in _EXCHANGE_GROUP if getattr(env, name)]
    if env.EXCHANGE_CLIENT_CERT_HEADER and not given:
        raise SettingsError("ONESTOP_EXCHANGE_CLIENT_CERT_HEADER: is only read with ONESTOP_EXCHANGE_PROVINCE and "
                            "the rest of the exchange settings")
    if not given:
        return
    if missing := [name for name in _EXCHANGE_GROUP if not getattr(env, name)]:
        raise SettingsError(f"ONESTOP_{missing[0]}: must be set with "
                            f"{', '.join('ONESTOP_' + n for n in given)} (the exchange needs all four of "
                            f"{', '.join('ONESTOP_' + n for n in _EXCHANGE_GROUP)})")
    # Imported here: only a deployment that takes part in the exchange reads keys at start.
    from engine.adapters import exchange_certificates as certs
    from engine.adapters.dossier_package import read_peers
    try:
        key = certs.read_private_key(_read("EXCHANGE_KEY", env.EXCHANGE_KEY))
    except ValueError as error:
        raise SettingsError(f"ONESTOP_EXCHANGE_KEY: {error}") from None
    try:
        certificate = certs.read_certificate(_read("EXCHANGE_CERTIFICATE", env.EXCHANGE_CERTIFICATE))
    except ValueError as error:
        raise SettingsError(f"ONESTOP_EXCHANGE_CERTIFICATE: {error}") from None
    if not certs.matches(key, certificate):
        raise SettingsError("ONESTOP_EXCHANGE_CERTIFICATE: is not the certificate of ONESTOP_EXCHANGE_KEY")
    try:
        peers = read_peers(Path(str(env.EXCHANGE_PEERS)))
    except ValueError as error:
        raise SettingsError(f"ONESTOP_EXCHANGE_PEERS: {error}") from None
    if env.EXCHANGE_PROVINCE in peers:
        raise SettingsError(f"ONESTOP_EXCHANGE_PEERS: registers province {env.EXCHANGE_PROVINCE}, this deployment's "
                            "own (ONESTOP_EXCHANGE_PROVINCE)")


def _read(name: str, path: Path | None) -> bytes:
    try:
        return Path(str(path)).read_bytes()
    except OSError:
        raise SettingsError(f"ONESTOP_{name}: cannot be read") from None


def _instance_secret(instance_path: Path) -> str:
    """A signing key kept in the instance folder, so tokens survive a restart of the embedded set-up."""
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
