"""A hostile corpus of number and link spellings, through masking and through the real
render path of every channel: no message carries a link or a raw feed code, and the school
group's message never the subject's full number (CONTRACT §2, §3, §5)."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.integration.service_harness import make_room
from warn.access.masking import mask_phone
from warn.channels import CHANNEL_NAMES
from warn.links import contains_link, defang
from warn.render import MessageContext, render_message
from warn.store.db import upgrade
from warn.textview import normalised

SUBJECT = "+8613987654321"
NATIONAL = "13987654321"

NUMBERS = [
    ("national", "13987654321"),
    ("E.164", "+8613987654321"),
    ("full-width", "１３９８７６５４３２１"),
    ("full-width E.164", "＋８６１３９８７６５４３２１"),
    ("full-width dashes", "１３９－８７６５－４３２１"),
    ("dots", "139.8765.4321"),
    ("full-width dots", "139．8765．4321"),
    ("ideographic stops", "139。8765。4321"),
    ("middle dots", "139·8765·4321"),
    ("zero-width space", "139\u200b8765\u200b4321"),
    ("zero-width joiner", "1398\u200d7654321"),
    ("word joiner", "139\u20608765\u20604321"),
    ("BOM", "\ufeff139\ufeff87654321"),
    ("soft hyphen", "139\u00ad8765\u00ad4321"),
    ("bidi override", "139\u202e8765\u202c4321"),
    ("variation selector", "1\ufe0f3987654321"),
    ("brackets", "(139)8765-4321"),
    ("full-width brackets", "（139）8765-4321"),
    ("square brackets", "[139] 8765 4321"),
    ("double spaces", "139  8765  4321"),
    ("tab", "139\t8765\t4321"),
    ("ideographic space", "139\u30008765\u30004321"),
    ("no-break space", "139\u00a08765\u00a04321"),
    ("slashes", "139/8765/4321"),
    ("backslashes", "139\\8765\\4321"),
    ("en dashes", "139–8765–4321"),
    ("minus signs", "139−8765−4321"),
    ("underscores", "139_8765_4321"),
    ("one by one", "1 3 9 8 7 6 5 4 3 2 1"),
    ("+86 spaced", "+86 139 8765 4321"),
    ("+86-", "+86-139-8765-4321"),
    ("(+86)", "(+86) 139 8765 4321"),
    ("+86 (0)", "+86 (0) 139 8765 4321"),
    ("0086", "0086 139 8765 4321"),
    ("0086-", "0086-139-8765-4321"),
    ("86 glued", "8613987654321"),
    ("trunk 0", "0139 8765 4321"),
    ("IP dialling 17951", "17951 13987654321"),
    ("IP dialling glued", "1795113987654321"),
    ("Arabic-Indic", "١٣٩٨٧٦٥٤٣٢١"),
    ("Devanagari", "१३९८७६५४३२१"),
    ("mathematical bold", "𝟏𝟑𝟗𝟖𝟕𝟔𝟓𝟒𝟑𝟐𝟏"),
    ("circled", "①③⑨⑧⑦⑥⑤④③②①"),
    ("mixed", "+８６ (139) ８７６５.4321"),
]

LINKS = [
    ("http", "http://evil.cn/pay"),
    ("https query", "https://gov-safe-account.cn/verify?id=20260223"),
    ("upper case", "HTTPS://EVIL.CN"),
    ("any scheme", "alipays://platformapi/startapp"),
    ("ftp", "ftp://files.evil.cn/a"),
    ("protocol-relative", "//evil.cn/a"),
    ("backslashes", "http:\\\\evil.cn"),
    ("www", "www.evil.com"),
    ("www, no TLD", "www.fanzha"),
    ("bare domain", "fanzha.gov.cn"),
    ("new TLD", "refund.support"),
    ("email", "kefu@evil.cn"),
    ("domain in Chinese", "点击evil.cn领取"),
    ("IDN domain", "公安-安全账户.中国/verify"),
    ("IDN TLD 公司", "退款.公司"),
    ("IDN TLD 网络", "客服.网络/x"),
    ("punycode", "xn--fiqs8s.xn--fiqs8s"),
    ("punycode TLD", "evil.xn--55qx5d"),
    ("Cyrillic", "пример.рф"),
    ("full-width", "ｗｗｗ．ｅｖｉｌ．ｃｏｍ"),
    ("full-width scheme", "ｈｔｔｐ：／／ｅｖｉｌ．ｃｎ"),
    ("ideographic stop", "evil。com"),
    ("half-width ideographic stop", "evil｡com"),
    ("ideographic stop, IDN", "公安。中国/verify"),
    ("one dot leader", "evil․com"),
    ("small full stop", "evil﹒com"),
    ("zero-width in domain", "ev\u200bil.c\u200bom"),
    ("zero-width before dot", "evil\u200b.com"),
    ("soft hyphen", "evil.c\u00adom"),
    ("IPv4", "10.0.0.1"),
    ("IPv4 path", "请访问10.0.0.1/a"),
    ("IPv4 port path", "1.2.3.4:8080/pay"),
    ("full-width IPv4", "１．２．３．４:８０８０"),
    ("IPv4 ideographic", "1。2。3。4"),
    ("IPv6 brackets", "[2001:db8::1]"),
    ("IPv6 port", "[2001:db8::1]:8443/x"),
    ("IPv6 URL", "http://[::1]/"),
    ("bare IPv6", "fe80::1"),
    ("host:port", "localhost:8080"),
    ("host:port path", "evil:8080/pay"),
    ("domain:port", "evil.cn:8443"),
    ("half-defanged", "hxxp://evil.cn"),
    ("Chinese label, ideographic stop, .com", "安全账户。com/verify"),
    ("Chinese label, ideographic stop, .cn", "公安。cn/v"),
    ("short IPv4, port", "127.1:8080/pay"),
    ("short IPv4, path", "10.1/a"),
    ("hex IPv4", "0x7f.0.0.1/a"),
    ("octal IPv4", "0177.0.0.1/a"),
    ("one hex number, port", "0x7f000001:80/a"),
    ("one decimal number, port", "2130706433:8080/a"),
    ("localhost, path", "localhost/verify"),
    ("javascript", "javascript:alert(1)"),
    ("mailto", "mailto:kefu@evil.cn"),
    ("alipays, no //", "alipays:platformapi/startapp"),
]


def readable_digits(text: str) -> str:
    """The digits a reader can string together, whatever stands between them."""
    return re.sub(r"[^0-9*]", "", normalised(text))


CTX = MessageContext(
    case_id="C20260223-184300-0412", tier="high", score=95, msisdn=SUBJECT,
    subject_name="学生戊", district="wanzhou", school_name="重庆三峡医药高等专科学校",
    student_no="2023-0412", location="万州区北滨路工商银行大厅",
    signal_kinds=("flagged_call",), fraud_type="impersonating_police",
    latest_kind="flagged_call", latest_observed_at=datetime(2026, 2, 23, 10, 43, tzinfo=UTC),
    latest_attributes={"caller": "+85212345678", "duration_s": 3600, "ongoing": True})


@pytest.mark.parametrize(("label", "spelling"), NUMBERS)
def test_masking_hides_every_spelling(label: str, spelling: str) -> None:
    masked = mask_phone(f"备注：对象手机{spelling}，已联系", SUBJECT)

    assert NATIONAL not in readable_digits(masked), (label, masked)
    assert "139****4321" in masked and masked.startswith("备注：对象手机"), label
    assert mask_phone(masked, SUBJECT) == masked, label


@pytest.mark.parametrize(("label", "spelling"), NUMBERS)
@pytest.mark.parametrize("field", ["subject_name", "location", "student_no", "app"])
def test_school_group_message_hides_every_spelling(field: str, label: str, spelling: str) -> None:
    if field == "app":
        ctx = dataclasses.replace(CTX, latest_attributes={**CTX.latest_attributes, "app": spelling})
    else:
        ctx = dataclasses.replace(CTX, **{field: spelling})

    body = render_message("school_group", ctx)

    assert NATIONAL not in readable_digits(body), (label, body)
    assert "手机 139****4321，" in body, label


@pytest.mark.parametrize(("label", "link"), LINKS)
def test_defang_leaves_no_link(label: str, link: str) -> None:
    defanged = defang(f"详情：{link}，勿点")

    assert contains_link(f"详情：{link}，勿点"), label
    assert not contains_link(defanged), (label, defanged)
    assert defanged.startswith("详情：") and defanged.endswith("，勿点"), label
    assert "[.]" in defanged or "[:]" in defanged or "xx" in defanged.lower(), label


FIELDS = [
    ("url", "scam_site_visit", lambda link: {"url": link}),
    ("app", "fraud_app_install", lambda link: {"app": link}),
    ("account", "transfer_attempt", lambda link: {"account": link, "amount_cny": 60000}),
    ("caller", "flagged_call", lambda link: {"caller": link, "duration_s": 700, "ongoing": True}),
    ("sender", "scam_sms", lambda link: {"sender": link}),
]


@pytest.mark.parametrize(("label", "link"), LINKS)
@pytest.mark.parametrize("channel", CHANNEL_NAMES)
def test_no_channel_carries_a_link(channel: str, label: str, link: str) -> None:
    contexts = [dataclasses.replace(CTX, latest_kind=kind, latest_attributes=make(link))
                for _, kind, make in FIELDS]
    contexts += [dataclasses.replace(CTX, **{field: link})
                 for field in ("subject_name", "location", "school_name", "student_no",
                               "district", "team")]
    contexts.append(dataclasses.replace(
        CTX, fraud_type=link, latest_attributes={**CTX.latest_attributes, "fraud_type": link}))

    for ctx in contexts:
        body = render_message(channel, ctx)
        assert not contains_link(body), (label, body)
        assert normalised(link) not in normalised(body), (label, body)


RAW_FRAUD_TYPES = ["qr_code_scam", "other", "请访问10.0.0.1/a", "FAKE_LOAN", "{{7*7}}",
                   " fake_loan"]


@pytest.mark.parametrize("fraud_type", RAW_FRAUD_TYPES)
@pytest.mark.parametrize("channel", CHANNEL_NAMES)
def test_no_channel_carries_a_raw_fraud_type(channel: str, fraud_type: str) -> None:
    for _, kind, make in FIELDS:
        attributes = {**make("95555"), "fraud_type": fraud_type}
        ctx = dataclasses.replace(CTX, latest_kind=kind, fraud_type=fraud_type,
                                  latest_attributes=attributes)
        body = render_message(channel, ctx)
        assert fraud_type not in body, (kind, body)
        generic = dataclasses.replace(ctx, fraud_type=None, latest_attributes=make("95555"))
        assert body == render_message(channel, generic), kind  # the generic wording


def test_the_service_stores_and_sends_safe_bodies(tmp_path: Path, mock_log: Path) -> None:
    """The real path: a signal in, deliveries rendered and stored, gateways' own records."""
    url = f"sqlite:///{tmp_path / 'warn.db'}"
    upgrade(url)
    room = make_room(url, mock_log)
    try:
        case_id = room.signal(
            "hostile-1", "flagged_call", msisdn=SUBJECT,
            subject={"name": "学生戊（１３９．８７６５．４３２１）", "district": "wanzhou",
                     "school": "sanxia-med", "student_no": "+86 139-8765-4321",
                     "location": "宿舍 ｗｗｗ．ｅｖｉｌ．ｃｏｍ 1.2.3.4:8080/pay 公安。中国"},
            caller="公安-安全账户.中国/verify", duration_s=3600, ongoing=True,
            fraud_type="请访问10.0.0.1/a")
        assert case_id is not None
        stored = {d.channel: d.body for d in room.deliveries(case_id)}
        sent = {line["channel"]: line["body"] for line in room.gateway_log()}
    finally:
        room.ctx.engine.dispose()

    assert {"flash_sms", "callback_96110", "school_group"} <= set(stored)
    assert sent == {channel: stored[channel] for channel in sent}
    for channel, body in stored.items():
        assert not contains_link(body), (channel, body)
        assert "请访问10" not in body and "10.0.0.1" not in body, (channel, body)
    school = stored["school_group"]
    assert NATIONAL not in readable_digits(school), school
    assert "手机 139****4321，" in school
