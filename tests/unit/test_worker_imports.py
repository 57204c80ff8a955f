"""A web worker imports only what the hot API needs (issue 27: memory per worker).

Signing PDFs, S3, spreadsheets, upload checks, the outbound clients and the exchange between provinces load
their libraries where they are used, so a gunicorn worker that only receives, lists and moves dossiers never
holds them. A top-level import of one of these libraries on the application's import path fails this test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from api.settings import ROOT

HEAVY = (
    "aiohttp",  # through pyHanko's timestamp client
    "asn1crypto",
    "boto3",
    "botocore",
    "cryptography",
    "fontTools",  # through pypdf
    "httpx",
    "jwcrypto",
    "PIL",
    "pyhanko",
    "pyhanko_certvalidator",
    "pypdf",
    "s3transfer",
    "segno",
    "xlsxwriter",
)

SCRIPT_HEAD = """
import json, sys
from pathlib import Path
import api
from api.settings import ROOT, Settings

"""

# The hot API as bench/load.py drives it: tokens, a birth registration received, opened from the inbox, its
# steps completed, returned to the citizen.
SERVE = """
def serve(app):
    from sqlalchemy import text
    from engine.domain.unit import HUE_PROVINCE_CODE

    wired = app.extensions["onestop"]
    wired.setup_demo(HUE_PROVINCE_CODE)
    with wired.engine.connect() as connection:
        unit = connection.execute(text("SELECT id FROM units WHERE province_id = '46' AND kind = 'commune' "
                                       "ORDER BY id LIMIT 1")).scalar()
    client = app.test_client()

    def call(method, path, role, body=None):
        token = client.post("/api/v1/auth/token", json={"username": f"{role}.{unit}", "password": "demo"})
        headers = {"Authorization": f"Bearer {token.get_json()['access_token']}"}
        answer = client.open(f"/api/v1{path}", method=method, json=body, headers=headers)
        assert answer.status_code < 300, answer.get_data(as_text=True)
        return answer.get_json()

    scenario = json.loads((ROOT / "processes" / "birth_registration" / "scenarios" / "straight.json").read_text())
    application = scenario["application"]
    application["residence"]["unit_id"] = unit
    code = call("POST", "/dossiers", "reception", {"procedure_code": "1.001193", "application": application,
                                                   "reception": {"documents_checked": True}})["code"]
    for step, role, data in (("review", "specialist", {"register_book": "01/2025", "register_number": 57}),
                             ("sign", "leader", {"decision": "approved"})):
        call("GET", "/tasks", role)
        ready = [t["id"] for t in call("GET", f"/dossiers/{code}", role)["tasks"]
                 if t["step"] == step and t["status"] == "ready"]
        call("POST", f"/tasks/{ready[0]}/complete", role, {"data": data})
    call("POST", f"/dossiers/{code}/return", "reception", {"method": "counter", "data": {"collected_by": "An"}})
"""


SCRIPT_APP = """
folder = Path(sys.argv[1])
settings = Settings(database_url=f"sqlite:///{folder / 'onestop.db'}", secret_key="test-secret",
                    token_max_age=3600, processes_dir=ROOT / "processes", forms_dir=ROOT / "forms",
                    calendar_file=ROOT / "processes" / "calendar.json", demo_password="demo",
                    file_store_url=f"file://{folder / 'files'}", log_level="WARNING",
                    sign_in_rate_limit="1000 per minute")
app = api.create_app({"TESTING": True, "SETTINGS": settings})
if "--serve" in sys.argv:
    serve(app)
app.extensions["onestop"].engine.dispose()
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def _loaded(folder: Path, *options: str) -> set[str]:
    """The top-level packages a fresh interpreter holds after the script (the test process has imported
    whatever earlier tests needed)."""
    done = subprocess.run([sys.executable, "-c", SCRIPT_HEAD + SERVE + SCRIPT_APP, str(folder), *options],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout.splitlines()[-1]))
    assert "flask" in loaded  # the probe saw the application's imports
    return loaded


def test_creating_the_app_imports_none_of_the_libraries_only_some_requests_need(tmp_path: Path) -> None:
    assert sorted(_loaded(tmp_path).intersection(HEAVY)) == []


def test_serving_the_hot_api_imports_none_of_them_either(tmp_path: Path) -> None:
    assert sorted(_loaded(tmp_path, "--serve").intersection(HEAVY)) == []
