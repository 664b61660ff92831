"""Signals from the automated feeds: value objects and the validation rules of CONTRACT §3."""

import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, TypeGuard, get_args

SignalKind = Literal[
    "scam_site_visit", "flagged_call", "scam_sms", "fraud_app_install", "transfer_attempt"
]
SIGNAL_KINDS: tuple[str, ...] = get_args(SignalKind)

MAX_AHEAD = timedelta(minutes=5)
MAX_BEHIND = timedelta(days=7)
MAX_DURATION_S = 604_800  # a week
MAX_AMOUNT_CNY = 10**12
MAX_NUMBER = 10**15  # any number anywhere in a signal, either sign
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
# Characters that show nothing or change how what is around them shows: bidi controls and
# marks (U+202A-E, U+2066-9, U+200E-F, the Arabic letter mark U+061C), zero-width and
# invisible characters (U+200B-D, U+2060-4, U+FEFF, the soft hyphen, the Mongolian vowel
# separator, the combining grapheme joiner, Hangul and Khmer fillers, variation
# selectors), the other format characters (Unicode category Cf) and the line and paragraph
# separators. With one, text reads one way in a console, a message or a log and is
# another: a number stored reversed shows forward, a link or a number hides from the
# filters. The inside of a regex [...] class; the Basic Multilingual Plane only, so that
# the OpenAPI document can state it (the planes beyond are added below).
UNSEEN_CHARACTERS = (r"\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
                     r"\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2028-\u202e"
                     r"\u2060-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb")
_UNSEEN_ASTRAL = (r"\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
                  r"\U0001d173-\U0001d17a\U000e0000-\U000e007f\U000e0100-\U000e01ef")
# Control characters (C0, DEL, C1) too: they break terminals and logs.
FORBIDDEN_CHARACTERS = r"\x00-\x1f\x7f-\x9f" + UNSEEN_CHARACTERS
UNSEEN = re.compile(f"[{UNSEEN_CHARACTERS}{_UNSEEN_ASTRAL}]")
# Half a surrogate pair too: not a character, and the content hash (UTF-8) fails on it. The
# API answers it as malformed JSON before validation; `warn ingest` files reach it here.
_FORBIDDEN = re.compile(rf"[{FORBIDDEN_CHARACTERS}{_UNSEEN_ASTRAL}\ud800-\udfff]")
_SUBJECT_FIELDS = {"msisdn": 32, "name": 64, "district": 64, "school": 64,
                   "student_no": 64, "location": 256}
_TOP_FIELDS = {"id", "kind", "observed_at", "subject", "attributes"}
_REQUIRED_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "scam_site_visit": ("url",),
    "flagged_call": ("caller", "duration_s"),
    "scam_sms": ("sender",),
    "fraud_app_install": ("app",),
    "transfer_attempt": ("account", "amount_cny"),
}
_TEXT_ATTRIBUTES = {"url", "caller", "sender", "app", "account", "fraud_type"}
_MAX_EXTRA_ATTRIBUTES = 16
_MAX_ATTRIBUTE_TEXT = 512


class SignalError(ValueError):
    """A signal that breaks a rule; `field` is the dotted path of the offending value."""

    def __init__(self, message: str, field: str | None = None, code: str = "invalid_signal"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


@dataclass(frozen=True)
class Subject:
    msisdn: str
    name: str | None = None
    district: str | None = None
    school: str | None = None
    student_no: str | None = None
    location: str | None = None

    def to_dict(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v is not None}


UnknownPlace = Literal["unknown_school", "unknown_district"]


@dataclass(frozen=True)
class Signal:
    """A signal as a feed sent it (`id` is then the feed's own id) or as stored (`id` is our
    key, `feed_id` the feed's, `unknown` what of its subject is not registered)."""

    id: str
    kind: SignalKind
    observed_at: datetime
    subject: Subject
    attributes: Mapping[str, Any]
    feed_id: str | None = None
    unknown: tuple[UnknownPlace, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The normalized form that is stored, hashed and sent back."""
        data = {"id": self.id, "kind": self.kind, "observed_at": self.observed_at.isoformat(),
                "subject": self.subject.to_dict(), "attributes": dict(self.attributes)}
        if self.feed_id is not None:
            data["feed_id"] = self.feed_id
        if self.unknown:
            data["unknown"] = list(self.unknown)
        return data

    @property
    def shown_id(self) -> str:
        """The id people know the signal by: the feed's."""
        return self.feed_id if self.feed_id is not None else self.id

    def content_hash(self) -> str:
        """Equal for equal content: the same instant written with another offset is equal.
        Taken of the signal as the feed sent it."""
        content = self.to_dict()
        content["observed_at"] = self.observed_at.astimezone(UTC).isoformat()
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()

    @property
    def fraud_type(self) -> str | None:
        value = self.attributes.get("fraud_type")
        return value if isinstance(value, str) else None


def signal_from_dict(data: Mapping[str, Any]) -> Signal:
    """Rebuild a stored, already validated signal."""
    return Signal(id=data["id"], kind=data["kind"],
                  observed_at=datetime.fromisoformat(data["observed_at"]),
                  subject=Subject(**data["subject"]), attributes=dict(data["attributes"]),
                  feed_id=data.get("feed_id"), unknown=tuple(data.get("unknown", ())))


def validate_signal(raw: object, now: datetime) -> Signal:
    """Check one incoming signal against CONTRACT §3; raise SignalError on the first problem."""
    if not isinstance(raw, Mapping):
        raise SignalError("a signal must be a JSON object")
    _reject_unknown(raw, _TOP_FIELDS, "")
    signal_id = _text(raw, "id", "id", limit=128, required=True)
    kind = raw.get("kind")
    if kind not in SIGNAL_KINDS:
        raise SignalError(f"kind must be one of {', '.join(SIGNAL_KINDS)}", "kind")
    assert signal_id is not None
    return Signal(id=signal_id, kind=kind, observed_at=_observed_at(raw.get("observed_at"), now),
                  subject=_subject(raw.get("subject")),
                  attributes=_attributes(kind, raw.get("attributes", {})))


def is_plain(text: str) -> bool:
    """No control, bidi or invisible character (CONTRACT §3): safe to show and to echo."""
    return not _FORBIDDEN.search(text)


def parse_json(document: str | bytes) -> Any:
    """JSON as a feed sends it, for `validate_signal`. Raises ValueError when it is not JSON
    (NaN and Infinity are not); an out-of-range number is parsed, for validation to refuse
    in the item that holds it."""
    return json.loads(document, parse_int=_json_int, parse_constant=_not_json)


# JSON has no leading zeros, so an integer literal with more digits than MAX_NUMBER is out
# of range whatever its digits. It stands in as MAX_NUMBER + 1, which validation refuses as it
# would the number: int() would cost time quadratic in the digits, and past 4,300 of them
# raise a ValueError that would make the whole body malformed, valid items and all.
_MAX_DIGITS = len(str(MAX_NUMBER))
_OUT_OF_RANGE = MAX_NUMBER + 1


def _json_int(literal: str) -> int:
    if len(literal.lstrip("-")) > _MAX_DIGITS:
        return -_OUT_OF_RANGE if literal.startswith("-") else _OUT_OF_RANGE
    return int(literal)


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _reject_unknown(data: Mapping[str, Any], allowed: set[str], prefix: str) -> None:
    for key in data:
        if key not in allowed:
            if isinstance(key, str) and len(key) <= 64 and is_plain(key):
                raise SignalError(f"unknown field '{key}'", f"{prefix}{key}")
            # Not echoed: the name itself is hostile (or huge); the object holding it is named.
            raise SignalError("unknown field with a name of control, bidi or invisible "
                              "characters, or over 64 characters", prefix.rstrip(".") or None)


def _text(data: Mapping[str, Any], key: str, path: str, *, limit: int,
          required: bool = False) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise SignalError(f"{path} is required", path)
        return None
    if not isinstance(value, str):
        raise SignalError(f"{path} must be a string", path)
    _plain(value, path)
    if not value.strip():
        raise SignalError(f"{path} must not be empty", path)
    if len(value) > limit:
        raise SignalError(f"{path} is longer than {limit} characters", path)
    return value


def _plain(value: str, path: str) -> None:
    if not is_plain(value):
        raise SignalError(f"{path} contains a control, bidi or invisible character", path)


def _observed_at(value: object, now: datetime) -> datetime:
    if not isinstance(value, str):
        raise SignalError("observed_at is required: an RFC 3339 time with offset", "observed_at")
    _plain(value, "observed_at")  # before the message below echoes it
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise SignalError(f"observed_at '{value[:40]}' is not an RFC 3339 time",
                          "observed_at") from None
    if parsed.tzinfo is None:
        raise SignalError("observed_at needs a UTC offset, e.g. +08:00", "observed_at")
    if parsed > now + MAX_AHEAD:
        raise SignalError("observed_at is more than 5 minutes in the future", "observed_at")
    if parsed < now - MAX_BEHIND:
        raise SignalError("observed_at is more than 7 days in the past", "observed_at")
    return parsed


def _subject(value: object) -> Subject:
    if not isinstance(value, Mapping):
        raise SignalError("subject is required: an object with at least msisdn", "subject")
    _reject_unknown(value, set(_SUBJECT_FIELDS), "subject.")
    fields = {key: _text(value, key, f"subject.{key}", limit=limit, required=key == "msisdn")
              for key, limit in _SUBJECT_FIELDS.items()}
    msisdn = fields.pop("msisdn")
    assert msisdn is not None
    if not _E164.match(msisdn):
        raise SignalError("subject.msisdn must be an E.164 number such as +8613812345678",
                          "subject.msisdn")
    return Subject(msisdn=msisdn, **fields)


def _attributes(kind: str, value: object) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise SignalError("attributes must be an object", "attributes")
    if len(value) > len(_REQUIRED_ATTRIBUTES[kind]) + _MAX_EXTRA_ATTRIBUTES:
        raise SignalError("attributes has too many fields", "attributes")
    for key in _REQUIRED_ATTRIBUTES[kind]:
        if key not in value or value[key] is None:
            raise SignalError(f"attributes.{key} is required for {kind}", f"attributes.{key}")
    checked: dict[str, Any] = {}
    for key, item in value.items():
        checked[key] = _attribute(str(key), item)
    if kind == "flagged_call":
        checked.setdefault("ongoing", False)
    return checked


def _attribute(key: str, item: object) -> object:
    path = f"attributes.{key}"
    if len(key) > 64 or not is_plain(key):
        # Named by its object: a path holding the hostile name would carry it on.
        raise SignalError("attribute names are at most 64 characters, none of them a "
                          "control, bidi or invisible character", "attributes")
    if key == "duration_s":
        if not _is_integer(item) or not 0 <= item <= MAX_DURATION_S:
            raise SignalError(f"{path} must be a whole number of seconds from 0 to "
                              f"{MAX_DURATION_S}", path)
        return item
    if key == "ongoing":
        if not isinstance(item, bool):
            raise SignalError(f"{path} must be true or false", path)
        return item
    if key == "amount_cny":
        if not _is_number(item) or not 0 < item <= MAX_AMOUNT_CNY:
            raise SignalError(f"{path} must be a number greater than 0 and at most 10^12", path)
        return item
    if isinstance(item, str):
        return _text({key: item}, key, path, limit=_MAX_ATTRIBUTE_TEXT)
    if key in _TEXT_ATTRIBUTES:
        raise SignalError(f"{path} must be a string", path)
    if item is None or isinstance(item, bool):
        return item
    if isinstance(item, int | float):
        if not _is_number(item) or not -MAX_NUMBER <= item <= MAX_NUMBER:
            raise SignalError(f"{path} must be a finite number within ±10^15", path)
        return item
    raise SignalError(f"{path} must be a string, number, boolean or null", path)


def _is_integer(item: object) -> TypeGuard[int]:
    return isinstance(item, int) and not isinstance(item, bool)


def _is_number(item: object) -> TypeGuard[int | float]:
    """An int or a finite float; not a bool, which Python counts as an int."""
    if isinstance(item, float):
        return math.isfinite(item)
    return _is_integer(item)
