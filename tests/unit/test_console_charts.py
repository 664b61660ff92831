"""The console's server-drawn SVG charts: round axes, escaped text, markers in place."""

import re

import pytest

from warn.console import charts
from warn.console.formats import phone, span


@pytest.mark.parametrize(("value", "top"), [(0, 4), (3, 4), (5, 8), (6, 8), (10, 12),
                                            (13, 20), (50, 60), (118, 120), (999, 1000)])
def test_axes_end_on_a_top_whose_quarters_are_whole_numbers(value: float, top: float) -> None:
    assert charts._nice_max(value) == top
    assert (top / 4) == int(top / 4)


def test_text_in_a_chart_is_escaped() -> None:
    svg = charts.stacked_bars([("<script>", [("a&b", 3, "#123456")])], "t<itle>")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "a&amp;b" in svg
    assert svg.startswith("<svg") and 'aria-label="t&lt;itle&gt;"' in svg


def test_columns_stack_their_series() -> None:
    svg = charts.stacked_columns(["d1", "d2"], [charts.Series("高", "#f00", [1, 0]),
                                                charts.Series("低", "#00f", [2, 3])], "x")
    assert len(re.findall(r"<rect [^>]*fill=\"#f00\"", svg)) == 2  # legend + one bar
    assert len(re.findall(r"<rect [^>]*fill=\"#00f\"", svg)) == 3


def test_histogram_markers_and_line_gaps() -> None:
    svg = charts.histogram([("a", 1), ("b", 4)], [("中位 1秒", 0.5), ("P90 9秒", 1.9)], "h",
                           "#0a0")
    assert svg.count('class="marker"') == 2 and 'text-anchor="end"' in svg  # the right one
    line = charts.line(["1", "2", "3"], [0.5, None, 1.0], "r", "#0a0")
    assert line.count("<circle") == 2


def test_spans_and_phone_numbers_read_the_way_a_duty_room_says_them() -> None:
    assert [span(s) for s in (None, 0, 45, 190, 1500, 7500)] == \
        ["—", "0秒", "45秒", "3分10秒", "25分钟", "2小时5分"]
    assert phone("+8613812345678") == "138 1234 5678"
    assert phone("+85212345678") == "+85212345678" and phone(None) == "—"
