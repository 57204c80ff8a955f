"""The pages' words against their catalogues, as CI checks them: every word the sources mark (babel.cfg, the
keywords of `make catalogs`) has a translation in Vietnamese and in English, not empty, not fuzzy, with the same
placeholders as its English text; the catalogues hold no word the sources dropped; and the compiled .mo files
say what the .po files say.

When this fails: `make catalogs`, then translate the new entries of api/translations/{vi,en}/LC_MESSAGES/
messages.po (CONTRIBUTING.md, "Words on a page").
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "api" / "translations"
LOCALES = ("vi", "en")
# The keywords of the Makefile's BABEL_KEYWORDS, on top of Babel's defaults (_, gettext, pgettext…).
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "lazy_pgettext": ((1, "c"), 2)}
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]?\d*(?:\.\d+)?[diouxXeEfFgGcrs%]|\{\w*\}")

Key = tuple[str | None, str]


def _ignored(path: str) -> bool:
    name = Path(path).name
    return name.startswith((".", "_")) or name == "node_modules"


@cache
def extracted() -> dict[Key, list[str]]:
    """(context, English text) -> where the sources use it."""
    with (ROOT / "babel.cfg").open() as mapping:
        method_map, options_map = parse_mapping_cfg(mapping, str(ROOT / "babel.cfg"))
    found: dict[Key, list[str]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
            ROOT, method_map, options_map, keywords=KEYWORDS,
            directory_filter=lambda path: not _ignored(path)):
        msgid = message[0] if isinstance(message, tuple) else message
        found.setdefault((context, msgid), []).append(f"{filename}:{lineno}")
    return found


@cache
def catalog(locale: str) -> Catalog:
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=locale)


def _entries(locale: str) -> dict[Key, Message]:
    return {(m.context, _first(m.id)): m for m in catalog(locale) if m.id}


def _where(key: Key) -> str:
    context, msgid = key
    return f"{msgid!r}" + (f" (context {context!r})" if context else "") + f" at {', '.join(extracted()[key][:3])}"


def test_the_sources_mark_words() -> None:
    assert len(extracted()) > 300, "babel.cfg no longer finds the pages' words"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_word_has_a_translation(locale: str) -> None:
    entries = _entries(locale)
    missing = [_where(k) for k in extracted() if k not in entries]
    assert not missing, f"not in the {locale} catalogue (run `make catalogs`, then translate):\n" + "\n".join(missing)
    empty = [_where(k) for k in extracted() if not _strings(entries[k])]
    assert not empty, f"no {locale} translation yet:\n" + "\n".join(empty)
    fuzzy = [_where(k) for k in extracted() if entries[k].fuzzy]
    assert not fuzzy, f"fuzzy in the {locale} catalogue (check the translation, drop '#, fuzzy'):\n" + "\n".join(fuzzy)


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_the_placeholders(locale: str) -> None:
    wrong = []
    for message in catalog(locale):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        expected = sorted(PLACEHOLDER.findall(str(ids[-1])))
        for string in _strings(message):
            if sorted(PLACEHOLDER.findall(string)) != expected:
                wrong.append(f"{ids[0]!r} -> {string!r}")
    assert not wrong, f"placeholders differ in the {locale} catalogue:\n" + "\n".join(wrong)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_catalogue_holds_no_word_the_sources_dropped(locale: str) -> None:
    unused = [f"{msgid!r}" + (f" (context {context!r})" if context else "")
              for context, msgid in _entries(locale) if (context, msgid) not in extracted()]
    assert not unused, "no longer in the sources (run `make catalogs`):\n" + "\n".join(unused)
    assert not catalog(locale).obsolete, "obsolete (#~) entries: run `make catalogs`"


@pytest.mark.parametrize("locale", LOCALES)
def test_the_compiled_catalogue_is_up_to_date(locale: str) -> None:
    mo_path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo"
    assert mo_path.exists(), f"{mo_path} is missing: `make catalogs` (or any `make` target) compiles it"
    with mo_path.open("rb") as mo:
        compiled = {(m.context, _first(m.id)): _all(m.string) for m in read_mo(mo) if m.id}
    written = {k: _all(m.string) for k, m in _entries(locale).items() if _strings(m) and not m.fuzzy}
    stale = sorted(str(k) for k in written.keys() ^ compiled.keys()) + sorted(
        str(k) for k in written.keys() & compiled.keys() if written[k] != compiled[k])
    assert not stale, f"{mo_path} is stale (`make catalogs` compiles it): " + ", ".join(stale[:10])


def _first(text: str | list[str] | tuple[str, ...]) -> str:
    """A message's id; the singular of a plural one."""
    return text if isinstance(text, str) else text[0]


def _all(text: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    return (text,) if isinstance(text, str) else tuple(text or ())


def _strings(message: object) -> list[str]:
    string = getattr(message, "string", "")
    strings = list(string) if isinstance(string, tuple) else [string]
    return strings if all(strings) else []
