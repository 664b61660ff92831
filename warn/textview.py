"""Text as a reader's eye and a browser's parser see it, for finding numbers and links.

Free text holds the same digits and dots in many spellings: full-width (`１３８`, `．`),
other scripts' decimal digits, ideographic full stops, and characters that show nothing
at all (zero-width spaces, bidi controls, variation selectors). `view(text)` is the text
under Unicode NFKC with those invisible characters removed and every decimal digit made
ASCII; each of its characters remembers which character of the original it came from, so
a match found in the view can be replaced in the original and everything else stays as
written.
"""

from __future__ import annotations

import unicodedata

from warn.domain.signals import UNSEEN

# Format characters (Cf: zero-width space/joiners, bidi marks and controls, word joiners,
# BOM, soft hyphen, ...) are found by category, and those that show nothing either but are
# not Cf (fillers, variation selectors, the combining grapheme joiner) are the ones a
# signal may not hold (warn.domain.signals.UNSEEN). Line and paragraph separators are
# line breaks, so white space.
_WHITESPACE_CONTROLS = frozenset("\t\n\v\f\r\x1c\x1d\x1e\x1f\x85\u2028\u2029")
# Every character that UTS #46 (what browsers apply to host names) reads as a label dot
# becomes "." under NFKC, except the ideographic full stop, which stays "。": it is also
# ordinary Chinese punctuation, and the link rules treat it with more care.
IDEOGRAPHIC_STOP = "。"

_CACHE_LIMIT = 65_536


def _view_of(char: str) -> str:
    if char in _WHITESPACE_CONTROLS:
        return " "
    category = unicodedata.category(char)
    if category in ("Cf", "Cc") or UNSEEN.match(char):
        return ""
    if char.isascii():
        return char
    out = []
    for part in unicodedata.normalize("NFKC", char):
        digit = unicodedata.decimal(part, None)
        out.append(str(digit) if digit is not None else part)
    return "".join(out)


class _Table(dict[int, str]):
    """`str.translate` table computed on first use of each character (C speed after that)."""

    def __missing__(self, code: int) -> str:
        value = _view_of(chr(code))
        if len(self) < _CACHE_LIMIT:  # text can hold any character; memory stays bounded
            self[code] = value
        return value


_TABLE = _Table()


def normalised(text: str) -> str:
    """The view of `text` without positions: cheap, for the common case where nothing matches."""
    return text.translate(_TABLE)


def view(text: str) -> tuple[str, list[int]]:
    """(the view of `text`, for each view character the index of its original character)."""
    parts: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        piece = _TABLE[ord(char)]
        if piece:
            parts.append(piece)
            origin.extend([index] * len(piece))
    return "".join(parts), origin


def replace_spans(text: str, origin: list[int], edits: list[tuple[int, int, str]]) -> str:
    """`text` with each view span [start, end) of `edits` (sorted, disjoint) replaced."""
    out: list[str] = []
    done = 0
    for start, end, replacement in edits:
        first, last = origin[start], origin[end - 1] + 1
        out.append(text[done:first])
        out.append(replacement)
        done = last
    out.append(text[done:])
    return "".join(out)


# Digits people write as characters: Chinese numerals (lower case, the "financial" upper
# case of banking forms, 幺 and 两 as read aloud), and the Latin letters typed for 1 and 0.
# Only for finding one known number, whose whole digit sequence must match: ordinary text
# read this way never matches by chance.
_NUMERALS = str.maketrans({
    **dict.fromkeys("〇零", "0"), **dict.fromkeys("一壹幺", "1"),
    **dict.fromkeys("二贰貳两兩", "2"), **dict.fromkeys("三叁參", "3"),
    **dict.fromkeys("四肆", "4"), **dict.fromkeys("五伍", "5"),
    **dict.fromkeys("六陆陸", "6"), **dict.fromkeys("七柒", "7"),
    **dict.fromkeys("八捌", "8"), **dict.fromkeys("九玖", "9"),
    **dict.fromkeys("lI", "1"), **dict.fromkeys("oO", "0"),
})


def as_digits(seen: str) -> str:
    """A view (above) with numerals and look-alike letters read as the digits they stand
    for; one character for one, so the view's positions still hold."""
    return seen.translate(_NUMERALS)
