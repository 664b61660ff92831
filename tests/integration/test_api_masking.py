"""mask_phone: the subject's number in every spelling, and nothing else."""

from __future__ import annotations

import pytest

from warn.api.masking import mask_all, mask_phone, masked_form

CN = "+8613812345678"


@pytest.mark.parametrize(("text", "expected"), [
    ("+8613812345678", "138****5678"),
    ("13812345678", "138****5678"),
    ("手机 13812345678，请回拨", "手机 138****5678，请回拨"),
    ("call +86 138 1234 5678 now", "call 138****5678 now"),
    ("138-1234-5678 / 8613812345678 / 008613812345678", "138****5678 / 138****5678 / "
                                                        "138****5678"),
    ("other 13912345678 and 113812345678 and 138123456789", "other 13912345678 and "
                                                            "113812345678 and 138123456789"),
    ("", ""),
])
def test_masks_the_chinese_number_in_every_spelling(text: str, expected: str) -> None:
    assert mask_phone(text, CN) == expected


@pytest.mark.parametrize(("msisdn", "national", "masked"), [
    ("+85291234567", "91234567", "912****4567"),
    ("+14155552671", "4155552671", "415****2671"),
    ("+447911123456", "7911123456", "791****3456"),
    ("+3531234567", "1234567", "****4567"),
])
def test_other_countries_keep_first_3_and_last_4_of_the_national_part(
        msisdn: str, national: str, masked: str) -> None:
    assert masked_form(msisdn) == masked
    assert mask_phone(f"a {msisdn} b {national} c", msisdn) == f"a {masked} b {masked} c"


def test_mask_all_walks_json() -> None:
    data = {"subject": {"msisdn": CN, "name": "郭某"}, "n": 3,
            "items": [{"recipient": CN, "body": "手机 13812345678"}, None, True]}
    assert mask_all(data, CN) == {
        "subject": {"msisdn": "138****5678", "name": "郭某"}, "n": 3,
        "items": [{"recipient": "138****5678", "body": "手机 138****5678"}, None, True]}
