"""Who is asking: the user a request acts for, whether it came with an API token
(warn.api.auth) or from a signed-in console session (warn.console.sessions)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    name: str
    role: str  # feed|officer|liaison|team|admin
    school: str | None = None
    district: str | None = None
    team: str | None = None
