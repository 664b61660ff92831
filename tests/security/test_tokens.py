"""API tokens: random, shown once, stored only as a SHA-256 hash, compared in constant time.

The lookup goes by the hash, so a timing difference in the database's index could only
tell an attacker about hashes of tokens they already hold; the stored hash is compared
again with hmac.compare_digest so that no early-exit comparison is ever made on a secret.
"""

import hashlib
import hmac
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from tests.integration.api_harness import Api
from warn.app import create_app
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


def test_a_trust_counts_from_when_the_lookup_began(api: Api) -> None:
    """A lookup that saw the user enabled began before the disabling commit: counted from
    there, its trust ends within TOKEN_TRUST_S of that commit however slow the read was."""
    token = add_user(api.ctx, "cui", "officer")
    now = [100.0]
    cache = TokenCache(trust_s=1.0, clock=lambda: now[0])
    reads = api.ctx.reads

    def slow_reads() -> object:
        now[0] += 0.7
        return reads()

    api.ctx.reads = slow_reads  # type: ignore[assignment]
    assert cache.holder(api.ctx, token) is not None
    api.ctx.reads = reads
    now[0] += 0.2
    assert cache.trusted(token) is not None
    now[0] += 0.1
    assert cache.trusted(token) is None


# Another server process: it checks the token it reads first on every line it is sent.
_OTHER_SERVER = """
import sys
from warn.service.context import Context
from warn.service.tokens import TokenCache
from warn.store.db import make_engine, session_factory
engine = make_engine(sys.argv[1])
ctx = Context(engine=engine, sessions=session_factory(engine), policy=None, gateways={})
cache = TokenCache(trust_s=float(sys.argv[2]))
token = sys.stdin.readline().strip()
for _ in sys.stdin:
    print("accepted" if cache.holder(ctx, token) else "refused", flush=True)
"""


def test_once_disable_returns_no_other_server_accepts_the_token(
        db_url: str, tmp_path: Path) -> None:
    harness = Api(db_url, tmp_path / "gateway.ndjson")
    token = add_user(harness.ctx, "cui", "officer")
    trust = 0.5
    server = subprocess.Popen([sys.executable, "-c", _OTHER_SERVER, db_url, str(trust)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              cwd=Path(__file__).resolve().parents[2])
    assert server.stdin is not None and server.stdout is not None

    def ask() -> str:
        assert server.stdin is not None and server.stdout is not None
        server.stdin.write("?\n")
        server.stdin.flush()
        return server.stdout.readline().strip()

    try:
        server.stdin.write(token + "\n")
        assert ask() == "accepted"  # and trusted, without the database, for `trust` seconds
        started = time.monotonic()
        disable_user(harness.ctx, "cui", trust_s=trust)
        took = time.monotonic() - started
        assert ask() == "refused"
        assert trust <= took < trust + 2
    finally:
        server.stdin.close()
        server.wait(timeout=30)
        harness.close()
