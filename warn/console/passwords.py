"""Console passwords, hashed with scrypt from the standard library (no extra dependency).

Stored form: `scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>`, so the cost can be raised later
without invalidating hashes made before.
"""

import base64
import hashlib
import hmac
import os
import secrets
import string
import threading
from functools import cache
from importlib.resources import files
from itertools import pairwise

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


# Rows of keys people run a finger along, and the digits going round: a password that is a
# stretch of one of these, either way, is guessed in the first few hundred tries.
_RUNS = ("1234567890-=", "qwertyuiop[]", "asdfghjkl;'", "zxcvbnm,./",
         "1234567890qwertyuiopasdfghjklzxcvbnm", "01234567890123456789",
         "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p", "qazwsxedcrfvtgbyhnujmikolp")
# Added at either end of a common password, these make it no harder to guess.
_DECORATION = string.digits + string.punctuation + string.whitespace


def check_strength(password: str, name: str | None = None) -> None:
    """Refuse a password a guesser would try early: too short, one of the most common ones
    (or one with a few digits or symbols added), a run of keys or letters, one character or a
    short pattern repeated, or the user's own name. The message says why in plain words."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"the password must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"the password may be at most {MAX_LENGTH} characters")
    if password.strip() != password:
        raise WeakPassword("the password may not begin or end with spaces")
    folded = password.casefold()
    if len(set(folded)) == 1:
        raise WeakPassword("the password may not be one character repeated")
    if _repeats_a_short_pattern(folded):
        raise WeakPassword("the password may not be a few characters repeated, like 'abcabcab'")
    if _is_a_run(folded):
        raise WeakPassword("the password may not be a run of letters, digits or keys, "
                           "like '12345678', 'abcdefgh' or 'qwertyui'")
    if name and _made_of_name(folded, name.casefold()):
        raise WeakPassword("the password may not be the user's name, or the name with only "
                           "digits or symbols added")
    common = common_passwords()
    if folded in common:
        raise WeakPassword("this is one of the most common passwords: choose another")
    stem = folded.strip(_DECORATION)
    if stem and stem != folded and (stem in common or _is_a_run(stem) or len(set(stem)) == 1):
        raise WeakPassword("this is a common password with a few digits or symbols added: "
                           "choose another")


@cache
def common_passwords() -> frozenset[str]:
    """The list shipped with the package (common_passwords.txt), lowercase."""
    text = files("warn.console").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def _repeats_a_short_pattern(folded: str) -> bool:
    for size in range(2, 5):
        unit = folded[:size]
        if len(folded) >= 2 * size and (unit * (len(folded) // size + 1)).startswith(folded):
            return True
    return False


def _is_a_run(folded: str) -> bool:
    if len(folded) < 3:
        return len(folded) > 0
    steps = {ord(b) - ord(a) for a, b in pairwise(folded)}
    if steps in ({1}, {-1}):
        return True
    return any(folded in run or folded in run[::-1] for run in _RUNS)


def _made_of_name(folded: str, name: str) -> bool:
    if len(name) < 2 or (name not in folded and name[::-1] not in folded):
        return False
    return folded.replace(name, "").replace(name[::-1], "").strip(_DECORATION) == ""


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
