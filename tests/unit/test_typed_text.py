"""What people type (notes, reasons) is kept as typed, less what reads otherwise than it is."""

import unicodedata

import pytest

from warn.api.schemas import DeclineBody, EscalateBody, OutcomeBody, ResultBody
from warn.text import typed_text, without_unseen


@pytest.mark.parametrize("typed", [
    "回拨 \u202e13987654321", "王\u202e", "\u2066已劝阻\u2069", "139\u200b8765\u200b4321",
    "\ufeff已到达", "已\u200d劝阻", "\u200f110\u200e", "\u2060\u2061\u2064",
    "回拨 " + "".join("\u061c" + d for d in "87654321931"), "北滨\u00ad路", "郭\u180e某",
    "郭\u3164", "2023\ufe0f", "郭\U000e0041",
])
def test_bidi_controls_and_invisible_characters_are_taken_out(typed: str) -> None:
    kept = without_unseen(typed)
    assert all(unicodedata.category(ch) != "Cf" for ch in kept)
    assert all(ch not in kept for ch in "\u3164\ufe0f")
    assert kept == "".join(ch for ch in typed if ch.isprintable() and ch not in "\u3164\ufe0f")


def test_line_breaks_tabs_and_every_script_stay() -> None:
    note = "第一行\n第二行\t王 Ali عربي ١٢٣"
    assert without_unseen(note) == note and typed_text(note) == note


def test_a_console_form_keeps_nothing_unseen_and_no_control_characters() -> None:
    assert typed_text("  \u202e\x00\x1b[31m回拨\u200b失败  ") == "[31m回拨失败"
    assert typed_text(" \u200b \u202e ") is None


@pytest.mark.parametrize("body", [
    lambda text: OutcomeBody(outcome="dissuaded", note=text).note,
    lambda text: DeclineBody(stage=1, reason=text).reason,
    lambda text: EscalateBody(reason=text).reason,
    lambda text: ResultBody(result="no_answer", note=text).note,
])
def test_the_api_takes_them_out_of_notes_and_reasons(body) -> None:  # type: ignore[no-untyped-def]
    assert body("拨打\u202e110 13987654321") == "拨打110 13987654321"
