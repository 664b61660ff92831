"""`warn ingest FILE.ndjson`: bulk-load signals in batches, with a progress bar."""

from dataclasses import dataclass, field
from pathlib import Path

from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from warn.domain.signals import parse_json
from warn.service.context import Context
from warn.service.ingest import MAX_BATCH, ingest
from warn.work import HandOff


@dataclass
class IngestReport:
    accepted: int = 0
    duplicates: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)


def ingest_file(ctx: Context, path: Path, hand_off: HandOff,
                batch_size: int = MAX_BATCH, *, feed: str = "") -> IngestReport:
    """`hand_off` takes each batch's signals to process (without a broker nothing takes
    them: the running server's scheduler finds them stored within seconds). The ids are
    `feed`'s (the feed '' when not given: the file's own)."""
    report = IngestReport()
    total = path.stat().st_size
    columns = (TextColumn("ingesting"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn())
    with Progress(*columns) as progress, path.open("rb") as source:
        task = progress.add_task("ingest", total=total)
        batch: list[tuple[int, object]] = []
        for number, raw in enumerate(source, start=1):
            progress.update(task, advance=len(raw))
            item = _parse_line(raw, number, report)
            if item is not None:
                batch.append((number, item))
            if len(batch) >= batch_size:
                _flush(ctx, batch, report, hand_off, feed)
        _flush(ctx, batch, report, hand_off, feed)
    return report


def _parse_line(raw: bytes, number: int, report: IngestReport) -> object | None:
    if not raw.strip():
        return None
    try:
        # The same reading as POST /v1/signals: a huge number is refused with its line,
        # never the file.
        return parse_json(raw)
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        report.problems.append((number, f"not valid JSON: {error}"))
        return None


def _flush(ctx: Context, batch: list[tuple[int, object]], report: IngestReport,
           hand_off: HandOff, feed: str) -> None:
    if not batch:
        return
    # Audited as the feed named, or as the command when none is.
    actor = (feed, "feed") if feed else None
    (accepted, refused), work = ingest(ctx, [item for _, item in batch], actor=actor)
    hand_off(work)
    for item in accepted:
        report.accepted += not item.duplicate
        report.duplicates += item.duplicate
    for rejection in refused:
        field_name = f" ({rejection.error.field})" if rejection.error.field else ""
        report.problems.append((batch[rejection.index][0],
                                f"{rejection.error.message}{field_name}"))
    batch.clear()
