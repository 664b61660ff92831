"""Message rendering: the 70-character flash SMS, the start-up check, literal values, no
links, no raw feed codes, and the school group's message masked (CONTRACT §2, §5)."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from warn.channels import CHANNEL_NAMES
from warn.links import contains_link
from warn.render import (
    FLASH_SMS_DEFAULT,
    FLASH_SMS_LIMIT,
    MessageContext,
    TemplateCheckError,
    check_templates,
    environment,
    render_message,
    resolve_templates_dir,
    sample_contexts,
)
from warn.vocabulary import FRAUD_LABELS

CALL = MessageContext(
    case_id="C-0412",
    tier="high",
    score=90,
    msisdn="+8613812345678",
    subject_name="郭某",
    district="wanzhou",
    school_name="重庆三峡医药高等专科学校",
    student_no="2023-0412",
    location="万州区北滨路工商银行大厅",
    signal_kinds=("flagged_call",),
    fraud_type="impersonating_police",
    latest_kind="flagged_call",
    latest_observed_at=datetime(2026, 2, 23, 10, 43, tzinfo=UTC),
    latest_attributes={"caller": "+85212345678", "duration_s": 3600, "ongoing": True},
)
BARE = dataclasses.replace(
    CALL,
    subject_name=None,
    district=None,
    school_name=None,
    student_no=None,
    location=None,
    fraud_type=None,
    latest_attributes={},
)


@pytest.fixture
def templates_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "templates"
    shutil.copytree(resolve_templates_dir(), copy)
    return copy


def test_shipped_templates_pass_the_check() -> None:
    check_templates()


def test_flash_sms_fits_one_segment_for_every_sample() -> None:
    for label, ctx in sample_contexts():
        body = render_message("flash_sms", ctx)
        assert len(body) <= FLASH_SMS_LIMIT, label
        assert body != FLASH_SMS_DEFAULT, label  # samples must not need the fallback


def test_flash_sms_reads_like_the_real_one() -> None:
    body = render_message("flash_sms", CALL)

    assert body.startswith("[反诈中心]郭某，")
    assert "冒充公检法诈骗" in body and "挂断" in body and body.endswith("有疑问请拨打110")


def test_flash_sms_too_long_at_run_time_falls_back_to_the_default() -> None:
    long_name = dataclasses.replace(CALL, subject_name="名" * 40)

    assert render_message("flash_sms", long_name) == FLASH_SMS_DEFAULT
    assert len(FLASH_SMS_DEFAULT) <= FLASH_SMS_LIMIT


@pytest.mark.parametrize("fraud_type", ["qr_code_scam", "请访问10.0.0.1/a", "other"])
@pytest.mark.parametrize("channel", CHANNEL_NAMES)
def test_a_fraud_type_without_a_label_never_appears(channel: str, fraud_type: str) -> None:
    attributes = {**CALL.latest_attributes, "fraud_type": fraud_type}
    ctx = dataclasses.replace(CALL, fraud_type=fraud_type, latest_attributes=attributes)

    body = render_message(channel, ctx)

    assert fraud_type not in body and "10[.]0" not in body
    generic = dataclasses.replace(CALL, fraud_type=None, latest_attributes=attributes)
    assert body == render_message(channel, generic)  # the generic wording, as with none


def test_unknown_fraud_type_flash_sms_uses_the_generic_wording() -> None:
    ctx = dataclasses.replace(BARE, fraud_type="请访问10.0.0.1/a", latest_kind="scam_sms")

    body = render_message("flash_sms", ctx)

    assert body == "[反诈中心]您收到的短信涉嫌诈骗，切勿转账，有疑问请拨打110"


def test_known_fraud_types_keep_their_wording() -> None:
    for fraud_type, label in FRAUD_LABELS.items():
        body = render_message("callback_96110", dataclasses.replace(CALL, fraud_type=fraud_type))
        assert label in body and fraud_type not in body


@pytest.mark.parametrize("value", ["{{7*7}}", "<script>alert(1)</script>", "{% raw %}&amp;"])
@pytest.mark.parametrize("channel", CHANNEL_NAMES)
def test_values_appear_literally(channel: str, value: str) -> None:
    base = BARE if channel == "flash_sms" else CALL  # leaves room in the 70 characters
    ctx = dataclasses.replace(base, subject_name=value, location=value)

    body = render_message(channel, ctx)

    assert value in body
    assert "49" not in body


def test_a_link_in_a_value_is_defanged() -> None:
    ctx = dataclasses.replace(
        CALL,
        latest_kind="scam_site_visit",
        latest_attributes={"url": "https://gov-safe.cn/verify"},
        location="见 www.evil.com",
    )

    for channel in CHANNEL_NAMES:
        assert not contains_link(render_message(channel, ctx)), channel
    assert "hxxps://gov-safe[.]cn/verify" in render_message("callback_96110", ctx)


def test_times_are_local_and_numbers_national() -> None:
    body = render_message("callback_96110", CALL)

    assert "2月23日 18:43" in body
    assert "13812345678" in body and "+8613812345678" not in body
    assert "已通话60分钟" in body and "仍在通话中" in body


SUBJECT_SPELLINGS = [
    "13812345678", "+8613812345678", "１３８１２３４５６７８", "138.1234.5678", "(138)1234-5678",
    "138  1234  5678", "138/1234/5678", "+86 138 1234 5678", "0086-138-1234-5678",
    "8613812345678", "1.3.8.1.2.3.4.5.6.7.8",
]


@pytest.mark.parametrize("spelling", SUBJECT_SPELLINGS)
def test_school_group_body_never_holds_the_full_number(spelling: str) -> None:
    ctx = dataclasses.replace(CALL, location=f"宿舍楼下，室友电话 {spelling}",
                              subject_name=f"郭某（{spelling}）",
                              latest_attributes={**CALL.latest_attributes, "app": spelling})

    body = render_message("school_group", ctx)

    digits = "".join(char for char in body if char.isdigit() or char == "*")
    assert "13812345678" not in digits, body
    assert "手机 138****5678，" in body and "室友电话 138****5678" in body
    assert "对方号码 +85212345678" in body  # another number is not the subject's


def test_only_the_school_group_is_masked() -> None:
    for channel in ("callback_96110", "mobile_team", "duty_page"):
        assert "13812345678" in render_message(channel, CALL), channel
    assert "138****5678" not in render_message("callback_96110", CALL)


def test_school_group_masks_short_numbers_too() -> None:
    ctx = dataclasses.replace(CALL, msisdn="+85261234567", location="电话 6123 4567")

    body = render_message("school_group", ctx)

    assert "手机 ****4567，" in body and "电话 ****4567" in body and "61234567" not in body


HOSTILE_LINKS = [
    "https://gov-safe.cn/verify", "1.2.3.4:8080/pay", "公安-安全账户.中国/verify",
    "ｗｗｗ．ｅｖｉｌ．ｃｏｍ", "evil。com", "localhost:8080", "[2001:db8::1]:443/x",
    "xn--fiqs8s.xn--fiqs8s", "www.evil", "10.0.0.1/a",
]


@pytest.mark.parametrize("link", HOSTILE_LINKS)
@pytest.mark.parametrize("channel", CHANNEL_NAMES)
def test_a_link_in_any_signal_value_is_defanged_in_every_channel(channel: str, link: str) -> None:
    for field, kind, attributes in (
        ("url", "scam_site_visit", {"url": link}),
        ("app", "fraud_app_install", {"app": link}),
        ("account", "transfer_attempt", {"account": link, "amount_cny": 5000}),
        ("caller", "flagged_call", {"caller": link, "duration_s": 60}),
        ("fraud_type", "scam_sms", {"sender": "95555", "fraud_type": link}),
    ):
        ctx = dataclasses.replace(CALL, latest_kind=kind, latest_attributes=attributes,
                                  fraud_type=attributes.get("fraud_type"))
        assert not contains_link(render_message(channel, ctx)), (field, link)
    for field in ("subject_name", "location", "school_name", "student_no", "district"):
        ctx = dataclasses.replace(CALL, **{field: link})
        assert not contains_link(render_message(channel, ctx)), (field, link)


def test_a_link_made_where_two_values_meet_is_defanged(templates_copy: Path) -> None:
    (templates_copy / "messages" / "mobile_team.j2").write_text(
        "出警：{{ location }}{{ subject_name }}", encoding="utf-8")
    ctx = dataclasses.replace(CALL, location="evil.", subject_name="com/pay")

    body = render_message("mobile_team", ctx, templates_dir=templates_copy)

    assert body == "出警：evil[.]com/pay"


def test_missing_optional_values_read_well() -> None:
    assert "位置未知，请联系值班室" in render_message("mobile_team", BARE)
    assert "贵校学生（姓名未知）" in render_message("school_group", BARE)
    assert "None" not in "".join(render_message(channel, BARE) for channel in CHANNEL_NAMES)


@pytest.mark.parametrize(
    ("reason", "stage", "expected"),
    [
        ("confirm", "中风险第3级", "案件 C-0412 中风险第3级 待确认：派出机动队"),
        ("overdue", "高风险第2级", "超时未确认"),
        ("no_team", None, "无空闲机动队"),
        ("exhausted", None, "预警阶梯已用尽，仍未劝阻成功，请登记结果"),
    ],
)
def test_duty_page_says_why(reason: str, stage: str | None, expected: str) -> None:
    ctx = dataclasses.replace(CALL, page_reason=reason, stage_name=stage)

    assert expected in render_message("duty_page", ctx)


def test_check_refuses_a_flash_sms_that_is_too_long(templates_copy: Path) -> None:
    (templates_copy / "messages" / "flash_sms.j2").write_text(
        "[反诈中心]{{ subject_name }}" + "请注意防范电信网络诈骗。" * 6, encoding="utf-8"
    )

    with pytest.raises(TemplateCheckError, match=r"flash_sms\.j2.*over 70"):
        check_templates(templates_dir=templates_copy)


@pytest.mark.parametrize(
    "link", ["http://fz.example/x", "https://fz.example/x", "www.fanzha", "fanzha.gov.cn"]
)
def test_check_refuses_a_template_with_a_link(templates_copy: Path, link: str) -> None:
    template = templates_copy / "messages" / "school_group.j2"
    template.write_text(template.read_text(encoding="utf-8") + f"\n详情见{link}", "utf-8")

    with pytest.raises(TemplateCheckError, match=r"school_group\.j2.*link"):
        check_templates(templates_dir=templates_copy)


@pytest.mark.parametrize(
    "source", ["{{ no_such_value }}", "{% if %}", "{{ score|no_such_filter }}"]
)
def test_check_refuses_a_template_that_does_not_render(templates_copy: Path, source: str) -> None:
    (templates_copy / "messages" / "mobile_team.j2").write_text(source, encoding="utf-8")

    with pytest.raises(TemplateCheckError, match=r"mobile_team\.j2"):
        check_templates(templates_dir=templates_copy)


def test_templates_dir_comes_from_the_environment(
    templates_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (templates_copy / "messages" / "duty_page.j2").write_text("值班：{{ case_id }}", "utf-8")
    monkeypatch.setenv("WARN_TEMPLATES", str(templates_copy))

    assert render_message("duty_page", CALL) == "值班：C-0412"


def test_unknown_channel_is_refused() -> None:
    with pytest.raises(ValueError, match="pager"):
        render_message("pager", CALL)


def test_html_pages_from_the_same_environment_are_autoescaped(templates_copy: Path) -> None:
    (templates_copy / "page.html").write_text("<p>{{ name }}</p>", encoding="utf-8")

    page = environment(templates_copy).get_template("page.html").render(name="<b>x.cn</b>")

    assert page == "<p>&lt;b&gt;x.cn&lt;/b&gt;</p>"


def test_a_message_rendered_again_from_other_values_is_rendered_anew() -> None:
    """Rendered text is kept by the values its template reads: any of them changing
    renders again, one it never reads does not matter."""
    first = render_message("flash_sms", CALL)
    named = render_message("flash_sms", dataclasses.replace(CALL, subject_name="王芳"))
    other_number = render_message("flash_sms", dataclasses.replace(CALL, msisdn="+8613900000000"))
    app = render_message("flash_sms", dataclasses.replace(
        CALL, latest_kind="fraud_app_install", latest_attributes={"app": "会议助手"}))
    assert named != first and "王芳" in named
    assert other_number == first
    assert app != first and "卸载" in app
    page = render_message("duty_page", CALL)
    other_page = render_message("duty_page", dataclasses.replace(CALL, case_id="C-9999"))
    assert "C-9999" in other_page and other_page != page


def test_a_template_that_includes_another_is_rendered_every_time(tmp_path: Path) -> None:
    from warn.render import _names_read

    templates = tmp_path / "templates"
    shutil.copytree(resolve_templates_dir(), templates)
    (templates / "messages" / "_tail.j2").write_text("{{ case_id }}", "utf-8")
    (templates / "messages" / "duty_page.j2").write_text(
        "值班：{% include 'messages/_tail.j2' %}", "utf-8")
    env = environment(templates)
    assert _names_read(env, "messages/duty_page.j2") is None
    bodies = {render_message("duty_page", dataclasses.replace(CALL, case_id=f"C-{n}"),
                             templates_dir=templates) for n in range(3)}
    assert bodies == {"值班：C-0", "值班：C-1", "值班：C-2"}
