"""Links in message text: found in any spelling, shown defanged (CONTRACT §5).

A message never carries a working link, even one a feed smuggles in through a value. What
counts as a link: a scheme (`http://`, any `xxx://`), `www.`, a domain name with any ASCII
TLD, a punycode one or an internationalised one (`.中国`), an IPv4 address, an IPv6 address
(in brackets, or bare with `::` or all eight groups), and a bare `host:port`. Text is read
as a browser reads a host name (warn.textview): full-width letters and dots, ideographic
full stops and invisible characters do not hide a link.

Defanged, a link still reads: `hxxp://evil[.]cn`, `1[.]2[.]3[.]4:8080/pay`,
`[2001[:]db8[:][:]1]`. Ordinary Chinese text, times (`18:43`), amounts (`60,000.00元`),
decimals (`3.5`) and case ids are left as they are.
"""

from __future__ import annotations

import ipaddress
import re

from warn.textview import IDEOGRAPHIC_STOP, normalised, replace_spans, view

# The internationalised TLDs of the IANA root zone (NFKC). ASCII TLDs are not listed: any
# run of 2 to 63 letters counts, so a TLD delegated tomorrow is already a link.
_IDN_TLD_NAMES = """
vermögensberater vermögensberatung ελ ευ бг бел дети ею католик ком мкд мон
москва онлайн орг рус рф сайт срб укр қаз հայ ישראל קום ابوظبي ارامكو الاردن
البحرين الجزائر السعودية العليان المغرب امارات ایران بارت بازار بيتك بھارت تونس
سودان سورية شبكة عراق عرب عمان فلسطين قطر كاثوليك كوم مصر مليسيا موريتانيا موقع
همراه پاکستان ڀارت कॉम नेट भारत भारतम् भारोत संगठन বাংলা ভারত ভাৰত ਭਾਰਤ ભારત
ଭାରତ இந்தியா இலங்கை சிங்கப்பூர் భారత్ ಭಾರತ ഭാരതം ලංකා คอม ไทย ລາວ გე みんな アマゾン
クラウド グーグル コム ストア セール ファッション ポイント 世界 中信 中国 中國 中文网
亚马逊 企业 佛山 信息 健康 八卦 公司 公益 台湾 台灣 商城 商店 商标 嘉里 嘉里大酒店 在线
大拿 天主教 娱乐 家電 广东 微博 慈善 我爱你 手机 招聘 政务 政府 新加坡 新闻 时尚 書籍
机构 淡马锡 游戏 澳門 点看 移动 组织机构 网址 网店 网站 网络 联通 谷歌 购物 通販 集团
電訊盈科 飞利浦 食品 餐厅 香格里拉 香港 닷넷 닷컴 삼성 한국
"""
_IDN_TLDS = frozenset(_IDN_TLD_NAMES.split())
_IDN_TLD_LENGTHS = sorted({len(tld) for tld in _IDN_TLDS}, reverse=True)

# What cannot be part of a host label: white space, ASCII punctuation but `-` and `_`, and
# the punctuation blocks (Latin-1, general, arrows and symbols, CJK, full-width forms).
_NOT_LABEL = (r"\s!-,./:-@\[-\^`{-~\u00a0-\u00bf\u00d7\u00f7\u2000-\u206f\u2190-\u2bff"
              r"\u3000-\u303f\ufe10-\ufe6f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65")
_LABEL = rf"[^{_NOT_LABEL}]++"  # possessive: a label never gives characters back
_DOT = rf"[.{IDEOGRAPHIC_STOP}]"
_DOTTED = re.compile(rf"(?<![^{_NOT_LABEL}]){_LABEL}(?:{_DOT}{_LABEL})+")
_ASCII_TLD = re.compile(r"(?:xn--[a-z0-9-]+|[a-z]{2,63})(?![a-z0-9-])", re.IGNORECASE)
_WWW = re.compile(r"www\d{0,3}", re.IGNORECASE)
_SCHEME = re.compile(r"(?<![a-z0-9+.-])(?!(?:hxxps?|fxp)://)[a-z][a-z0-9+.-]{0,31}://",
                     re.IGNORECASE)
_IPV4 = re.compile(rf"(?<![0-9.{IDEOGRAPHIC_STOP}])[0-9]{{1,3}}(?:{_DOT}[0-9]{{1,3}}){{3}}"
                   rf"(?!{_DOT}?[0-9])")
_IPV6_BRACKETED = re.compile(r"\[([0-9a-f.]*+:[0-9a-f:.]*+)(?:%[\w.~-]+)?\]", re.IGNORECASE)
# A colon in front is punctuation (`注意：`, NFKC `:`) unless it joins another group on.
_IPV6_BARE = re.compile(r"(?<![0-9a-z_.])(?<![0-9a-z]:)(?:[0-9a-f]{1,4}|(?=::))"
                        r"[0-9a-f.]*+:[0-9a-f:.]*+(?![0-9a-z_:.])", re.IGNORECASE)
_HOST_PORT = re.compile(
    rf"(?<![0-9a-z_.\]{IDEOGRAPHIC_STOP}-])(?<![0-9a-z]:)[a-z][a-z0-9-]{{0,62}}:([0-9]{{2,5}})"
    r"(?![0-9a-z_:])", re.IGNORECASE)

Span = tuple[int, int, str]  # start, end in the view, and what was found


def contains_link(text: str) -> bool:
    return first_link(text) is not None


def first_link(text: str) -> str | None:
    """The first link in `text` as it reads once normalised, or None."""
    seen = normalised(text)
    spans = _spans(seen)
    return seen[spans[0][0]:spans[0][1]] if spans else None


def defang(text: str) -> str:
    """`http://evil.cn` → `hxxp://evil[.]cn`: every link in `text` made harmless, the rest
    as written; a link is rewritten in its normalised spelling, which an operator reads."""
    if not _spans(normalised(text)):
        return text
    seen, origin = view(text)
    edits = [(group[0], group[1], _defanged(seen, group)) for group in _merged(_spans(seen))]
    return replace_spans(text, origin, edits)


def _spans(seen: str) -> list[Span]:
    if ":" not in seen and "." not in seen and IDEOGRAPHIC_STOP not in seen:
        return []  # nearly every value in a message: no link without one of these
    spans: list[Span] = [(m.start(), m.end(), "scheme") for m in _SCHEME.finditer(seen)]
    spans += [(m.start(), m.end(), "dots") for m in _DOTTED.finditer(seen) if _is_domain(m[0])]
    spans += [(m.start(), m.end(), "dots") for m in _IPV4.finditer(seen)]
    spans += [(m.start(), m.end(), "colons") for m in _IPV6_BRACKETED.finditer(seen)
              if _is_ipv6(m[1], bare=False)]
    spans += [(m.start(), m.end(), "colons") for m in _IPV6_BARE.finditer(seen)
              if _is_ipv6(m[0], bare=True)]
    spans += [(m.start(), m.end(), "colons") for m in _HOST_PORT.finditer(seen)
              if int(m[1]) <= 65535]
    return sorted(spans)


def _is_domain(run: str) -> bool:
    """Whether a run of dotted labels names a host: `www.` first, or a label that is a TLD."""
    parts = re.split(f"({_DOT})", run)
    if _WWW.fullmatch(parts[0]):
        return True
    for i in range(1, len(parts), 2):
        before, dot, after = parts[i - 1], parts[i], parts[i + 1]
        if dot == ".":
            if _ASCII_TLD.match(after):
                return True
            tld = _idn_tld_prefix(after)
            # `1.公司地址` is a numbered list, `公安.中国人` a host name in running text.
            if tld and (tld == after or not before.isdigit()):
                return True
        else:
            # The ideographic full stop ends Chinese sentences: `已劝阻。请登记` is text, so
            # only `evil。com` and `公安。中国` (an exact IDN TLD) count.
            if before[-1].isascii() and before[-1].isalnum() and _ASCII_TLD.match(after):
                return True
            if after in _IDN_TLDS:
                return True
    return False


def _idn_tld_prefix(label: str) -> str | None:
    for size in _IDN_TLD_LENGTHS:
        if label[:size] in _IDN_TLDS:
            return label[:size]
    return None


def _is_ipv6(candidate: str, *, bare: bool) -> bool:
    try:
        ipaddress.IPv6Address(candidate)
    except ValueError:
        return False
    # Bare, `::` or `a::` reads as punctuation in running text; two groups make an address.
    return not bare or sum(1 for group in re.split("[:.]", candidate) if group) >= 2


def _merged(spans: list[Span]) -> list[tuple[int, int, list[Span]]]:
    groups: list[tuple[int, int, list[Span]]] = []
    for span in spans:
        if groups and span[0] < groups[-1][1]:
            start, end, members = groups[-1]
            groups[-1] = (start, max(end, span[1]), [*members, span])
        else:
            groups.append((span[0], span[1], [span]))
    return groups


def _defanged(seen: str, group: tuple[int, int, list[Span]]) -> str:
    start, end, members = group
    marks: dict[int, str] = {}
    for span_start, span_end, kind in members:
        for i in range(span_start, span_end):
            char = seen[i]
            if char in (".", IDEOGRAPHIC_STOP):
                marks[i] = "[.]"
            elif char == ":" and kind == "colons":
                marks[i] = "[:]"
    for span_start, span_end, kind in members:
        if kind == "scheme":  # last: the `://` of a scheme stays as it reads
            for i in range(span_start, span_end):
                marks[i] = ""
            marks[span_start] = _defanged_scheme(seen[span_start:span_end])
    return "".join(marks.get(i, seen[i]) for i in range(start, end))


def _defanged_scheme(scheme: str) -> str:
    name = scheme[:-3]
    if name.lower() in ("http", "https"):
        return f"{name[0]}xx{name[3:]}://"
    if name.lower() == "ftp":
        return f"{name[0]}x{name[2]}://"
    return f"{name}[:]//"  # no client opens `name[:]//`, and it still says what it was
