"""What a decision may know about the world, as data: loaded by the service before it
decides, never looked up while deciding.

A batch of decisions shares one `Facts`; between two decisions the service carries what
the first one did (a flash SMS sent, a team taken or freed) into the mappings it owns, so
the second sees it. `decide` itself only reads.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime


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

    def liaisons_of(self, school: str) -> tuple[str, ...]:
        return self.liaisons.get(school, ())

    def officers_of(self, district: str | None) -> tuple[str, ...]:
        """The case's own district's officers, then those without a district."""
        own = self.officers.get(district, ()) if district is not None else ()
        return (*own, *self.officers.get(None, ()))

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

    def last_flash_at(self, msisdn: str) -> datetime | None:
        return self.last_flashes.get(msisdn)
