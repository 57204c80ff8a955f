"""Signed results (engine/adapters/signing.py), no database: a PDF signed with a demo unit key verifies, and
every way of spoiling it is reported without an exception: a changed byte, bytes appended after signing, another
CA, no signature, not a PDF. Also: units share the demo CA, four processes meeting a new unit at once end with
one key, unit ids cannot escape the key folder, production key files (PKCS#12, PEM), the configuration string,
and a PKCS#11 token (SoftHSM, skipped where softhsm2-util or python-pkcs11 is missing)."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from pypdf import PdfWriter
from pypdf.generic import RectangleObject

from engine.adapters.signing import (
    DemoKeys,
    KeyFileKeys,
    PadesSigner,
    Pkcs11Keys,
    checked_unit_id,
    signer_from_config,
)
from engine.domain.errors import ConflictError

UNIT_ID = "19777"
UNIT_NAME = "Ủy ban nhân dân phường Phú Xuân"
LAND_ID = "46-VPDK-01"
LAND_NAME = "Chi nhánh Văn phòng đăng ký đất đai thành phố Huế"
REASON = "Cấp kết quả giải quyết thủ tục hành chính"
TITLE = b"Ket qua ho so 19777 251205 0001"


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_metadata({"/Title": TITLE.decode()})
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _signer_serial(pdf: bytes) -> int:
    # Imported here, after engine.adapters.signing has imported pyHanko with its import warning silenced.
    from pyhanko.pdf_utils.reader import PdfFileReader
    return int(PdfFileReader(BytesIO(pdf)).embedded_signatures[0].signer_cert.serial_number)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoKeys:
    return DemoKeys(tmp_path_factory.mktemp("demo-keys"))


@pytest.fixture(scope="module")
def signer(demo: DemoKeys) -> PadesSigner:
    return PadesSigner(demo, demo.trust_roots())


@pytest.fixture(scope="module")
def signed(signer: PadesSigner) -> bytes:
    return signer.sign(_pdf(), unit_id=UNIT_ID, unit_name=UNIT_NAME, reason=REASON)


def test_a_signed_result_verifies_with_the_unit_as_signer(signer: PadesSigner, signed: bytes) -> None:
    check = signer.verify(signed)

    assert check.valid, check.problems
    assert (check.signed, check.intact, check.trusted, check.problems) == (True, True, True, ())
    assert check.signer == UNIT_NAME
    assert check.signed_at is not None and check.signed_at.tzinfo is not None
    assert abs(datetime.now(UTC) - check.signed_at) < timedelta(minutes=1)
    assert signed.startswith(_pdf()), "signing appends a revision and keeps the rendered bytes"


def test_one_changed_byte_in_the_signed_content_breaks_it(signer: PadesSigner, signed: bytes) -> None:
    at = signed.index(TITLE)
    tampered = bytearray(signed)
    tampered[at] ^= 0x01  # "Ket qua" -> "Jet qua", inside the first signed byte range

    check = signer.verify(bytes(tampered))

    assert check.signed and not check.intact and not check.valid
    assert any("changed" in problem for problem in check.problems)


def test_bytes_appended_after_signing_break_it(signer: PadesSigner, signed: bytes) -> None:
    check = signer.verify(signed + b"\n% added later\n")

    assert check.signed and check.trusted and not check.intact and not check.valid
    assert any("added after signing" in problem for problem in check.problems)


def test_an_incremental_update_changing_the_page_breaks_it(signer: PadesSigner, signed: bytes) -> None:
    writer = PdfWriter(BytesIO(signed), incremental=True)
    writer.pages[0].mediabox = RectangleObject((0, 0, 100, 100))
    out = BytesIO()
    writer.write(out)
    assert len(out.getvalue()) > len(signed)

    check = signer.verify(out.getvalue())

    assert check.signed and not check.valid
    assert any("added after signing" in problem for problem in check.problems)


def test_a_second_signature_by_another_unit_keeps_both_valid(demo: DemoKeys, signed: bytes) -> None:
    countersigner = PadesSigner(demo, demo.trust_roots(), field_name="XacNhan")
    twice = countersigner.sign(signed, unit_id=LAND_ID, unit_name=LAND_NAME, reason=REASON)

    check = countersigner.verify(twice)

    assert check.valid, check.problems
    assert check.signer == LAND_NAME


def test_a_signature_from_another_ca_is_intact_but_not_trusted(signer: PadesSigner, tmp_path: Path) -> None:
    stranger = DemoKeys(tmp_path)  # the same CA name, another key
    forged = PadesSigner(stranger, stranger.trust_roots()).sign(_pdf(), unit_id=UNIT_ID, unit_name=UNIT_NAME,
                                                                  reason=REASON)

    check = signer.verify(forged)

    assert (check.signed, check.intact, check.trusted, check.valid) == (True, True, False, False)
    assert check.signer == UNIT_NAME
    assert any("not trusted" in problem for problem in check.problems)


def test_an_unsigned_pdf_is_not_signed(signer: PadesSigner) -> None:
    check = signer.verify(_pdf())

    assert not check.signed and not check.valid
    assert check.problems == ("the PDF is not signed",)


@pytest.mark.parametrize("data", [b"", b"garbage", b"%PDF-1.7\n" + bytes(range(256)) * 8, b"%PDF-1.4\n%%EOF\n"],
                         ids=["empty", "text", "pdf-header-then-noise", "empty-pdf"])
def test_hostile_bytes_are_reported_not_raised(signer: PadesSigner, data: bytes) -> None:
    check = signer.verify(data)

    assert not check.signed and not check.valid
    assert check.problems


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.9, 0.999])
def test_a_truncated_signed_pdf_is_not_valid(signer: PadesSigner, signed: bytes, cut: float) -> None:
    check = signer.verify(signed[:int(len(signed) * cut)])

    assert not check.valid and check.problems


def test_units_share_one_ca(demo: DemoKeys, signer: PadesSigner, signed: bytes) -> None:
    commune, branch = demo.pair(UNIT_ID, UNIT_NAME), demo.pair(LAND_ID, LAND_NAME)
    [ca] = demo.trust_roots()

    assert commune.chain == branch.chain == (ca,)
    assert commune.cert.issuer == branch.cert.issuer == ca.subject
    assert commune.cert.serial_number != branch.cert.serial_number
    other = signer.sign(_pdf(), unit_id=LAND_ID, unit_name=LAND_NAME, reason=REASON)
    assert signer.verify(other).valid and signer.verify(signed).valid
    assert DemoKeys(demo.directory).pair(UNIT_ID, "another name").cert == commune.cert, "kept on disk"


def _sign_at_first_use(directory: str, barrier: Any, results: Any) -> None:
    """A fresh process meeting a unit (and the CA) that nobody has made yet, at the same moment as the others."""
    keys = DemoKeys(Path(directory))
    barrier.wait(timeout=60)
    results.put(PadesSigner(keys, []).sign(_pdf(), unit_id=LAND_ID, unit_name=LAND_NAME, reason=REASON))


def test_processes_meeting_a_new_unit_at_once_end_with_one_key(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(4), context.Queue()
    processes = [context.Process(target=_sign_at_first_use, args=(str(tmp_path), barrier, results))
                 for _ in range(4)]
    for process in processes:
        process.start()
    pdfs = [results.get(timeout=90) for _ in processes]
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0

    keys = DemoKeys(tmp_path)
    verifier = PadesSigner(keys, keys.trust_roots())
    assert all(verifier.verify(pdf).valid for pdf in pdfs)
    assert {_signer_serial(pdf) for pdf in pdfs} == {keys.pair(LAND_ID, LAND_NAME).cert.serial_number}
    assert sorted(path.name for path in (tmp_path / "units").iterdir()) == [f"{LAND_ID}.cert.pem",
                                                                            f"{LAND_ID}.key.pem"]


@pytest.mark.parametrize("unit_id", ["../x", "", "a/b", "x" * 41, "19777\n", "ủy-ban", "..", "a b"])
def test_a_bad_unit_id_is_refused(demo: DemoKeys, signer: PadesSigner, tmp_path: Path, unit_id: str) -> None:
    with pytest.raises(ValueError, match="invalid unit id"):
        checked_unit_id(unit_id)
    with pytest.raises(ValueError, match="invalid unit id"):
        demo.pair(unit_id, UNIT_NAME)
    with pytest.raises(ValueError, match="invalid unit id"):
        signer.sign(_pdf(), unit_id=unit_id, unit_name=UNIT_NAME, reason=REASON)
    with pytest.raises(ValueError, match="invalid unit id"):
        KeyFileKeys(tmp_path).pair(unit_id)
    assert not (demo.directory / "x.key.pem").exists()


def _export_p12(demo: DemoKeys, directory: Path, passphrase: bytes) -> None:
    pair = demo.pair(LAND_ID, LAND_NAME)
    assert isinstance(pair.key, ec.EllipticCurvePrivateKey)
    data = pkcs12.serialize_key_and_certificates(LAND_ID.encode(), pair.key, pair.cert, list(pair.chain),
                                                 serialization.BestAvailableEncryption(passphrase))
    (directory / f"{LAND_ID}.p12").write_bytes(data)


def test_key_files_sign_with_a_pkcs12_export(demo: DemoKeys, tmp_path: Path) -> None:
    _export_p12(demo, tmp_path, b"mat-khau")
    production = PadesSigner(KeyFileKeys(tmp_path, b"mat-khau"), demo.trust_roots())

    check = production.verify(production.sign(_pdf(), unit_id=LAND_ID, unit_name=LAND_NAME, reason=REASON))

    assert check.valid, check.problems
    assert check.signer == LAND_NAME
    with pytest.raises(ConflictError, match=f"signing key of unit {LAND_ID} cannot be read"):
        KeyFileKeys(tmp_path, b"wrong").pair(LAND_ID)


def test_key_files_sign_with_pem_files_and_a_chain(demo: DemoKeys, tmp_path: Path) -> None:
    key_path, cert_path = demo.unit_files(UNIT_ID)
    demo.pair(UNIT_ID, UNIT_NAME)
    shutil.copy(key_path, tmp_path / key_path.name)
    shutil.copy(cert_path, tmp_path / cert_path.name)
    shutil.copy(demo.directory / "ca.cert.pem", tmp_path / "chain.pem")
    production = PadesSigner(KeyFileKeys(tmp_path), demo.trust_roots())

    assert KeyFileKeys(tmp_path).pair(UNIT_ID).chain == tuple(demo.trust_roots())
    assert production.verify(production.sign(_pdf(), unit_id=UNIT_ID, unit_name=UNIT_NAME, reason=REASON)).valid


def test_a_unit_without_a_key_file_is_a_conflict(demo: DemoKeys, tmp_path: Path) -> None:
    production = PadesSigner(KeyFileKeys(tmp_path), demo.trust_roots())

    with pytest.raises(ConflictError, match="unit 99999 has no signing key configured"):
        production.sign(_pdf(), unit_id="99999", unit_name="Xã không có khóa", reason=REASON)


def test_configuration_strings(demo: DemoKeys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from_config = signer_from_config(f"demo:{tmp_path / 'demo'}")
    assert from_config.verify(from_config.sign(_pdf(), unit_id=UNIT_ID, unit_name=UNIT_NAME, reason=REASON)).valid

    _export_p12(demo, tmp_path, b"mat-khau")
    monkeypatch.setenv("ONESTOP_SIGNING_PASSPHRASE", "mat-khau")
    production = signer_from_config(f"keyfile:{tmp_path}", [demo.directory / "ca.cert.pem"])
    assert production.verify(production.sign(_pdf(), unit_id=LAND_ID, unit_name=LAND_NAME, reason=REASON)).valid

    for spec, message in [("vault:x", "unknown setting"), ("demo:", "unknown setting"),
                          (f"keyfile:{tmp_path}", "at least one trust root"),
                          (f"keyfile:{tmp_path / 'missing'}", "does not exist"),
                          ("pkcs11:/no/such/module.so?token=t&pin_env=ONESTOP_PIN", "does not exist"),
                          (f"pkcs11:{sys.executable}?token=t", "needs \\?token"),
                          (f"pkcs11:{sys.executable}?token=t&pin_env=ONESTOP_UNSET_PIN", "is not set")]:
        with pytest.raises(ValueError, match=message):
            signer_from_config(spec)
    with pytest.raises(ValueError, match="cannot read trust root file"):
        signer_from_config(f"demo:{tmp_path / 'demo'}", [tmp_path / "missing.pem"])


SOFTHSM_MODULES = [Path("/usr/lib/softhsm/libsofthsm2.so"), Path("/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"),
                   Path("/usr/local/lib/softhsm/libsofthsm2.so")]

_STORE_CERTIFICATE = textwrap.dedent("""
    import sys
    import pkcs11
    from pkcs11 import Attribute, CertificateType, ObjectClass
    module, token, pin, label, der, subject = sys.argv[1:3] + sys.argv[3:5] + [bytes.fromhex(a) for a in sys.argv[5:7]]
    with pkcs11.lib(module).get_token(token_label=token).open(rw=True, user_pin=pin) as session:
        session.create_object({Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.CERTIFICATE_TYPE:
                               CertificateType.X_509, Attribute.TOKEN: True, Attribute.LABEL: label,
                               Attribute.ID: b"\\x01", Attribute.VALUE: der, Attribute.SUBJECT: subject})
""")


def test_a_pkcs11_token_signs(demo: DemoKeys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = next((path for path in SOFTHSM_MODULES if path.is_file()), None)
    if shutil.which("softhsm2-util") is None or module is None:
        if os.environ.get("ONESTOP_REQUIRE_PKCS11") == "1":
            pytest.fail("SoftHSM (softhsm2-util) is not installed, and CI requires the PKCS#11 test")
        pytest.skip("SoftHSM (softhsm2-util) is not installed")
    pytest.importorskip("pkcs11", reason="python-pkcs11 is not installed")
    (tmp_path / "tokens").mkdir()
    (tmp_path / "softhsm2.conf").write_text(f"directories.tokendir = {tmp_path / 'tokens'}\n"
                                            "objectstore.backend = file\nlog.level = ERROR\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(tmp_path / "softhsm2.conf"))
    label, pin = f"unit-{UNIT_ID}", "1234"
    pair = demo.pair(UNIT_ID, UNIT_NAME)
    for command in (["--init-token", "--free", "--label", "onestop", "--pin", pin, "--so-pin", "5678"],
                    ["--import", str(demo.unit_files(UNIT_ID)[0]), "--token", "onestop", "--label", label,
                     "--id", "01", "--pin", pin]):
        subprocess.run(["softhsm2-util", *command], check=True, capture_output=True, timeout=60)
    subprocess.run([sys.executable, "-c", _STORE_CERTIFICATE, str(module), "onestop", pin, label,
                    pair.cert.public_bytes(serialization.Encoding.DER).hex(), pair.cert.subject.public_bytes().hex()],
                   check=True, capture_output=True, timeout=60)
    monkeypatch.setenv("ONESTOP_TOKEN_PIN", pin)
    on_token = signer_from_config(f"pkcs11:{module}?token=onestop&pin_env=ONESTOP_TOKEN_PIN&key_label=unit-{{unit_id}}",
                                  [demo.directory / "ca.cert.pem"])

    check = on_token.verify(on_token.sign(_pdf(), unit_id=UNIT_ID, unit_name=UNIT_NAME, reason=REASON))

    assert check.valid, check.problems
    assert check.signer == UNIT_NAME
    assert isinstance(on_token.keys, Pkcs11Keys)
    with pytest.raises(ConflictError, match="unit 99999 has no signing key on token onestop"):
        on_token.sign(_pdf(), unit_id="99999", unit_name="Xã không có khóa", reason=REASON)
    with pytest.raises(ConflictError, match="token missing is not available"):
        PadesSigner(Pkcs11Keys(module, "missing", pin), []).sign(_pdf(), unit_id=UNIT_ID, unit_name=UNIT_NAME,
                                                                 reason=REASON)
