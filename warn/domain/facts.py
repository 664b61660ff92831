"""What a decision may know about the world, as data: loaded by the service before it
decides, never looked up while deciding.

A batch of decisions shares one `Facts`; between two decisions the service carries what
the first one did (a flash SMS sent, a team taken or freed) into the mappings it owns, so
the second sees it. `decide` itself only reads.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

# How long a sign-on to the duty roster counts: a shift nobody signed off from ends by
# itself, so a forgotten 下岗 does not keep paging someone who went home a day ago.
LONGEST_SHIFT = timedelta(hours=24)


@dataclass(frozen=True)
class OnShift:
    """Someone signed on to the duty roster (值班表): since when, whether as the shift's
    supervisor (值班领导), and the district whose cases they see (None: every district)."""

    since: datetime
    lead: bool = False
    district: str | None = None

    def on_at(self, now: datetime) -> bool:
        return self.since <= now < self.since + LONGEST_SHIFT


@dataclass(frozen=True)
class TeamPlace:
    """A mobile team, its district and how many dispatches it can hold at once."""

    district: str | None
    capacity: int


@dataclass(frozen=True)
class Facts:
    # school -> its liaison users, by name
    liaisons: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # district -> its officers; key None: the officers without a district, who see all
    officers: Mapping[str | None, tuple[str, ...]] = field(default_factory=dict)
    teams: Mapping[str, TeamPlace] = field(default_factory=dict)
    # team -> its open dispatches
    team_load: Mapping[str, int] = field(default_factory=dict)
    # number -> when it last got a flash SMS (queued or sent)
    last_flashes: Mapping[str, datetime] = field(default_factory=dict)
    # user -> their sign-on to the duty roster; someone not in it is off shift
    roster: Mapping[str, OnShift] = field(default_factory=dict)

    def liaisons_of(self, school: str) -> tuple[str, ...]:
        return self.liaisons.get(school, ())

    def officers_of(self, district: str | None) -> tuple[str, ...]:
        """The case's own district's officers, then those without a district."""
        own = self.officers.get(district, ()) if district is not None else ()
        return (*own, *self.officers.get(None, ()))

    def officers_to_page(self, district: str | None, now: datetime) -> tuple[str, ...]:
        """The case's officers who are on shift at `now`. When none of them is — nobody
        signed on yet, or everyone's shift has lapsed — all of them: a page that reaches
        nobody is worse than one that wakes somebody off shift."""
        everyone = self.officers_of(district)
        on_shift = tuple(name for name in everyone if self._on_shift(name, now))
        return on_shift or everyone

    def supervisors_of(self, district: str | None, now: datetime) -> tuple[str, ...]:
        """The shift supervisors on shift at `now` who see a case of `district`."""
        return tuple(sorted(
            name for name, shift in self.roster.items()
            if shift.lead and shift.on_at(now)
            and (shift.district is None or shift.district == district)))

    def _on_shift(self, name: str, now: datetime) -> bool:
        shift = self.roster.get(name)
        return shift is not None and shift.on_at(now)

    def free_team(self, district: str | None, taken: Collection[str] = ()) -> str | None:
        """The least busy team of the district (of any district for None) with room left,
        counting the places `taken` by this same decision; ties go to the first id."""
        best: tuple[int, str] | None = None
        for team, place in sorted(self.teams.items()):
            if district is not None and place.district != district:
                continue
            busy = self.team_load.get(team, 0) + sum(1 for t in taken if t == team)
            if busy < place.capacity and (best is None or busy < best[0]):
                best = (busy, team)
        return best[1] if best else None

    def team_has_room(self, team: str, taken: Collection[str] = ()) -> bool | None:
        """Whether the team can take one more dispatch (None: no such team)."""
        place = self.teams.get(team)
        if place is None:
            return None
        busy = self.team_load.get(team, 0) + sum(1 for t in taken if t == team)
        return busy < place.capacity

    def last_flash_at(self, msisdn: str) -> datetime | None:
        return self.last_flashes.get(msisdn)
