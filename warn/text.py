"""Free text from people, cleaned of characters that read one way and are another."""

import re

from warn.domain.signals import UNSEEN

# The characters a signal may not hold (bidi controls and marks, invisible and format
# characters: warn.domain.signals): in a note pasted from a chat they hide or reorder what
# it says.
_UNSEEN = UNSEEN


def without_unseen(text: str) -> str:
    """`text` with every bidi control and invisible character taken out."""
    return _UNSEEN.sub("", text)


# Control characters other than tab and line breaks: a NUL cannot be stored in PostgreSQL,
# escape sequences reach terminals through `warn demo` and log readers.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def typed_text(text: str) -> str | None:
    """A note or reason from a console form as it is kept: without unseen or control
    characters, trimmed; None when nothing is left."""
    return _CONTROL.sub("", without_unseen(text)).strip() or None
