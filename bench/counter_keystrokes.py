"""Counter keystrokes (issue 22): what one birth registration costs a counter officer at the keyboard.

    .venv/bin/python -m bench.counter_keystrokes            # Vietnamese page, a Vietnamese browser
    .venv/bin/python -m bench.counter_keystrokes --lang en  # English page, an English (en-US) browser

The real app on a free port (a fresh SQLite database with Huế's demo accounts, as tests/e2e/conftest.py
starts it) and Debian's Chromium (/usr/bin/chromium, or ONESTOP_CHROMIUM) driven by Playwright. The officer of
Phú Xuân (reception.19768) opens the counter form of the birth registration (1.001193) and, from the moment it
is loaded, fills the scenario's family of Vỹ Dạ with the keyboard alone, ticks the two required documents and
receives the dossier; the run ends when the dossier page shows its code and the receipt's link.

The officer is walked through the page as a person at the keyboard would be: whatever has the focus is
looked at, and it is either filled (a text box: its value typed; a date: its digits in the order the field
wants; a list: the fewest first letters of the option that select it; a commune picker: letters of the name
until the picker names one commune), used (the skip link and a copy shortcut that gives exactly what would be
typed: Enter; a required document: Space; the accept button: Enter) or left (Tab). Counted apart:

- characters typed: every character sent as text, a Vietnamese letter with its accents counting one (an
  officer typing Telex presses more keys: "ễ" is "eex");
- navigation keys: Tab, Enter, Space, arrows.

Wall time is the script's, from the form loaded to the dossier received (server round trip included): a
machine's typing, not a person's, so it shows what the page costs, not what an officer takes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("ONESTOP_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
PASSWORD = "bench-password"
OFFICER = "reception.19768"  # Phường Phú Xuân
PROCEDURE = "1.001193"
VY_DA = "19777"
NAVIGATION = {"Tab", "Enter", "Space", "ArrowDown", "ArrowUp", "ArrowLeft", "ArrowRight", "Shift+Tab", "Escape"}
MAX_STOPS = 200  # a page that never reaches its accept button is a failure, not a loop


KEY_SECONDS = 0.28
"""The keystroke-level model's time for one key of an average skilled typist (Card, Moran and Newell): an
estimate of the officer's typing alone, without reading the applicant's papers or thinking."""


@dataclass
class Counts:
    characters: int = 0
    navigation: int = 0
    seconds: float = 0.0
    dossier_code: str = ""
    keys: dict[str, int] = field(default_factory=dict)


class Keys:
    """The keyboard, counting what is sent through it."""

    def __init__(self, page: Any, counts: Counts):
        self.page, self.counts = page, counts

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.counts.characters += len(text)

    def press(self, key: str) -> None:
        assert key in NAVIGATION, key
        self.page.keyboard.press(key)
        self.counts.navigation += 1
        self.counts.keys[key] = self.counts.keys.get(key, 0) + 1


def birth_values(residence: str = VY_DA) -> dict[str, str]:
    """The scenario's application (processes/birth_registration/scenarios/straight.json) by input name."""
    sys.path.insert(0, str(ROOT))
    from tests.conftest import birth_application

    values: dict[str, str] = {}

    def walk(node: dict[str, Any], prefix: str) -> None:
        for key, value in node.items():
            if isinstance(value, dict):
                walk(value, f"{prefix}/{key}")
            else:
                values[f"{prefix}/{key}"] = str(value)

    walk(birth_application(residence), "/application")
    return values


FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return {tag: 'body', type: '', name: '', cls: ''};
  return {tag: e.tagName.toLowerCase(), type: (e.type || '').toLowerCase(), name: e.getAttribute('name') || '',
          value: e.value === undefined ? '' : e.value, checked: !!e.checked, cls: e.className || '',
          required: e.dataset.required || '', picker: e.hasAttribute('data-picker'), picked: e.dataset.picked || '',
          date: e.hasAttribute('data-date'), copyFrom: e.dataset.copyFrom || '', copyTo: e.dataset.copyTo || '',
          list: e.getAttribute('list') || '', decision: e.name === 'decision' ? e.value : '',
          options: e.tagName === 'SELECT' ? Array.from(e.options).map(o => [o.value, o.text]) : []};
}"""

AUTOFOCUSED = """() => {
  const wanted = document.querySelector('[autofocus]');
  return !wanted || document.activeElement === wanted;
}"""

COPY_GIVES = """([from, to]) => {
  const given = {};
  for (const target of document.querySelectorAll(`[name^="${to}/"]`)) {
    const source = document.querySelector(`[name="${from}${target.name.slice(to.length)}"]`);
    if (source && source.value) given[target.name] = source.value;
  }
  return given;
}"""


def _plain(text: str) -> str:
    """Lower case without accents (đ as d): what an officer types to find a name."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _fewest_letters(options: list[list[str]], value: str) -> str:
    """The first letters of the option's text that a list's type-ahead needs to select it."""
    titles = [text for v, text in options if v != value]
    title = next(text for v, text in options if v == value)
    for n in range(1, len(title) + 1):
        if not any(t.lower().startswith(title[:n].lower()) for t in titles[: [v for v, _ in options].index(value)]):
            return title[:n]
    return title


def month_first(browser: Any) -> bool:
    """Whether the browser's date inputs want the month before the day. They follow the browser's own
    language, which the page cannot choose: Debian's Chromium without chromium-l10n is en-US whatever
    --lang or the context's locale say, as an English Chrome at a counter is."""
    page = browser.new_page()
    page.set_content("<input type=date id=d>")
    page.focus("#d")
    page.keyboard.type("01022000")
    first = page.evaluate("document.getElementById('d').value") == "2000-01-02"
    page.close()
    return bool(first)


def _date_digits(iso: str, month_first: bool) -> str:
    year, month, day = iso.split("-")
    return f"{month}{day}{year}" if month_first else f"{day}{month}{year}"


def _fill(page: Any, keys: Keys, element: dict[str, Any], want: str, us_dates: bool,
          unit_names: dict[str, str]) -> None:
    if element["tag"] == "select":
        keys.type(_fewest_letters(element["options"], want))
    elif element["type"] == "date":
        keys.type(_date_digits(want, us_dates))  # an officer who knows which order this browser wants
        typed = page.evaluate("() => document.activeElement.value")
        assert typed == want, f"the date field took {want} as {typed}"
    elif element["picker"]:
        name = _plain(unit_names[want])
        query = name.split(" ", 1)[1] if " " in name else name  # "phuong vy da" is found by "vy da"
        for letter in query:
            keys.type(letter)
            if page.evaluate("() => document.activeElement.dataset.picked || ''") == want:
                break
    elif element["date"]:
        keys.type(_date_digits(want, False))  # day, month, year whatever the language
    else:
        keys.type(want)


def fill_and_receive(page: Any, server: str, *, us_dates: bool, unit_names: dict[str, str],
                     values: dict[str, str] | None = None, decision: str = "accept") -> Counts:
    """Open the counter form, fill it with the keyboard alone, receive: the counts. AssertionError when the
    form cannot be completed that way. With `decision` "guide", the guidance is sent instead (the page it
    leads to is the caller's to check)."""
    values = values or birth_values()
    counts = Counts()
    keys = Keys(page, counts)
    page.goto(f"{server}/counter/{PROCEDURE}")
    page.wait_for_load_state()
    # Chromium applies `autofocus` at a later rendering step: a Tab pressed before it moves focus elsewhere
    # and the browser then drops the autofocus, so the first field would be skipped.
    page.wait_for_function(AUTOFOCUSED, polling=50)
    started = time.perf_counter()
    done: set[str] = set()
    for _ in range(MAX_STOPS):
        element = page.evaluate(FOCUSED)
        name = element.get("name", "")
        if element["tag"] == "a" and "skip" in element["cls"]:
            keys.press("Enter")
            keys.press("Tab")
            continue
        if element.get("decision") == decision:
            with page.expect_navigation():
                keys.press("Enter")
            break
        if element.get("copyFrom"):
            given = page.evaluate(COPY_GIVES, [element["copyFrom"], element["copyTo"]])
            if given and all(values.get(k) == v for k, v in given.items()) and not set(given) <= done:
                keys.press("Space")
                done |= set(given)
                if page.evaluate("() => !document.activeElement.dataset.copyFrom"):
                    continue  # the button took the officer on to the first field it left empty
        elif name in values and name not in done:
            if element["value"] != values[name] and not (element["picker"] and element["picked"] == values[name]):
                _fill(page, keys, element, values[name], us_dates, unit_names)
            done.add(name)
        elif element["type"] == "checkbox" and name == "document" and element["required"] == "1" \
                and not element["checked"]:
            keys.press("Space")
        keys.press("Tab")
    else:
        raise AssertionError(f"the accept button was not reached in {MAX_STOPS} stops")
    missed = set(values) - done
    assert not missed, f"fields never reached by Tab: {sorted(missed)}"
    page.wait_for_load_state()
    counts.seconds = time.perf_counter() - started
    if decision != "accept":
        return counts
    code = page.locator(".dossier-head .code")
    if not code.count():
        errors = page.locator(".error").all_inner_texts()
        raise AssertionError(f"no dossier received; the page says {errors}, the fields hold {_values(page)}")
    counts.dossier_code = code.inner_text().strip()
    assert page.locator("a[href*='/receipt']").count() > 0, "no receipt link on the received dossier"
    return counts


def _values(page: Any) -> dict[str, str]:
    return dict(page.evaluate("""() => Array.from(document.querySelectorAll('[name^="/application/"]'))
        .map(e => [e.name, e.value])"""))


@contextmanager
def running_app() -> Iterator[tuple[str, dict[str, str]]]:
    """The app on a free port over a fresh SQLite database with Huế's demo data; the unit names by id."""
    sys.path.insert(0, str(ROOT))
    import logging

    from werkzeug.serving import make_server

    from api import create_app
    from engine.services import directory
    from tests.conftest import make_settings

    with tempfile.TemporaryDirectory() as folder:
        settings = replace(make_settings(f"sqlite:///{folder}/bench.db"), demo_password=PASSWORD)
        app = create_app({"SETTINGS": settings})
        wiring = app.extensions["onestop"]
        wiring.setup_demo(46)
        names = {u.id: u.name for u in directory.units(wiring.uow(), province_id="46")}
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        httpd = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{httpd.server_port}", names
        finally:
            httpd.shutdown()
            wiring.engine.dispose()


def sign_in(page: Any, server: str, username: str, password: str, lang: str) -> None:
    page.goto(f"{server}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit], form button:not([type])").first.click()
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{username} could not sign in"
    if lang == "en":
        page.locator("a[lang=en]").click()
        page.wait_for_load_state()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lang", choices=("vi", "en"), default="vi")
    parser.add_argument("--runs", type=int, default=3, help="dossiers received, one after the other")
    args = parser.parse_args()
    locale = "en-US" if args.lang == "en" else "vi-VN"
    from playwright.sync_api import sync_playwright

    with running_app() as (server, names), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        us_dates = month_first(browser)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale=locale)
        sign_in(page, server, OFFICER, PASSWORD, args.lang)
        runs = [fill_and_receive(page, server, us_dates=us_dates, unit_names=names) for _ in range(args.runs)]
        browser.close()
    first = runs[0]
    best = min(r.seconds for r in runs)
    print(f"counter keystrokes, birth registration ({args.lang}, {locale} browser), {len(runs)} runs")
    print(f"  characters typed:      {first.characters}")
    keys = ", ".join(f"{key} {n}" for key, n in sorted(first.keys.items()))
    print(f"  navigation keys:       {first.navigation} ({keys})")
    print(f"  typing time estimate:  {(first.characters + first.navigation) * KEY_SECONDS:.0f} s "
          f"(keystroke-level model, {KEY_SECONDS} s a key)")
    print(f"  wall time (machine):   {best:.2f} s best, {sum(r.seconds for r in runs) / len(runs):.2f} s mean")
    print(f"  browser's date inputs: {'month/day/year' if us_dates else 'day/month/year'}")
    print(f"  dossiers received:     {', '.join(r.dossier_code for r in runs)}")


if __name__ == "__main__":
    main()
