"""How the console writes times, durations, numbers and a signal's facts (Beijing time)."""

import json
from collections.abc import Mapping
from datetime import UTC, datetime

from warn import vocabulary as names
from warn.links import defang
from warn.render import LOCAL_TZ, duration, national, yuan


def _local(moment: datetime | str) -> datetime:
    if isinstance(moment, str):  # digests carry RFC 3339 text (they are cached as JSON-like)
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ)


def clock(moment: datetime | str | None) -> str:
    return _local(moment).strftime("%H:%M:%S") if moment else "—"


def when(moment: datetime | str | None) -> str:
    """`18:43` today, `2月23日 18:43` on another day (Beijing time)."""
    if moment is None:
        return "—"
    local, today = _local(moment), datetime.now(LOCAL_TZ).date()
    if local.date() == today:
        return local.strftime("%H:%M")
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def stamp(moment: datetime | str | None) -> str:
    """`2月23日 18:43:05`: the audit log wants the day and the second."""
    if moment is None:
        return "—"
    local = _local(moment)
    return f"{local.month}月{local.day}日 {local:%H:%M:%S}"


def iso(moment: datetime | None) -> str:
    """UTC RFC 3339, for `data-` attributes that the page's script counts down to."""
    return moment.astimezone(UTC).isoformat() if moment else ""


def phone(msisdn: str | None) -> str:
    """+8613812345678 → 138 1234 5678: easy to read out and dial."""
    if not msisdn:
        return "—"
    number = national(msisdn)
    if msisdn.startswith("+86") and len(number) == 11 and number.isdigit():
        return f"{number[:3]} {number[3:7]} {number[7:]}"
    return number


def span(seconds: float | None) -> str:
    """A duration the way a duty room says it: 45秒, 3分10秒, 2小时5分."""
    if seconds is None:
        return "—"
    total = round(seconds)
    if total < 60:
        return f"{total}秒"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes}分{secs}秒" if secs and minutes < 10 else f"{minutes}分钟"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}小时{minutes}分" if minutes else f"{hours}小时"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def signal_facts(attributes: Mapping[str, object]) -> list[str]:
    """The facts of one signal someone can act on, in words; links are defanged."""
    facts: list[str] = []
    if attributes.get("fraud_type"):
        facts.append("疑似" + names.fraud_label(str(attributes["fraud_type"])))
    if attributes.get("caller"):
        facts.append("对方号码 " + national(str(attributes["caller"])))
    if attributes.get("duration_s") is not None:
        facts.append("已通话" + duration(attributes["duration_s"]))
    if attributes.get("ongoing"):
        facts.append("仍在通话中")
    for key, words in (("url", "网址 "), ("sender", "短信发送方 "), ("app", "App "),
                       ("account", "收款账户 ")):
        if attributes.get(key):
            facts.append(words + defang(str(attributes[key])))
    if attributes.get("amount_cny") is not None:
        facts.append("金额 " + yuan(attributes["amount_cny"]))
    return facts


def audit_target(target: str) -> str:
    """`预警队列`, `学校 sanxia-med`: what an audit entry was about, ids as written."""
    kind, colon, rest = target.partition(":")
    if colon and kind in names.AUDIT_TARGET_KINDS:
        return f"{names.AUDIT_TARGET_KINDS[kind]} {rest}"
    return names.label(names.AUDIT_TARGETS, target)


def audit_detail(detail: str) -> str:
    """An audit entry's detail (JSON) as the admin reads it: `岗位：值班民警；反馈：挂断`.
    Ids, names and typed text are shown as written; a detail that is not JSON, as it is."""
    try:
        data = json.loads(detail) if detail else {}
    except ValueError:
        return detail
    if not isinstance(data, dict):
        return detail
    return "；".join(f"{names.label(names.AUDIT_FIELDS, key)}：{_audit_value(key, value)}"
                    for key, value in data.items()) or names.AUDIT_EMPTY


_AUDIT_VALUE_WORDS: dict[str, Mapping[str, str]] = {
    "role": names.ROLES, "via": names.AUDIT_VIAS, "result": names.RESULTS,
    "outcome": names.OUTCOMES, "tier": names.TIERS, "state": names.CASE_STATES,
}


def _audit_value(key: str, value: object) -> str:
    if value is None or value == "" or value == []:
        return names.AUDIT_EMPTY
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(_audit_value(key, item) for item in value)
    if isinstance(value, dict):
        return "，".join(f"{names.label(names.AUDIT_FIELDS, k)} {_audit_value(k, v)}"
                        for k, v in value.items())
    text = str(value)
    return names.label(_AUDIT_VALUE_WORDS[key], text) if key in _AUDIT_VALUE_WORDS else text


FILTERS = {"audit_detail": audit_detail, "audit_target": audit_target, "clock": clock,
           "when": when, "stamp": stamp, "iso": iso, "phone": phone, "span": span,
           "percent": percent, "kind": names.kind_label, "fraud": names.fraud_label}
