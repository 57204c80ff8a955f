"""Make the example dossier package of docs/exchange.md with the real codec:

    .venv/bin/python docs/exchange/make_example.py            # docs/exchange/example.zip, example/manifest.json
                                                              # and example-46.cert.pem (a throwaway certificate)
    .venv/bin/python docs/exchange/make_example.py --scan-kb 600 --out /tmp/big.zip   # with scans of that size

A birth registration received at Phường Phú Xuân (Huế, 46) for a family living in Phường Hải Vân (Đà Nẵng, 48),
with three scanned components. Every person in it is fictitious ("Nguyễn Văn A"); the key that signed it is made
here and thrown away, so each run gives a new certificate, nonce and signature (tests/unit/test_dossier_package.py
opens the committed example with its certificate and checks it against the schema).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import random
import tempfile
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image, ImageDraw

from engine.adapters.dossier_package import JwsPackageCodec
from engine.adapters.exchange_certificates import make_certificate
from engine.domain.exchange import Identity, Peer

HERE = Path(__file__).resolve().parent
SENT_AT = datetime(2026, 7, 1, 2, 15, tzinfo=UTC)
"""When the example was sealed (09:15 in Vietnam); a receiver opens it with its clock set to this."""
VN = timedelta(hours=7)
COMPONENTS = [  # (document index in the procedure, its name, what was brought, the scan's title)
    (0, "Tờ khai đăng ký khai sinh", "original", "TO KHAI DANG KY KHAI SINH (MAU - FICTITIOUS)"),
    (1, "Giấy chứng sinh", "original", "GIAY CHUNG SINH (MAU - FICTITIOUS)"),
    (2, "Văn bản ủy quyền (nếu ủy quyền)", "certified_copy", "VAN BAN UY QUYEN (MAU - FICTITIOUS)"),
]


def scan(title: str, *, kilobytes: int) -> bytes:
    """A one-page "scanned" PDF: an A4 page at 150 dpi (a small one when `kilobytes` is 0) with the title and
    the paper's grain, which is what makes a real scan weigh what it does: the grain grows until the PDF weighs
    at least `kilobytes`."""
    if not kilobytes:
        return _page(title, (310, 438), 0)
    for amplitude in (8, 12, 16, 20, 25, 30, 40, 50, 60, 80, 100, 130, 160, 200, 250):
        made = _page(title, (1240, 1754), amplitude)
        if len(made) >= kilobytes * 1024:
            break
    return made


def _page(title: str, size: tuple[int, int], amplitude: int) -> bytes:
    page = Image.new("L", size, 250)
    if amplitude:
        rng = random.Random(title)
        page.putdata([250 - rng.randrange(amplitude) for _ in range(size[0] * size[1])])
    draw = ImageDraw.Draw(page)
    draw.text((size[0] // 12, size[1] // 14), title, fill=0)
    for line in range(8):
        y = size[1] // 6 + line * size[1] // 12
        draw.line((size[0] // 12, y, size[0] * 11 // 12, y), fill=120, width=1)
    out = io.BytesIO()
    page.save(out, "PDF", resolution=150 if amplitude else 40, quality=80)
    return out.getvalue()


def manifest(files: list[dict[str, object]]) -> dict[str, object]:
    """The dossier package's manifest as the engine writes it (without what the codec adds)."""
    received = SENT_AT - timedelta(minutes=20)
    due = (received + VN).replace(hour=17, minute=0, second=0) - VN
    code = "19768-260701-0007"
    history = [{"seq": seq, "kind": kind, "at": (received + timedelta(seconds=seq)).isoformat(),
                "hash": hashlib.sha256(f"{code}:{seq}:{kind}".encode()).hexdigest()}
               for seq, kind in enumerate(("received", "task_completed", "file_attached", "file_attached",
                                           "file_attached"), 1)]
    return {
        "package_id": f"{code}:dossier:5", "kind": "dossier", "receiver": "48", "dossier_code": code,
        "at": received.isoformat(),
        "clock": {"due_at": due.isoformat(), "deadline_at": due.isoformat(), "paused_at": None},
        "files": files,
        "body": {
            "procedure": {"code": "1.001193", "version": 1, "name": "Đăng ký khai sinh"},
            "received_at": received.isoformat(), "submitted_at": None, "channel": "counter",
            "return_method": "counter",
            "receiving_unit": {"id": "19768", "name": "Phường Phú Xuân"},
            "competent_unit": {"id": "20195", "name": "Phường Hải Vân"},
            "return_unit": {"id": "19768", "name": "Phường Phú Xuân"},
            "routes": {"competent_unit": "20195", "receiving_centre": "19768", "return_centre": "19768"},
            "application": {
                "applicant": {"full_name": "Nguyễn Văn A", "id_number": "000000000001", "phone": "0900000000",
                              "relationship": "father"},
                "child": {"full_name": "Nguyễn Văn B", "sex": "male", "date_of_birth": "2026-06-20",
                          "place_of_birth": "Bệnh viện Ví Dụ (giả định)", "birth_notice_number": "CS-0000-000001"},
                "mother": {"full_name": "Trần Thị C", "id_number": "000000000002", "date_of_birth": "1996-01-01"},
                "father": {"full_name": "Nguyễn Văn A", "id_number": "000000000001", "date_of_birth": "1995-01-01"},
                "residence": {"unit_id": "20195", "address": "Số 1 đường Ví Dụ (địa chỉ giả định)"},
            },
            "reception": {"documents_checked": True, "note": "Hồ sơ mẫu, dữ liệu giả định."},
            "components": [{"document": document, "name": name, "form": form, "files": [entry["path"]]}
                           for (document, name, form, _), entry in zip(COMPONENTS, files, strict=True)],
            "history": history,
        },
    }


def make(out: Path, *, scan_kb: int, certificate_out: Path | None, manifest_out: Path | None) -> bytes:
    scans = [scan(title, kilobytes=scan_kb) for *_, title in COMPONENTS]
    files = [{"path": f"files/{hashlib.sha256(s).hexdigest()}", "sha256": hashlib.sha256(s).hexdigest(),
              "size": len(s), "media_type": "application/pdf"} for s in scans]
    with tempfile.TemporaryDirectory() as folder:  # the key never leaves it
        key_pem, cert_pem = make_certificate("46", ["exchange.hue.example"], SENT_AT - timedelta(days=1))
        (Path(folder) / "key.pem").write_bytes(key_pem)
        (Path(folder) / "cert.pem").write_bytes(cert_pem)
        identity = Identity("46", str(Path(folder) / "key.pem"), str(Path(folder) / "cert.pem"))
        codec = JwsPackageCodec(identity, {"48": Peer("48", "https://exchange.danang.example", cert_pem)})
        raw = codec.seal(manifest(files), {f["path"]: s for f, s in zip(files, scans, strict=True)}, now=SENT_AT)
    out.write_bytes(raw)
    if certificate_out:
        certificate_out.write_bytes(cert_pem)
    if manifest_out:
        sealed = json.loads(_entry(raw, "manifest.json"))
        manifest_out.parent.mkdir(parents=True, exist_ok=True)
        manifest_out.write_text(json.dumps(sealed, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return raw


def _entry(raw: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        return archive.read(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scan-kb", type=int, default=0, help="scans of about this size (0: small example scans)")
    parser.add_argument("--out", type=Path, help="write only the package, here")
    arguments = parser.parse_args()
    if arguments.out:
        raw = make(arguments.out, scan_kb=arguments.scan_kb, certificate_out=None, manifest_out=None)
    else:
        raw = make(HERE / "example.zip", scan_kb=arguments.scan_kb, certificate_out=HERE / "example-46.cert.pem",
                   manifest_out=HERE / "example" / "manifest.json")
    sizes = [len(s) for s in [_entry(raw, n) for n in _names(raw) if n.startswith("files/")]]
    print(f"package: {len(raw)} bytes; scans: {', '.join(str(s) for s in sizes)} bytes; "
          f"manifest.json: {len(_entry(raw, 'manifest.json'))} bytes")


def _names(raw: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        return archive.namelist()


if __name__ == "__main__":
    main()
