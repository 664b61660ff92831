"""A real embedded `warn serve` (its own OS process, SQLite, a policy of seconds) and
Debian's headless Chromium driven by Playwright, shared by the browser tests of a module.

Chromium comes from Debian (`/usr/bin/chromium`; .ci/run installs it), never from
`playwright install`: the tests must run on a machine without internet access.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.browser.seed import PASSWORD, World, seed
from tests.e2e.stack import Stack, eventually
from tests.policies import policy_variant

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DESK = {"width": 1440, "height": 1000}
PHONE = {"width": 390, "height": 844}
DUTY_PHONE = "023-5888 1234"  # the duty room's number on the field pages

# Seconds instead of minutes where a test waits for the ladder; minutes where a person must
# have time to act (the school's ack, the officer's confirmation).
BROWSER_POLICY = policy_variant(case_window="30m", ladders={
    "medium": [{"send": ["flash_sms", "callback_96110"], "wait": "2s"},
               {"send": ["school_group"], "wait": "10m", "ack": "5m"},
               {"send": ["mobile_team"], "confirm": "5m", "wait": "10m"}],
    "high": [{"send": ["flash_sms", "callback_96110", "school_group"], "wait": "3s"},
             {"send": ["mobile_team"], "confirm": "8s", "wait": "10m"}],
})


class Console:
    """The running server, its feed and admin API clients, and a browser to open pages."""

    def __init__(self, stack: Stack, world: World, browser: Browser):
        self.stack, self.browser = stack, browser
        self.base = stack.base_url
        self.feed = httpx.Client(base_url=self.base, timeout=10,
                                 headers={"Authorization": f"Bearer {world.feed_token}"})
        self.admin = httpx.Client(base_url=self.base, timeout=10,
                                  headers={"Authorization": f"Bearer {world.admin_token}"})
        self.errors: list[str] = []  # script errors and CSP refusals seen on any page

    def page(self, viewport: dict[str, int] = DESK, **options: Any) -> Page:
        context: BrowserContext = self.browser.new_context(
            base_url=self.base, viewport=viewport, locale="zh-CN",
            timezone_id="Asia/Shanghai", **options)
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.on("pageerror", lambda error: self.errors.append(f"script error: {error}"))
        page.on("console", lambda message: self._console(message.type, message.text))
        return page

    def _console(self, kind: str, text: str) -> None:
        # A 403 or 404 page is an expected "failed to load"; a script error or anything the
        # Content-Security-Policy refused (an inline script or style) is a bug.
        if kind == "error" and "Failed to load resource" not in text:
            self.errors.append(text)

    def signed_in(self, name: str, viewport: dict[str, int] = DESK, **options: Any) -> Page:
        page = self.page(viewport, **options)
        sign_in(page, name)
        assert "/login" not in page.url, page.content()[:2000]
        return page

    def signal(self, kind: str, subject: dict[str, Any], **attributes: Any) -> str:
        """Send a signal as the feed would; answers its id once it is stored (202)."""
        signal_id = f"browser-{uuid.uuid4().hex[:12]}"
        answer = self.feed.post("/v1/signals", json={
            "id": signal_id, "kind": kind, "observed_at": datetime.now(UTC).isoformat(),
            "subject": {"district": "wanzhou", **subject}, "attributes": attributes})
        assert answer.status_code == 202, answer.text
        return signal_id

    def case_of(self, signal_id: str) -> str:
        return eventually(lambda: self.feed.get(f"/v1/signals/{signal_id}").json()["case_id"],
                          10, f"signal {signal_id} to join a case")

    def case(self, case_id: str) -> dict[str, Any]:
        answer = self.admin.get(f"/v1/cases/{case_id}")
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def case_where(self, case_id: str, test: Callable[[dict[str, Any]], bool],
                   what: str) -> dict[str, Any]:
        def check() -> dict[str, Any] | None:
            case = self.case(case_id)
            return case if test(case) else None

        return eventually(check, 15, what)


@pytest.fixture(autouse=True)
def no_script_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "console" in request.fixturenames:
        found: Console = request.getfixturevalue("console")
        errors, found.errors[:] = list(found.errors), []
        assert errors == [], errors


def sign_in(page: Page, name: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def shot(page: Page, name: str, full_page: bool = True) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    # Animations off: the yellow flash on a card that just arrived is not the page at rest.
    page.screenshot(path=str(path), full_page=full_page, animations="disabled")
    return path


@contextmanager
def serving(folder: Path, policy: str, days: int = 28) -> Iterator[Console]:
    """A seeded world with `days` of history, `warn serve` on it under `policy`, and a
    headless Chromium."""
    assert os.path.exists(CHROMIUM), f"{CHROMIUM} is missing: apt-get install chromium"
    db_url = f"sqlite:///{folder / 'warn.db'}"
    world = seed(db_url, folder, days)
    (folder / "policy.yaml").write_text(policy)
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARN_")}
    env.update(WARN_DATABASE_URL=db_url, WARN_POLICY=str(folder / "policy.yaml"),
               WARN_MOCK_LOG=str(folder / "gateway.ndjson"), PYTHONUNBUFFERED="1",
               WARN_DUTY_PHONE=DUTY_PHONE)
    stack = Stack(env, folder)
    stack.start("serve", "serve", "--port", str(stack.port))
    try:
        stack.wait_healthy()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield Console(stack, world, browser)
            browser.close()
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    with serving(tmp_path_factory.mktemp("console"), BROWSER_POLICY) as running:
        yield running
