"""API tokens: random, shown once, stored only as a SHA-256 hash, compared in constant time.

The lookup goes by the hash, so a timing difference in the database's index could only
tell an attacker about hashes of tokens they already hold; the stored hash is compared
again with hmac.compare_digest so that no early-exit comparison is ever made on a secret.
"""

import hashlib
import hmac
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from tests.integration.api_harness import Api
from warn.api import create_app
from warn.service.registration import add_user, disable_user
from warn.service.tokens import TokenCache
from warn.store.db import upgrade
from warn.store.models import Base, User


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    url = f"sqlite:///{tmp_path / 'warn.db'}"
    upgrade(url)
    harness = Api(url, tmp_path / "gateway.ndjson")
    yield harness
    harness.close()


def test_tokens_are_long_random_and_never_stored(api: Api) -> None:
    tokens = [add_user(api.ctx, f"u{n}", "officer") for n in range(20)]
    assert len(set(tokens)) == 20 and min(map(len, tokens)) >= 43  # 32 random bytes
    with api.engine.connect() as conn:
        stored = dict(conn.execute(select(User.name, User.token_hash)).all())
        dump = " ".join(str(row) for table in Base.metadata.sorted_tables
                        for row in conn.execute(text(f"SELECT * FROM {table.name}")))
    for n, token in enumerate(tokens):
        assert stored[f"u{n}"] == hashlib.sha256(token.encode()).hexdigest()
        assert token not in dump


def test_the_stored_hash_is_compared_in_constant_time(api: Api,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    token = add_user(api.ctx, "cui", "officer")
    calls: list[tuple[object, object]] = []
    real = hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    user = TokenCache().holder(api.ctx, token)
    assert user is not None and user.name == "cui"
    digest = hashlib.sha256(token.encode()).hexdigest()
    assert calls == [(digest, digest)], "the secret's hash must go through compare_digest"


def test_near_misses_revoked_and_oversized_tokens_get_nothing(api: Api) -> None:
    token = add_user(api.ctx, "cui", "officer")
    api.tokens["cui"] = token
    cache = TokenCache()
    near = token[:-1] + ("A" if token[-1] != "A" else "B")
    for wrong in (near, token.upper(), token + " x", token[:20], "", "x" * 10_000):
        assert cache.holder(api.ctx, wrong) is None
        response = api.client.get("/v1/cases", headers={"Authorization": f"Bearer {wrong}"})
        assert response.status_code == 401
    assert cache.holder(api.ctx, token) is not None
    assert api.get("cui", "/v1/cases").status_code == 200
    disable_user(api.ctx, "cui")  # forgets the trust of every cache in this process
    assert cache.holder(api.ctx, token) is None
    assert api.get("cui", "/v1/cases").status_code == 401


def test_a_token_disabled_by_another_process_is_refused_within_the_trust_time(
        api: Api) -> None:
    token = add_user(api.ctx, "cui", "officer")
    clock = [1000.0]
    cache = TokenCache(clock=lambda: clock[0])
    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(lambda: api.ctx, tokens=cache,
                               hand_off=api.runtime.hand_off)) as client:
        assert client.get("/v1/cases", headers=auth).status_code == 200
        with api.engine.begin() as conn:  # as `warn user disable` does, from its own process
            conn.execute(User.__table__.update().where(User.name == "cui")
                         .values(disabled=True))
        clock[0] += cache.trust_s / 2
        assert client.get("/v1/cases", headers=auth).status_code == 200  # trusted, for now
        clock[0] += cache.trust_s / 2
        assert client.get("/v1/cases", headers=auth).status_code == 401
