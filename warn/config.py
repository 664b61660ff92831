"""Settings from the environment (CONTRACT §1): every command reads the same variables."""

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_DATABASE_URL = "sqlite:///warn.db"


@dataclass(frozen=True)
class Settings:
    database_url: str
    broker_url: str | None
    policy_path: str | None

    @property
    def embedded(self) -> bool:
        """No broker configured: worker and scheduler run inside `warn serve`."""
        return not self.broker_url


def settings_from_env(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    return Settings(database_url=env.get("WARN_DATABASE_URL") or DEFAULT_DATABASE_URL,
                    broker_url=env.get("WARN_BROKER_URL") or None,
                    policy_path=env.get("WARN_POLICY") or None)


@dataclass(frozen=True)
class DutyPhone:
    """The duty room's number as people read it (`023-5888 1234`) and as a `tel:` link dials
    it (`02358881234`)."""

    shown: str
    dial: str


# What a phone number may be written with; anything else (letters, a `;` or `?` that would
# change what a `tel:` link does) makes the setting unusable rather than half-shown.
_PHONE_SPELLING = re.compile(r"\+?[0-9(][0-9 ()\-]{2,30}")


def duty_phone(env: Mapping[str, str] | None = None) -> DutyPhone | None:
    """`WARN_DUTY_PHONE`: the number liaisons and teams call to reach the duty room, shown on
    every field page. None when unset or not a phone number (the pages then say to call
    110)."""
    env = os.environ if env is None else env
    written = (env.get("WARN_DUTY_PHONE") or "").strip()
    digits = re.sub(r"\D", "", written)
    if not _PHONE_SPELLING.fullmatch(written) or len(digits) < 3:
        return None
    return DutyPhone(shown=written, dial=("+" if written.startswith("+") else "") + digits)
