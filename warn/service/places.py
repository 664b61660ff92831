"""Districts as one spelling: what a feed, a school, a team and a user name is matched to
the registered district trimmed, case-insensitively and width-insensitively (CONTRACT §3),
so that `"DA "`, `"da"` and a full-width `"ｄａ"` are one district, and its officers see
its cases and its teams go to them. A look-alike in another script (a Cyrillic `"dа"`)
is not: its cases are flagged `unknown_district`, for the officers without a district."""

import unicodedata
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from warn.store.models import District, School


def canonical_district(name: str) -> str:
    """The spelling districts are registered and matched in."""
    return unicodedata.normalize("NFKC", name).strip().casefold()


def registered_districts(session: Session, names: Iterable[str]) -> set[str]:
    """Which of these (canonical) districts are registered."""
    wanted = {name for name in names if name}
    if not wanted:
        return set()
    return set(session.scalars(select(District.id).where(District.id.in_(sorted(wanted)))))


def registered_schools(session: Session, ids: Iterable[str]) -> set[str]:
    wanted = {school for school in ids if school}
    if not wanted:
        return set()
    return set(session.scalars(select(School.id).where(School.id.in_(sorted(wanted)))))
