"""A page in one language shows no words of the other (issue 22). Every officer page, as the demo officer who
uses it, and the citizen's pages are opened in Vietnamese and in English (the header's switch, which sets
the `lang` cookie). Their visible text, with titles, placeholders, labels for assistive technology, the
options of lists and the dashboard's chart labels, is checked against the gettext catalogues. On a Vietnamese
page, no English text of the catalogue that differs from its Vietnamese may show. On an English page, no
Vietnamese translation may show. Names are allowed in both: procedures, documents, units, and the citizens'
own data (they are removed before the check). Screenshots go to build/e2e/.
"""

from __future__ import annotations

import json
import re
import urllib.request
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from babel.messages.pofile import read_po
from playwright.sync_api import expect

from engine.adapters.definitions import read_scenarios
from engine.services import directory, simulation
from tests.conftest import HUE, PHU_XUAN, VY_DA, birth_application
from tests.e2e.conftest import PASSWORD, ROOT

BIRTH = "1.001193"
LANGUAGES = ("vi", "en")
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]?\d*(?:\.\d+)?[diouxXeEfFgGcrs%]")
WORD = re.compile(r"[^\W\d_]+")
BPMN_NAME = re.compile(r'\bname="([^"]+)"')
VIETNAMESE_LETTER = re.compile(r"[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]",
                               re.IGNORECASE)
# What a page shows: its body's text but for drawings (a BPMN diagram: the procedure's own names, which the
# browser would run together), its title, placeholders, labels for assistive technology, tooltips, the options
# of its lists and the labels dashboard.js draws on its charts.
SHOWN = """() => {
  const drawings = [...document.querySelectorAll('svg')].map((e) => [e, e.style.display]);
  drawings.forEach(([e]) => { e.style.display = 'none'; });
  const shown = [document.title, document.body.innerText];
  drawings.forEach(([e, display]) => { e.style.display = display; });
  for (const e of document.querySelectorAll('[placeholder], [aria-label], [title], img[alt]')) {
    shown.push(e.getAttribute('placeholder') || '', e.getAttribute('aria-label') || '',
               e.getAttribute('title') || '', e.getAttribute('alt') || '');
  }
  for (const e of document.querySelectorAll('option, input[type=submit], input[type=button]')) {
    shown.push(e.textContent || e.value || '');
  }
  const data = document.getElementById('stats-data');
  if (data) shown.push(...Object.values(JSON.parse(data.textContent).labels || {}));
  return shown.join('\\n');
}"""


def _fragments(text: str) -> list[str]:
    """The literal pieces of a catalogue text, its placeholders cut out, trimmed of punctuation."""
    return [piece.strip(" .,:;—–-()“”\"'/·") for piece in PLACEHOLDER.split(text)]


@cache
def foreign_words() -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """For a page in each language, what must not show: (phrases of two words or more, single words). On a
    Vietnamese page, the catalogue's English texts that its Vietnamese does not share. On an English page, its
    Vietnamese translations, which always carry a Vietnamese letter."""
    with (ROOT / "api" / "translations" / "vi" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale="vi")
    english: set[str] = set()
    vietnamese: set[str] = set()
    for message in catalog:
        if not message.id or not message.string or message.id == message.string:
            continue
        english.update(_fragments(message.id if isinstance(message.id, str) else message.id[0]))
        vietnamese.update(_fragments(message.string if isinstance(message.string, str) else message.string[0]))
    shared = english & vietnamese
    english -= shared
    vietnamese -= shared
    # Single English words: every word of four letters or more of the English texts, unless a Vietnamese text
    # uses it too (PDF, JPEG, bpmn…). Vietnamese needs none of them: an English word left in a template shows.
    vietnamese_words = {word for text in vietnamese for word in WORD.findall(text)}
    english_single = {w for text in english for w in WORD.findall(text) if len(w) >= 4 and w.isascii()}
    english_single -= vietnamese_words
    vietnamese_single = {w for w in vietnamese if WORD.fullmatch(w) and VIETNAMESE_LETTER.search(w)}
    phrase = lambda words: frozenset(w for w in words if len(WORD.findall(w)) >= 2)  # noqa: E731
    return {"vi": (phrase(english), frozenset(english_single)),
            "en": (phrase(vietnamese), frozenset(vietnamese_single))}


def leftovers(lang: str, text: str, names: Iterable[str] = ()) -> list[str]:
    """The other language's words `text` shows, once the names are taken out of it (whitespace aside: the
    diagram breaks a step's name over lines)."""
    text = " ".join(text.split())
    for name in sorted({" ".join(name.split()) for name in names}, key=len, reverse=True):
        if len(name) > 2:
            text = text.replace(name, " ")
    phrases, singles = foreign_words()[lang]
    found = []
    for phrase in sorted(phrases, key=len, reverse=True):  # a phrase found is not counted again by its words
        pattern = re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)", re.IGNORECASE)  # in capitals too
        if pattern.search(text):
            found.append(phrase)
            text = pattern.sub(" ", text)
    words = set(WORD.findall(text))
    return sorted(found + [w for w in singles if w in words])


def test_the_check_finds_the_other_language() -> None:
    assert leftovers("vi", "Mã hồ sơ: 46-250714-0001 · Dossier code") == ["Dossier code"]
    assert leftovers("vi", "Hồ sơ cần xử lý · Inbox") == ["Inbox"]
    assert leftovers("en", "Dossier code: 46-250714-0001 · Hồ sơ cần xử lý") == ["Hồ sơ cần xử lý"]
    assert leftovers("vi", "Tiếp nhận hồ sơ — PDF, JPEG") == []
    assert leftovers("en", "Birth registration · Phường Vỹ Dạ · Nguyễn Văn An", names=["Phường Vỹ Dạ"]) == []


def _post(server: str, path: str, body: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    request = urllib.request.Request(f"{server}/api/v1{path}", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(request) as response:  # the test server on localhost
        return json.loads(response.read())  # type: ignore[no-any-return]


def _names(app: Any) -> list[str]:
    """What a page may show in either language: the province's units, the procedures and their documents, and
    the citizens' data of the scenarios the simulation hands in."""
    w = app.extensions["onestop"]
    names = [unit.name for unit in directory.units(w.uow(), province_id=str(HUE))]
    for procedure in directory.latest_procedures(w.uow(), catalogue=w.catalogue):
        # Its names, its documents', its steps' (the BPMN's) and its forms' titles and choices.
        names += [procedure.name_vi, procedure.name_en, *BPMN_NAME.findall(procedure.bpmn)]
        for document in procedure.manifest.get("documents", []):
            names += [str(value) for value in _leaves(document.get("name"))]
        names += [str(value) for value in _leaves(procedure.forms)]
    names += [str(value) for value in _leaves(birth_application(VY_DA))]
    for scenario in read_scenarios(w.settings.processes_dir).values():
        names += [str(value) for value in _leaves(scenario)]
    return [name for name in names if isinstance(name, str) and name.strip()]


def _leaves(value: Any) -> Iterable[Any]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


class Visit:
    """Opens pages in one language, saves each one's picture and notes the other language's words it shows."""

    def __init__(self, browser: Any, server: str, lang: str, shots: Any, names: list[str]):
        self.server, self.lang, self.shots, self.names = server, lang, shots, names
        self.page = browser.new_page(viewport={"width": 1366, "height": 900},
                                     locale="vi-VN" if lang == "vi" else "en-GB")
        self.page.goto(f"{server}/lang/{lang}?next=/login")
        self.found: list[str] = []

    def sign_in(self, username: str) -> None:
        self.page.context.clear_cookies()
        self.page.goto(f"{self.server}/lang/{self.lang}?next=/login")
        self.page.locator("#username").fill(username)
        self.page.locator("#password").fill(PASSWORD)
        self.page.locator("form button[type=submit]").click()
        self.page.wait_for_load_state()
        assert "/login" not in self.page.url, f"{username} could not sign in"

    def check(self, name: str, path: str | None = None) -> None:
        if path is not None:
            self.page.goto(f"{self.server}{path}")
        self.page.wait_for_load_state("networkidle")
        expect(self.page.locator("html")).to_have_attribute("lang", self.lang)
        self.shots(self.page, f"{self.lang}-{name}")
        for word in leftovers(self.lang, self.page.evaluate(SHOWN), self.names):
            self.found.append(f"{self.lang} {name} ({self.page.url.removeprefix(self.server)}): {word!r}")

    def first_link(self, path: str, selector: str) -> str:
        self.page.goto(f"{self.server}{path}")
        link = self.page.locator(selector).first
        expect(link).to_be_visible()
        return str(link.get_attribute("href"))


def test_each_page_shows_one_language(app: Any, server: str, browser: Any, shots: Any) -> None:
    w = app.extensions["onestop"]
    simulation.simulate(w.uow, catalogue=w.catalogue, calendar=w.calendar, clock=w.clock,
                        scenarios=read_scenarios(w.settings.processes_dir), days=2, per_centre=3,
                        centres=[PHU_XUAN, VY_DA], seed=22)
    reference = f"G22.{uuid.uuid4().hex[:12]}"
    components = [{"name": "Tờ khai đăng ký khai sinh (bản điện tử)", "form": "electronic", "document": 0},
                  {"name": "Giấy chứng sinh (bản điện tử)", "form": "electronic", "document": 1}]
    token = _post(server, "/auth/token", {"username": "portal.46", "password": PASSWORD})["access_token"]
    _post(server, "/intake/submissions", token=token, body={
        "reference": reference, "centre_id": PHU_XUAN, "procedure_code": BIRTH,
        "submitted_at": (datetime.now(UTC) - timedelta(minutes=40)).isoformat(),
        "application": birth_application(VY_DA), "components": components})
    names = [*_names(app), reference, *(c["name"] for c in components)]
    found: list[str] = []
    secret = code = ""
    for lang in LANGUAGES:
        visit = Visit(browser, server, lang, shots, names)
        page = visit.page
        visit.check("login")

        visit.sign_in(f"reception.{PHU_XUAN}")
        visit.check("counter", "/counter")
        visit.check("counter-birth-registration", f"/counter/{BIRTH}")
        visit.check("intake-queue", "/intake")
        visit.check("intake-decision", visit.first_link("/intake", f'#queue tr:has-text("{reference}") a'))
        visit.check("dossiers", "/dossiers")
        dossier = visit.first_link("/dossiers", "table.list tbody tr a[href^='/dossiers/']")
        visit.check("dossier-at-the-counter", dossier)
        if not secret:
            code = dossier.rsplit("/", 1)[-1]
            # The receipt slip (in Vietnamese whatever the page's language: a legal slip) shows the secret.
            page.goto(f"{server}{page.locator('ul.slips a').first.get_attribute('href')}")
            secret = page.locator(".lookup-secret").inner_text().strip()
        visit.check("inbox-at-the-counter", "/inbox")
        visit.check("not-found", "/dossiers/46-000000-0000")

        visit.sign_in(f"specialist.{VY_DA}")
        visit.check("inbox", "/inbox")
        visit.check("dossier-with-a-step", visit.first_link("/inbox", "a[href^='/dossiers/']"))

        visit.sign_in(f"supervisor.{HUE}")
        visit.check("stats", "/stats")
        year = datetime.now(UTC).year
        visit.check("stats-this-year", f"/stats?from={year}-01-01&to={year}-12-31")
        visit.check("stats-dossiers-behind", page.locator("a.kpi").first.get_attribute("href"))
        visit.check("report", "/stats/report")
        visit.check("province-dossiers", "/dossiers")

        visit.sign_in(f"admin.{HUE}")
        visit.check("admin-procedures", "/admin/procedures")
        visit.check("admin-diagram", f"/admin/procedures/{BIRTH}/diagram")
        visit.check("admin-forms", f"/admin/procedures/{BIRTH}/forms")
        visit.check("admin-outbox", "/admin/outbox")

        page.context.clear_cookies()
        page.goto(f"{server}/lang/{lang}?next=/")
        visit.check("track")
        visit.check("track-dossier", f"/?code={code}&secret={secret}")
        visit.check("track-submission", f"/?code={reference}")
        visit.check("verify", "/verify")
        found += visit.found
        page.close()
    assert not found, "words of the other language:\n" + "\n".join(found)
