"""Two provinces' deployments on this machine, exchanging dossier packages (issue 26, docs/exchange.md):

    the test ─https─▶ nginx A ─ site ──────▶ gunicorn A ─▶ database A ◀─ worker A ─┐ packages over HTTPS,
                              └ exchange ─▶ (the same)                            │ A's client certificate
                      nginx B ─ site ──────▶ gunicorn B ─▶ database B ◀─ worker B  │
                              └ exchange ◀─────────────────────────────────────────┘ (and B's back to A's)

Each `Province` has its own database (a fresh PostgreSQL database on ONESTOP_TEST_POSTGRES_URL's server when it
is set, dropped at the end; else a SQLite file), its demo accounts (`setup-demo --province 46|48`), file store,
signing keys (the demo CA, whose certificate the other side trusts for signed results), exchange identity (an EC
P-256 key and self-signed certificate made by `flask --app api exchange-certificate`) and a peers file naming
the other (its exchange URL, certificate and server certificate). nginx runs deploy/nginx/onestop.conf and
onestop-exchange.conf filled in as docs/deployment.md says, with a self-signed server certificate; gunicorn runs
with deploy/gunicorn.conf.py (tests/fault/_server.py's Server); the worker is `flask --app api worker`. Ports
are free ones of 127.0.0.1; everything is stopped, by pid, and the data removed on leaving `pair()`, whatever
happened; the logs stay in the log folder (build/ in the tests) for a failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import requests
import sqlalchemy
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from api.settings import ROOT
from engine.adapters.signing import DemoKeys
from tests.conftest import POSTGRES_ENV, _pg_execute, _with_database
from tests.fault._server import Server, _free_port

DEMO_PASSWORD = "demo-2025"
GUNICORN_CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
SITE_CONFIG = ROOT / "deploy" / "nginx" / "onestop.conf"
EXCHANGE_CONFIG = ROOT / "deploy" / "nginx" / "onestop-exchange.conf"
CERT_HEADER = "X-Client-Cert"
OUTBOX_LEASE_SECONDS = 3  # a message a killed worker held is due again this soon
TIMEOUT = 30.0
UNLIMITED = "100000 per minute"  # the test signs in and looks up more than people would


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)


def self_signed(folder: Path, stem: str, common_name: str, *, server: bool = False) -> tuple[Path, Path]:
    """An EC P-256 key and a self-signed certificate (`stem`.key.pem, `stem`.cert.pem): an exchange identity no
    peer registered, or (`server`) nginx's certificate for 127.0.0.1, which its clients then trust as their CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
               .not_valid_after(now + timedelta(days=365)))
    if server:
        builder = (builder.add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(IPv4Address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True))
    cert = builder.sign(key, hashes.SHA256())
    key_path, cert_path = folder / f"{stem}.key.pem", folder / f"{stem}.cert.pem"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


class Process:
    """A long-running command in a process group of its own, its output in `log_dir`/`name`-N.log."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log_dir: Path):
        self.name, self.command, self.env, self.log_dir = name, command, env, log_dir
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def log(self) -> Path:
        return self.log_dir / f"{self.name}-{self.starts}.log"

    def start(self) -> None:
        assert self.process is None, f"{self.name} is running"
        self.starts += 1
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self) -> None:
        """SIGKILL to the whole group: nothing of it finishes what it was doing."""
        self._signal(signal.SIGKILL, 30)

    def stop(self) -> None:
        """SIGTERM (a worker finishes its job, nginx closes), SIGKILL after a while."""
        self._signal(signal.SIGTERM, 20)
        self.kill()

    def _signal(self, sent: signal.Signals, wait: float) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sent)
        try:
            self.process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            return
        self.process = None

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


class Province:
    """One province's deployment. `prepare()` makes its files and database, `start()` runs it."""

    def __init__(self, province: str, folder: Path, log_dir: Path):
        self.province, self.folder, self.log_dir = province, folder, log_dir
        folder.mkdir(parents=True)
        log_dir.mkdir(parents=True, exist_ok=True)
        self.site_port, self.exchange_port, self.http_port = (_free_port() for _ in range(3))
        self.key, self.certificate = folder / f"exchange-{province}.key.pem", folder / f"exchange-{province}.cert.pem"
        self.tls_key, self.tls_certificate = self_signed(folder, "tls", "localhost", server=True)
        self.signing = folder / "signing"
        self.peers_file = folder / "peers" / "peers.json"
        self.peers_file.parent.mkdir()
        self.database_url, self._postgres_database = self._database()
        self.nginx_conf = folder / "nginx" / "nginx.conf"
        self.server: Server | None = None
        self.worker: Process | None = None
        self.nginx: Process | None = None
        self._engine: sqlalchemy.Engine | None = None

    # -- what the others need to know of it ------------------------------------------------------------------
    @property
    def site(self) -> str:
        return f"https://127.0.0.1:{self.site_port}"

    @property
    def api(self) -> str:
        return f"{self.site}/api/v1"

    @property
    def exchange_url(self) -> str:
        return f"https://127.0.0.1:{self.exchange_port}/api/v1/exchange/packages"

    @property
    def ca_certificate(self) -> Path:
        """The demo CA that signs its units' results."""
        return self.signing / "ca.cert.pem"

    # -- setting up ------------------------------------------------------------------------------------------
    def _database(self) -> tuple[str, str | None]:
        admin = os.environ.get(POSTGRES_ENV)
        if not admin:
            return f"sqlite:///{self.folder / 'onestop.db'}", None
        name = f"onestop_exchange_{self.province}_{uuid.uuid4().hex[:8]}"
        _pg_execute(admin, f'CREATE DATABASE "{name}"')
        return _with_database(admin, name), name

    def env(self, *, exchange: bool = True) -> dict[str, str]:
        """The settings file of this deployment (deploy/onestop.env.example, with the exchange's part unless
        not `exchange`)."""
        trusted = ":".join(str(p) for p in sorted((self.folder / "peers").glob("*.signing-ca.pem")))
        settings = {**os.environ, "ONESTOP_DATABASE_URL": self.database_url,
                "ONESTOP_SECRET_KEY": f"exchange-test-{self.province}", "ONESTOP_DEMO_PASSWORD": DEMO_PASSWORD,
                "ONESTOP_FILE_STORE": f"file://{self.folder / 'files'}", "ONESTOP_SIGNING": f"demo:{self.signing}",
                "ONESTOP_SIGNING_TRUST_ROOTS": trusted,
                "ONESTOP_EXCHANGE_PROVINCE": self.province, "ONESTOP_EXCHANGE_KEY": str(self.key),
                "ONESTOP_EXCHANGE_CERTIFICATE": str(self.certificate),
                "ONESTOP_EXCHANGE_PEERS": str(self.peers_file), "ONESTOP_EXCHANGE_CLIENT_CERT_HEADER": CERT_HEADER,
                "ONESTOP_PROXY_COUNT": "1", "ONESTOP_SIGN_IN_RATE_LIMIT": UNLIMITED,
                "ONESTOP_PUBLIC_RATE_LIMIT": UNLIMITED, "PROMETHEUS_MULTIPROC_DIR": str(self.folder / "metrics"),
                "PYTHONUNBUFFERED": "1"}
        return settings if exchange else {k: v for k, v in settings.items() if not k.startswith("ONESTOP_EXCHANGE_")}

    def make_keys(self) -> None:
        """Its exchange key and certificate, made as its operators would (`flask --app api exchange-certificate`),
        and the demo CA that signs its units' results: both made before it starts, so the peer can be given
        their certificates."""
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "api", "exchange-certificate", "--province",
                               self.province, "--host", "127.0.0.1", "--out", str(self.folder)], cwd=ROOT,
                              env=self.env(exchange=False), capture_output=True, timeout=120)
        assert done.returncode == 0, (done.stdout + done.stderr).decode(errors="replace")[-3000:]
        assert self.key.exists() and self.certificate.exists(), done.stdout.decode(errors="replace")
        DemoKeys(self.signing).trust_roots()

    def set_up(self) -> None:
        """The schema, units, procedures and the province's demo accounts."""
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "api", "setup-demo", "--province",
                               self.province], cwd=ROOT, env=self.env(), capture_output=True, timeout=300)
        (self.log_dir / "setup-demo.log").write_bytes(done.stdout + done.stderr)
        assert done.returncode == 0, (done.stdout + done.stderr).decode(errors="replace")[-3000:]

    def register(self, peer: Province) -> None:
        """What the operators of both provinces exchange: the peer's exchange URL and certificate, its HTTPS
        server's certificate (self-signed here, so it is the CA to check it with), and its results' CA."""
        folder = self.peers_file.parent
        shutil.copy(peer.certificate, folder / f"{peer.province}.cert.pem")
        shutil.copy(peer.tls_certificate, folder / f"{peer.province}.server-ca.pem")
        shutil.copy(peer.ca_certificate, folder / f"{peer.province}.signing-ca.pem")
        peers = json.loads(self.peers_file.read_text()) if self.peers_file.exists() else []
        peers.append({"province": peer.province, "url": peer.exchange_url,
                      "certificate": f"{peer.province}.cert.pem", "server_ca": f"{peer.province}.server-ca.pem"})
        self.peers_file.write_text(json.dumps(peers, indent=2))

    def _render_nginx(self, upstream: int) -> None:
        """The sites as docs/deployment.md renders them (envsubst of the named variables), in the http context
        Debian's nginx.conf gives them, with the test's own paths; the access log says each request's size."""
        folder = self.nginx_conf.parent
        folder.mkdir()
        values = {"DOMAIN": "localhost", "HTTP_PORT": str(self.http_port), "HTTPS_PORT": str(self.site_port),
                  "EXCHANGE_PORT": str(self.exchange_port), "TLS_CERT": str(self.tls_certificate),
                  "TLS_KEY": str(self.tls_key), "UPSTREAM": f"127.0.0.1:{upstream}",
                  "MONITORING": "192.0.2.0/24", "ACCESS_LOG": str(self.log_dir / "nginx-site-access.log")}
        for template in (SITE_CONFIG, EXCHANGE_CONFIG):
            text = template.read_text()
            for name, value in values.items():
                text = text.replace(f"${{{name}}}", value)
            assert "${" not in text, f"{template.name} names a variable the docs do not fill in"
            (folder / template.name).write_text(text)
        for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (folder / temp).mkdir()
        user = "user root root;\n" if os.geteuid() == 0 else ""  # as root, workers would run as nobody
        self.nginx_conf.write_text(f"""{user}worker_processes 2;
pid {folder}/nginx.pid;
error_log {self.log_dir}/nginx-error.log;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    log_format sizes '$remote_addr $server_port "$request_method $uri" $status request_length=$request_length '
                     'content_length=$content_length time=$request_time';  # no query: the look-up's secret
    access_log {self.log_dir}/nginx-access.log sizes;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder / SITE_CONFIG.name};
    include {folder / EXCHANGE_CONFIG.name};
}}
""")

    # -- running ---------------------------------------------------------------------------------------------
    def start(self) -> None:
        env = self.env()
        settings = {k: v for k, v in env.items() if k.startswith(("ONESTOP_", "PROMETHEUS_"))}
        self.server = Server(self.database_url, self.log_dir, env=settings, config=GUNICORN_CONFIG)
        self.server.start(timeout=90)
        self.worker = Process("worker", [sys.executable, "-m", "flask", "--app", "api", "worker", "--interval", "1",
                                         "--outbox-lease", str(OUTBOX_LEASE_SECONDS)], env, self.log_dir)
        self.worker.start()
        self._render_nginx(self.server.port)
        nginx = nginx_binary()
        assert nginx is not None
        command = [nginx, "-e", str(self.log_dir / "nginx-error.log"), "-p", str(self.nginx_conf.parent),
                   "-c", str(self.nginx_conf)]
        checked = subprocess.run([*command, "-t"], capture_output=True, timeout=30)
        assert checked.returncode == 0, checked.stderr.decode(errors="replace")
        self.nginx = Process("nginx", [*command, "-g", "daemon off;"], env, self.log_dir)
        self.start_nginx()

    def start_nginx(self) -> None:
        assert self.nginx is not None
        self.nginx.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.api}/readyz", verify=str(self.tls_certificate), timeout=2).ok:
                    return
            assert self.nginx.process is not None and self.nginx.process.poll() is None, self.nginx.tail()
            time.sleep(0.1)
        raise AssertionError(f"nginx of {self.province} did not answer:\n{self.nginx.tail()}")

    def stop(self) -> None:
        """Everything stopped, the database dropped; whatever state a failure left."""
        try:
            for process in (self.nginx, self.worker):
                if process is not None:
                    process.stop()
            if self.server is not None:
                self.server.stop()
        finally:
            if self._engine is not None:
                self._engine.dispose()
            admin = os.environ.get(POSTGRES_ENV)
            if self._postgres_database and admin:
                _pg_execute(admin, f'DROP DATABASE IF EXISTS "{self._postgres_database}" WITH (FORCE)')

    # -- talking to it ---------------------------------------------------------------------------------------
    def session(self, username: str) -> requests.Session:
        """An officer signed in (a demo account), through nginx."""
        session = requests.Session()
        session.trust_env = False  # else REQUESTS_CA_BUNDLE, if set, would win over `verify`
        session.verify = str(self.tls_certificate)
        signed_in = session.post(f"{self.api}/auth/token", json={"username": username, "password": DEMO_PASSWORD},
                                 timeout=TIMEOUT)
        assert signed_in.status_code == 200, signed_in.text
        session.headers["Authorization"] = f"Bearer {signed_in.json()['access_token']}"
        return session

    def post_package(self, raw: bytes, *, certificate: tuple[Path, Path] | None, url: str | None = None,
                     headers: dict[str, str] | None = None) -> requests.Response:
        """POST a package to its exchange endpoint as a peer would, with `certificate` (cert, key) as the TLS
        client certificate (None: none)."""
        return requests.post(url or self.exchange_url, data=raw, timeout=TIMEOUT, verify=str(self.tls_certificate),
                             cert=(str(certificate[0]), str(certificate[1])) if certificate else None,
                             headers={"Content-Type": "application/vnd.onestop.dossier-package+zip",
                                      **(headers or {})})

    def query(self, sql: str, **parameters: Any) -> list[Any]:
        """Rows of its database, read beside the application (counting, and the outbox's payloads); a tuple or list
        parameter is expanded for `IN :name`."""
        if self._engine is None:
            self._engine = sqlalchemy.create_engine(self.database_url, poolclass=sqlalchemy.pool.NullPool)
        statement = sqlalchemy.text(sql).bindparams(*(sqlalchemy.bindparam(name, expanding=True)
                                                     for name, value in parameters.items()
                                                     if isinstance(value, tuple | list)))
        with self._engine.connect() as connection:
            return [tuple(row) for row in connection.execute(statement, parameters)]

    def logs(self) -> str:
        """Every log it wrote (gunicorn's, the workers', nginx's), for the personal-data check."""
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.log_dir.glob("*.log")))


@contextlib.contextmanager
def pair(log_root: Path, sender: str = "46", handler: str = "48") -> Iterator[tuple[Province, Province]]:
    """Two provinces registered with each other and running; everything stopped and removed afterwards."""
    shutil.rmtree(log_root, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(prefix="onestop-exchange-"))
    provinces: list[Province] = []
    try:
        for code in (sender, handler):
            provinces.append(Province(code, folder / code, log_root / code))
        a, b = provinces
        with ThreadPoolExecutor(2) as pool:  # the two provinces' operators, at the same time
            list(pool.map(Province.make_keys, provinces))
            a.register(b)
            b.register(a)
            list(pool.map(Province.set_up, provinces))  # each loads the country's units
        a.start()
        b.start()
        yield a, b
    finally:
        try:
            for province in provinces:
                with contextlib.suppress(Exception):
                    province.stop()
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def wait_for(what: str, check: Callable[[], Any], timeout: float = 60, every: float = 0.2) -> Any:
    """`check()`'s first truthy answer within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        answer = check()
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:g}s (last: {answer!r})")
        time.sleep(every)
