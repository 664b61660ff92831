"""WARN_DUTY_PHONE: shown as written, dialled as digits; anything that is not a phone number
is not shown at all (the field pages then say to call 110)."""

import pytest

from warn.config import DutyPhone, duty_phone


@pytest.mark.parametrize(("written", "expected"), [
    ("023-5888 1234", DutyPhone("023-5888 1234", "02358881234")),
    (" (023) 58881234 ", DutyPhone("(023) 58881234", "02358881234")),
    ("+86 23 5888 1234", DutyPhone("+86 23 5888 1234", "+862358881234")),
    ("110", DutyPhone("110", "110")),
])
def test_a_number_is_shown_as_written_and_dialled_as_digits(written: str,
                                                            expected: DutyPhone) -> None:
    assert duty_phone({"WARN_DUTY_PHONE": written}) == expected


@pytest.mark.parametrize("written", ["", "   ", "值班室", "110;ext=1", "tel:110", "javascript:1",
                                     "12", "+", "023-5888-1234?x", "1" * 40, "((( )))"])
def test_anything_else_is_no_number(written: str) -> None:
    assert duty_phone({"WARN_DUTY_PHONE": written}) is None
    assert duty_phone({}) is None
