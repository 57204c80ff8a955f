"""The ONESTOP_EXCHANGE_* settings: all or nothing, the key and certificate readable and each other's, the peers
file well-formed, or the server does not start and says which; and `flask --app api exchange-certificate`."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from api import create_app
from api.cli import exchange_certificate
from api.settings import SettingsError, from_environment, variables
from engine.adapters.exchange_certificates import fingerprint, matches, read_certificate, read_private_key
from tests.fakes.exchange_keys import Made, deployment


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Made]:
    """A complete exchange set-up for Huế with Đà Nẵng registered, in the environment."""
    for variable in variables():
        monkeypatch.delenv(variable, raising=False)
    made = {p: deployment(tmp_path / p, p) for p in ("46", "48")}
    peers = tmp_path / "46" / "peers.json"
    (tmp_path / "46" / "48.pem").write_bytes(made["48"].certificate_file.read_bytes())
    peers.write_text(json.dumps([{"province": "48", "url": "https://dn.example/api/v1/exchange/packages",
                                  "certificate": "48.pem"}]))
    monkeypatch.setenv("ONESTOP_EXCHANGE_PROVINCE", "46")
    monkeypatch.setenv("ONESTOP_EXCHANGE_KEY", str(made["46"].key_file))
    monkeypatch.setenv("ONESTOP_EXCHANGE_CERTIFICATE", str(made["46"].certificate_file))
    monkeypatch.setenv("ONESTOP_EXCHANGE_PEERS", str(peers))
    return made


def test_a_complete_exchange_set_up_is_read(env: dict[str, Made], tmp_path: Path) -> None:
    settings = from_environment(tmp_path)
    assert settings.exchange_province == "46" and settings.exchange_key == env["46"].key_file


@pytest.mark.parametrize("unset", ["ONESTOP_EXCHANGE_PROVINCE", "ONESTOP_EXCHANGE_KEY",
                                   "ONESTOP_EXCHANGE_CERTIFICATE", "ONESTOP_EXCHANGE_PEERS"])
def test_the_exchange_settings_go_together(unset: str, env: dict[str, Made], tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(unset)
    with pytest.raises(SettingsError, match=f"^{unset}: must be set with"):
        from_environment(tmp_path)


def test_the_proxy_header_alone_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in variables():
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("ONESTOP_EXCHANGE_CLIENT_CERT_HEADER", "X-SSL-Client-Cert")
    with pytest.raises(SettingsError, match=r"^ONESTOP_EXCHANGE_CLIENT_CERT_HEADER: is only read with"):
        from_environment(tmp_path)


def test_a_key_or_certificate_that_cannot_be_used_is_refused(env: dict[str, Made], tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONESTOP_EXCHANGE_KEY", str(tmp_path / "absent.pem"))
    with pytest.raises(SettingsError, match=r"^ONESTOP_EXCHANGE_KEY: cannot be read$"):
        from_environment(tmp_path)
    monkeypatch.setenv("ONESTOP_EXCHANGE_KEY", str(env["46"].certificate_file))
    with pytest.raises(SettingsError, match=r"^ONESTOP_EXCHANGE_KEY: is not an unencrypted PEM private key"):
        from_environment(tmp_path)
    monkeypatch.setenv("ONESTOP_EXCHANGE_KEY", str(env["46"].key_file))
    monkeypatch.setenv("ONESTOP_EXCHANGE_CERTIFICATE", str(env["48"].certificate_file))
    with pytest.raises(SettingsError, match=r"^ONESTOP_EXCHANGE_CERTIFICATE: is not the certificate of"):
        from_environment(tmp_path)


def test_a_bad_peers_file_stops_the_server_naming_the_entry(env: dict[str, Made], tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    peers = tmp_path / "46" / "peers.json"
    peers.write_text(json.dumps([{"province": "48", "url": "http://dn.example", "certificate": "48.pem"}]))
    with pytest.raises(SystemExit) as stopped:
        create_app({"TESTING": True})
    assert str(stopped.value) == ("onestop: bad setting: ONESTOP_EXCHANGE_PEERS: peer 1 (province 48): url must be "
                                  "an https:// URL")
    peers.write_text(json.dumps([{"province": "46", "url": "https://me.example", "certificate": "48.pem"}]))
    with pytest.raises(SettingsError, match="registers province 46, this deployment's own"):
        from_environment(tmp_path)


def test_the_command_makes_a_key_only_its_owner_reads_and_a_certificate_for_it(tmp_path: Path) -> None:
    made = CliRunner().invoke(exchange_certificate, ["--province", "46", "--host", "exchange.hue.example",
                                                     "--host", "10.0.0.7", "--out", str(tmp_path / "keys")])
    assert made.exit_code == 0, made.output
    key_file, cert_file = tmp_path / "keys/exchange-46.key.pem", tmp_path / "keys/exchange-46.cert.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    certificate = read_certificate(cert_file.read_bytes())
    assert certificate.subject.rfc4514_string() == "O=onestop province 46,CN=onestop exchange 46"
    assert (certificate.not_valid_after_utc - certificate.not_valid_before_utc).days == 730
    assert f"SHA-256 fingerprint: {fingerprint(certificate)}" in made.output
    assert matches(read_private_key(key_file.read_bytes()), certificate)
    again = CliRunner().invoke(exchange_certificate, ["--province", "46", "--out", str(tmp_path / "keys")])
    assert again.exit_code != 0 and "exists already" in again.output
    assert read_certificate(cert_file.read_bytes()) == certificate
