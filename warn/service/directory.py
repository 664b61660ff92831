"""The domain's Directory, answered from the database inside the case's transaction."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from warn.store.models import Delivery, Team, User


class SqlDirectory:
    def __init__(self, session: Session):
        self._session = session
        self._reserved: dict[str, int] = {}

    def liaisons(self, school: str) -> Sequence[str]:
        query = select(User.name).where(User.role == "liaison", User.school == school,
                                        User.disabled.is_(False)).order_by(User.name)
        return list(self._session.scalars(query))

    def officers(self, district: str | None) -> Sequence[str]:
        scope = User.district.is_(None) if district is None else or_(
            User.district == district, User.district.is_(None))
        query = select(User.name).where(User.role == "officer", User.disabled.is_(False),
                                        scope).order_by(User.name)
        return list(self._session.scalars(query))

    def free_team(self, district: str | None) -> str | None:
        """The least busy team with room, locked so that no other case takes the same place."""
        teams = select(Team).order_by(Team.id).with_for_update()
        if district is not None:
            teams = teams.where(Team.district == district)
        candidates = list(self._session.scalars(teams))
        if not candidates:
            return None
        load = open_dispatches(self._session, [team.id for team in candidates])
        best = None
        for team in candidates:
            busy = load.get(team.id, 0) + self._reserved.get(team.id, 0)
            if busy < team.capacity and (best is None or busy < best[1]):
                best = (team.id, busy)
        if best is None:
            return None
        self._reserved[best[0]] = self._reserved.get(best[0], 0) + 1
        return best[0]

    def last_flash_at(self, msisdn: str) -> datetime | None:
        query = select(func.max(Delivery.created_at)).where(
            Delivery.channel == "flash_sms", Delivery.recipient == msisdn,
            Delivery.state.in_(("queued", "sent")))
        return self._session.scalar(query)


def open_dispatches(session: Session, team_ids: Sequence[str]) -> dict[str, int]:
    query = (select(Delivery.recipient, func.count()).where(
        Delivery.channel == "mobile_team", Delivery.dispatch_open.is_(True),
        Delivery.recipient.in_(team_ids)).group_by(Delivery.recipient))
    return {team: count for team, count in session.execute(query)}
