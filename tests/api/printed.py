"""Reading printed slips in tests: fetch one, and the text a reader sees in its HTML or PDF."""

from __future__ import annotations

import html
import io
import re
import unicodedata
from typing import Any

from pypdf import PdfReader

from tests.api.helpers import API


def slip(client: Any, headers: dict[str, str], code: str, kind: str, **query: Any) -> Any:
    return client.get(f"{API}/dossiers/{code}/slips/{kind}", query_string=query, headers=headers)


def words(markup: str) -> str:
    """The text a reader sees: tags dropped, entities decoded, white space collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def pdf_words(data: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() for page in reader.pages)
    return " ".join(unicodedata.normalize("NFC", text).split()), reader
