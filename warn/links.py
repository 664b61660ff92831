"""Links in message text: found in any spelling, shown defanged (CONTRACT §5).

A message never carries a working link, even one a feed smuggles in through a value. What
counts as a link: a scheme (`http://`, any `xxx://`), `www.`, a domain name with any ASCII
TLD, a punycode one or an internationalised one (`.中国`), an IPv4 address, an IPv6 address
(in brackets, or bare with `::` or all eight groups), and a bare `host:port`. Text is read
as a browser reads a host name (warn.textview): full-width letters and dots, ideographic
full stops and invisible characters do not hide a link.

An IPv4 address is also any spelling a browser reads as one (short `127.1`, hex `0x7f.0.0.1`,
octal `0177.0.0.1`, one number `2130706433`) once a port or a path follows it: bare, those
are ordinary numbers. `localhost` counts with a port or a path, and so do the schemes that
need no `//` (`javascript:`, `data:`, `mailto:`, `intent:`, the payment and chat apps'
`alipays:`, `weixin:`, ...). `tel:` and `sms:` are not links: a phone offers to call any
number it shows anyway, and the warning itself asks the reader to call 110.

Defanged, a link still reads: `hxxp://evil[.]cn`, `1[.]2[.]3[.]4:8080/pay`,
`[2001[:]db8[:][:]1]`, `127[.]1[:]8080/pay`, `javascript[:]alert(1)`; a host with neither a
dot nor a colon to break gets a trailing dot defanged (`localhost[.]/verify`), which names
the same host once re-fanged. Ordinary Chinese text, times (`18:43`), amounts
(`60,000.00元`), decimals (`3.5`, `3.5/kg`, `4.5/5`), dates and case ids are left as they are.

The ideographic full stop is the trade-off. It ends Chinese sentences and browsers read it
as a dot, so `安全账户。com` opens a site while `已劝阻。请登记` is two sentences. After an ASCII
label it is a dot before any 2 to 63 letters, as `.` is; after any other label only before
a whole label that is a TLD of the root zone: an exact IDN TLD, a punycode label, or an
ASCII TLD from the list below. The price: an English word that is also a TLD, standing
alone right after `。` (`好的。No problem`, `请下载。App`), is defanged too; a TLD with
Chinese glued on (`请注意。App下载`) is not a host name and stays text. The ASCII list is the
root zone's at the date it names; a TLD delegated since counts after an ASCII label only.
"""

from __future__ import annotations

import ipaddress
import re

from warn.textview import IDEOGRAPHIC_STOP, normalised, replace_spans, view

# The internationalised TLDs of the IANA root zone (NFKC). After `.` any run of 2 to 63 ASCII
# letters counts, so a TLD delegated tomorrow is already a link; the ASCII list further down
# is only for the ideographic full stop after a non-ASCII label.
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

# The ASCII TLDs of the IANA root zone, version 2026111700 (punycode ones are matched by
# their `xn--` prefix).
_ASCII_TLD_NAMES = """
aaa aarp abb abbott abbvie abc able abogado abudhabi ac academy accenture accountant accountants
aco actor ad ads adult ae aeg aero aetna af afl africa ag agakhan agency ai aig airbus airforce
airtel akdn al alibaba alipay allfinanz allstate ally alsace alstom am amazon americanexpress
americanfamily amex amfam amica amsterdam analytics android anquan anz ao aol apartments app
apple aq aquarelle ar arab aramco archi army arpa art arte as asda asia associates at athleta
attorney au auction audi audible audio auspost author auto autos aw aws ax axa az azure ba baby
baidu banamex band bank bar barcelona barclaycard barclays barefoot bargains baseball basketball
bauhaus bayern bb bbc bbt bbva bcg bcn bd be beats beauty beer berlin best bestbuy bet bf bg bh
bharti bi bible bid bike bing bingo bio biz bj black blackfriday blockbuster blog bloomberg blue
bm bms bmw bn bnpparibas bo boats boehringer bofa bom bond boo book booking bosch bostik boston
bot boutique box br bradesco bridgestone broadway broker brother brussels bs bt build builders
business buy buzz bv bw by bz bzh ca cab cafe cal call calvinklein cam camera camp canon
capetown capital capitalone car caravan cards care career careers cars casa case cash casino cat
catering catholic cba cbn cbre cc cd center ceo cern cf cfa cfd cg ch chanel channel charity
chase chat cheap chintai christmas chrome church ci cipriani circle cisco citadel citi citic
city ck cl claims cleaning click clinic clinique clothing cloud club clubmed cm cn co coach
codes coffee college cologne com commbank community company compare computer comsec condos
construction consulting contact contractors cooking cool coop corsica country coupon coupons
courses cpa cr credit creditcard creditunion cricket crown crs cruise cruises cu cuisinella cv
cw cx cy cymru cyou cz dad dance data date dating datsun day dclk dds de deal dealer deals
degree delivery dell deloitte delta democrat dental dentist desi design dev dhl diamonds diet
digital direct directory discount discover dish diy dj dk dm dnp do docs doctor dog domains dot
download drive dtv dubai dupont durban dvag dvr dz earth eat ec eco edeka edu education ee eg
email emerck energy engineer engineering enterprises epson equipment er ericsson erni es esq
estate et eu eurovision eus events exchange expert exposed express extraspace fage fail
fairwinds faith family fan fans farm farmers fashion fast fedex feedback ferrari ferrero fi
fidelity fido film final finance financial fire firestone firmdale fish fishing fit fitness fj
fk flickr flights flir florist flowers fly fm fo foo food football ford forex forsale forum
foundation fox fr free fresenius frl frogans frontier ftr fujitsu fun fund furniture futbol fyi
ga gal gallery gallo gallup game games gap garden gay gb gbiz gd gdn ge gea gent genting george
gf gg ggee gh gi gift gifts gives giving gl glass gle global globo gm gmail gmbh gmo gmx gn
godaddy gold goldpoint golf goodyear goog google gop got gov gp gq gr grainger graphics gratis
green gripe grocery group gs gt gu gucci guge guide guitars guru gw gy hair hamburg hangout haus
hbo hdfc hdfcbank health healthcare help here hermes hiphop hisamitsu hitachi hiv hk hkt hm hn
hockey holdings holiday homedepot homegoods homes homesense honda horse hospital host hosting
hot hotels hotmail house how hr hsbc ht hu hughes hyatt hyundai ibm icbc ice icu id ie ieee ifm
ikano il im imamat imdb immo immobilien in inc industries infiniti info ing ink institute
insurance insure int international intuit investments io ipiranga iq ir irish is ismaili ist
istanbul it itau itv jaguar java jcb je jeep jetzt jewelry jio jll jm jmp jnj jo jobs joburg jot
joy jp jpmorgan jprs juegos kaufen kddi ke kerryhotels kerryproperties kfh kg kh ki kia kids kim
kindle kitchen kiwi km kn koeln komatsu kosher kp kpmg kpn kr krd kred kuokgroup kw ky kyoto kz
la lacaixa lamborghini lamer land landrover lanxess lasalle lat latino latrobe law lawyer lb lc
lds lease leclerc lefrak legal lego lexus lgbt li lidl life lifeinsurance lifestyle lighting
like lilly limited limo lincoln link live living lk llc llp loan loans locker locus lol london
lotte lotto love lpl lplfinancial lr ls lt ltd ltda lu lundbeck luxe luxury lv ly ma madrid maif
maison makeup man management mango map market marketing markets marriott marshalls mattel mba mc
mckinsey md me med media meet melbourne meme memorial men menu merck merckmsd mg mh miami
microsoft mil mini mint mit mitsubishi mk ml mlb mls mm mma mn mo mobi mobile moda moe moi mom
monash money monster mormon mortgage moscow moto motorcycles mov movie mp mq mr ms msd mt mtn
mtr mu museum music mv mw mx my mz na nab nagoya name navy nba nc ne nec net netbank netflix
network neustar new news next nextdirect nexus nf nfl ng ngo nhk ni nico nike nikon ninja nissan
nissay nl no nokia norton now nowruz nowtv np nr nra nrw ntt nu nyc nz obi observer office
okinawa olayan olayangroup ollo om omega one ong onl online ooo open oracle orange org organic
origins osaka otsuka ott ovh pa page panasonic paris pars partners parts party pay pccw pe pet
pf pfizer pg ph pharmacy phd philips phone photo photography photos physio pics pictet pictures
pid pin ping pink pioneer pizza pk pl place play playstation plumbing plus pm pn pnc pohl poker
politie porn post pr praxi press prime pro prod productions prof progressive promo properties
property protection pru prudential ps pt pub pw pwc py qa qpon quebec quest racing radio re read
realestate realtor realty recipes red redumbrella rehab reise reisen reit reliance ren rent
rentals repair report republican rest restaurant review reviews rexroth rich richardli ricoh ril
rio rip ro rocks rodeo rogers room rs rsvp ru rugby ruhr run rw rwe ryukyu sa saarland safe
safety sakura sale salon samsclub samsung sandvik sandvikcoromant sanofi sap sarl sas save saxo
sb sbi sbs sc scb schaeffler schmidt scholarships school schule schwarz science scot sd se
search seat secure security seek select sener services seven sew sex sexy sfr sg sh shangrila
sharp shell shia shiksha shoes shop shopping shouji show si silk sina singles site sj sk ski
skin sky skype sl sling sm smart smile sn sncf so soccer social softbank software sohu solar
solutions song sony soy spa space sport spot sr srl ss st stada staples star statebank statefarm
stc stcgroup stockholm storage store stream studio study style su sucks supplies supply support
surf surgery suzuki sv swatch swiss sx sy sydney systems sz tab taipei talk taobao target
tatamotors tatar tattoo tax taxi tc tci td tdk team tech technology tel temasek tennis teva tf
tg th thd theater theatre tiaa tickets tienda tips tires tirol tj tjmaxx tjx tk tkmaxx tl tm
tmall tn to today tokyo tools top toray toshiba total tours town toyota toys tr trade trading
training travel travelers travelersinsurance trust trv tt tube tui tunes tushu tv tvs tw tz ua
ubank ubs ug uk unicom university uno uol ups us uy uz va vacations vana vanguard vc ve vegas
ventures verisign versicherung vet vg vi viajes video vig viking villas vin vip virgin visa
vision viva vivo vlaanderen vn vodka volvo vote voting voto voyage vu wales walmart walter wang
wanggou watch watches weather weatherchannel web webcam weber website wed wedding weibo weir wf
whoswho wien wiki williamhill win windows wine winners wme woodside work works world wow ws wtc
wtf xbox xerox xihuan xin xxx xyz yachts yahoo yamaxun yandex ye yodobashi yoga yokohama you
youtube yt yun za zappos zara zero zip zm zone zuerich zw
"""
_ASCII_TLDS = frozenset(_ASCII_TLD_NAMES.split())

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
# `tel:110` and `sms:10086` are a number to call or text, not a host with a port.
_HOST_PORT = re.compile(
    rf"(?<![0-9a-z_.\]{IDEOGRAPHIC_STOP}-])(?<![0-9a-z]:)(?!(?:tel|sms):)"
    r"[a-z][a-z0-9-]{0,62}:([0-9]{2,5})(?![0-9a-z_:])", re.IGNORECASE)
_LOCALHOST = re.compile(r"(?<![0-9a-z_.-])localhost\.?(?=/)", re.IGNORECASE)
# Schemes a phone or a browser acts on without `//`: script and inline content, mail, Android
# intents, and the app schemes of payment and chat apps that fraud pages hand victims to.
# What follows must be ASCII and not a space, so `Data: 5` and `data:数据` stay text.
_BARE_SCHEME = re.compile(  # the lookahead first lets the scan skip most characters fast
    r"(?=[abdfhijmtvw])(?<![a-z0-9+.-])(?:https?|ftp|javascript|vbscript|data|blob|file"
    r"|mailto|intent|market|itms-services|weixin|wechat|alipays?|mqq(?:api|wpa)?|taobao|tbopen)"
    r":(?!//)(?=[!-~])", re.IGNORECASE)
# A host a browser reads as an IPv4 address: one to four numbers, each decimal, `0x` hex or
# octal (a leading 0). The dotted-quad of _IPV4 is a link bare; these other spellings only
# with a port or a path, as bare they are ordinary numbers (`3.5`, `2026.12.01`, `18:43`).
# A comma in front makes `000.00` the tail of an amount.
_NUMBER = r"(?:0x[0-9a-f]*|[0-9]+)"
_NUMERIC_HOST = re.compile(
    rf"(?<![0-9a-z_.,\[\]{IDEOGRAPHIC_STOP}-])({_NUMBER}(?:{_DOT}{_NUMBER}){{0,3}})"
    rf"(?:(:[0-9]{{2,5}})(?![0-9a-z_:.])|(?=/([a-z]+|[?#~%_])?))", re.IGNORECASE)
# A rate or a score: `3.5/kg`, `12.5/m2` read as a number per unit, not as a path.
_UNITS_NAMES = """
g kg mg t lb oz m km cm mm l ml h hr hrs min s sec d w kw kwh kb mb gb tb kbps mbps gbps
pc pcs ppm
"""
_UNITS = frozenset(_UNITS_NAMES.split())

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
    # Nearly every value in a message has none of these, and each rule needs one of them.
    colon = ":" in seen
    dot = "." in seen or IDEOGRAPHIC_STOP in seen
    slash = "/" in seen
    spans: list[Span] = []
    if colon:
        spans += [(m.start(), m.end(), "scheme") for m in _SCHEME.finditer(seen)]
        spans += [(m.start(), m.end(), "scheme") for m in _BARE_SCHEME.finditer(seen)]
        spans += [(m.start(), m.end(), "colons") for m in _IPV6_BRACKETED.finditer(seen)
                  if _is_ipv6(m[1], bare=False)]
        spans += [(m.start(), m.end(), "colons") for m in _IPV6_BARE.finditer(seen)
                  if _is_ipv6(m[0], bare=True)]
        spans += [(m.start(), m.end(), "colons") for m in _HOST_PORT.finditer(seen)
                  if int(m[1]) <= 65535]
    if dot:
        spans += [(m.start(), m.end(), "dots") for m in _DOTTED.finditer(seen)
                  if _is_domain(m[0])]
        spans += [(m.start(), m.end(), "dots") for m in _IPV4.finditer(seen)]
    if slash:
        spans += [(m.start(), m.end(), "host") for m in _LOCALHOST.finditer(seen)]
    if colon or slash:
        spans += [(m.start(), m.end(), "host") for m in _NUMERIC_HOST.finditer(seen)
                  if _is_numeric_host(m[1], m[2], m[3])]
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
            # `evil。com` counts, and after any other label only a whole TLD (module doc).
            if before[-1].isascii() and before[-1].isalnum() and _ASCII_TLD.match(after):
                return True
            if after in _IDN_TLDS or after.lower() in _ASCII_TLDS:
                return True
            if after[:4].lower() == "xn--" and _ASCII_TLD.fullmatch(after):
                return True
    return False


def _is_numeric_host(host: str, port: str | None, path: str | None) -> bool:
    parts = re.split(_DOT, host)
    if len(parts) == 4 and all(part.isdigit() and len(part) <= 3 for part in parts):
        return False  # _IPV4's: found bare, and its port stays as written
    value = _ipv4_value(parts)
    if value is None:
        return False
    if len(parts) == 1 and value < 1 << 24:
        return False  # `18:43`, `8080/a`, `2026/02/23`: 0.0.x.y is no host anyone is sent to
    if port is not None:
        return int(port[1:]) <= 65535
    if any(part[:2].lower() == "0x" for part in parts):
        return True  # hex is nothing a reader writes for a quantity
    return path is not None and path.lower() not in _UNITS


def _ipv4_value(parts: list[str]) -> int | None:
    """The address a browser (WHATWG URL, as `inet_aton`) reads in dotted numbers, or None."""
    numbers: list[int] = []
    for part in parts:
        if part[:2].lower() == "0x":
            digits, base = part[2:] or "0", 16
        elif len(part) > 1 and part[0] == "0":
            digits, base = part[1:], 8
        else:
            digits, base = part, 10
        if len(digits) > 32:  # no address, and a long conversion costs
            return None
        try:
            numbers.append(int(digits, base))
        except ValueError:  # `08`: not octal, so no address
            return None
    *head, last = numbers
    if any(number > 255 for number in head) or last >= 1 << (8 * (5 - len(numbers))):
        return None
    value = last
    for i, number in enumerate(head):
        value += number << (8 * (3 - i))
    return value


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
            elif char == ":" and kind in ("colons", "host"):
                marks[i] = "[:]"
        if kind == "host" and not any(i in marks for i in range(span_start, span_end)):
            # `localhost/verify`, `2130706433/a`: nothing to break, so a trailing dot,
            # which names the same host, is shown defanged.
            marks[span_end - 1] = f"{seen[span_end - 1]}[.]"
    for span_start, span_end, kind in members:
        if kind == "scheme":  # last: the `://` of a scheme stays as it reads
            for i in range(span_start, span_end):
                marks[i] = ""
            marks[span_start] = _defanged_scheme(seen[span_start:span_end])
    return "".join(marks.get(i, seen[i]) for i in range(start, end))


def _defanged_scheme(scheme: str) -> str:
    name, _, slashes = scheme.partition(":")
    if name.lower() in ("http", "https"):
        return f"{name[0]}xx{name[3:]}:{slashes}"
    if name.lower() == "ftp":
        return f"{name[0]}x{name[2]}:{slashes}"
    return f"{name}[:]{slashes}"  # no client opens `name[:]`, and it still says what it was
