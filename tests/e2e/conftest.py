"""End-to-end fixtures: the real app on a free port (threaded werkzeug, a fresh SQLite database with
Huế's demo accounts) and Debian's Chromium driven by Playwright, launched by path because browser
downloads are blocked. Every page a test visits is saved as a screenshot under build/e2e/.

Outside CI the suite is skipped when Chromium or the npm assets are missing; with
ONESTOP_REQUIRE_E2E=1 (set by .ci/run) a missing piece fails the run instead.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from api import create_app
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "build" / "e2e"
CHROMIUM = os.environ.get("ONESTOP_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
MODELER_JS = ROOT / "api" / "static" / "build" / "modeler.js"  # bundled from api/static/src/ by `make`
PASSWORD = "e2e-password"


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if not MODELER_JS.exists():
        return "the npm assets are not installed and built (make api/static/node_modules/.installed)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _missing()
    if reason is None:
        return
    if os.environ.get("ONESTOP_REQUIRE_E2E") == "1":
        raise pytest.UsageError(f"the end-to-end suite cannot run: {reason}")
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    database = tmp_path_factory.mktemp("e2e") / "e2e.db"
    settings = replace(make_settings(f"sqlite:///{database}"), demo_password=PASSWORD)
    app = create_app({"SETTINGS": settings})
    app.extensions["onestop"].setup_demo(46)
    return app


@pytest.fixture(scope="session")
def server(app: Any) -> Iterator[str]:
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


class WatchedBrowser:
    """The browser, noting every Content-Security-Policy violation of the pages it opens: a script or
    style the policy blocks would otherwise fail silently."""

    def __init__(self, browser: Any):
        self._browser, self.violations = browser, []

    def new_page(self, **kwargs: Any) -> Any:
        page = self._browser.new_page(**kwargs)
        page.on("console", lambda message: self.violations.append(message.text)
                if "Content Security Policy" in message.text else None)
        return page

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


@pytest.fixture
def browser(chromium: Any) -> Iterator[WatchedBrowser]:
    watched = WatchedBrowser(chromium)
    yield watched
    assert watched.violations == []


class Shots:
    """Saves numbered full-page screenshots for a person to look at (build/e2e/<test>/NN-name.png)."""

    def __init__(self, folder: Path):
        self.folder, self.count = folder, 0
        folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, page: Any, name: str) -> None:
        self.count += 1
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{name}.png"), full_page=True)


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Shots:
    return Shots(ARTIFACTS / re.sub(r"\W+", "_", request.node.name))


def sign_in(page: Any, server: str, username: str) -> None:
    page.goto(f"{server}/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{username} could not sign in"


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/login")
