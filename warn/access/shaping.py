"""What a user is shown of a value about a case: liaisons get the subject's number masked
in every string of it (CONTRACT §2); everyone else sees it as it is."""

from typing import TypeVar, cast

from warn.access.masking import mask_all
from warn.access.principal import Principal
from warn.access.scope import masks_phone

Shown = TypeVar("Shown")


def for_reader(user: Principal, data: Shown, msisdn: str) -> Shown:
    """`data` (dicts, lists, strings) as `user` may see it."""
    # Masking keeps the shape of what it masks (a tuple comes back as a list).
    return cast(Shown, mask_all(data, msisdn)) if masks_phone(user) else data
