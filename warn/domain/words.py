"""The Chinese words the domain writes into a case's timeline: channels, tiers, results,
outcomes, stage states, signal kinds, why officers are paged, and how stages and spans of
time are named. Pure data and pure formatting, so that the domain's notes and the
console (`warn.vocabulary` re-uses these tables) say the same thing in the same words."""

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Final, Protocol

TIERS: Final[Mapping[str, str]] = {"low": "低", "medium": "中", "high": "高"}

CHANNELS: Final[Mapping[str, str]] = {
    "flash_sms": "闪信",
    "callback_96110": "96110回拨",
    "school_group": "警校联动",
    "mobile_team": "机动队",
    "duty_page": "值班呼叫",
}

KINDS: Final[Mapping[str, str]] = {
    "scam_site_visit": "登录诈骗网站",
    "flagged_call": "与涉诈号码通话",
    "scam_sms": "收到诈骗短信",
    "fraud_app_install": "安装涉诈/远程控制App",
    "transfer_attempt": "向涉诈账户转账",
}

STAGE_STATES: Final[Mapping[str, str]] = {
    "pending": "待执行",
    "awaiting_confirmation": "待确认",
    "active": "进行中",
    "succeeded": "劝阻成功",
    "failed": "失败",
    "skipped": "已跳过",
    "declined": "已否决",
    "cancelled": "已取消",
    "passed": "已转下一级",
}

RESULTS: Final[Mapping[str, str]] = {
    "delivered": "已送达",
    "read": "已阅读",
    "failed": "失败",
    "dissuaded": "已劝阻",
    "not_believed": "不相信",
    "hung_up": "挂断",
    "no_answer": "无人接听",
    "acknowledged": "已收到",
    "arrived": "已到达",
    "not_found": "未找到",
}

OUTCOMES: Final[Mapping[str, str]] = {
    "dissuaded": "劝阻成功",
    "false_positive": "误报",
    "victimized": "已被骗",
    "duplicate": "重复",
    "warned": "已预警结案",
}

# Why the officers of a case are paged (the `reason` of a duty page).
PAGE_REASONS: Final[Mapping[str, str]] = {
    "confirm": "请求确认",
    "overdue": "确认超时",
    "no_team": "无空闲机动队",
    "exhausted": "阶梯用尽",
    "stuck": "自动处理失败",
}

# What a case is while it only records what comes in (results on a closed or stuck case).
CASE_CONDITIONS: Final[Mapping[str, str]] = {
    "resolved": "案件已结案",
    "stuck": "案件自动处理失败，待人工处置",
}

NO_SCHOOL_GROUP: Final[Mapping[str, str]] = {
    "no_liaison": "该校没有登记联络人",
    "unknown_school": "学校未登记",
    "not_a_student": "对象不是学生",
}

LIST_JOIN: Final = "、"


def word(table: Mapping[str, str], key: str) -> str:
    """The word for `key`; a key the table does not know is shown as it is, never lost."""
    return table.get(key, key)


def words(table: Mapping[str, str], keys: Iterable[str]) -> str:
    """`闪信、96110回拨`: several words of one table, in the order given."""
    return LIST_JOIN.join(word(table, key) for key in keys)


def stage_name(tier: str, position: int) -> str:
    """`中风险第1级`: the tier's ladder and the stage's place in it, counted from 1 — the
    same numbering as the console's ladder, whatever came before an upgrade."""
    return f"{word(TIERS, tier)}风险第{position + 1}级"


class Staged(Protocol):
    @property
    def tier(self) -> str: ...

    @property
    def position(self) -> int: ...


def stage_called(stage: Staged) -> str:
    return stage_name(stage.tier, stage.position)


def span(value: timedelta) -> str:
    """A policy's span of time exactly, as a duty room says it: `90秒`, `10分钟`, `2小时`,
    `1小时30分钟`."""
    total = int(value.total_seconds())
    if total % 60 and total < 120:
        return f"{total}秒"
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{hours}小时" if hours else "",
             (f"{minutes}分" + ("" if seconds else "钟")) if minutes else "",
             f"{seconds}秒" if seconds else ""]
    return "".join(parts) or "0秒"


def ago(value: timedelta) -> str:
    """How long ago, to the second under a minute and to the minute above: `40秒前`,
    `3分钟前`, `1小时5分钟前`."""
    total = max(int(value.total_seconds()), 0)
    if total < 60:
        return f"{total}秒前"
    hours, minutes = divmod(total // 60, 60)
    return (f"{hours}小时" if hours else "") + (f"{minutes}分钟" if minutes or not hours
                                               else "") + "前"
