"""Masking the subject's phone number for readers outside the duty room (PIPL: the minimum).

`mask_phone("call +8613812345678", "+8613812345678")` → `"call 138****5678"`: the E.164
form, the national form and the usual spaced or dashed spellings of the subject's number
all become the first 3 and last 4 digits of its national part around `****`.
"""

import re
from functools import lru_cache
from typing import Any

# ITU country codes are prefix-free: the 1- and 2-digit ones are listed, all others have 3.
_CC1 = frozenset({"1", "7"})
_CC2 = frozenset({
    "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
    "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
    "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
})
_STARS = "****"


def split_msisdn(msisdn: str) -> tuple[str, str]:
    """(country code, national number) of an E.164 number such as +8613812345678."""
    digits = msisdn.lstrip("+")
    if digits[:1] in _CC1:
        size = 1
    elif digits[:2] in _CC2:
        size = 2
    else:
        size = 3
    return digits[:size], digits[size:]


def masked_form(msisdn: str) -> str:
    """138****5678 for +8613812345678: the first 3 and last 4 digits of the national part."""
    _, national = split_msisdn(msisdn)
    if len(national) <= 4:
        return _STARS
    head = national[:3] if len(national) >= 8 else ""
    return f"{head}{_STARS}{national[-4:]}"


@lru_cache(maxsize=4096)
def _pattern(msisdn: str) -> re.Pattern[str]:
    country, national = split_msisdn(msisdn)
    gap = r"[ \-]?"
    body = gap.join(re.escape(digit) for digit in national)
    prefix = rf"(?:(?:\+|00)?{re.escape(country)}{gap}|0)?"
    return re.compile(rf"(?<![0-9+]){prefix}{body}(?![0-9])")


def mask_phone(text: str, msisdn: str) -> str:
    """Replace every spelling of `msisdn` in `text` with its masked form."""
    if not msisdn or not text:
        return text
    digits = msisdn.lstrip("+")
    if not digits.isdigit():
        return text.replace(msisdn, masked_form(msisdn)) if msisdn in text else text
    masked = masked_form(msisdn)
    return _pattern(msisdn).sub(lambda _match: masked, text)


def mask_all(value: Any, msisdn: str) -> Any:
    """Mask the number in every string inside a JSON-like value (dicts, lists, strings)."""
    if isinstance(value, str):
        return mask_phone(value, msisdn)
    if isinstance(value, dict):
        return {key: mask_all(item, msisdn) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [mask_all(item, msisdn) for item in value]
    return value
