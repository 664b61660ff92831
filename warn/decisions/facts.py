"""The facts a batch of decisions needs, read from the database before it decides.

`FactBook` loads them once per batch (users, teams and their open dispatches, each number's
last flash SMS) and hands every decision the same `Facts`; between two decisions it keeps
what the first one did — a flash SMS sent, a team sent out or freed — so the next one sees
it. Officers, the roster and the teams are read the first time a decision asks for them,
within the batch's transaction; a batch that pages nobody and sends no team never reads
them. Nothing is locked to read any of it: whether the
teams a batch sent out still had room is checked under their row locks when it is written
(`warn.decisions.writes.check_team_room`).
"""

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TypeVar

from sqlalchemy import String, bindparam, func, literal_column, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from warn.domain.events import CloseDispatch, Effect, Send
from warn.domain.facts import Facts, OnShift, TeamPlace
from warn.store.models import Delivery, RosterEntry, Team, User

K = TypeVar("K")
V = TypeVar("V")


class FactBook:
    def __init__(self, session: Session, msisdns: Iterable[str] = (),
                 schools: Iterable[str | None] = ()) -> None:
        self._session = session
        self._liaisons = liaisons_of(session, {s for s in schools if s})
        # Read when a decision first asks for them: a batch of flash SMS pages nobody and
        # sends no team, and saves four queries.
        self._officers = Lazy(lambda: officers(session))
        self._roster = Lazy(lambda: roster(session))
        self._teams = Lazy(lambda: {team.id: TeamPlace(team.district, team.capacity)
                                    for team in session.scalars(select(Team))})
        self._load = Lazy(lambda: open_dispatches(session, list(self._teams)))
        numbers = sorted(set(msisdns))
        self._asked = set(numbers)
        self._flashes = last_flashes(session, numbers) if numbers else {}
        self.facts = Facts(liaisons=self._liaisons, officers=self._officers,
                           teams=self._teams, team_load=self._load,
                           last_flashes=self._flashes, roster=self._roster)

    def know(self, msisdns: Iterable[str] = (), schools: Iterable[str | None] = ()) -> None:
        """Load what a decision about other numbers or schools than the first ones needs."""
        wanted = sorted(set(msisdns) - self._asked)
        if wanted:
            self._asked.update(wanted)
            self._flashes.update(last_flashes(self._session, wanted))
        missing = {s for s in schools if s and s not in self._liaisons}
        if missing:
            self._liaisons.update(liaisons_of(self._session, missing))

    def record(self, effects: Sequence[Effect], now: datetime) -> None:
        """What one decision did that the next one must know."""
        for effect in effects:
            if isinstance(effect, Send) and effect.channel == "flash_sms":
                self._flashes[effect.recipient] = now
            elif isinstance(effect, Send) and effect.channel == "mobile_team":
                load = self._load.loaded()
                load[effect.recipient] = load.get(effect.recipient, 0) + 1
            elif isinstance(effect, CloseDispatch) and self._load.get(effect.team):
                self._load.loaded()[effect.team] -= 1


class Lazy(Mapping[K, V]):
    """A mapping read from the database on first use, within the batch's transaction."""

    def __init__(self, read: Callable[[], dict[K, V]]) -> None:
        self._read = read
        self._data: dict[K, V] | None = None

    def loaded(self) -> dict[K, V]:
        if self._data is None:
            self._data = self._read()
        return self._data

    def __getitem__(self, key: K) -> V:
        return self.loaded()[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self.loaded())

    def __len__(self) -> int:
        return len(self.loaded())


def liaisons_of(session: Session, schools: set[str]) -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = dict.fromkeys(schools, ())
    if not schools:
        return found
    query = (select(User.school, User.name).where(User.role == "liaison",
                                                  User.school.in_(sorted(schools)),
                                                  User.disabled.is_(False))
             .order_by(User.name))
    for school, name in session.execute(query):
        found[school] = (*found[school], name)
    return found


def officers(session: Session) -> dict[str | None, tuple[str, ...]]:
    """Every officer on duty by district (None: those without one). Officers are few."""
    found: dict[str | None, tuple[str, ...]] = {}
    query = (select(User.district, User.name)
             .where(User.role == "officer", User.disabled.is_(False)).order_by(User.name))
    for district, name in session.execute(query):
        found[district] = (*found.get(district, ()), name)
    return found


def roster(session: Session) -> dict[str, OnShift]:
    """Who is signed on to the duty roster, with the district whose cases they see (an
    admin sees every district). A disabled user is off shift, whatever the roster says."""
    query = (select(RosterEntry.user_name, RosterEntry.since, RosterEntry.lead, User.role,
                    User.district)
             .join(User, User.name == RosterEntry.user_name)
             .where(User.disabled.is_(False), User.role.in_(("officer", "admin"))))
    return {name: OnShift(since, lead, None if role == "admin" else district)
            for name, since, lead, role, district in session.execute(query)}


def open_dispatches(session: Session, team_ids: Sequence[str]) -> dict[str, int]:
    if not team_ids:
        return {}
    query = (select(Delivery.recipient, func.count()).where(
        Delivery.channel == "mobile_team", Delivery.dispatch_open.is_(True),
        Delivery.recipient.in_(team_ids)).group_by(Delivery.recipient))
    return {team: count for team, count in session.execute(query)}


def last_flashes(session: Session, msisdns: Sequence[str]) -> dict[str, datetime]:
    """When each number last got a flash SMS (queued or sent), for those that ever did.

    On PostgreSQL one index probe per number (ix_deliveries_flash_recipient), whatever
    the planner believes of the table: asked as one `IN` list, a table whose statistics
    lag behind its growth (autovacuum analyses it only now and then) is read in full."""
    if session.get_bind().dialect.name != "postgresql":
        sent = Delivery.state.in_(("queued", "sent"))
        query = (select(Delivery.recipient, func.max(Delivery.created_at))
                 .where(Delivery.channel == "flash_sms", Delivery.recipient.in_(msisdns), sent)
                 .group_by(Delivery.recipient))
        return {recipient: at for recipient, at in session.execute(query)}
    wanted = bindparam("numbers", list(msisdns), type_=postgresql.ARRAY(String))
    numbers = func.unnest(wanted).table_valued("msisdn").render_derived(name="n")
    # The index's own condition written out, not bound: once the statement is prepared,
    # PostgreSQL plans it for any parameter, and a partial index on channel = 'flash_sms'
    # cannot serve `channel = $1` (measured: a scan per number, 0.9 ms each).
    last = (select(func.max(Delivery.created_at))
            .where(Delivery.channel == literal_column("'flash_sms'"),
                   Delivery.recipient == numbers.c.msisdn,
                   Delivery.state.in_([literal_column("'queued'"), literal_column("'sent'")]))
            .scalar_subquery())
    rows = session.execute(select(numbers.c.msisdn, last))
    return {msisdn: at for msisdn, at in rows if at is not None}
