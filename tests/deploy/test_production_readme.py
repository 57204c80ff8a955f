"""The README's production section, run as written: the blocks marked `<!-- run by
tests/deploy/test_production_readme.py: set-up -->` (database, settings, schema, first admin, nginx site),
then the systemd units' ExecStart lines (tests/deploy/_systemd.py), nginx with the rendered site, and the
blocks marked `check`. The test controls only the variables the README names with a default (its own
database, folders, ports, account and a self-signed certificate) and puts a `runuser` on the PATH that runs
the command as the test's own user. Then, through nginx over HTTPS: ready, the citizen's page, HSTS and a
secure session cookie, the first admin signs in and no demo account exists, the procedures are published,
/metrics is refused outside the monitoring network, a body above the limit is refused by nginx, the client's
own address reaches the application (rate limits count per client), and a graceful reload under load loses
no request. Everything started is stopped, and the database and role dropped, even when it fails.
"""

from __future__ import annotations

import http.client
import json
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from api.settings import ROOT
from engine.adapters.definitions import read_procedures
from tests.deploy._systemd import Service

pytestmark = [pytest.mark.fault, pytest.mark.postgres]

README = ROOT / "README.md"
SECTION = "## Running it in production"
MARK = re.compile(r"<!-- run by tests/deploy/test_production_readme\.py: ([\w-]+) -->\n```sh\n(.*?)```", re.S)
ADMIN, PASSWORD = "admin.46", "first-admin-Pw-2026"
OUTSIDE = "127.0.0.2"  # another loopback address: a client outside the monitoring network, to nginx
LOOKUP_SECRET = "K7M4QX9TRB"  # a receipt's secret in a look-up address: no log may keep it
MONITORING = "192.0.2.0/24"  # TEST-NET-1: nobody the test connects from
UPLOAD_LIMIT = 21 * 1024 * 1024  # deploy/nginx/onestop.conf's client_max_body_size
PROCEDURES = len(read_procedures(ROOT / "processes", ROOT / "forms"))


def readme_blocks(kind: str) -> list[str]:
    """The sh blocks of the production section marked with `kind`, in order."""
    text = README.read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    return [body for mark, body in MARK.findall(text[start:end if end != -1 else None]) if mark == kind]


def _required(what: str, present: bool) -> None:
    if present:
        return
    required = os.environ.get("ONESTOP_REQUIRE_DEPLOY") or (what == "PostgreSQL"
                                                            and os.environ.get("ONESTOP_REQUIRE_POSTGRES"))
    if required:
        pytest.fail(f"{what} is missing, but the deployment test must run (ONESTOP_REQUIRE_DEPLOY/_POSTGRES)")
    pytest.skip(f"{what} is missing")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(IPv4Address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Site:
    """HTTPS to nginx, from a chosen source address; one connection per request."""

    port: int
    context: ssl.SSLContext
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, *, body: bytes | None = None, headers: dict[str, str] | None = None,
                source: str = "127.0.0.1") -> Answer:
        connection = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=20,
                                                 source_address=(source, 0))
        try:
            sent = dict(headers or {})
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            return Answer(response.status, response.headers, response.read())
        finally:
            connection.close()

    def sign_in(self, username: str, password: str, source: str = "127.0.0.1") -> Answer:
        return self.request("POST", "/api/v1/auth/token", source=source,
                            body=json.dumps({"username": username, "password": password}).encode(),
                            headers={"Content-Type": "application/json"})


def _wait_ready(site: Site, services: list[Service], logs: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for service in services:
            assert service.process is not None
            assert service.process.poll() is None, f"{service.unit.name} exited:\n{_tail(logs)}"
        try:
            if site.request("GET", "/readyz").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"not ready within {timeout:g}s:\n{_tail(logs)}")


def _tail(logs: Path) -> str:
    return "\n".join(f"--- {log.name}\n" + log.read_text(errors="replace")[-3000:]
                     for log in sorted(logs.glob("*.log")))


def _workers(master: int) -> set[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return {int(pid) for pid in children}


def _nginx_conf(folder: Path, site: Path) -> Path:
    """The http context Debian's /etc/nginx/nginx.conf gives a site, with the test's own files."""
    for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / temp).mkdir()
    user = "user root root;\n" if os.geteuid() == 0 else ""  # as root, workers would run as nobody
    conf = folder / "nginx.conf"
    conf.write_text(f"""{user}worker_processes 2;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {folder}/nginx-access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {site};
}}
""")
    return conf


@pytest.fixture
def postgres_admin() -> str:
    url = os.environ.get("ONESTOP_TEST_POSTGRES_URL")
    _required("PostgreSQL", bool(url))
    assert url
    for tool in ("nginx", "envsubst", "curl", "createuser", "createdb"):
        _required(tool, shutil.which(tool) is not None or Path(f"/usr/sbin/{tool}").exists())
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture
def deployment(postgres_admin: str, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """The README's variables pointed at the test's own database, folders, ports and certificate; the
    database and role are dropped afterwards."""
    server = urlsplit(postgres_admin)
    db = f"onestop_deploy_{uuid.uuid4().hex[:8]}"
    shims = tmp_path / "bin"
    shims.mkdir()
    runuser = shims / "runuser"
    runuser.write_text('#!/bin/sh\n# runuser -u ACCOUNT -- COMMAND…: the test runs everything as itself\n'
                       '[ "$1" = -u ] && [ "$3" = -- ] || exit 64\nshift 3\nexec "$@"\n')
    runuser.chmod(0o755)
    (tmp_path / "sites").mkdir()
    (tmp_path / "logs").mkdir()
    cert, key = _self_signed(tmp_path)
    ports = {"HTTP_PORT": _free_port(), "HTTPS_PORT": _free_port(), "web": _free_port()}
    env = {
        "PATH": f"{shims}:{os.environ['PATH']}:/usr/sbin", "HOME": str(tmp_path), "LANG": "C.UTF-8",
        "APP": str(ROOT), "ACCOUNT": pwd.getpwuid(os.geteuid()).pw_name, "DB": db,
        "STATE": str(tmp_path / "state"), "ETC": str(tmp_path / "etc"),
        "DOMAIN": "localhost", "HTTP_PORT": str(ports["HTTP_PORT"]), "HTTPS_PORT": str(ports["HTTPS_PORT"]),
        "TLS_CERT": str(cert), "TLS_KEY": str(key), "UPSTREAM": f"127.0.0.1:{ports['web']}",
        "MONITORING": MONITORING, "NGINX_SITES": str(tmp_path / "sites"), "CURL_CA_BUNDLE": str(cert),
        "ACCESS_LOG": str(tmp_path / "logs" / "nginx-access.log"),
        # The PostgreSQL server the tests use, reached by libpq's own variables (the README's commands and
        # the settings' URL name no host: the local socket in production).
        "PGHOST": server.hostname or "127.0.0.1", "PGPORT": str(server.port or 5432),
        "PGUSER": server.username or "postgres",
    }
    try:
        yield {"env": env, "tmp": tmp_path, "db": db, "ports": ports, "cert": cert}
    finally:
        with psycopg.connect(postgres_admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            connection.execute(f'DROP ROLE IF EXISTS "{db}"')


def _run(script: str, env: dict[str, str], cwd: Path, stdin: str = "") -> str:
    done = subprocess.run(["bash", "-c", "set -euo pipefail\n" + script], input=stdin.encode(), env=env, cwd=cwd,
                          capture_output=True, timeout=120, start_new_session=True)
    output = (done.stdout + done.stderr).decode(errors="replace")
    assert done.returncode == 0, f"the README's commands failed ({done.returncode}):\n{output}"
    return output


@pytest.mark.timeout(150)
def test_the_production_section_gives_a_running_monitored_deployment_without_demo_data(
        deployment: dict[str, Any]) -> None:
    env, tmp, ports = deployment["env"], deployment["tmp"], deployment["ports"]
    set_up, check = readme_blocks("set-up"), readme_blocks("check")
    assert len(set_up) == 2 and len(check) == 1, "the README's production section lost a block marked for this test"

    started = time.monotonic()
    output = _run("\n".join(set_up), env, tmp, stdin=f"{PASSWORD}\n")
    print(f"set-up (database, settings, setup, first admin, nginx site): {time.monotonic() - started:.1f}s")
    assert PASSWORD not in output
    assert f"created {ADMIN} (admin at 46)" in output
    settings = (tmp / "etc" / "onestop.env").read_text()
    assert "${" not in settings and re.search(r"^ONESTOP_SECRET_KEY=[0-9a-f]{64}$", settings, re.M)
    assert oct((tmp / "etc" / "onestop.env").stat().st_mode & 0o777) == "0o640"

    logs = tmp / "logs"
    paths = {"/opt/onestop": str(ROOT), "/etc/onestop": str(tmp / "etc")}
    web = Service(ROOT / "deploy/systemd/onestop-web.service", paths,
                  {"GUNICORN_CMD_ARGS": f"--bind {env['UPSTREAM']}", "PROMETHEUS_MULTIPROC_DIR": str(tmp / "metrics"),
                   "PGHOST": env["PGHOST"], "PGPORT": env["PGPORT"]})
    worker = Service(ROOT / "deploy/systemd/onestop-worker.service", paths,
                     {"PGHOST": env["PGHOST"], "PGPORT": env["PGPORT"]})
    nginx_conf = _nginx_conf(tmp, tmp / "sites" / "onestop.conf")
    nginx = ["nginx", "-e", str(tmp / "nginx-error.log"), "-p", str(tmp), "-c", str(nginx_conf)]
    checked = subprocess.run([*nginx, "-t"], capture_output=True, timeout=30, env=env)
    assert checked.returncode == 0, checked.stderr.decode()
    proxy: subprocess.Popen[bytes] | None = None
    context = ssl.create_default_context(cafile=str(deployment["cert"]))
    site = Site(ports["HTTPS_PORT"], context)
    try:
        with (logs / "web.log").open("wb") as web_log, (logs / "worker.log").open("wb") as worker_log, \
                (logs / "nginx.log").open("wb") as nginx_log:
            web.start(web_log)
            worker.start(worker_log)
            proxy = subprocess.Popen([*nginx, "-g", "daemon off;"], env=env, start_new_session=True,
                                     stdout=nginx_log, stderr=subprocess.STDOUT)
        _wait_ready(site, [web, worker], logs)
        print(f"ready through nginx {time.monotonic() - started:.1f}s after the first command")
        _run("\n".join(check), env, tmp)

        _the_site_is_served_safely(site, ports)
        _no_demo_data_and_the_admin_works(site, deployment)
        _nginx_guards_metrics_and_uploads(site)
        _the_client_address_is_the_clients(site)
        _a_graceful_reload_loses_no_request(site, web, _bearer(site))
        print(f"all checks done {time.monotonic() - started:.1f}s after the first command")
    finally:
        try:
            if proxy is not None:
                proxy.terminate()
                try:
                    proxy.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proxy.pid, signal.SIGKILL)
                    proxy.wait(timeout=10)
        finally:
            web_status, worker_status = web.stop(), worker.stop()
    assert web_status == 0, _tail(logs)
    assert worker_status == 0 and "worker: stopped" in (logs / "worker.log").read_text(), _tail(logs)
    _the_logs_are_json_without_secrets(logs)


def _the_logs_are_json_without_secrets(logs: Path) -> None:
    """ONESTOP_LOG_FORMAT=json from the settings file: every line of the web server's log is a JSON object for
    the collector (the master's and the workers'), and no log holds the admin's password."""
    lines = [line for line in (logs / "web.log").read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]
    assert records and all({"level", "message"} <= record.keys() for record in records), lines[:5]
    assert any(record.get("request_id") for record in records)
    assert "GET /track " in (logs / "nginx-access.log").read_text()  # the site's own access log, written
    for log in logs.glob("*.log"):
        assert PASSWORD not in log.read_text(errors="replace"), log.name
        assert LOOKUP_SECRET not in log.read_text(errors="replace"), log.name  # no query string in any log


def _the_site_is_served_safely(site: Site, ports: dict[str, int]) -> None:
    home = site.request("GET", "/")
    assert home.status == 200 and "text/html" in home.headers["Content-Type"]
    site.request("GET", f"/track?code=46-261206-0001&secret={LOOKUP_SECRET}")  # a citizen's look-up address
    # ProxyFix trusts nginx's X-Forwarded-Proto: the application knows it is served over HTTPS.
    assert home.headers["Strict-Transport-Security"].startswith("max-age=")
    login = site.request("GET", "/login")
    cookie = login.headers["Set-Cookie"]
    assert "; Secure" in cookie and "HttpOnly" in cookie, cookie
    plain = http.client.HTTPConnection("127.0.0.1", ports["HTTP_PORT"], timeout=10)
    try:
        plain.request("GET", "/track?code=x", headers={"Host": "localhost"})
        redirect = plain.getresponse()
        assert redirect.status == 301 and redirect.headers["Location"] == "https://localhost/track?code=x"
    finally:
        plain.close()


def _no_demo_data_and_the_admin_works(site: Site, deployment: dict[str, Any]) -> None:
    assert site.sign_in("reception.19768", "demo-2025").status == 401
    assert site.sign_in("supervisor.46", "demo-2025").status == 401
    signed_in = site.sign_in(ADMIN, PASSWORD)
    assert signed_in.status in (200, 201), signed_in.body
    bearer = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    models = site.request("GET", "/api/v1/process-models", headers=bearer)
    assert models.status == 200 and len(models.json()) == PROCEDURES, models.body[:500]
    env = deployment["env"]
    with psycopg.connect(host=env["PGHOST"], port=env["PGPORT"], user=env["PGUSER"],
                         dbname=deployment["db"]) as connection:
        accounts = connection.execute("SELECT username FROM users").fetchall()
        owner = connection.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s",
                                   (deployment["db"],)).fetchone()
    assert accounts == [(ADMIN,)]
    assert owner == (deployment["db"],)  # the application's own role, not the superuser


def _nginx_guards_metrics_and_uploads(site: Site) -> None:
    assert site.request("GET", "/metrics", source=OUTSIDE).status == 403
    scraped = site.request("GET", "/metrics")
    assert scraped.status == 200 and b"# HELP onestop_" in scraped.body
    # A body announced above the limit is refused by nginx before any of it is sent or reaches gunicorn.
    connection = http.client.HTTPSConnection("127.0.0.1", site.port, context=site.context, timeout=20)
    try:
        connection.putrequest("POST", "/api/v1/files")
        connection.putheader("Content-Type", "multipart/form-data; boundary=x")
        connection.putheader("Content-Length", str(UPLOAD_LIMIT + 1))
        connection.endheaders()
        refused = connection.getresponse()
        assert refused.status == 413 and b"nginx" in refused.read()
    finally:
        connection.close()


def _the_client_address_is_the_clients(site: Site) -> None:
    """Sign-in attempts count per client address: one client locked out leaves another free, which holds only
    if the application sees the address nginx saw (ProxyFix with ONESTOP_PROXY_COUNT=1), not nginx's own."""
    statuses = []
    for _ in range(40):  # 10 per minute; each worker counts alone if Redis cannot be reached
        statuses.append(site.sign_in(ADMIN, "a-wrong-password", source=OUTSIDE).status)
        if statuses[-1] == 429:
            break
    assert statuses[-1] == 429, statuses
    assert site.sign_in(ADMIN, PASSWORD).status in (200, 201)


def _bearer(site: Site) -> dict[str, str]:
    signed_in = site.sign_in(ADMIN, PASSWORD)
    assert signed_in.status in (200, 201), signed_in.body
    return {"Authorization": f"Bearer {signed_in.json()['access_token']}"}


def _a_graceful_reload_loses_no_request(site: Site, web: Service, bearer: dict[str, str]) -> None:
    """`systemctl reload onestop-web` (the unit's ExecReload) while four clients keep asking, reads and writes
    (nginx retries neither a POST nor anything else gunicorn drops): every request gets its own answer, and
    every worker is replaced."""
    before = _workers(web.main_pid)
    assert len(before) == 2
    stop = threading.Event()
    answers: list[tuple[str, int | str]] = []
    lock = threading.Lock()
    # An admin receives no dossier: a POST that reaches the application, is checked and refused (403) each time.
    refused = json.dumps({"procedure_code": "1.001193", "centre_id": "19768", "application": {}}).encode()
    expected = {"GET": 200, "POST": site.request("POST", "/api/v1/dossiers", body=refused, headers={
        **bearer, "Content-Type": "application/json"}).status}
    assert expected["POST"] in (403, 422)

    def load(method: str) -> None:
        while not stop.is_set():
            try:
                if method == "GET":
                    status: int | str = site.request("GET", "/api/v1/healthz").status
                else:
                    status = site.request("POST", "/api/v1/dossiers", body=refused,
                                          headers={**bearer, "Content-Type": "application/json"}).status
            except OSError as error:
                status = repr(error)
            with lock:
                answers.append((method, status))

    clients = [threading.Thread(target=load, args=(method,)) for method in ("GET", "POST", "GET", "POST")]
    for client in clients:
        client.start()
    try:
        time.sleep(1)
        web.reload()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            now = _workers(web.main_pid)
            if len(now) == 2 and not now & before:
                break
            time.sleep(0.2)
        else:
            raise AssertionError("the old workers were not replaced within 60s")
        time.sleep(1)  # and the new ones answer
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=30)
    failed = [(method, status) for method, status in answers if status != expected[method]]
    print(f"graceful reload: {len(answers)} requests during it, {len(failed)} failed")
    assert len(answers) > 20 and not failed, failed[:10]
