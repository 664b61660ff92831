"""mask_phone: the subject's number in every spelling, and nothing else."""

from __future__ import annotations

import pytest

from warn.access.masking import mask_all, mask_phone, masked_form

CN = "+8613812345678"


@pytest.mark.parametrize(("text", "expected"), [
    ("+8613812345678", "138****5678"),
    ("13812345678", "138****5678"),
    ("手机 13812345678，请回拨", "手机 138****5678，请回拨"),
    ("call +86 138 1234 5678 now", "call 138****5678 now"),
    ("138-1234-5678 / 8613812345678 / 008613812345678", "138****5678 / 138****5678 / "
                                                        "138****5678"),
    # Inside a longer run of digits too (a typo, an IP dialling prefix): never left readable.
    ("other 13912345678 and 113812345678 and 138123456789", "other 13912345678 and "
                                                            "1138****5678 and 138****56789"),
    ("", ""),
])
def test_masks_the_chinese_number_in_every_spelling(text: str, expected: str) -> None:
    assert mask_phone(text, CN) == expected


@pytest.mark.parametrize(("msisdn", "national", "masked"), [
    ("+85291234567", "91234567", "****4567"),
    ("+14155552671", "4155552671", "****2671"),
    ("+447911123456", "7911123456", "****3456"),
    ("+3531234567", "1234567", "****567"),
])
def test_shorter_national_numbers_show_at_most_their_last_4(
        msisdn: str, national: str, masked: str) -> None:
    assert masked_form(msisdn) == masked
    assert mask_phone(f"a {msisdn} b {national} c", msisdn) == f"a {masked} b {masked} c"


def test_mask_all_walks_json() -> None:
    data = {"subject": {"msisdn": CN, "name": "郭某"}, "n": 3,
            "items": [{"recipient": CN, "body": "手机 13812345678"}, None, True]}
    assert mask_all(data, CN) == {
        "subject": {"msisdn": "138****5678", "name": "郭某"}, "n": 3,
        "items": [{"recipient": "138****5678", "body": "手机 138****5678"}, None, True]}
