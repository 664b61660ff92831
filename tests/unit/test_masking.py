"""The subject's number, masked in every spelling and only that number (CONTRACT §2)."""

from __future__ import annotations

import re
import time

import pytest

from warn.access.masking import mask_all, mask_phone, masked_form
from warn.textview import normalised

SUBJECT = "+8613987654321"
MASKED = "139****4321"


def digits_of(text: str) -> str:
    """The digits a reader can put together, whatever stands between them (stars break)."""
    return re.sub(r"[^0-9*]", "", normalised(text))


SPELLINGS = [
    ("plain", "13987654321"),
    ("E.164", "+8613987654321"),
    ("full-width digits", "１３９８７６５４３２１"),
    ("full-width with full-width plus", "＋８６１３９８７６５４３２１"),
    ("dots", "139.8765.4321"),
    ("full-width dots", "139．8765．4321"),
    ("ideographic full stops", "139。8765。4321"),
    ("zero-width space", "139\u200b8765\u200b4321"),
    ("word joiner and BOM", "1398\u20607654\ufeff321"),
    ("soft hyphen", "139\u00ad8765\u00ad4321"),
    ("bidi isolate", "139\u20668765\u20694321"),
    ("brackets", "(139)8765-4321"),
    ("double spaces", "139  8765  4321"),
    ("slashes", "139/8765/4321"),
    ("dashes", "139-8765-4321"),
    ("em dashes", "139—8765—4321"),
    ("no-break and ideographic spaces", "139\u00a08765\u30004321"),
    ("spaced +86", "+86 139 8765 4321"),
    ("0086 dashed", "0086-139-8765-4321"),
    ("86 glued", "8613987654321"),
    ("(+86)", "(+86)139 8765 4321"),
    ("+86 (0)", "+86 (0)139 8765 4321"),
    ("trunk 0", "013987654321"),
    ("one digit each", "1 3 9 8 7 6 5 4 3 2 1"),
    ("mixed widths", "1３9.８765-４321"),
    ("Arabic-Indic digits", "١٣٩٨٧٦٥٤٣٢١"),
    ("circled digits", "①③⑨⑧⑦⑥⑤④③②①"),
    ("IP dialling prefix", "1795113987654321"),
    ("Chinese numerals", "一三九八七六五四三二一"),
    ("Chinese numerals read aloud", "幺三九八七六五四三二幺"),
    ("financial numerals", "壹叁玖捌柒陆伍肆叁贰壹"),
    ("numerals and digits mixed", "139八七六五4321"),
    ("list commas", "139、8765、4321"),
    ("colons", "139:8765:4321"),
    ("stars", "139*8765*4321"),
    ("bullets", "139•8765•4321"),
    ("hashes and plus signs", "139#8765+4321"),
    ("four spaces", "139    8765    4321"),
    ("line breaks", "139\n8765\n4321"),
    ("a combining accent on each digit", "".join(d + "\u0301" for d in "13987654321")),
    ("keycaps", "".join(d + "\u20e3" for d in "13987654321")),
    ("l for 1 and O for 0", "l398765432l"),
]


@pytest.mark.parametrize(("label", "spelling"), SPELLINGS)
def test_every_spelling_becomes_the_masked_form(label: str, spelling: str) -> None:
    masked = mask_phone(f"学生戊，手机 {spelling}，请联系", SUBJECT)

    assert "13987654321" not in digits_of(masked), label
    assert MASKED in masked, label
    assert masked.startswith("学生戊，手机 ") and masked.endswith("，请联系"), label


@pytest.mark.parametrize(("label", "spelling"), SPELLINGS)
def test_masking_twice_is_masking_once(label: str, spelling: str) -> None:
    once = mask_phone(f"a {spelling} b {spelling}", SUBJECT)

    assert mask_phone(once, SUBJECT) == once, label


def test_the_rest_of_the_text_stays_as_written() -> None:
    text = "家属：（１３９　８７６５　４３２１），地址：万州区北滨路１号"

    assert mask_phone(text, SUBJECT) == "家属：（139****4321），地址：万州区北滨路１号"


def test_only_the_subjects_number_is_masked() -> None:
    text = "家属 13912345678 / 对象 139-8765-4321 / 对方 +85212345678"

    assert mask_phone(text, SUBJECT) == "家属 13912345678 / 对象 139****4321 / 对方 +85212345678"


def test_a_longer_digit_run_holding_the_number_is_masked_too() -> None:
    # A typo's extra digit or two numbers written together must not show the number; a
    # chance 11-digit match inside an account number costs a liaison nothing.
    assert mask_phone("113987654321", SUBJECT) == "1139****4321"
    assert mask_phone("1398765432113912345678", SUBJECT) == "139****432113912345678"


def test_no_number_no_change() -> None:
    text = "案件 C20260223-184300-0412，金额 60,000.00元，18:43"

    assert mask_phone(text, SUBJECT) is text
    assert mask_phone("", SUBJECT) == ""
    assert mask_phone(text, "") is text


@pytest.mark.parametrize(("msisdn", "masked"), [
    ("+8613812345678", "138****5678"),  # 11 digits: first 3 and last 4
    ("+85261234567", "****4567"),  # Hong Kong, 8 digits
    ("+85291234567", "****4567"),
    ("+14155552671", "****2671"),  # North America, 10 digits
    ("+447911123456", "****3456"),  # UK mobile, 10 digits
    ("+3531234567", "****567"),  # 7 digits: 4 hidden leaves 3
    ("+390612345678", "****5678"),  # Italy keeps its leading 0 in the national number
    ("+6831234", "****"),  # Niue, 4 digits: nothing shown
])
def test_masked_form_of_real_numbers(msisdn: str, masked: str) -> None:
    assert masked_form(msisdn) == masked


@pytest.mark.parametrize(("length", "masked"), [
    (4, "****"),
    (5, "****5"),
    (6, "****56"),
    (7, "****567"),
    (8, "****5678"),
    (9, "****6789"),
    (10, "****7890"),
    (11, "123****8901"),
    (12, "123****9012"),
    (13, "123****0123"),
    (14, "123****1234"),
    (15, "123****2345"),
])
def test_masked_form_by_national_length(length: int, masked: str) -> None:
    assert masked_form("+86" + "1234567890123456"[:length]) == masked


@pytest.mark.parametrize("length", range(1, 16))
def test_at_least_4_hidden_at_most_7_shown(length: int) -> None:
    national = "9876543210987654"[:length]
    masked = masked_form("+86" + national)

    shown = masked.replace("*", "")
    assert "****" in masked
    assert length - len(shown) >= min(4, length)
    assert len(shown) <= (7 if length >= 11 else 4)
    assert national.endswith(masked.rsplit("*", 1)[1])
    assert national.startswith(masked.split("*", 1)[0])


@pytest.mark.parametrize(("msisdn", "text", "expected"), [
    ("+85261234567", "call +852 6123 4567, 6123-4567 or 852-61234567", "call ****4567, "
     "****4567 or ****4567"),
    ("+14155552671", "+1 (415) 555-2671 / 1-415-555-2671 / 011 1 415 555 2671",
     "****2671 / ****2671 / ****2671"),
    ("+447911123456", "+44 (0)7911 123456 or 07911 123456", "****3456 or ****3456"),
])
def test_short_numbers_in_their_own_spellings(msisdn: str, text: str, expected: str) -> None:
    assert mask_phone(text, msisdn) == expected


def test_a_short_national_number_only_matches_on_its_own() -> None:
    # Niue: 4 digits; a run that merely contains them is another number.
    assert mask_phone("1234 / 81234 / +683 1234", "+6831234") == "**** / 81234 / ****"


def test_mask_all_walks_json_keeping_shapes() -> None:
    data = {"subject": {"msisdn": SUBJECT, "name": "学生戊"}, "n": 3, "ok": True,
            "items": [{"recipient": SUBJECT, "body": "手机 139 8765 4321"}, None],
            "pair": ("+86 139-8765-4321", 2), "13987654321": "key"}

    assert mask_all(data, SUBJECT) == {
        "subject": {"msisdn": MASKED, "name": "学生戊"}, "n": 3, "ok": True,
        "items": [{"recipient": MASKED, "body": "手机 139****4321"}, None],
        "pair": (MASKED, 2), MASKED: "key"}


def test_masking_a_case_page_is_fast() -> None:
    note = "民警回访：对象情绪稳定，已告知公检法不会要求转账，家属电话 13912345678，万州区北滨路。"
    page = {f"entry{i}": note * 2 if i % 4 else f"对象手机 +86 139 8765 4321 第{i}条"
            for i in range(200)}
    mask_all(page, SUBJECT)  # first use of the pattern and of the characters

    started = time.perf_counter()
    for _ in range(10):
        shown = mask_all(page, SUBJECT)
    per_page = (time.perf_counter() - started) / 10

    assert "13987654321" not in digits_of(str(shown))
    assert per_page < 0.020, f"{per_page * 1000:.1f} ms for 200 strings"
