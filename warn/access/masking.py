"""The subject's phone number as readers outside the duty room see it (CONTRACT §2, PIPL).

`masked_form` is the one masked spelling of a number: its national significant number
(the digits after the calling code, which phonenumbers finds: `+85261234567` →
`61234567`) with the middle hidden behind `****`:

- 11 digits or more: the first 3 and the last 4 shown, `138****5678`;
- fewer: only a tail, at most the last 4 and never so many that fewer than 4 digits stay
  hidden: 10 to 8 digits `****4567`, 7 `****567`, 6 `****67`, 5 `****7`, 4 or fewer `****`.

The stars are always four, so the masked form does not tell how many digits it hides.

`mask_phone` finds the number in free text in every spelling an officer or a feed writes:
full-width or other scripts' digits, Chinese numerals (`一三九…`, `壹叁玖…`, `幺`) and the
letters typed for 1 and 0, invisible characters inside it, any punctuation, white space or
marks between digits, with `+86`, `0086`, `86` or a trunk `0` in front. The national
digits are matched even inside a longer run of digits (`17951` IP dialling prefixes, a
typo's extra digit, two numbers written together): a coincidental
7-or-more-digit match in an account number costs a reader outside the duty room nothing,
a number left readable there is a leak. A national number shorter than 7 digits only
matches on its own, as such short runs turn up by chance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import phonenumbers

from warn.textview import as_digits, normalised, replace_spans, view

_STARS = "****"
_SHOWN_HEAD = 3
_SHOWN_TAIL = 4
_FULL_LENGTH = 11  # a Chinese mobile number: the shortest that shows its first digits
_MIN_HIDDEN = 4
_MIN_UNBOUNDED = 7  # a national number this long is masked even inside a longer digit run

# Between two digits of a spelling (in the normalised view): anything that is neither a
# letter nor a digit — white space and line breaks, the punctuation people group digits
# with (`、`, `:`, `*`, `•`, `#` …), combining marks and keycaps put on each digit — up to
# 8 of them. A gap that wide only ever joins digits into the subject's whole number when
# the text spells that number out.
_SEPARATOR = r"[\W_]"
_GAP = f"{_SEPARATOR}{{0,8}}"


@dataclass(frozen=True)
class _Number:
    country: str  # calling code, "" when the number does not parse
    national: str  # national significant number
    trunk: str  # national (trunk) prefix dialled before it at home, e.g. "0"; may be ""


@lru_cache(maxsize=4096)
def _number(msisdn: str) -> _Number | None:
    digits = "".join(char for char in normalised(msisdn) if char in "0123456789")
    if not digits:
        return None
    try:
        parsed = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return _Number("", digits, "")  # an unknown calling code: hide more, never less
    if parsed.country_code is None:
        return _Number("", digits, "")
    region = phonenumbers.region_code_for_country_code(parsed.country_code)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region, None)
    trunk = (metadata.national_prefix or "") if metadata is not None else ""
    country = str(parsed.country_code)
    # The E.164 national significant number: all digits after the calling code. (The
    # library's own would also drop what it takes for a carrier selection code, which would
    # then be left unmasked in front of the masked part.)
    return _Number(country, digits[len(country):], trunk)


def national_number(msisdn: str) -> str:
    """`+8613812345678` → `13812345678`: the digits after the calling code, what every
    spelling of the number holds ("" when it has no digits)."""
    number = _number(msisdn)
    return number.national if number is not None else ""


def masked_form(msisdn: str) -> str:
    """`+8613812345678` → `138****5678`; `+85261234567` → `****4567` (rule above)."""
    national = national_number(msisdn)
    if len(national) >= _FULL_LENGTH:
        return f"{national[:_SHOWN_HEAD]}{_STARS}{national[-_SHOWN_TAIL:]}"
    shown = max(0, min(_SHOWN_TAIL, len(national) - _MIN_HIDDEN))
    return _STARS + (national[-shown:] if shown else "")


def _spelled(digits: str) -> str:
    return _GAP.join(re.escape(digit) for digit in digits)


@lru_cache(maxsize=4096)
def _pattern(msisdn: str) -> re.Pattern[str] | None:
    number = _number(msisdn)
    if number is None:
        return None
    at_start = "(?<![0-9])"  # a prefix is only a prefix where a number begins
    prefixes = []
    if number.country:
        trunk = f"(?:{_spelled(number.trunk)}{_GAP})?" if number.trunk else ""
        prefixes.append(rf"{at_start}(?:(?:\+|00|011){_GAP})?{_spelled(number.country)}"
                        rf"{_GAP}{trunk}")
    else:
        prefixes.append(rf"{at_start}(?:\+|00)")
    if number.trunk:
        prefixes.append(f"{at_start}{_spelled(number.trunk)}{_GAP}")
    prefix = f"(?:{'|'.join(prefixes)})?" if prefixes else ""
    body = _spelled(number.national)
    if len(number.national) >= _MIN_UNBOUNDED:
        return re.compile(prefix + body)
    return re.compile(f"{at_start}{prefix}{body}(?![0-9])")


def mask_phone(text: str, msisdn: str) -> str:
    """`text` with every spelling of `msisdn` replaced by its masked form, the rest as written."""
    if not text or not msisdn:
        return text
    pattern = _pattern(msisdn)
    masked = masked_form(msisdn)
    if pattern is None:
        return text.replace(msisdn, masked)
    if pattern.search(as_digits(normalised(text))) is None:
        return text  # nearly every string of a case page: no position map needed
    seen, origin = view(text)
    seen = as_digits(seen)  # Chinese numerals and look-alike letters read as digits
    edits = [(*_with_brackets(seen, match), masked) for match in pattern.finditer(seen)]
    return replace_spans(text, origin, edits)


def _with_brackets(seen: str, match: re.Match[str]) -> tuple[int, int]:
    """The span of `match`, taking in the bracket that `(138)1111-2222` opens before it."""
    start, end = match.span()
    found = match[0]
    if found.count(")") > found.count("(") and start > 0 and seen[start - 1] == "(":
        start -= 1
    return start, end


def mask_all(value: Any, msisdn: str) -> Any:
    """`value` (JSON-like: dicts, lists, tuples, strings) with the number masked in every
    string in it, keys too."""
    if isinstance(value, str):
        return mask_phone(value, msisdn)
    if isinstance(value, dict):
        return {mask_all(key, msisdn): mask_all(item, msisdn) for key, item in value.items()}
    if isinstance(value, list):
        return [mask_all(item, msisdn) for item in value]
    if isinstance(value, tuple):
        return tuple(mask_all(item, msisdn) for item in value)
    return value
