"""The settings are read and checked in one place, and the README documents exactly what the code reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.settings import ROOT, SettingsError, from_environment, variables


def _readme_table() -> dict[str, str]:
    """The first column's variables of the README's settings table, each with its default column."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Settings (environment variables", 1)[1].split("\n## ", 1)[0]
    table: dict[str, str] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`ONESTOP_"):
            for name in re.findall(r"`(ONESTOP_[A-Z0-9_]+)`", cells[0]):
                table[name] = cells[1]
    return table


def test_the_readme_lists_every_setting_the_code_reads_and_no_other() -> None:
    documented = _readme_table()
    assert sorted(documented) == variables()


@pytest.mark.parametrize(("name", "default"), [
    ("ONESTOP_TOKEN_MAX_AGE", "43200"), ("ONESTOP_PROXY_COUNT", "0"), ("ONESTOP_MAX_UPLOAD_MB", "20"),
    ("ONESTOP_PUBLIC_RATE_LIMIT", "30 per minute"), ("ONESTOP_SIGN_IN_RATE_LIMIT", "10 per minute"),
    ("ONESTOP_RATE_LIMIT_STORAGE", "memory://"), ("ONESTOP_LOG_FORMAT", "text"), ("ONESTOP_LOG_LEVEL", "INFO"),
])
def test_the_readme_gives_the_code_s_defaults(name: str, default: str, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in variables():
        monkeypatch.delenv(variable, raising=False)
    assert _readme_table()[name] == f"`{default}`"
    settings = from_environment(tmp_path)
    value = {"ONESTOP_TOKEN_MAX_AGE": settings.token_max_age, "ONESTOP_PROXY_COUNT": settings.proxy_count,
             "ONESTOP_MAX_UPLOAD_MB": settings.max_upload_bytes // (1024 * 1024),
             "ONESTOP_PUBLIC_RATE_LIMIT": settings.public_rate_limit,
             "ONESTOP_SIGN_IN_RATE_LIMIT": settings.sign_in_rate_limit,
             "ONESTOP_RATE_LIMIT_STORAGE": settings.rate_limit_storage, "ONESTOP_LOG_FORMAT": settings.log_format,
             "ONESTOP_LOG_LEVEL": settings.log_level}[name]
    assert str(value) == default


@pytest.mark.parametrize(("name", "value", "problem"), [
    ("ONESTOP_TOKEN_MAX_AGE", "twelve hours", "valid integer"),
    ("ONESTOP_TOKEN_MAX_AGE", "5", "greater than or equal to 60"),
    ("ONESTOP_PROXY_COUNT", "-1", "greater than or equal to 0"),
    ("ONESTOP_SECURE_COOKIES", "maybe", "valid boolean"),
    ("ONESTOP_PUBLIC_RATE_LIMIT", "lots", "a rate such as"),
    ("ONESTOP_RATE_LIMIT_STORAGE", "memcached://x", "redis://"),
    ("ONESTOP_DATABASE_URL", "mysql://db/onestop", "postgresql+psycopg://"),
    ("ONESTOP_STATS_DATABASE_URL", "replica", "postgresql+psycopg://"),
    ("ONESTOP_FILE_STORE", "/srv/files", "file://"),
    ("ONESTOP_SIGNING", "hsm", "pkcs11:"),
    ("ONESTOP_SMTP_URL", "mail.example.vn", "smtp://"),
    ("ONESTOP_DVCQG_URL", "dichvucong.gov.vn", "https://"),
    ("ONESTOP_LOG_FORMAT", "xml", "'text' or 'json'"),
    ("ONESTOP_LOG_LEVEL", "LOUD", "DEBUG, INFO"),
    ("ONESTOP_MAX_UPLOAD_MB", "-7", "greater than 0"),
])
def test_a_bad_value_is_refused_naming_the_variable_and_not_the_value(
        name: str, value: str, problem: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as refused:
        from_environment(tmp_path)
    message = str(refused.value)
    assert message.startswith(f"{name}: ") and problem in message
    assert value not in message.replace(name, "")


def test_secrets_never_print(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = {"ONESTOP_SECRET_KEY": "cookie-key-0001", "ONESTOP_DVCQG_PASSWORD": "portal-pass-0002",
               "ONESTOP_SMTP_PASSWORD": "smtp-pass-0003", "ONESTOP_SMS_TOKEN": "sms-token-0004",
               "ONESTOP_DEMO_PASSWORD": "demo-pass-0005"}
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    settings = from_environment(tmp_path)
    assert (settings.secret_key, settings.dvcqg_password, settings.sms_token) == (
        "cookie-key-0001", "portal-pass-0002", "sms-token-0004")
    shown = repr(settings) + str(settings)
    assert not [value for value in secrets.values() if value in shown]
    monkeypatch.setenv("ONESTOP_TOKEN_MAX_AGE", "soon")  # a refusal lists no other variable's value either
    with pytest.raises(SettingsError) as refused:
        from_environment(tmp_path)
    assert not [value for value in secrets.values() if value in str(refused.value)]


def test_values_are_typed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONESTOP_SECURE_COOKIES", "true")
    monkeypatch.setenv("ONESTOP_PROXY_COUNT", "1")
    monkeypatch.setenv("ONESTOP_MAX_UPLOAD_MB", "2.5")
    monkeypatch.setenv("ONESTOP_SIGNING_TRUST_ROOTS", "/etc/ca/a.pem:/etc/ca/b.pem")
    monkeypatch.setenv("ONESTOP_LOG_LEVEL", "warning")
    settings = from_environment(tmp_path)
    assert settings.secure_cookies is True and settings.proxy_count == 1
    assert settings.max_upload_bytes == int(2.5 * 1024 * 1024)
    assert settings.signing_trust_roots == (Path("/etc/ca/a.pem"), Path("/etc/ca/b.pem"))
    assert settings.log_level == "WARNING"
