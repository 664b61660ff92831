"""`warn user passwd`: the password comes from stdin, never from the command line."""

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from warn.console.passwords import verify_password
from warn.store.db import make_engine, session_factory
from warn.store.models import User


def warn(folder: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARN_")}
    env["WARN_DATABASE_URL"] = f"sqlite:///{folder / 'warn.db'}"
    return subprocess.run([sys.executable, "-m", "warn", *args], env=env, input=stdin,
                          capture_output=True, text=True, timeout=120, cwd=folder, check=False)


def _hash(folder: Path, name: str) -> str | None:
    engine = make_engine(f"sqlite:///{folder / 'warn.db'}")
    try:
        with session_factory(engine)() as session:
            return session.scalars(select(User.password_hash).where(User.name == name)).one()
    finally:
        engine.dispose()


def test_passwd_reads_stdin_and_stores_only_a_hash(tmp_path: Path) -> None:
    assert warn(tmp_path, "user", "add", "cui", "--role", "officer").returncode == 0
    done = warn(tmp_path, "user", "passwd", "cui", stdin="夜班 password 1\n")
    assert done.returncode == 0, done.stderr
    assert "password set for cui" in done.stdout and "password 1" not in done.stdout
    stored = _hash(tmp_path, "cui")
    assert stored and "password" not in stored and verify_password("夜班 password 1", stored)


def test_passwd_refuses_argv_weak_passwords_feeds_and_strangers(tmp_path: Path) -> None:
    assert warn(tmp_path, "user", "add", "cui", "--role", "officer").returncode == 0
    assert warn(tmp_path, "user", "add", "carrier", "--role", "feed").returncode == 0
    on_argv = warn(tmp_path, "user", "passwd", "cui", "hunter2-hunter2", stdin="x\n")
    assert on_argv.returncode == 2 and _hash(tmp_path, "cui") is None
    short = warn(tmp_path, "user", "passwd", "cui", stdin="short\n")
    assert short.returncode == 2 and "at least 8" in short.stderr
    feed = warn(tmp_path, "user", "passwd", "carrier", stdin="long enough pw\n")
    assert feed.returncode == 2 and "API token" in feed.stderr
    nobody = warn(tmp_path, "user", "passwd", "nobody", stdin="long enough pw\n")
    assert nobody.returncode == 2 and "no user named" in nobody.stderr
