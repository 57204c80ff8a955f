"""The deployment files agree with the code and with each other: they name only settings that exist, the
settings file the README makes is one the application accepts, and the limits and timeouts of nginx,
gunicorn and systemd are nested as their comments say. (tests/deploy/test_production_readme.py runs them.)"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from api.settings import ROOT, from_environment, variables
from tests.deploy._systemd import service_section

DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
ENV_EXAMPLE = DEPLOY / "onestop.env.example"
NGINX = DEPLOY / "nginx" / "onestop.conf"
NOT_FOR_PRODUCTION = {"ONESTOP_DEMO_PASSWORD"}


def _named(path: Path) -> set[str]:
    return set(re.findall(r"\bONESTOP_[A-Z0-9_]+\b", path.read_text(encoding="utf-8")))


def _gunicorn(setting: str) -> int:
    found = re.search(rf"^{setting} = (\d+)", (DEPLOY / "gunicorn.conf.py").read_text(), re.M)
    assert found, setting
    return int(found[1])


def _nginx_seconds(directive: str) -> int:
    found = re.search(rf"^\s*{directive} (\d+)s;", NGINX.read_text(), re.M)
    assert found, directive
    return int(found[1])


def test_the_units_and_the_settings_file_name_only_settings_that_exist() -> None:
    assert [unit.name for unit in UNITS] == ["onestop-web.service", "onestop-worker.service"]
    for path in (*UNITS, ENV_EXAMPLE):
        assert _named(path) <= set(variables()), path.name


def test_the_settings_file_lists_every_production_setting() -> None:
    assert _named(ENV_EXAMPLE) == set(variables()) - NOT_FOR_PRODUCTION


def test_the_settings_file_as_the_readme_fills_it_is_accepted(monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    from dotenv import dotenv_values

    filled = ENV_EXAMPLE.read_text().replace("${DB}", "onestop").replace("${STATE}", "/var/lib/onestop")
    filled = filled.replace("${SECRET_KEY}", "0" * 64)
    assert "${" not in filled
    (tmp_path / "onestop.env").write_text(filled)
    values = {k: v for k, v in dotenv_values(tmp_path / "onestop.env").items() if v is not None}
    for name in variables():
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    settings = from_environment(tmp_path / "instance")
    assert settings.database_url == "postgresql+psycopg://onestop@/onestop"
    assert (settings.proxy_count, settings.secure_cookies, settings.log_format) == (1, True, "json")
    assert settings.rate_limit_storage.startswith("redis://")
    assert settings.public_rate_limit == "30 per minute"  # quoted: the value keeps its spaces
    # Without systemd the README exports the file from a shell (`set -a && . onestop.env`): the same values.
    exported = subprocess.run(["sh", "-c", f'set -a && . "{tmp_path / "onestop.env"}" && env -0'], env={},
                              capture_output=True, check=True, timeout=10).stdout.decode()
    from_shell = dict(line.split("=", 1) for line in exported.split("\0") if line.startswith("ONESTOP_"))
    assert from_shell == values


def test_nginx_takes_a_little_more_than_the_largest_upload_and_waits_longer_than_gunicorn() -> None:
    upload = re.search(r"^ONESTOP_MAX_UPLOAD_MB=(\d+)$", ENV_EXAMPLE.read_text(), re.M)
    body = re.search(r"^\s*client_max_body_size (\d+)m;", NGINX.read_text(), re.M)
    assert upload and body and int(body[1]) == int(upload[1]) + 1
    assert _nginx_seconds("proxy_read_timeout") > _gunicorn("timeout")
    assert _nginx_seconds("keepalive_timeout") < _gunicorn("keepalive")
    assert re.search(r"^\s*proxy_set_header X-Forwarded-For \$remote_addr;", NGINX.read_text(), re.M)
    assert re.search(r"^ONESTOP_PROXY_COUNT=1$", ENV_EXAMPLE.read_text(), re.M)  # nginx is the one proxy


def test_the_web_unit_reloads_gracefully_and_waits_for_requests_in_hand() -> None:
    web = service_section(DEPLOY / "systemd" / "onestop-web.service")
    assert web["ExecStart"].endswith("gunicorn -c deploy/gunicorn.conf.py api:create_app()")
    assert web["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert web["KillSignal"] == "SIGTERM" and int(web["TimeoutStopSec"]) > _gunicorn("graceful_timeout")
    worker = service_section(DEPLOY / "systemd" / "onestop-worker.service")
    assert worker["ExecStart"].endswith("flask --app api worker") and worker["KillSignal"] == "SIGTERM"
    for unit in (web, worker):
        assert unit["EnvironmentFile"] == "/etc/onestop/onestop.env" and unit["User"] == "onestop"
        assert unit["NoNewPrivileges"] == "yes" and unit["ProtectSystem"] == "strict"
        assert unit["ReadWritePaths"] == "/var/lib/onestop"


def test_systemd_reads_every_line_of_the_units(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        if os.environ.get("ONESTOP_REQUIRE_DEPLOY"):
            pytest.fail("systemd-analyze is missing, but ONESTOP_REQUIRE_DEPLOY is set")
        pytest.skip("systemd-analyze is missing")
    for unit in UNITS:
        copy = tmp_path / unit.name  # with this venv's executables, which `verify` checks exist
        copy.write_text(unit.read_text().replace("/opt/onestop/.venv/bin/", f"{Path(sys.executable).parent}/"))
        done = subprocess.run([analyze, "verify", str(copy)], capture_output=True, text=True, timeout=60)
        # An unknown key or a bad value is only a warning to systemd, which then ignores the line.
        assert done.returncode == 0 and not (done.stdout + done.stderr).strip(), done.stdout + done.stderr
