"""Every Chinese word a person reads in warn, in one place: signal kinds, fraud types,
tiers, channels, states, results, outcomes, flags, timeline entries and audit actions —
shared by the messages, the console, the CLI and the demo."""

from __future__ import annotations

from collections.abc import Mapping

# The words the domain writes into timelines live with the domain; they are the same words
# here, never a second copy that could drift.
from warn.domain.words import CHANNELS as CHANNELS
from warn.domain.words import KINDS as KIND_LABELS
from warn.domain.words import OUTCOMES as OUTCOMES
from warn.domain.words import PAGE_REASONS as PAGE_REASONS
from warn.domain.words import RESULTS as RESULTS
from warn.domain.words import STAGE_STATES as STAGE_STATES
from warn.domain.words import TIERS as TIER_LABELS
from warn.domain.words import span as span
from warn.domain.words import stage_name as stage_name

FRAUD_LABELS: dict[str, str] = {
    "impersonating_police": "冒充公检法",
    "order_brushing": "刷单返利",
    "fake_loan": "虚假贷款",
    "romance_investment": "杀猪盘/投资理财",
    "fake_customer_service": "冒充客服",
    "fake_boss": "冒充领导",
    "sextortion": "裸聊敲诈",
}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


def fraud_label(fraud_type: str) -> str:
    """The label of a known fraud type; an unknown one is shown as the feed sent it."""
    return FRAUD_LABELS.get(fraud_type, fraud_type)


def tier_label(tier: str) -> str:
    return TIER_LABELS.get(tier, tier)


DELIVERY_STATES = {"queued": "排队中", "sent": "已发出", "failed": "发送失败",
                   "cancelled": "已取消"}

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

ACTORS = {"system": "系统", "feed": "数据接口", "warn-cli": "命令行（管理员）"}

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
    "waiting_tried": "等待首次回拨结果",
    "team_now": "立即派机动队",
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
    "read_case": "接口读取案件",
    "list_cases": "接口列出案件",
    "list_deliveries": "接口列出消息",
    "confirm": "确认",
    "team_now": "立即派机动队",
    "decline": "否决",
    "escalate": "升级",
    "outcome": "结案",
    "result": "反馈结果",
    "refused": "越权被拒",
    "not_found": "访问不存在或无权的案件",
    "ingest": "接收信号",
}


def label(table: Mapping[str, str], key: str | None) -> str:
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

# What failed when deciding for a case kept failing (its `stuck` timeline entry). The error's
# class name stays as Python spells it: it is what whoever fixes the fault looks for.
DECISION_FAILURES = {
    "deciding": "处理{event}时出错（{error}）",
    "staging": "保存{event}的处理结果时出错（{error}）",
    "reading": "读取案件时出错（{error}）",
    "rendering": "生成{channel}消息时出错（{error}）",
    "writing": "写入处理结果时出错（{error}）",
    "scoring": "计算信号分数时出错（{error}）",
}
EVENTS = {
    "SignalArrived": "新信号", "SendFailed": "发送失败", "ResultReported": "反馈",
    "Confirm": "确认", "Decline": "否决", "Escalate": "升级", "RecordOutcome": "结案",
    "Tick": "到时检查", "TeamFreed": "机动队空闲", "SendTeamNow": "立即派机动队",
}


def decision_failed(what: str, error: BaseException, event: object = None,
                    channel: str | None = None) -> str:
    """`处理新信号时出错（RuntimeError）`: what failed, with no personal data in it."""
    return DECISION_FAILURES[what].format(
        event=label(EVENTS, type(event).__name__), error=type(error).__name__,
        channel=label(CHANNELS, channel))


# The audit log in words: what an entry was about, and the fields of its detail.
AUDIT_TARGETS = {
    "console": "控制台", "queue": "预警队列", "dashboard": "统计", "audit": "审计日志",
    "cases": "案件列表", "signals": "信号", "callbacks": "回拨工作单", "history": "历史案件",
    "search": "查询", "shift": "值班日志", "school": "学校预警", "team": "出警任务",
    "deliveries": "消息列表",
}
AUDIT_FIELDS = {
    "role": "岗位", "status": "结果代码", "via": "途径", "cases": "案件", "count": "件数",
    "note": "备注", "reason": "理由", "result": "反馈", "outcome": "结果", "stage": "级",
    "team": "机动队", "client": "来源地址", "accepted": "接收", "rejected": "拒收",
    "sessions_ended": "结束会话", "throttles_lifted": "解除等待", "attempted": "访问",
    "error": "错误", "filters": "筛选条件", "kind": "类别", "tier": "风险等级", "state": "状态",
    "case": "案件", "key": "项目", "free_text": "填写内容", "delivery": "消息",
    "duplicate": "重复", "wait_s": "等待秒数", "failures": "失败次数",
}
# `school:sanxia-med`, `team:t1`: what kind of thing the id after the colon is.
AUDIT_TARGET_KINDS = {"school": "学校", "team": "机动队", "case": "案件", "delivery": "消息"}
AUDIT_VIAS = {"console": "控制台", "console_bulk": "控制台批量处理",
              "console_callbacks": "回拨工作单", "api": "接口", "warn-cli": "命令行"}
AUDIT_EMPTY = "—"


# What the clock will do next to a case, for the deadline a list or a case page shows.
DEADLINES = {
    "closes": "无新信号自动结案",
    "confirm": "确认时限",
    "ack": "回执时限",
    "next_stage": "到时转下一级",
    "last_stage": "最后一级截止",
}

# Where the ladder of an open case stands when it has nothing left to run by itself.
LADDER_STANDING = {
    "ended": "已预警，无新信号将自动结案",
    "exhausted": "阶梯已用尽，需值班民警结案",
}

# The banner a case page shows after an officer's action (the `msg` of its redirect).
NOTICES = {
    "confirmed": "已确认，已派出。",
    "confirmed_no_team": "已确认。暂无空闲机动队，一有空闲立即派出。",
    "declined": "已否决，阶梯转到下一级。",
    "declined_last": "已否决。这是最后一级，阶梯已用尽，请登记结果并结案。",
    "escalated": "已手动升级到下一级。",
    "escalated_last": "已手动结束最后一级，阶梯已用尽，请登记结果并结案。",
    "resolved": "已结案。",
    "result": "反馈已记录。",
    "team_sent": "已立即派出机动队。",
    "team_sent_no_team": "已跳到机动队一级，但现在没有空闲的机动队：一有空闲立即派出。"
                         "也可在下方改派其他辖区的空闲队。",
}

# --- Phone pages, browser alerts, reporting upward and exports --------------------------

# The words of the school liaison's and the mobile team's pages that differ by who reads.
FIELD_WORDS = {
    "liaison": {
        "hint": "这里只有本校学生的预警，号码已隐去中间四位。收到预警先点「已收到」，"
                "再让辅导员当面找到学生。",
        "note": "备注（可选），如：已在宿舍见到本人",
        "ack_due": "内点「已收到」，否则将派出机动队。",
        "empty": "目前没有本校学生的预警。有新的会自动出现在这里。",
    },
    "team": {
        "hint": "新任务会自动出现。接到任务点「已收到」，到达现场点「已到达」，结束后反馈结果。",
        "note": "备注（可选），如：已在银行网点见到本人",
        "ack_due": "内点「已收到」，否则值班室将另行安排。",
        "empty": "目前没有出警任务。有新的会自动出现在这里。",
    },
}
DUTY_PHONE_LABEL = "值班室电话"
# With no WARN_DUTY_PHONE set, a field page still tells people how to reach the police.
NO_DUTY_PHONE = "值班室电话未设置，紧急情况请拨打"
EMERGENCY_NUMBER = "110"

# What console.js says and shows; handed to it through a <meta> tag in base.html.
SCRIPT_WORDS = {
    "list_changed_while_held": "列表有新变化（上方计数已更新）：处理所选或取消勾选后显示",
    "alerts_enable": "开启声音和桌面提醒",
    "alerts_on": "声音和桌面提醒已开启（点此关闭）",
    "alerts_blocked": "浏览器已禁止桌面提醒，仅提示声音；可在浏览器设置中允许",
    "new_high": "新的高风险预警",
    "new_confirm": "新的待确认派警",
    "new_field": "新的预警任务",
    "count_body": "新增{n}件，请到预警平台查看",
    "confirm_yes": "确定",
    "confirm_no": "取消",
    "undo": "撤销",
    "undo_pending": "{n}秒后提交：",
    "undone": "已撤销，未提交。",
    "sending": "正在提交：",
    "print": "打印",
}

MONEY = {"at_risk": "涉及金额", "saved": "避免损失", "lost": "已被骗金额"}
BREAKDOWNS = {"school": "按学校", "fraud": "按诈骗类型", "team": "按机动队"}
# The group of cases a breakdown could not place.
BREAKDOWN_NONE = {"school": "非在校学生或学校未登记", "fraud": "未注明类型", "team": "—"}

CASE_STATES = {"open": "在办", "resolved": "已结案"}

# Column headers of the exports, in order (CSV, opened in Excel).
CASE_EXPORT_HEADERS = ("案件编号", "立案时间", "结案时间", "状态", "结果", "风险等级", "风险分",
                       "辖区", "学校", "姓名", "手机号（隐去中间四位）", "诈骗类型", "信号",
                       "涉及金额（元）", "避免损失（元）", "已被骗金额（元）")
DASHBOARD_EXPORT_HEADERS = ("类别", "项目", "立案", "高风险", "劝阻成功", "已被骗", "在办",
                            "劝阻率", "涉及金额（元）", "避免损失（元）", "已被骗金额（元）")
DASHBOARD_EXPORT_GROUPS = {"total": "合计", "day": "每日", "school": "学校",
                           "fraud": "诈骗类型", "team": "机动队"}
PERIODS = {"today": "今日", "month": "近30天"}

EXPORT_ERRORS = {
    "date": "日期格式不对，应写成 2026-02-23 这样。",
    "order": "开始日期晚于结束日期。",
    "span": "一次最多导出 366 天。",
    "state": "状态只能是「在办」或「已结案」。",
    "too_many": "符合条件的案件超过 {limit} 件，请缩小日期范围后分批导出。",
}

AUDIT_ACTIONS.update({
    "console_case_sheet": "打印案件单",
    "export_cases": "导出案件",
    "export_dashboard": "导出统计",
})

# `other` is a valid fraud type with no words of its own in messages (they use the generic
# wording); a report still names it.
OTHER_FRAUD = "其他类型"


def report_fraud_label(fraud_type: str) -> str:
    return OTHER_FRAUD if fraud_type == "other" else fraud_label(fraud_type)


# --- The desk's own work: 96110 callbacks, search, history, case notes and owner, shift log.

AUDIT_ACTIONS.update({
    "console_callbacks": "查看回拨工作单",
    "console_search": "查询案件",
    "console_history": "查看历史案件",
    "console_shift": "查看值班日志",
    "callback_claim": "认领回拨",
    "callback_release": "放弃回拨",
    "case_take": "承办案件",
    "case_release": "放弃承办",
    "case_hand": "转交承办",
    "case_note": "写案件备注",
    "shift_entry": "写值班日志",
    "shift_handover": "交接班",
    "shift_ack": "确认交接班",
})

# Results a 96110 operator reports from the worklist, in the order of the buttons: the
# two that end the call, then the two after which it is dialled again.
CALLBACK_RESULTS = ("dissuaded", "not_believed", "hung_up", "no_answer")

DESK: dict[str, str] = {
    # the 96110 worklist
    "callbacks": "96110回拨",
    "callbacks_title": "96110回拨工作单",
    "callbacks_hint": "先认领再拨打，认领后其他人的待认领列表里就不再出现。挂断、无人接听可以重拨，"
                      "认领保留；已劝阻、不相信后此条回拨完成。",
    "mine": "我的回拨",
    "unclaimed": "待认领",
    "others": "他人已认领",
    "none_mine": "您还没有认领回拨。",
    "none_unclaimed": "没有待认领的回拨。",
    "claim": "认领",
    "release": "放弃",
    "call": "拨打",
    "claimed_by": "认领人",
    "claimed_at": "认领于",
    "attempts": "已拨",
    "attempts_unit": "次",
    "never_tried": "尚未拨打",
    "last_try": "上次",
    "asked_at": "下发于",
    "what": "情况",
    "who": "对象",
    "redial": "（记一次，稍后再拨）",
    "note_placeholder": "通话备注（可选）",
    "confirm_dissuaded": "确认已劝阻？记录后案件将结案。",
    "claimed_ok": "已认领，请尽快拨打。",
    "released_ok": "已放弃，这条回拨回到待认领。",
    "result_ok": "回拨结果已记录。",
    "taken": "这条回拨已由 {by} 认领，您的认领没有生效。",
    "not_held": "这条回拨不在您的名下（可能已被放弃或完成）。",
    "gone": "这条回拨已经结束（案件已结案或回拨已取消）。",
    "bad_result": "所选的结果不适用于96110回拨。",
    "more": "只显示最早的 {limit} 条。",
    # search
    "search": "查询",
    "search_title": "案件查询",
    "search_label": "号码、姓名、学号或案件编号",
    "search_placeholder": "号码／姓名／学号／案件号",
    "search_hint": "号码可以带空格、横线、括号或+86，全角数字也可以。",
    "search_none": "没有找到符合「{q}」的案件（或您无权查看）。",
    "search_count": "找到 {n} 件",
    "search_more": "只显示最近的 {limit} 件，请输入更完整的内容。",
    "search_short": "请至少输入两个字。",
    # history
    "history": "历史案件",
    "history_title": "已结案案件",
    "date_from": "结案日期从",
    "date_to": "到",
    "outcome": "结果",
    "any_outcome": "全部结果",
    "filter": "筛选",
    "older": "更早的案件 →",
    "newest": "← 回到最新",
    "history_none": "没有符合条件的已结案案件。",
    "bad_date": "日期格式不对，应写成 2026-02-23 这样。",
    "bad_cursor": "翻页链接已失效，已回到最新一页。",
    "resolved_at": "结案时间",
    "opened_at": "立案时间",
    "tier": "风险",
    "state": "状态",
    "open_state": "在办",
    "resolved_state": "已结案",
    "name_unknown": "姓名未知",
    "case_no": "案件号",
    # case notes and owner
    "desk_panel": "承办与备注",
    "owner": "承办人",
    "no_owner": "暂无承办人",
    "owner_since": "承办自",
    "handed_by": "由 {by} 指派",
    "take": "我来承办",
    "release_case": "放弃承办",
    "hand_to": "转交给",
    "hand": "转交",
    "notes": "内部备注",
    "notes_hint": "只有值班民警和管理员能看到备注，学校和机动队看不到。",
    "no_notes": "还没有备注。",
    "note_label": "写备注",
    "note_add": "添加备注",
    "note_placeholder_case": "例如：已联系辅导员，对方称学生在宿舍",
    "taken_ok": "您已承办此案。",
    "released_case_ok": "已放弃承办。",
    "handed_ok": "已转交，新的承办人见下方。",
    "noted_ok": "备注已添加。",
    "case_taken": "此案已由 {by} 承办，需由其转交。",
    "case_not_held": "此案不在您名下承办。",
    "no_such_officer": "不能转交给 {to}：不是能查看此案的在岗民警。",
    "case_resolved": "案件已结案，不能再承办或转交。",
    "empty_note": "备注是空的，没有添加。",
    "owner_short": "承办",
    # shift log
    "shift": "值班日志",
    "shift_title": "值班日志与交接班",
    "shift_hint": "记录本班发生的事。交接班时写下要交代的事，系统同时记下此刻各类在办案件的数量；"
                  "接班民警在预警队列顶部看到并确认。",
    "entry_label": "记一笔",
    "entry_placeholder": "例如：22:10 工商银行北滨路支行来电，已协查",
    "entry_add": "记录",
    "handover_label": "交接班说明",
    "handover_placeholder": "例如：王某案已联系家属，明早回访；两件待确认已电话核实",
    "handover_add": "交接班",
    "handover": "交接班",
    "handover_from": "{author} 的交接班",
    "handover_ack": "已阅，接班",
    "handover_acked_by": "已接班：",
    "shift_none": "还没有记录。",
    "entry_ok": "已记录。",
    "handover_ok": "交接班已记录，接班民警会在队列顶部看到。",
    "ack_ok": "已确认接班。",
    "empty_entry": "内容是空的，没有记录。",
    "entry_kind": "日志",
    "counts_at": "交班时：",
    "shift_more": "更早的记录 →",
}

# What a handover writes down of the open cases, in the order it is shown.
LANE_COUNTS: dict[str, str] = {
    "open": "在办",
    "high": "高风险",
    "awaiting": "待确认",
    "overdue": "确认超时",
    "no_team": "无空闲机动队",
    "callbacks_unclaimed": "回拨待认领",
}


def desk_words(key: str, **values: object) -> str:
    """A DESK phrase with its blanks filled in."""
    return DESK[key].format(**values)

# 已劝阻 on a liaison's or a team's card closes the case: asked once more before it counts.
FIELD_CONFIRM_DISSUADED = "确认已当面劝阻成功？提交后本案结案。"

# What a bulk answer from the queue says it did.
BULK = {
    "confirm_done": "已确认派出 {n} 件。",
    "decline_done": "已否决 {n} 件。",
    "ended": "其中 {n} 件已没有下一级（阶梯用尽），需要逐件登记结果并结案。",
    "stale": "另有 {n} 件已不在等待确认（可能其他值班员刚处理过），未作改动。",
    "reason_needed": "否决需要填写理由（一条理由用于全部所选）：请重新勾选并填写后再否决。",
}

# The duty room's queue, lane by lane: its title, and what belongs in it.
LANES = {
    "high": ("高风险", "有人可能正在被骗：需要您处理的在前，其余的预警阶梯正在自动执行"),
    "needs_me": ("待我处理（中低风险）",
                 "中低风险中等待确认、确认超时、无空闲机动队、处理失败或阶梯用尽的：只有值班员能推进"),
    "callback": ("待回拨", "96110回拨已发出，还没有人拨打过"),
    "waiting": ("只需等待", "阶梯正在按时限自动执行，暂不需要处理"),
}

# --- Duty pages and the duty roster (值班表): /pages, /roster, `warn roster`. ---
PAGES: dict[str, str] = {
    "nav": "呼叫",
    "title": "我的值班呼叫",
    "lead": "系统呼叫您处理的案件。确认后不再提醒；同一分钟内的呼叫合并为一条发到您的手机。",
    "none": "没有未确认的呼叫。",
    "banner": "您有 {count} 条值班呼叫未确认",
    "view": "查看",
    "ack_all": "全部确认已收到",
    "ack_one": "确认",
    "acked": "已确认 {count} 条呼叫。",
    "acked_none": "这些呼叫已经确认过了。",
    "case": "案件",
    "tier": "风险",
    "need": "需要处理",
    "at": "呼叫时间",
    "state": "发送",
    "held": "等待合并发送",
    "sent": "已发到手机",
    "more": "只显示最新 {count} 条。",
}

ROSTER: dict[str, str] = {
    "nav": "值班表",
    "title": "值班表",
    "lead": "在岗的民警才会收到值班呼叫；确认超时的案件同时呼叫值班领导。"
            "上岗满24小时未下岗的自动视为下岗。",
    "nobody": "当前无人上岗：值班呼叫发给所有能看到案件的民警。",
    "name": "人员",
    "role": "岗位",
    "district": "辖区",
    "all_districts": "全部辖区",
    "state": "状态",
    "on": "在岗",
    "off": "不在岗",
    "since": "上岗时间",
    "is_lead": "值班领导",
    "sign_on": "上岗",
    "sign_off": "下岗",
    "make_lead": "设为值班领导",
    "unmake_lead": "取消值班领导",
    "signed_on": "{name} 已上岗。",
    "signed_off": "{name} 已下岗。",
    "was_off": "{name} 本来就不在岗。",
    "lead_set": "{name} 已设为值班领导。",
    "lead_unset": "{name} 已取消值班领导。",
    "not_yours": "只能为自己上岗或下岗；为他人操作请联系管理员。",
    "refused": "无法操作",
}

AUDIT_ACTIONS.update({
    "console_pages": "查看值班呼叫",
    "acknowledge_pages": "确认值班呼叫",
    "console_roster": "查看值班表",
    "roster_on": "上岗",
    "roster_off": "下岗",
    "roster_lead": "设置值班领导",
})
