"""Security headers on every HTTP answer: API, errors, operations, console pages and files."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.api_harness import Api
from warn.api.headers import CSP
from warn.store.db import upgrade

ALWAYS = {"x-content-type-options": "nosniff", "x-frame-options": "DENY",
          "referrer-policy": "no-referrer", "content-security-policy": CSP}


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    url = f"sqlite:///{tmp_path / 'warn.db'}"
    upgrade(url)
    harness = Api(url, tmp_path / "gateway.ndjson")
    harness.user("root", "admin")
    yield harness
    harness.close()


ANSWERS = [  # (who, method, path): every kind of answer the server gives
    ("root", "GET", "/v1/cases"),
    ("root", "GET", "/v1/cases/nope"),
    (None, "GET", "/v1/cases"),
    ("root", "GET", "/v1/cases?limit=0"),
    ("root", "POST", "/v1/signals"),
    ("root", "DELETE", "/v1/cases"),
    (None, "GET", "/no/such/page"),
    (None, "GET", "/healthz"),
    (None, "GET", "/metrics"),
    (None, "GET", "/openapi.json"),
    (None, "GET", "/login"),
    (None, "GET", "/queue"),
    (None, "GET", "/static/console.css"),
]


@pytest.mark.parametrize(("who", "method", "path"), ANSWERS)
def test_every_answer_carries_the_security_headers(api: Api, who: str | None, method: str,
                                                   path: str) -> None:
    headers = api.as_(who) if who else {}
    response = api.client.request(method, path, headers=headers, follow_redirects=False)
    for name, value in ALWAYS.items():
        assert response.headers.get(name) == value, (name, response.status_code)
    kind = response.headers.get("content-type", "")
    if kind.startswith(("application/json", "text/html")):
        assert response.headers["cache-control"] == "no-store", path


def test_the_policy_allows_only_this_origin() -> None:
    directives = dict(part.strip().split(" ", 1) for part in CSP.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and "unsafe" not in CSP
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"


def test_console_pages_use_no_inline_script_or_style() -> None:
    """What the policy forbids must not be needed: the templates carry no inline code."""
    folder = Path(__file__).parents[2] / "templates" / "console"
    for page in folder.glob("*.html"):
        text = page.read_text()
        assert "<script>" not in text and " style=" not in text and "<style" not in text, page
        assert " on" + "click=" not in text, page
