"""Links in any spelling are found and defanged; ordinary text is left alone (CONTRACT §5)."""

from __future__ import annotations

import pytest

from warn.links import contains_link, defang, first_link

LINKS = [
    # (label, text, defanged)
    ("http", "http://evil.cn", "hxxp://evil[.]cn"),
    ("https with path", "https://gov-safe.cn/verify?id=1", "hxxps://gov-safe[.]cn/verify?id=1"),
    ("upper case", "HTTP://EVIL.COM", "HxxP://EVIL[.]COM"),
    ("ftp", "ftp://1.2.3.4/a", "fxp://1[.]2[.]3[.]4/a"),
    ("any scheme", "weixin://dl/business", "weixin[:]//dl/business"),
    ("scheme, dotless host", "http://intranet/pay", "hxxp://intranet/pay"),
    ("www", "www.evil.com", "www[.]evil[.]com"),
    ("www, unknown TLD", "www.fanzha", "www[.]fanzha"),
    ("bare domain", "fanzha.gov.cn", "fanzha[.]gov[.]cn"),
    ("domain in Chinese", "请访问evil.com立即验证", "请访问evil[.]com立即验证"),
    ("new ASCII TLD", "pay.safety", "pay[.]safety"),
    ("email", "kefu@qq.com", "kefu@qq[.]com"),
    ("IDN domain", "公安-安全账户.中国/verify", "公安-安全账户[.]中国/verify"),
    ("IDN TLD 公司", "退款中心.公司", "退款中心[.]公司"),
    ("punycode TLD", "evil.xn--fiqs8s", "evil[.]xn--fiqs8s"),
    ("punycode labels", "xn--fiqs8s.xn--fiqs8s", "xn--fiqs8s[.]xn--fiqs8s"),
    ("Cyrillic IDN", "пример.рф", "пример[.]рф"),
    ("full-width", "ｗｗｗ．ｅｖｉｌ．ｃｏｍ", "www[.]evil[.]com"),
    ("full-width scheme", "ｈｔｔｐｓ：／／ｅｖｉｌ．ｃｎ", "hxxps://evil[.]cn"),
    ("ideographic full stop", "evil。com", "evil[.]com"),
    ("half-width ideographic stop", "evil｡com", "evil[.]com"),
    ("ideographic stop, IDN TLD", "公安。中国", "公安[.]中国"),
    ("zero-width space", "evil\u200b.com", "evil[.]com"),
    ("zero-width joiner in a label", "ev\u200dil.c\u200bom", "evil[.]com"),
    ("soft hyphen", "evil.c\u00adn", "evil[.]cn"),
    ("IPv4", "10.0.0.1", "10[.]0[.]0[.]1"),
    ("IPv4, port, path", "1.2.3.4:8080/pay", "1[.]2[.]3[.]4:8080/pay"),
    ("IPv4 in Chinese", "请访问10.0.0.1/a", "请访问10[.]0[.]0[.]1/a"),
    ("full-width IPv4", "１．２．３．４", "1[.]2[.]3[.]4"),
    ("IPv4, ideographic stops", "1。2。3。4", "1[.]2[.]3[.]4"),
    ("IPv6 in brackets", "[2001:db8::1]:8080/x", "[2001[:]db8[:][:]1]:8080/x"),
    ("IPv6 URL", "http://[2001:db8::1]/", "hxxp://[2001[:]db8[:][:]1]/"),
    ("bare IPv6", "fe80::1", "fe80[:][:]1"),
    ("bare IPv6, eight groups", "2001:db8:0:0:0:0:0:1", "2001[:]db8[:]0[:]0[:]0[:]0[:]0[:]1"),
    ("host:port", "localhost:8080", "localhost[:]8080"),
    ("host:port/path", "evil:8080/pay", "evil[:]8080/pay"),
    ("domain:port", "evil.cn:8443/pay", "evil[.]cn:8443/pay"),
    ("scheme-less half-defanged", "hxxp://evil.com", "hxxp://evil[.]com"),
    ("scheme with host:port", "http://localhost:8080/a", "hxxp://localhost[:]8080/a"),
]


@pytest.mark.parametrize(("label", "text", "defanged"), LINKS)
def test_every_spelling_is_found_and_defanged(label: str, text: str, defanged: str) -> None:
    assert contains_link(text), label
    assert defang(text) == defanged, label
    assert not contains_link(defang(text)), label
    assert defang(defang(text)) == defang(text), label


@pytest.mark.parametrize(("label", "text", "defanged"), LINKS)
def test_the_text_around_a_link_stays_as_written(label: str, text: str, defanged: str) -> None:
    around = f"（注意：{text}，勿点）"

    assert defang(around) == f"（注意：{defanged}，勿点）", label


ORDINARY = [
    "郭某，您可能正遭遇冒充公检法诈骗，切勿转账，有疑问请拨打110",
    "已劝阻。请登记。",
    "我爱重庆。中国人民",
    "18:43",
    "2月23日 18:43",
    "18:43:00",
    "[10:43:00]",
    "比分3:2",
    "学号:2023-0412",
    "60,000.00元",
    "60000.00元",
    "3.5",
    "3.5万元",
    "1.5kg",
    "v1.2.3",
    "2026.02.23",
    "e.g.",
    "1.公司地址在万州区",
    "C20260223-184300-0412",
    "案件 C-0412 第3级 待确认：派出机动队。",
    "4. 如已转账，请立即拨打110报警，尽快止付。",
    "记录结果：已劝阻（dissuaded）/ 不相信（not_believed）/ 挂断（hung_up）",
    "收款账户 6222020200112233445，金额 60,000元",
    "对方号码 +85212345678，已通话60分钟",
    "App“屏幕共享会议助手”",
    "hxxps://gov-safe[.]cn/verify",
    "std::cout",
    "答 :: 好",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_is_not_touched(text: str) -> None:
    assert not contains_link(text), first_link(text)
    assert defang(text) is text


def test_first_link_reads_normalised() -> None:
    assert first_link("详情见ｅｖｉｌ．ｃｏｍ") == "详情见evil.com"
    assert first_link("没有链接") is None
