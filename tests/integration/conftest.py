"""The duty room most service-level tests run in, on each database the suite runs on."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.service_harness import Room, make_room


@pytest.fixture
def room(db_url: str, mock_log: Path) -> Iterator[Room]:
    room = make_room(db_url, mock_log)
    yield room
    room.ctx.engine.dispose()
