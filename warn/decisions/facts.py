"""The domain's Directory, answered from the database inside the deciding transaction.

One instance serves a whole batch of decisions, so its answers are remembered: the
liaisons of a school and the officers of a district are read once per batch, and the last
flash SMS per number is read for all the batch's numbers in one query.
"""

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from sqlalchemy import String, bindparam, func, or_, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from warn.store.models import Delivery, Team, User


class SqlDirectory:
    def __init__(self, session: Session, before_reading: Callable[[], None] = lambda: None):
        # Writes of the batch so far must be in the database before a question whose
        # answer depends on them (which team is free).
        self._before_reading = before_reading
        self._session = session
        self._reserved: dict[str, int] = {}
        self._liaisons: dict[str, list[str]] = {}
        self._officers: dict[str | None, list[str]] = {}
        self._flashes: dict[str, datetime | None] = {}

    def liaisons(self, school: str) -> Sequence[str]:
        if school not in self._liaisons:
            query = select(User.name).where(User.role == "liaison", User.school == school,
                                            User.disabled.is_(False)).order_by(User.name)
            self._liaisons[school] = list(self._session.scalars(query))
        return self._liaisons[school]

    def officers(self, district: str | None) -> Sequence[str]:
        if district not in self._officers:
            scope = User.district.is_(None) if district is None else or_(
                User.district == district, User.district.is_(None))
            query = select(User.name).where(User.role == "officer", User.disabled.is_(False),
                                            scope).order_by(User.name)
            self._officers[district] = list(self._session.scalars(query))
        return self._officers[district]

    def free_team(self, district: str | None) -> str | None:
        """The least busy team with room, locked so that no other case takes the same place."""
        self._before_reading()
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
        if msisdn not in self._flashes:
            self.prefetch_flashes([msisdn])
        return self._flashes[msisdn]

    def prefetch_flashes(self, msisdns: Iterable[str]) -> None:
        wanted = sorted(set(msisdns) - set(self._flashes))
        if not wanted:
            return
        self._flashes.update(dict.fromkeys(wanted))
        self._flashes.update(last_flashes(self._session, wanted))

    def flash_sent(self, msisdn: str, at: datetime) -> None:
        """A flash SMS decided in this batch counts for the rest of the batch."""
        self._flashes[msisdn] = at


def open_dispatches(session: Session, team_ids: Sequence[str]) -> dict[str, int]:
    query = (select(Delivery.recipient, func.count()).where(
        Delivery.channel == "mobile_team", Delivery.dispatch_open.is_(True),
        Delivery.recipient.in_(team_ids)).group_by(Delivery.recipient))
    return {team: count for team, count in session.execute(query)}


def last_flashes(session: Session, msisdns: Sequence[str]) -> dict[str, datetime]:
    """When each number last got a flash SMS (queued or sent), for those that ever did.

    On PostgreSQL one index probe per number (ix_deliveries_flash_recipient), whatever
    the planner believes of the table: asked as one `IN` list, a table whose statistics
    lag behind its growth (autovacuum analyses it only now and then) is read in full."""
    sent = Delivery.state.in_(("queued", "sent"))
    if session.get_bind().dialect.name != "postgresql":
        query = (select(Delivery.recipient, func.max(Delivery.created_at))
                 .where(Delivery.channel == "flash_sms", Delivery.recipient.in_(msisdns), sent)
                 .group_by(Delivery.recipient))
        return {recipient: at for recipient, at in session.execute(query)}
    wanted = bindparam("numbers", list(msisdns), type_=postgresql.ARRAY(String))
    numbers = func.unnest(wanted).table_valued("msisdn").render_derived(name="n")
    last = (select(func.max(Delivery.created_at))
            .where(Delivery.channel == "flash_sms", Delivery.recipient == numbers.c.msisdn, sent)
            .scalar_subquery())
    rows = session.execute(select(numbers.c.msisdn, last))
    return {msisdn: at for msisdn, at in rows if at is not None}
