"""The console in a real browser: Debian's chromium driven by Playwright, against the local
runtime serving the built console at / (make console builds it; make test installs chromium)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from local.console_auth import dev_token
from local.console_scene import CHROMIUM, Scene, browser, populate
from local.demo import http
from local.runtime import CONSOLE_DIST, LocalRuntime
from local.seed import load_seed

WEB = Path(__file__).resolve().parents[2] / "console" / "web"


def _build_console() -> None:
    """The suite tests what a fresh clone builds: npm ci + vite build when dist is missing or older than its sources."""
    sources = [p for p in (WEB / "src").rglob("*") if p.is_file()] + [WEB / "index.html", WEB / "package.json"]
    index = CONSOLE_DIST / "index.html"
    if index.is_file() and index.stat().st_mtime >= max(p.stat().st_mtime for p in sources):
        return
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed: the console cannot be built")
    if not (WEB / "node_modules" / ".package-lock.json").is_file():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=WEB, check=True)
    subprocess.run(["npx", "vite", "build", "--logLevel", "error"], cwd=WEB, check=True)


@pytest.fixture(scope="package")
def console() -> tuple[LocalRuntime, Scene]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: `make test` installs it (apt-get install -y chromium)")
    pytest.importorskip("playwright.sync_api", reason="the playwright package is missing: pip install -e '.[dev]'")
    _build_console()
    with LocalRuntime(prefix="oms-console") as runtime:
        load_seed()
        yield runtime, populate(runtime, copies=1)


@pytest.fixture(scope="package")
def chromium():
    with browser() as context:
        yield context


@pytest.fixture
def page(chromium):
    page = chromium.new_page()
    # Generous: on a machine shared by several test runs a what-if replay or the overview's first
    # read (cold imports) has taken over 15 s; a page that never shows still fails.
    page.set_default_timeout(60_000)
    yield page
    page.close()


def as_user(runtime: LocalRuntime, method: str, path: str, body: Any = None, group: str = "supervisor") -> tuple[int, Any]:
    """The console API as a signed-in user (what the page itself calls)."""
    groups = ["supervisor", "operator"] if group == "supervisor" else ["operator"]
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {dev_token('ops-test', groups)}"}
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
    return http(method, f"{runtime.api_url}/console{path}", data, headers)


def sign_in(page, runtime: LocalRuntime, group: str = "supervisor", language: str = "zh") -> None:
    page.goto(f"{runtime.api_url}/")
    page.evaluate(f"localStorage.clear(); localStorage.setItem('oms.language', '{language}')")
    page.goto(f"{runtime.api_url}/#/overview")
    page.fill("[data-field=username]", "ops-chen")
    page.select_option("[data-field=group]", group)
    page.click("[data-action=sign-in]")
    page.wait_for_selector("[data-figure=health_index]")
