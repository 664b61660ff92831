"""Chinese labels for signal kinds, fraud types and tiers, shared by messages and console."""

from __future__ import annotations

KIND_LABELS: dict[str, str] = {
    "scam_site_visit": "登录诈骗网站",
    "flagged_call": "与涉诈号码通话",
    "scam_sms": "收到诈骗短信",
    "fraud_app_install": "安装涉诈/远程控制App",
    "transfer_attempt": "向涉诈账户转账",
}

FRAUD_LABELS: dict[str, str] = {
    "impersonating_police": "冒充公检法",
    "order_brushing": "刷单返利",
    "fake_loan": "虚假贷款",
    "romance_investment": "杀猪盘/投资理财",
    "fake_customer_service": "冒充客服",
    "fake_boss": "冒充领导",
    "sextortion": "裸聊敲诈",
}

TIER_LABELS: dict[str, str] = {"low": "低", "medium": "中", "high": "高"}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


def fraud_label(fraud_type: str) -> str:
    """The label of a known fraud type; an unknown one is shown as the feed sent it."""
    return FRAUD_LABELS.get(fraud_type, fraud_type)


def tier_label(tier: str) -> str:
    return TIER_LABELS.get(tier, tier)
