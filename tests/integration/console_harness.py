"""Driving the web console in tests: each signed-in person is a TestClient of its own (its
own cookie jar) over the harness's app, database and hand-moved clock."""

from __future__ import annotations

import re
from typing import Any

import httpx
from api_harness import Api
from fastapi.testclient import TestClient

from warn.console.accounts import set_password

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


class Person:
    """One browser: signs in, reads pages, posts forms the way the pages do."""

    def __init__(self, api: Api, name: str, *, https: bool = False):
        self.api, self.name = api, name
        base = "https://testserver" if https else "http://testserver"
        self.client = TestClient(api.app, base_url=base, follow_redirects=False)
        self.csrf = ""

    def sign_in(self, password: str = PASSWORD, next_path: str = "") -> httpx.Response:
        form = self.client.get("/login")
        assert form.status_code == 200, form.text
        response = self.client.post("/login", data={
            "username": self.name, "password": password, "csrf": csrf_of(form.text),
            "next": next_path})
        if response.status_code == 303 and not response.headers["location"].startswith("/login"):
            self.csrf = csrf_of(self.client.get(response.headers["location"]).text)
        return response

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.client.get(path, params=params or None)

    def post(self, path: str, data: dict[str, Any] | None = None, *,
             csrf: str | None = None) -> httpx.Response:
        """Post a form with the session's CSRF token (or `csrf`, "" for none), then let the
        inline runtime run what the post started."""
        body = dict(data or {})
        token = self.csrf if csrf is None else csrf
        if token:
            body["csrf"] = token
        response = self.client.post(path, data=body)
        self.api.drain()
        return response


def person(api: Api, name: str, role: str, **scope: str | None) -> Person:
    """Register a user with a console password and sign it in."""
    api.user(name, role, **scope)
    set_password(api.ctx, name, PASSWORD)
    signed = Person(api, name)
    answer = signed.sign_in()
    assert answer.status_code == 303, answer.text
    return signed


def case_order(html: str) -> list[str]:
    """The case ids of a list page, top to bottom."""
    return re.findall(r'data-case="([^"]+)"', html)
