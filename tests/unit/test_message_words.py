"""Messages speak Chinese: no English word and no product id reaches the person who reads a
flash SMS, the 96110 desk's script, a school's group or a team's dispatch — only the values
a case carries (its id, a team's id), shown as they are."""

import re
from datetime import UTC, datetime

import pytest

from warn.channels import CHANNEL_NAMES
from warn.render import MessageContext, render_message
from warn.vocabulary import FRAUD_LABELS, KIND_LABELS

ENGLISH = re.compile(r"[A-Za-z]{3,}")
LOANWORDS = frozenset({"App"})  # how Chinese writes it: 国家反诈中心App
# Attributes with no Latin letters of their own, so that any English comes from a template.
ATTRIBUTES: dict[str, dict[str, object]] = {
    "scam_site_visit": {},
    "flagged_call": {"caller": "+85212345678", "duration_s": 3725, "ongoing": True},
    "scam_sms": {"sender": "+8617012345678"},
    "fraud_app_install": {"app": "屏幕共享会议助手"},
    "transfer_attempt": {"account": "6222020200112233445", "amount_cny": 60000},
}
REASONS = ("confirm", "overdue", "no_team", "exhausted", "stuck", None)


def _contexts() -> list[MessageContext]:
    contexts = []
    for n, (kind, fraud) in enumerate((k, f) for k in KIND_LABELS
                                      for f in (*FRAUD_LABELS, "other", None)):
        contexts.append(MessageContext(
            case_id="C-0412", tier="high", score=95, msisdn="+8613812345678",
            subject_name="郭某", district="万州区", school_name="重庆三峡医药高等专科学校",
            student_no="2023-0412", location="万州区北滨路工商银行大厅",
            signal_kinds=(kind, "scam_sms"), fraud_type=fraud, latest_kind=kind,
            latest_observed_at=datetime(2026, 2, 23, 10, 43, tzinfo=UTC),
            latest_attributes={**ATTRIBUTES[kind], **({"fraud_type": fraud} if fraud else {})},
            page_reason=REASONS[n % len(REASONS)], stage_index=1, team="7",
            stage_name="高风险第2级"))
    return contexts


@pytest.mark.parametrize("channel", [c for c in CHANNEL_NAMES])
def test_no_message_holds_an_english_word(channel: str) -> None:
    for context in _contexts():
        body = render_message(channel, context)
        words = [w for w in ENGLISH.findall(body) if w not in LOANWORDS]
        assert words == [], (channel, context.latest_kind, context.fraud_type, body)


def test_the_96110_script_names_its_results_in_chinese_only() -> None:
    body = render_message("callback_96110", _contexts()[0])
    assert "记录结果：已劝阻 / 不相信 / 挂断 / 无人接听" in body
