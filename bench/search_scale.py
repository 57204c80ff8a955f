"""Officer search at 1 million dossiers (issue 22): the database of bench/stats_scale.py upgraded to the search
columns, then the searches a counter officer and a supervisor make, timed through the service.

    .venv/bin/python bench/stats_scale.py                     # build `onestop_bench` first (about 15 min)
    .venv/bin/python bench/search_scale.py                    # prepare it (once) and time
    .venv/bin/python bench/search_scale.py --runs 100         # more runs

Preparing, once, on a database below migration 0015: the generator's placeholder applicant ("Nguyễn Văn A", an
empty application) becomes a realistic Vietnamese applicant (family names in their national shares, middle and
given names, a CCCD number and a mobile phone), and its codes the official `{unit}-{YYMMDD}-{NNNN}` (the
generator appended the row id); both in bulk SQL. Then `migrate` runs 0015, whose back-fill of the search
columns is timed. Each search runs through `engine/services/search.find` (the SQL, the audit row of a personal
search and its commit, the mapping to dossiers), as `GET /api/v1/dossiers` calls it.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.dialects import postgresql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from stats_scale import ADMIN_URL, DB, EPOCH, _settings, _time  # noqa: E402

from api.wiring import build  # noqa: E402
from engine.adapters import dossier_search  # noqa: E402
from engine.adapters.database import make_engine, migrate  # noqa: E402
from engine.adapters.dossiers import _scoped  # noqa: E402
from engine.domain.dossier import Channel  # noqa: E402
from engine.domain.search import SearchCriteria, SearchSort, classify, fold  # noqa: E402
from engine.domain.status import DossierStatus  # noqa: E402
from engine.domain.timeliness import Timeliness  # noqa: E402
from engine.services import accounts, search  # noqa: E402

# Family names and their shares (per cent) of Vietnam's population; the rest share 2 %.
FAMILIES = {"Nguyễn": 38, "Trần": 11, "Lê": 9.5, "Phạm": 7, "Hoàng": 4, "Huỳnh": 1.5, "Phan": 4.5, "Vũ": 2,
            "Võ": 1.9, "Đặng": 2.1, "Bùi": 2, "Đỗ": 1.4, "Hồ": 1.3, "Ngô": 1.3, "Dương": 1, "Lý": 0.5,
            "Đoàn": 0.4, "Trương": 0.4, "Lương": 0.3, "Mai": 0.3, "Cao": 0.3, "Tôn Nữ": 0.1, "Tôn Thất": 0.1,
            "Âu": 0.02, "Khổng": 0.02, "Mạc": 0.02, "Thân": 0.02, "Ông": 0.02, "Lã": 0.02}
MIDDLES = {"male": ["Văn", "Hữu", "Đức", "Minh", "Quang", "Công", "Thành", "Xuân", "Đình", "Ngọc", "Anh", "Gia"],
           "female": ["Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Phương", "Kim", "Bảo", "Diệu", "Mỹ"]}
GIVENS = {"male": ["An", "Anh", "Bình", "Cường", "Dũng", "Duy", "Đạt", "Hải", "Hiếu", "Hoàng", "Hùng", "Huy",
                   "Khang", "Khánh", "Khoa", "Long", "Minh", "Nam", "Nhân", "Phong", "Phúc", "Quân", "Sơn", "Tài",
                   "Thắng", "Thành", "Tiến", "Toàn", "Trung", "Tuấn", "Tùng", "Việt", "Vinh", "Vũ", "Lộc", "Bảo"],
          "female": ["An", "Anh", "Bích", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Hồng",
                     "Hương", "Lan", "Linh", "Loan", "Mai", "My", "Nga", "Ngân", "Ngọc", "Nhung", "Oanh", "Phương",
                     "Quỳnh", "Thảo", "Thu", "Thủy", "Trang", "Tuyết", "Uyên", "Vân", "Vy", "Yến", "Xuân", "Trâm"]}
MOBILE_PREFIXES = ["032", "033", "034", "035", "036", "037", "038", "039", "070", "076", "077", "078", "079", "081",
                   "082", "083", "084", "085", "086", "088", "089", "090", "091", "093", "094", "096", "097", "098"]
UNIT = "19777"  # a busy ward of Huế, as in bench/stats_scale.py


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--admin-url", default=ADMIN_URL)
    parser.add_argument("--only", default="", help="time the searches whose names hold one of these (a,b,...)")
    args = parser.parse_args()
    url = args.admin_url.rsplit("/", 1)[0] + f"/{DB}"
    prepared = prepare(url)
    results = {"prepared": prepared, **measure(url, args.runs, args.only)}
    print(json.dumps(results, indent=2, ensure_ascii=False))


# --- preparation ------------------------------------------------------------------------------------------

def prepare(url: str) -> dict[str, Any]:
    """Realistic applicants and codes, then migration 0015 (timed); nothing if the database has it already."""
    with psycopg.connect(url) as conn:
        version = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]  # type: ignore[index]
    if version >= "0015":
        return {"already at": version}
    timings: dict[str, Any] = {"from revision": version}
    started = time.perf_counter()
    with psycopg.connect(url) as conn:
        placeholders = conn.execute("SELECT application -> 'applicant' IS NULL FROM dossiers "
                                    "ORDER BY id LIMIT 1").fetchone()
        if placeholders and placeholders[0]:  # not on a database migrated down again to time 0015 once more
            _applicants(conn)
            conn.commit()
            timings["applicants and codes rewritten (s)"] = round(time.perf_counter() - started, 1)
    engine = make_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    started = time.perf_counter()
    migrate(engine)
    timings["migrate to head, 0015 back-fill and indexes included (s)"] = round(time.perf_counter() - started, 1)
    engine.dispose()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE dossiers")
        conn.execute("VACUUM ANALYZE tasks")
    print(json.dumps(timings), file=sys.stderr)
    return timings


def _applicants(conn: psycopg.Connection[Any]) -> None:
    """One UPDATE of every dossier from a COPY of generated applicants; the codes and the tasks' copies of them
    follow the official format, numbered per centre and local day in id order."""
    ids = [row[0] for row in conn.execute("SELECT id FROM dossiers ORDER BY id")]
    conn.execute("CREATE TEMP TABLE applicant (id integer PRIMARY KEY, name text, application jsonb)")
    buffer = io.StringIO()
    for dossier_id, (name, application) in zip(ids, _people(random.Random(22)), strict=False):
        buffer.write(f"{dossier_id}\t{name}\t{json.dumps(application, ensure_ascii=False)}\n")
    with conn.cursor().copy("COPY applicant (id, name, application) FROM STDIN") as copy:
        copy.write(buffer.getvalue())
    conn.execute("""
        CREATE TEMP TABLE official AS SELECT id, receiving_unit_id || '-'
            || to_char(received_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYMMDD') || '-' || lpad(row_number() OVER (
                PARTITION BY receiving_unit_id, (received_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date ORDER BY id
            )::text, 4, '0') AS code FROM dossiers""")
    conn.execute("CREATE UNIQUE INDEX ON official (id)")
    conn.execute("""
        UPDATE dossiers AS d SET applicant_name = a.name, application = a.application, code = o.code
        FROM applicant a, official o WHERE a.id = d.id AND o.id = d.id""")
    conn.execute("UPDATE tasks AS t SET dossier_code = o.code FROM official o WHERE o.id = t.dossier_id")


def _people(rng: random.Random) -> Iterator[tuple[str, dict[str, Any]]]:
    families, weights = list(FAMILIES), list(FAMILIES.values())
    while True:
        sex = rng.choice(("male", "female"))
        parts = [rng.choices(families, weights)[0], rng.choice(MIDDLES[sex])]
        if rng.random() < 0.15:  # a second middle name
            parts.append(rng.choice(MIDDLES[sex]))
        name = " ".join([*parts, rng.choice(GIVENS[sex])])
        born = rng.randint(1950, 2005)
        # CCCD: the province of birth registration (046 Huế mostly), sex and century, year, six digits.
        id_number = (f"0{rng.choice(('46', '46', '46', '45', '48', '01', '79'))}"
                     f"{(0 if sex == 'male' else 1) + (2 if born >= 2000 else 0)}{born % 100:02d}"
                     f"{rng.randrange(10**6):06d}")
        phone = f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**7):07d}"
        yield name, {"applicant": {"full_name": name, "id_number": id_number, "phone": phone}}


# --- timings ----------------------------------------------------------------------------------------------

def measure(url: str, runs: int, only: str = "") -> dict[str, Any]:
    wiring = build(_settings(url), clock=lambda: EPOCH.astimezone(UTC) + timedelta(days=1))

    def actor(name: str) -> Any:
        return accounts.authenticate(wiring.uow(), username=name, password="demo-2025")

    officer, supervisor = actor(f"reception.{UNIT}"), actor("supervisor.46")
    samples = _samples(url)

    def find(who: Any, text: str | None, **criteria: Any) -> Callable[[], Any]:
        return lambda: search.find(wiring.uow(), actor=who, calendar=wiring.calendar, clock=wiring.clock, text=text,
                                   criteria=SearchCriteria(**criteria), limit=20, offset=0)

    month = {"received_from": date(2026, 10, 1), "received_to": date(2026, 10, 31)}
    cases: dict[str, tuple[str | None, dict[str, Any]]] = {
        "full name": (samples["full_name"], {}),
        "family + given name": (samples["family_given"], {}),
        "rare full name": (samples["rare"], {}),
        "common full name": (samples["common"], {}),
        "common family name alone": (samples["family"], {}),
        "ID number (CCCD)": (samples["id_number"], {}),
        "phone (+84, spaces)": (samples["phone"], {}),
        "dossier code": (samples["code"], {}),
        "receipt QR text": (f"https://motcua.hue.gov.vn/?code={samples['code']}&secret=ABCD", {}),
        "common name, returned, one month, by due time": (
            samples["common"], {"status": DossierStatus.RETURNED, "sort": SearchSort.DUE, **month}),
        "family + given, online, oldest first": (samples["family_given"], {"channel": Channel.ONLINE,
                                                                          "sort": SearchSort.OLDEST}),
        "no text: overdue, by due time": (None, {"timeliness": Timeliness.OVERDUE, "sort": SearchSort.DUE}),
        "no text: near due": (None, {"timeliness": Timeliness.NEAR_DUE}),
        "no text: newest first (the plain list)": (None, {}),
    }
    timings: dict[str, Any] = {}
    for scope, who in (("one ward (reception." + UNIT + ")", officer), ("province (supervisor.46)", supervisor)):
        for name, (text, criteria) in cases.items():
            if only and not any(part in name for part in only.split(",")):
                continue
            call = find(who, text, **criteria)
            found = call().total
            timings[f"{scope}: {name}"] = {**_time(call, runs), "found": found}
            print(f"{scope}: {name}: {timings[f'{scope}: {name}']}", file=sys.stderr)
    return {"samples": samples, "runs": runs, "timings_ms": timings, "explain": _explain(url, samples, supervisor)}


def _samples(url: str) -> dict[str, str]:
    """What is searched: a dossier of the ward picked at random, a name of one of the rarest families found once
    in the province, and the province's most common full name.
    Names are typed folded (without diacritics), as an officer in a hurry types them."""
    with psycopg.connect(url) as conn:
        one = conn.execute("SELECT code, applicant_name, applicant_id_number, applicant_phone FROM dossiers "
                           "WHERE receiving_unit_id = %s ORDER BY id OFFSET (SELECT count(*) / 2 FROM dossiers "
                           "WHERE receiving_unit_id = %s) LIMIT 1", (UNIT, UNIT)).fetchone()
        counts = conn.execute("SELECT applicant_folded, count(*) FROM dossiers GROUP BY 1 "
                              "ORDER BY 2 DESC, 1").fetchall()
    assert one is not None
    code, name, id_number, phone = one
    words = fold(name).split()
    rare = next(n for n, count in counts if count == 1 and n.split()[0] in ("au", "khong", "mac", "ong", "la"))
    return {"code": code, "full_name": fold(name), "family_given": f"{words[0]} {words[-1]}", "rare": rare.strip(),
            "common": counts[0][0].strip(), "family": "nguyen", "id_number": id_number,
            "phone": f"+84 {phone[1:4]} {phone[4:7]} {phone[7:]}",
            "common_count": str(counts[0][1])}


def _explain(url: str, samples: dict[str, str], supervisor: Any) -> dict[str, str]:
    """EXPLAIN ANALYZE of a name search's page with its count, as the repository builds and runs it."""
    plans = {}
    for scope, received_at_any in ((UNIT, None), ("province", _centres(url))):
        query = classify(samples["full_name"])
        criteria = SearchCriteria(query=query)
        selected = dossier_search.filtered(_scoped(UNIT, received_at_any), criteria)
        page = dossier_search.ordered(selected, criteria.sort).limit(20)
        sql = str(page.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
        with psycopg.connect(url) as conn:
            conn.execute("SET jit = off")  # as the repository does
            rows = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}".replace("%%", "%")).fetchall()  # no parameters
        plans[f"{scope}: name search, first page"] = "\n".join(r[0] for r in rows)
    return plans


def _centres(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute("SELECT id FROM units WHERE province_id = '46' AND kind IN "
                                           "('commune', 'province') ORDER BY id")]


if __name__ == "__main__":
    main()
