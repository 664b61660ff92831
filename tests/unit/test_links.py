"""Links in any spelling are found and defanged; ordinary text is left alone (CONTRACT §5)."""

from __future__ import annotations

import socket
import time

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
    # A Chinese label, the ideographic full stop, an ASCII TLD: `安全账户.com` to a browser.
    ("Chinese label。com", "安全账户。com/verify", "安全账户[.]com/verify"),
    ("Chinese label。cn", "公安。cn/v", "公安[.]cn/v"),
    ("Chinese label。com.cn", "公安。com.cn", "公安[.]com[.]cn"),
    ("Chinese label。TLD, port", "公安。cn:8080", "公安[.]cn:8080"),
    ("Chinese label。upper case", "安全账户。COM", "安全账户[.]COM"),
    ("Chinese label｡com", "安全账户｡com", "安全账户[.]com"),
    ("Chinese label。full-width", "安全账户。ｃｏｍ", "安全账户[.]com"),
    ("Chinese label。punycode", "公安。xn--fiqs8s", "公安[.]xn--fiqs8s"),
    ("Chinese label。new gTLD", "退款。support", "退款[.]support"),
    # IPv4 as a browser also reads it, with a port or a path.
    ("short IPv4, port", "127.1:8080/pay", "127[.]1[:]8080/pay"),
    ("short IPv4, path", "10.1/a", "10[.]1/a"),
    ("three-part IPv4, path", "1.2.772/pay", "1[.]2[.]772/pay"),
    ("hex IPv4, path", "0x7f.0.0.1/a", "0x7f[.]0[.]0[.]1/a"),
    ("hex IPv4, bare slash", "0x7f.1/", "0x7f[.]1/"),
    ("octal IPv4, path", "0177.0.0.1/a", "0177[.]0[.]0[.]1/a"),
    ("one hex number, port", "0x7f000001:80/a", "0x7f000001[:]80/a"),
    ("one decimal number, port", "2130706433:8080/a", "2130706433[:]8080/a"),
    ("one decimal number, path", "2130706433/a", "2130706433[.]/a"),
    ("one hex number, path", "0x7f000001/a", "0x7f000001[.]/a"),
    ("short IPv4, query", "127.1/?id=1", "127[.]1/?id=1"),
    ("full-width short IPv4", "１２７．１：８０８０/pay", "127[.]1[:]8080/pay"),
    ("scheme, short IPv4", "http://127.1/a", "hxxp://127[.]1/a"),
    ("scheme, one number", "http://2130706433:80/", "hxxp://2130706433[:]80/"),
    ("localhost, path", "localhost/verify", "localhost[.]/verify"),
    ("localhost, trailing dot", "localhost./verify", "localhost[.]/verify"),
    ("LOCALHOST, path", "LOCALHOST/verify", "LOCALHOST[.]/verify"),
    ("full-width localhost", "ｌｏｃａｌｈｏｓｔ／verify", "localhost[.]／verify"),
    # Schemes without `//`.
    ("javascript", "javascript:alert(1)", "javascript[:]alert(1)"),
    ("JavaScript", "JavaScript:void(0)", "JavaScript[:]void(0)"),
    ("full-width javascript", "ｊａｖａｓｃｒｉｐｔ：alert(1)", "javascript[:]alert(1)"),
    ("data", "data:text/html,<b>x</b>", "data[:]text/html,<b>x</b>"),
    ("vbscript", "vbscript:msgbox(1)", "vbscript[:]msgbox(1)"),
    ("mailto", "mailto:a@b.cn", "mailto[:]a@b[.]cn"),
    ("mailto, dotless", "mailto:kefu@localhost", "mailto[:]kefu@localhost"),
    ("intent", "intent:#Intent;scheme=alipays;end", "intent[:]#Intent;scheme=alipays;end"),
    ("weixin without //", "weixin:dl/business", "weixin[:]dl/business"),
    ("alipays without //", "alipays:platformapi/startapp", "alipays[:]platformapi/startapp"),
    ("alipays with //", "alipays://platformapi/startapp", "alipays[:]//platformapi/startapp"),
    ("http without //", "http:evil.cn", "hxxp:evil[.]cn"),
    ("https, one slash", "https:/evil.cn", "hxxps:/evil[.]cn"),
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
    # The ideographic full stop before English that is no host name.
    "好的。OK",
    "收到。Thanks",
    "请注意。WiFi密码",
    "请注意。App下载",
    "已劝阻。请登记",
    # Numbers with a slash or a colon that are no address.
    "单价3.5/kg",
    "3.5/kg26",
    "12.5/m²",
    "评分4.5/5",
    "60,000.00/月",
    "1,000.5/kg",
    "0.5/天",
    "配比1.5:1",
    "2130706433",
    "0x7f000001",
    "2026.12.01",
    "2026.12.01/a",
    "2026/02/23",
    "01.02/2026",
    "18:43/19:00",
    "8080/a",
    "60000/月",
    "13987654321/abc",
    "c1203f65d37b4af7-2",
    "C20260223-184300-0412/2",
    "A/B测试",
    "localhost",
    "mylocalhost/x",
    # Not links: a number to call or text, a label with a colon.
    "有疑问请拨打tel:110",
    "tel:110",
    "sms:10086",
    "Data: 5",
    "data:数据",
    "profile:abc",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_is_not_touched(text: str) -> None:
    assert not contains_link(text), first_link(text)
    assert defang(text) is text


def test_first_link_reads_normalised() -> None:
    assert first_link("详情见ｅｖｉｌ．ｃｏｍ") == "详情见evil.com"
    assert first_link("没有链接") is None


# What `inet_aton` (and a browser's URL parser) reads as an address, and what it refuses.
INET_ATON_ACCEPTS = ["127.1", "127.0.1", "0x7f.1", "0x7F.0.0.1", "0177.0.0.1", "0177.1",
                     "2130706433", "0x7f000001", "017700000001", "1.2.65535", "00.1"]
INET_ATON_REFUSES = ["256.1", "1.16777216", "1.2.65536", "0x100.1", "08.1", "1.2.3.4.5",
                     "4294967296"]


@pytest.mark.parametrize("host", INET_ATON_ACCEPTS)
def test_a_number_a_browser_reads_as_an_address_is_a_host(host: str) -> None:
    socket.inet_aton(host)

    for tail in (":8080/pay", ":443", "/pay"):
        assert contains_link(f"请访问{host}{tail}"), (host, tail)
        assert not contains_link(defang(f"请访问{host}{tail}")), (host, tail)


@pytest.mark.parametrize("host", INET_ATON_REFUSES)
def test_a_number_no_browser_reads_as_an_address_is_text(host: str) -> None:
    with pytest.raises(OSError):
        socket.inet_aton(host)

    for tail in (":8080/pay", "/pay"):
        assert not contains_link(f"编号{host}{tail}"), (host, tail, first_link(host + tail))


def test_defang_is_fast_on_ordinary_text() -> None:
    values = ["郭某，您可能正遭遇冒充公检法诈骗，切勿转账", "已劝阻。请登记。", "2月23日 18:43",
              "60,000.00元", "万州区北滨路工商银行大厅", "3.5万元", "C20260223-184300-0412",
              "c1203f65d37b4af7-2", "已劝阻（dissuaded）/ 不相信（not_believed）", "单价3.5/kg",
              "比分3:2", "收款账户 6222020200112233445"]
    texts = [f"{values[i % len(values)]}，第{i}条" for i in range(10_000)]
    for text in values:
        defang(text)  # first use of the patterns and of the characters

    timings = []
    for _ in range(3):  # the best of three: a busy machine slows a run, not the code
        started = time.perf_counter()
        for text in texts:
            assert defang(text) is text
        timings.append(time.perf_counter() - started)

    assert min(timings) < 0.15, f"{min(timings) * 1000:.0f} ms for 10,000 strings"
