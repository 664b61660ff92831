"""Every Chinese word a person reads in warn, in one place: signal kinds, fraud types,
tiers, channels, states, results, outcomes, flags, timeline entries and audit actions —
shared by the messages, the console, the CLI and the demo."""

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


CHANNELS = {
    "flash_sms": "闪信",
    "callback_96110": "96110回拨",
    "school_group": "警校联动",
    "mobile_team": "机动队",
    "duty_page": "值班呼叫",
}

STAGE_STATES = {
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

DELIVERY_STATES = {"queued": "排队中", "sent": "已发出", "failed": "发送失败",
                   "cancelled": "已取消"}

RESULTS = {
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

OUTCOMES = {
    "dissuaded": "劝阻成功",
    "false_positive": "误报",
    "victimized": "已被骗",
    "duplicate": "重复",
    "warned": "已预警结案",
}

FLAGS = {
    "overdue": "确认超时",
    "awaiting_confirmation": "待确认",
    "no_team": "无空闲机动队",
    "exhausted": "阶梯用尽",
    "stuck": "处理失败待人工",
    "unknown_school": "学校未登记",
    "unknown_district": "辖区未登记",
}

TIERS = TIER_LABELS

ACTORS = {"system": "系统", "feed": "数据接口"}

ROLES = {"officer": "值班民警", "liaison": "学校联络人", "team": "机动队", "admin": "管理员",
         "feed": "数据接口"}

TIMELINE = {
    "signal": "收到信号",
    "tier_upgrade": "风险升级",
    "dispatched": "派发",
    "channel_skipped": "渠道跳过",
    "stage_skipped": "阶段跳过",
    "flash_suppressed": "闪信冷却未发",
    "awaiting_confirmation": "等待确认",
    "duty_page": "呼叫值班",
    "confirmed": "已确认",
    "declined": "已否决",
    "escalated": "手动升级",
    "overdue": "确认超时",
    "no_team": "无空闲机动队",
    "wait_expired": "等待时间到",
    "ack_expired": "回执超时",
    "stage_failed": "阶段失败",
    "delivery_failed": "发送失败",
    "result": "反馈",
    "acknowledged": "按时回执",
    "ladder_ended": "阶梯结束",
    "exhausted": "阶梯用尽",
    "stuck": "处理失败",
    "resolved": "结案",
}

AUDIT_ACTIONS = {
    "login": "登录",
    "logout": "退出",
    "login_failed": "登录失败",
    "login_locked": "锁定中尝试登录",
    "account_locked": "账户锁定",
    "login_throttled": "等待期间尝试登录",
    "sign_in_delayed": "登录失败过多，需等待",
    "sign_in_unlocked": "解除登录限制",
    "set_password": "设置密码",
    "csrf_refused": "拒绝无效表单",
    "console_case": "查看案件",
    "console_queue": "查看队列",
    "console_school": "查看学校预警",
    "console_team": "查看出警任务",
    "console_dashboard": "查看统计",
    "console_audit": "查看审计",
    "read_case": "API读取案件",
    "list_cases": "API列出案件",
    "list_deliveries": "API列出消息",
    "confirm": "确认",
    "decline": "否决",
    "escalate": "升级",
    "outcome": "结案",
    "result": "反馈结果",
    "refused": "越权被拒",
    "not_found": "访问不存在或无权的案件",
}


def label(table: dict[str, str], key: str | None) -> str:
    """The word for `key`, or the key itself when the table has none (never blank)."""
    if key is None:
        return "—"
    return table.get(key, key)

# What the person did, in the words a counsellor or a team member would use.
KIND_PHRASES = {
    "scam_site_visit": "登录了涉嫌诈骗的网站",
    "flagged_call": "与涉诈号码通话",
    "scam_sms": "收到了诈骗短信",
    "fraud_app_install": "安装了涉诈或远程控制App",
    "transfer_attempt": "正在向涉诈账户转账",
}
