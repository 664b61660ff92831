"""Console passwords, hashed with scrypt from the standard library (no extra dependency).

Stored form: `scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>`, so the cost can be raised later
without invalidating hashes made before.
"""

import base64
import hashlib
import hmac
import os
import secrets
import threading

# RFC 7914's interactive parameters: ~16 MiB and some tens of milliseconds per attempt,
# slow for a guesser, unnoticeable at sign-in.
_N, _R, _P = 2**14, 8, 1
_KEY_BYTES = 32
_MAXMEM = 64 * 1024 * 1024
MIN_LENGTH = 8
MAX_LENGTH = 256
# Hashes and checks run at most this many at a time, leaving the other cores to the work that warns
# people: unbounded, a handful of guessers on the sign-in page take every core (scrypt
# releases the GIL), and each check then takes longer too. A sign-in waits its turn instead.
_SLOTS = threading.BoundedSemaphore(max(1, (os.cpu_count() or 2) // 2))


class WeakPassword(ValueError):
    """A password that may not be set; the message says why."""


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"the password must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"the password may be at most {MAX_LENGTH} characters")
    if password.strip() != password:
        raise WeakPassword("the password may not begin or end with spaces")


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, _N, _R, _P)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str | None) -> bool:
    """True when `password` matches `stored`. A missing or unreadable hash is checked
    against a dummy one, so a wrong name costs the same time as a wrong password."""
    parsed = _parse(stored) if stored else None
    if parsed is None:
        _scrypt(password, b"\0" * 16, _N, _R, _P)
        return False
    n, r, p, salt, expected = parsed
    return hmac.compare_digest(_scrypt(password, salt, n, r, p), expected)


def _parse(stored: str) -> tuple[int, int, int, bytes, bytes] | None:
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return None
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        return n, r, p, base64.b64decode(parts[4]), base64.b64decode(parts[5])
    except ValueError:
        return None


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    with _SLOTS:
        return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM,
                              dklen=_KEY_BYTES)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()
