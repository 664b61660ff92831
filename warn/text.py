"""Free text from people, cleaned of characters that read one way and are another."""

import re

from warn.domain.signals import UNSEEN


def without_unseen(text: str) -> str:
    """`text` with every character a signal may not hold for showing nothing or reordering
    what is around it (warn.domain.signals.UNSEEN) taken out: in a note pasted from a chat
    they hide or reorder what it says."""
    return UNSEEN.sub("", text)


# Control characters other than tab and line breaks: a NUL cannot be stored in PostgreSQL,
# escape sequences reach terminals through `warn demo` and log readers.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def typed_text(text: str) -> str | None:
    """A note or reason from a console form as it is kept: without unseen or control
    characters, trimmed; None when nothing is left."""
    return _CONTROL.sub("", without_unseen(text)).strip() or None
